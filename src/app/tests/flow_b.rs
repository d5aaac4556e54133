//! Flow B in the core: the request lifecycle around a guest's offer (answerer peer, one
//! answer comment, scrubs on connect, take-downs on expiry and failure), an earlier run's
//! answers, the presence issue, and flow B under the same policy as flow A.

use super::*;

const GSID: &str = "00112233aabbccdd";
const GUEST_SDP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\n";
const HOST_SDP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 CC:DD\r\na=setup:passive\r\n";

fn guest_offer_body(sid: &str, exp: u64) -> String {
    let token = token::encode(
        TokenKind::Offer,
        &SignalPayload {
            sid: sid.into(),
            sdp: GUEST_SDP.into(),
            exp: Some(exp),
        },
    );
    format!("Hi, can we chat?\n\n{token}\n\n<!-- janus:guest-offer sid={sid} -->")
}

fn offer_issue(number: u64, who: User, sid: &str, exp: u64) -> Issue {
    let mut i = issue(number, who, T0);
    i.body = Some(guest_offer_body(sid, exp));
    i
}

/// Alice's issue 9 with her page's offer (session `GSID`, valid for 300 s).
fn alice_offer() -> Issue {
    offer_issue(9, user("alice", 42), GSID, T0 + 300)
}

fn host_answer() -> String {
    token::encode(
        TokenKind::Answer,
        &SignalPayload {
            sid: GSID.into(),
            sdp: HOST_SDP.into(),
            exp: None,
        },
    )
}

/// Alice's issue 9 with an offer: the host creates an answerer (peer 1) and posts its answer.
fn answered() -> State {
    let mut s = new_state();
    let fx = issue_seen(&mut s, T0, alice_offer());
    assert_eq!(
        fx,
        vec![Effect::CreateAnswer {
            peer_id: 1,
            issue: 9,
            sid: GSID.into(),
            sdp: GUEST_SDP.into()
        }]
    );
    let fx = update(
        &mut s,
        T0 + 1,
        Event::AnswerReady {
            peer_id: 1,
            issue: 9,
            token: host_answer(),
        },
    );
    match &fx[..] {
        [Effect::PostComment {
            issue: 9,
            body,
            purpose: WritePurpose::Answer { issue: 9 },
        }] => {
            assert!(
                body.contains(&host_answer())
                    && body.contains(&format!("<!-- janus:answer sid={GSID} -->"))
            );
        }
        other => panic!("{other:?}"),
    }
    update(
        &mut s,
        T0 + 2,
        Event::Written {
            purpose: WritePurpose::Answer { issue: 9 },
            comment_id: Some(500),
        },
    );
    assert_eq!(s.requests[&9].stage, RequestStage::WaitingForAnswer);
    s
}

#[test]
fn list_says_a_flow_b_request_waits_for_the_guests_page_not_for_an_answer() {
    let mut s = new_state();
    issue_seen(&mut s, T0, alice_offer());
    let listed = |s: &mut State, at| {
        update(s, at, Event::User(Command::List));
        last_activity(s).text.clone()
    };
    let text = listed(&mut s, T0);
    assert!(
        text.contains("request #9 from alice: preparing answer"),
        "{text}"
    );
    let mut s = answered();
    let text = listed(&mut s, T0 + 3);
    assert!(
        text.contains("request #9 from alice: answered, waiting for the guest's page to connect"),
        "{text}"
    );
    assert!(!text.contains("waiting for answer"), "{text}");
    update(&mut s, T0 + 4, Event::User(Command::Accept { issue: 9 }));
    let text = &last_activity(&s).text;
    assert!(
        text.contains("is answered, waiting for the guest's page"),
        "{text}"
    );
}

#[test]
fn connect_scrubs_the_answer_and_the_guests_offer_and_shows_the_code() {
    let mut s = answered();
    let fx = update(&mut s, T0 + 5, Event::PeerOpen { peer_id: 1 });
    assert_eq!(s.requests[&9].stage, RequestStage::Connected);
    let conv = &s.conversations[&1];
    assert_eq!((conv.guest.as_str(), conv.issue), ("alice", 9));
    assert_eq!(
        conv.verify_code.as_deref(),
        Some(text::verification_code("sha-256 aa:bb", "sha-256 cc:dd").as_str()),
        "offer (the guest's) first, as on the page"
    );
    let edits: Vec<_> = fx
        .iter()
        .filter(|e| matches!(e, Effect::EditComment { .. } | Effect::EditIssueBody { .. }))
        .collect();
    assert_eq!(edits.len(), 2, "{fx:?}");
    for e in edits {
        match e {
            Effect::EditComment {
                comment_id: 500,
                body,
                ..
            } => {
                assert!(!body.contains("janus1.") && body.contains("<!-- janus:answer sid="))
            }
            Effect::EditIssueBody { issue: 9, body, .. } => {
                assert!(!body.contains("janus1.") && body.starts_with("Hi, can we chat?"))
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(s.used_sids.contains_key(GSID));
}

#[test]
fn an_answer_nobody_connects_to_is_taken_down_on_expiry_or_when_the_peer_gives_up() {
    let mut s = answered();
    let fx = update(&mut s, T0 + 301, Event::Tick);
    assert_eq!(s.requests[&9].stage, RequestStage::Expired);
    assert!(fx.iter().any(|e| matches!(e, Effect::EditComment { comment_id: 500, body, .. } if !body.contains("janus1."))));
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::EditIssueBody { issue: 9, .. })));

    let mut s = answered();
    let fx = update(
        &mut s,
        T0 + 130,
        Event::PeerClosed {
            peer_id: 1,
            reason: "could not connect within 120 s".into(),
        },
    );
    assert_eq!(s.requests[&9].stage, RequestStage::Ended);
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::EditComment {
            comment_id: 500,
            ..
        }
    )));
}

#[test]
fn an_earlier_runs_live_answer_is_taken_down_and_its_sid_never_answered_again() {
    let mut s = new_state();
    let old = comment(
        77,
        9,
        user("maintainer", 1),
        &format!(
            "answer\n\n{}\n\n<!-- janus:answer sid={GSID} -->",
            host_answer()
        ),
    );
    let fx = comment_seen(&mut s, T0, old);
    assert!(
        matches!(&fx[..], [Effect::EditComment { comment_id: 77, body, .. }] if !body.contains("janus1."))
    );
    let fx = issue_seen(&mut s, T0 + 1, alice_offer());
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.activity.iter().any(|a| a.text.contains("replay")));
}

#[test]
fn the_presence_issue_and_comments_on_it_are_never_requests() {
    let mut s = new_state();
    update(&mut s, T0, Event::PresenceIssue { number: 3 });
    let said = last_activity(&s).text.clone();
    assert!(
        said.starts_with("presence issue #3: guests see you online"),
        "{said}"
    );
    update(&mut s, T0, Event::PresenceIssue { number: 3 });
    assert_eq!(
        s.activity.iter().filter(|a| a.text == said).count(),
        1,
        "said once"
    );
    let mut p = offer_issue(3, user("alice", 42), GSID, T0 + 300);
    p.labels = vec![crate::forge::Label {
        name: "janus-presence".into(),
    }];
    let fx = issue_seen(&mut s, T0, p);
    assert!(fx.is_empty() && s.requests.is_empty());
    let c = comment(5, 3, user("bob", 43), &guest_offer_body(GSID, T0 + 300));
    assert!(comment_seen(&mut s, T0, c).is_empty());
    assert!(s.requests.is_empty());
}

#[test]
fn flow_b_follows_manual_accept_and_the_per_user_limit() {
    let mut s = new_state();
    accept_manually(&mut s);
    let fx = issue_seen(&mut s, T0, alice_offer());
    assert!(fx.is_empty() && s.requests[&9].stage == RequestStage::Pending);
    let fx = update(&mut s, T0 + 10, Event::User(Command::Accept { issue: 9 }));
    assert!(
        matches!(&fx[..], [Effect::CreateAnswer { issue: 9, .. }]),
        "{fx:?}"
    );

    // A pending flow-B request expires with the guest's offer.
    let mut s = new_state();
    accept_manually(&mut s);
    issue_seen(&mut s, T0, alice_offer());
    update(&mut s, T0 + 300, Event::Tick);
    assert_eq!(s.requests[&9].stage, RequestStage::Expired);

    // Beyond `offers_per_user`, no answer.
    let mut s = new_state();
    for (n, sid) in [
        (1, "1111111111111111"),
        (2, "2222222222222222"),
        (3, "3333333333333333"),
    ] {
        issue_seen(&mut s, T0, offer_issue(n, user("alice", 42), sid, T0 + 300));
    }
    assert_eq!(s.requests[&3].stage, RequestStage::OverLimit);
}

#[test]
fn a_re_request_in_a_later_comment_by_the_author_counts_once_the_first_is_over() {
    let mut s = answered();
    update(&mut s, T0 + 301, Event::Tick); // expired
    let sid2 = "aaaaaaaaaaaaaaaa";
    let c = comment(600, 9, user("alice", 42), &guest_offer_body(sid2, T0 + 700));
    let fx = comment_seen(&mut s, T0 + 400, c.clone());
    assert!(
        matches!(&fx[..], [Effect::CreateAnswer { issue: 9, sid, .. }] if sid == sid2),
        "{fx:?}"
    );
    // The same comment again (an edit, a second poll) does not start another.
    assert!(comment_seen(&mut s, T0 + 401, c).is_empty());
}

#[test]
fn a_host_with_a_short_offer_lifetime_takes_the_pages_offer_for_its_own_lifetime() {
    let mut s = new_state();
    s.settings.offer_ttl_secs = 120;
    let fx = issue_seen(&mut s, T0, alice_offer());
    assert!(matches!(&fx[..], [Effect::CreateAnswer { .. }]), "{fx:?}");
    update(
        &mut s,
        T0,
        Event::AnswerReady {
            peer_id: 1,
            issue: 9,
            token: host_answer(),
        },
    );
    assert_eq!(s.requests[&9].expires_at, T0 + 120);
    // Beyond what the page itself ever asks for, still refused.
    let far = offer_issue(10, user("bob", 43), "bbbbbbbbbbbbbbbb", T0 + 3600);
    assert!(issue_seen(&mut s, T0, far).is_empty());
}
