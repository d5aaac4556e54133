//! Memory bounded by age (issue #12): what the core has finished with is forgotten
//! `limits.memory_secs` after it settled, on `Event::Tick`, without ever letting a used
//! answer through or bringing a forgotten request back.

use super::*;

const MEMORY: u64 = 1800;

/// Alice's chat on #7 connected and ended at T0 + 20; settled at the tick of T0 + 21.
fn ended_chat() -> State {
    let mut s = connected_alice();
    assert_eq!(s.settings.limits.memory_secs, MEMORY);
    update(
        &mut s,
        T0 + 20,
        Event::PeerClosed {
            peer_id: 1,
            reason: "bye".into(),
        },
    );
    update(&mut s, T0 + 21, Event::Tick);
    s
}

fn replay(s: &mut State, now: u64, comment_id: u64) -> Vec<Effect> {
    comment_seen(
        s,
        now,
        comment(comment_id, 7, user("alice", 42), &answer(SID)),
    )
}

#[test]
fn finished_things_are_forgotten_after_memory_secs_and_not_before() {
    let mut s = ended_chat();
    // Each is remembered for MEMORY seconds from its own time: the offer's sid from T0,
    // the answer comment and its sid from T0 + 5, the request from its settling.
    update(&mut s, T0 + MEMORY - 1, Event::Tick);
    assert!(s.requests.contains_key(&7));
    assert!(s.handled_comments.contains_key(&600));
    assert!(s.used_sids.contains_key(SID));
    assert!(s.policy_memory.offer_sids.contains_key(SID));
    update(&mut s, T0 + 21 + MEMORY, Event::Tick);
    assert!(s.requests.is_empty());
    assert!(s.handled_comments.is_empty());
    assert!(s.used_sids.is_empty());
    assert!(s.policy_memory.offer_sids.is_empty());
    assert!(s.limits_memory.last_offer.is_empty());
}

#[test]
fn a_used_answer_stays_refused_before_and_after_forgetting() {
    let mut s = ended_chat();
    let fx = replay(&mut s, T0 + 100, 601);
    assert!(fx.is_empty());
    assert!(last_activity(&s).text.contains("already used"));
    update(&mut s, T0 + 21 + MEMORY, Event::Tick);
    let fx = replay(&mut s, T0 + 21 + MEMORY + 1, 602);
    assert!(fx.is_empty(), "{fx:?}");
    assert!(last_activity(&s).text.contains("no chat was offered"));
}

#[test]
fn active_requests_and_open_chats_are_never_forgotten() {
    let mut s = connected_alice();
    let mut w = waiting_for_alice();
    for now in [T0 + 10, T0 + 100_000] {
        update(&mut s, now, Event::Tick);
    }
    assert_eq!(s.requests[&7].stage, RequestStage::Connected);
    assert!(s.conversations.contains_key(&1));
    // A link waiting for its answer expires first (offer lifetime), then settles.
    update(&mut w, T0 + 601, Event::Tick);
    assert_eq!(w.requests[&7].stage, RequestStage::Expired);
    update(&mut w, T0 + 601 + MEMORY - 1, Event::Tick);
    assert!(w.requests.contains_key(&7));
}

#[test]
fn a_forgotten_request_does_not_come_back_when_its_issue_changes() {
    let mut s = ended_chat();
    update(&mut s, T0 + 21 + MEMORY, Event::Tick);
    assert_eq!(s.policy_memory.forgotten_created, Some(T0));
    // The maintainer comments on the old issue: the poller reports it again.
    let mut old = issue(7, user("alice", 42), T0);
    old.updated_at = rfc3339(T0 + 5000);
    let fx = issue_seen(&mut s, T0 + 5000, old);
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.requests.is_empty());
    // A newer issue is a request as usual.
    let fx = issue_seen(&mut s, T0 + 5001, issue(8, user("bob", 7), T0 + 5001));
    assert!(matches!(fx[..], [Effect::CreateOffer { issue: 8, .. }]));
}

#[test]
fn a_forgotten_reopen_is_not_acted_upon_twice_but_a_new_one_is() {
    let mut s = new_state();
    let mut reopened = issue(3, user("carol", 9), T0 - 86_400);
    reopened.state_reason = Some(crate::forge::StateReason::Reopened);
    reopened.reopened_at = Some((T0 + 10) as i64);
    let fx = issue_seen(&mut s, T0 + 10, reopened.clone());
    assert!(matches!(fx[..], [Effect::CreateOffer { issue: 3, .. }]));
    let peer_id = s.requests[&3].peer_id;
    update(
        &mut s,
        T0 + 11,
        Event::OfferFailed {
            peer_id,
            issue: 3,
            error: "x".into(),
        },
    );
    update(&mut s, T0 + 12, Event::Tick);
    update(&mut s, T0 + 12 + MEMORY, Event::Tick);
    assert!(s.requests.is_empty() && s.policy_memory.reopens.is_empty());
    let fx = issue_seen(&mut s, T0 + 12 + MEMORY, reopened.clone());
    assert!(fx.is_empty(), "the same re-open again: {fx:?}");
    reopened.reopened_at = Some((T0 + 3000) as i64);
    let fx = issue_seen(&mut s, T0 + 3000, reopened);
    assert!(
        matches!(fx[..], [Effect::CreateOffer { issue: 3, .. }]),
        "{fx:?}"
    );
}
