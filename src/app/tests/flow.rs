//! Flow A (PROTOCOL.md "Flow A, step by step"): requests, links, answers, refusals, expiry.

use super::*;

#[test]
fn flow_a_connects_the_issue_author() {
    let s = connected_alice();
    assert_eq!(s.requests[&7].stage, RequestStage::Connected);
    assert_eq!(s.conversations[&1].state, PeerState::Open);
    assert_eq!(last_activity(&s).text, "alice connected (#7)");
}

#[test]
fn impersonated_answer_is_ignored_and_reported() {
    let mut s = waiting_for_alice();
    let fx = comment_seen(
        &mut s,
        T0 + 5,
        comment(601, 7, user("mallory", 66), &answer(SID)),
    );
    assert!(fx.is_empty());
    assert_eq!(s.requests[&7].stage, RequestStage::WaitingForAnswer);
    let note = &last_activity(&s).text;
    assert!(
        note.contains("ignored answer from mallory") && note.contains("not the issue author"),
        "{note}"
    );
    // Same login, different id (a renamed account) is refused too.
    let fx = comment_seen(
        &mut s,
        T0 + 5,
        comment(602, 7, user("alice", 43), &answer(SID)),
    );
    assert!(fx.is_empty());
}

#[test]
fn replayed_answer_is_ignored() {
    let mut s = connected_alice();
    let fx = comment_seen(
        &mut s,
        T0 + 9,
        comment(603, 7, user("alice", 42), &answer(SID)),
    );
    assert!(fx.is_empty());
    assert!(
        last_activity(&s).text.contains("already used"),
        "{}",
        last_activity(&s).text
    );
}

#[test]
fn wrong_sid_expired_and_garbage_answers_are_refused() {
    let mut s = waiting_for_alice();
    let fx = comment_seen(
        &mut s,
        T0 + 5,
        comment(604, 7, user("alice", 42), &answer("ffffffffffffffff")),
    );
    assert!(fx.is_empty());
    assert!(last_activity(&s).text.contains("does not match"));
    let fx = comment_seen(
        &mut s,
        T0 + 5,
        comment(
            605,
            7,
            user("alice", 42),
            "here: janus1.a.!!!notbase64 janus1.a.AAAA",
        ),
    );
    assert!(fx.is_empty());
    assert!(last_activity(&s).text.contains("refused answer from alice"));
    let fx = comment_seen(
        &mut s,
        T0 + 601,
        comment(606, 7, user("alice", 42), &answer(SID)),
    );
    assert!(fx.is_empty());
    assert!(last_activity(&s).text.contains("expired"));
}

#[test]
fn offers_expire_and_the_link_is_edited_away() {
    let mut s = waiting_for_alice();
    assert!(update(&mut s, T0 + 600, Event::Tick).is_empty());
    let fx = update(&mut s, T0 + 601, Event::Tick);
    assert!(fx.contains(&Effect::ClosePeer {
        peer_id: 1,
        reason: "offer expired".into()
    }));
    assert!(fx.iter().any(|e| matches!(e, Effect::EditComment { comment_id: 500, body, .. } if body.contains("expired") && !body.contains("janus1."))));
    assert_eq!(s.requests[&7].stage, RequestStage::Expired);
    // A new comment from the author asks again: a fresh offer.
    let fx = comment_seen(
        &mut s,
        T0 + 700,
        comment(607, 7, user("alice", 42), "still there?"),
    );
    assert_eq!(
        fx,
        vec![Effect::CreateOffer {
            peer_id: 2,
            issue: 7
        }]
    );
}

#[test]
fn skips_pull_requests_bots_own_and_old_issues() {
    let mut s = new_state();
    let mut pr = issue(1, user("alice", 42), T0);
    pr.pull_request = Some(serde_json::json!({}));
    let mut bot = issue(2, user("dependabot", 50), T0);
    bot.user.kind = "Bot".into();
    let own = issue(3, user("maintainer", 1), T0);
    let old = issue(4, user("bob", 43), T0 - 601);
    let mut closed = issue(5, user("bob", 43), T0);
    closed.state = "closed".into();
    for i in [pr, bot, own, old, closed] {
        assert!(issue_seen(&mut s, T0, i).is_empty());
    }
    // Inside the backlog window it is served; seen again, it is not served twice.
    assert_eq!(
        issue_seen(&mut s, T0, issue(6, user("bob", 43), T0 - 599)).len(),
        1
    );
    assert!(issue_seen(&mut s, T0, issue(6, user("bob", 43), T0 - 599)).is_empty());
}

#[test]
fn frames_from_a_peer_that_is_not_open_are_ignored() {
    let mut s = waiting_for_alice();
    let fx = update(
        &mut s,
        T0,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::Chat {
                id: "x".into(),
                text: "early".into(),
                from: None,
                ts: 0,
                room: None,
            },
        },
    );
    assert!(fx.is_empty());
    assert!(s.activity.iter().all(|a| a.text != "early"));
}

// ---- manual accept, decline, read marks, rate limit, link and verification code ----
