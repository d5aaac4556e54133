//! Unit tests of the app core: flow A, refusals, commands. No IO, no clock.

use super::*;
use crate::forge::{Comment, ForgeEvent, Issue, RepoName, User};
use crate::rtc::protocol::Frame;
use crate::signal::token::{self, SignalPayload, TokenKind};

const T0: u64 = 1_790_000_000;
const SID: &str = "0123456789abcdef";
const ANSWER_SDP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=setup:active\r\n";

fn user(login: &str, id: u64) -> User {
    User {
        login: login.into(),
        id,
        kind: "User".into(),
    }
}

fn rfc3339(unix: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix as i64).unwrap();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn issue(number: u64, author: User, created: u64) -> Issue {
    Issue {
        id: 1000 + number,
        number,
        title: format!("issue {number}"),
        user: author,
        state: "open".into(),
        html_url: format!("http://forge/o/r/issues/{number}"),
        created_at: rfc3339(created),
        updated_at: rfc3339(created),
        pull_request: None,
        author_association: "NONE".into(),
        labels: Vec::new(),
        state_reason: None,
        reopened_at: None,
    }
}

fn comment(id: u64, issue: u64, author: User, body: &str) -> Comment {
    Comment {
        id,
        html_url: format!("http://forge/o/r/issues/{issue}#issuecomment-{id}"),
        issue_url: format!("http://forge/api/v3/repos/o/r/issues/{issue}"),
        body: body.into(),
        user: author,
        created_at: rfc3339(T0),
        updated_at: rfc3339(T0),
        author_association: "NONE".into(),
    }
}

fn answer(sid: &str) -> String {
    token::encode(
        TokenKind::Answer,
        &SignalPayload {
            sid: sid.into(),
            sdp: ANSWER_SDP.into(),
            exp: None,
        },
    )
}

fn new_state() -> State {
    let settings = Settings {
        repo: RepoName::parse("o/r").unwrap(),
        pages_url: "http://pages/guest/".into(),
        link_api: Some("http://forge/api/v3".into()),
        link_ice: Some(vec![]),
        offer_ttl_secs: 600,
        backlog_secs: 600,
        scrollback: 100,
        policy: Default::default(),
    };
    State::new(
        HostIdentity {
            login: "maintainer".into(),
            id: 1,
        },
        settings,
        T0,
    )
}

fn offer_token() -> String {
    let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=setup:actpass\r\n";
    token::encode(
        TokenKind::Offer,
        &SignalPayload {
            sid: SID.into(),
            sdp: sdp.into(),
            exp: Some(T0 + 600),
        },
    )
}

/// Drives flow A up to "waiting for the answer" on issue 7 by alice (id 42); peer 1.
fn waiting_for_alice() -> State {
    let mut s = new_state();
    let fx = update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::IssueSeen(issue(7, user("alice", 42), T0))),
    );
    assert_eq!(
        fx,
        vec![Effect::CreateOffer {
            peer_id: 1,
            issue: 7
        }]
    );
    let fx = update(
        &mut s,
        T0,
        Event::OfferReady {
            peer_id: 1,
            issue: 7,
            sid: SID.into(),
            token: offer_token(),
            expires_at: T0 + 600,
        },
    );
    match &fx[..] {
        [Effect::PostComment {
            issue: 7,
            body,
            purpose: WritePurpose::Offer { issue: 7 },
        }] => {
            assert!(body.contains("@alice"));
            assert!(body.contains(&format!("http://pages/guest/#offer={}", offer_token())));
            assert!(body.contains("&issue=7"));
            assert!(body.contains("<!-- janus:offer sid=0123456789abcdef -->"));
        }
        other => panic!("unexpected effects {other:?}"),
    }
    update(
        &mut s,
        T0,
        Event::Written {
            purpose: WritePurpose::Offer { issue: 7 },
            comment_id: Some(500),
        },
    );
    assert_eq!(s.requests[&7].stage, RequestStage::WaitingForAnswer);
    s
}

fn connected_alice() -> State {
    let mut s = waiting_for_alice();
    let fx = update(
        &mut s,
        T0 + 5,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            600,
            7,
            user("alice", 42),
            &answer(SID),
        ))),
    );
    assert_eq!(
        fx,
        vec![Effect::ApplyAnswer {
            peer_id: 1,
            sdp: ANSWER_SDP.into()
        }]
    );
    let fx = update(&mut s, T0 + 6, Event::PeerOpen { peer_id: 1 });
    assert!(
        matches!(&fx[0], Effect::Send { peer_id: 1, frame: Frame::Hello { v: 1, guest, .. } } if guest == "alice")
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::EditComment { comment_id: 500, body, .. } if !body.contains("janus1."))));
    assert!(fx.iter().any(|e| matches!(e, Effect::EditComment { comment_id: 600, body, .. } if !body.contains("janus1."))));
    s
}

fn last_activity(s: &State) -> &Activity {
    s.activity.back().expect("some activity")
}

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
    let fx = update(
        &mut s,
        T0 + 5,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            601,
            7,
            user("mallory", 66),
            &answer(SID),
        ))),
    );
    assert!(fx.is_empty());
    assert_eq!(s.requests[&7].stage, RequestStage::WaitingForAnswer);
    let note = &last_activity(&s).text;
    assert!(
        note.contains("ignored answer from mallory") && note.contains("not the issue author"),
        "{note}"
    );
    // Same login, different id (a renamed account) is refused too.
    let fx = update(
        &mut s,
        T0 + 5,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            602,
            7,
            user("alice", 43),
            &answer(SID),
        ))),
    );
    assert!(fx.is_empty());
}

#[test]
fn replayed_answer_is_ignored() {
    let mut s = connected_alice();
    let fx = update(
        &mut s,
        T0 + 9,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            603,
            7,
            user("alice", 42),
            &answer(SID),
        ))),
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
    let fx = update(
        &mut s,
        T0 + 5,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            604,
            7,
            user("alice", 42),
            &answer("ffffffffffffffff"),
        ))),
    );
    assert!(fx.is_empty());
    assert!(last_activity(&s).text.contains("does not match"));
    let fx = update(
        &mut s,
        T0 + 5,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            605,
            7,
            user("alice", 42),
            "here: janus1.a.!!!notbase64 janus1.a.AAAA",
        ))),
    );
    assert!(fx.is_empty());
    assert!(last_activity(&s).text.contains("refused answer from alice"));
    let fx = update(
        &mut s,
        T0 + 601,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            606,
            7,
            user("alice", 42),
            &answer(SID),
        ))),
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
    let fx = update(
        &mut s,
        T0 + 700,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            607,
            7,
            user("alice", 42),
            "still there?",
        ))),
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
        assert!(update(&mut s, T0, Event::Forge(ForgeEvent::IssueSeen(i))).is_empty());
    }
    // Inside the backlog window it is served; seen again, it is not served twice.
    assert_eq!(
        update(
            &mut s,
            T0,
            Event::Forge(ForgeEvent::IssueSeen(issue(6, user("bob", 43), T0 - 599)))
        )
        .len(),
        1
    );
    assert!(update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::IssueSeen(issue(6, user("bob", 43), T0 - 599)))
    )
    .is_empty());
}

#[test]
fn chat_both_ways_with_acks() {
    let mut s = connected_alice();
    let fx = update(
        &mut s,
        T0 + 10,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::Chat {
                id: "g1".into(),
                text: "hello".into(),
                from: None,
                ts: 0,
            },
        },
    );
    assert_eq!(
        fx,
        vec![Effect::Send {
            peer_id: 1,
            frame: Frame::Ack { id: "g1".into() }
        }]
    );
    assert_eq!(
        last_activity(&s).kind,
        ActivityKind::Message {
            from: "alice".into()
        }
    );
    assert_eq!(s.conversations[&1].unread, 1);
    let fx = update(
        &mut s,
        T0 + 11,
        Event::User(Command::Reply {
            user: "Alice".into(),
            text: "hi back".into(),
        }),
    );
    let id = match &fx[..] {
        [Effect::Send {
            peer_id: 1,
            frame:
                Frame::Chat {
                    id,
                    text,
                    from: Some(from),
                    ..
                },
        }] if text == "hi back" && from == "maintainer" => id.clone(),
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        T0 + 12,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::Ack { id },
        },
    );
    assert!(s.conversations[&1].lines.iter().any(|l| matches!(
        &l.kind,
        LineKind::Host {
            delivered: true,
            ..
        }
    )));
    assert_eq!(
        update(
            &mut s,
            T0,
            Event::PeerFrame {
                peer_id: 1,
                frame: Frame::BlogList
            }
        ),
        vec![Effect::SendBlogIndex { peer_id: 1 }]
    );
    assert_eq!(
        update(
            &mut s,
            T0,
            Event::PeerFrame {
                peer_id: 1,
                frame: Frame::BlogGet {
                    slug: "welcome".into()
                }
            }
        ),
        vec![Effect::SendBlogPost {
            peer_id: 1,
            slug: "welcome".into()
        }]
    );
}

#[test]
fn reply_to_unknown_user_explains() {
    let mut s = new_state();
    assert!(update(
        &mut s,
        T0,
        Event::User(Command::Reply {
            user: "nobody".into(),
            text: "x".into()
        })
    )
    .is_empty());
    assert_eq!(last_activity(&s).kind, ActivityKind::Error);
    assert!(last_activity(&s).text.contains("`list`"));
}

#[test]
fn kick_closes_and_ban_declines_future_requests() {
    let mut s = connected_alice();
    let fx = update(
        &mut s,
        T0 + 20,
        Event::User(Command::Kick {
            user: "alice".into(),
        }),
    );
    assert!(matches!(
        &fx[0],
        Effect::Send {
            frame: Frame::Notice { .. },
            ..
        }
    ));
    assert!(fx.contains(&Effect::ClosePeer {
        peer_id: 1,
        reason: "kicked".into()
    }));
    assert_eq!(s.conversations[&1].state, PeerState::Closed);
    update(
        &mut s,
        T0 + 21,
        Event::PeerClosed {
            peer_id: 1,
            reason: "kicked".into(),
        },
    );
    update(
        &mut s,
        T0 + 22,
        Event::User(Command::Ban {
            user: "alice".into(),
        }),
    );
    assert!(s.is_banned("ALICE", 0) && s.is_banned("renamed", 42));
    let fx = update(
        &mut s,
        T0 + 30,
        Event::Forge(ForgeEvent::IssueSeen(issue(8, user("alice", 42), T0 + 30))),
    );
    match &fx[..] {
        [Effect::PostComment {
            issue: 8,
            body,
            purpose: WritePurpose::Decline { issue: 8 },
        }] => assert!(!body.contains("janus1")),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.requests[&8].stage, RequestStage::Declined);
}

#[test]
fn ban_withdraws_a_pending_offer() {
    let mut s = waiting_for_alice();
    let fx = update(
        &mut s,
        T0 + 3,
        Event::User(Command::Ban {
            user: "alice".into(),
        }),
    );
    assert!(fx.contains(&Effect::ClosePeer {
        peer_id: 1,
        reason: "banned".into()
    }));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::EditComment {
            comment_id: 500,
            ..
        }
    )));
    let fx = update(
        &mut s,
        T0 + 4,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            610,
            7,
            user("alice", 42),
            &answer(SID),
        ))),
    );
    assert!(fx.is_empty());
}

#[test]
fn quit_expires_links_closes_peers_and_quits() {
    let mut s = waiting_for_alice();
    let fx = update(&mut s, T0 + 3, Event::User(Command::Quit));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::EditComment {
            comment_id: 500,
            ..
        }
    )));
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::ClosePeer { peer_id: 1, .. })));
    assert_eq!(fx.last(), Some(&Effect::Quit));
    assert!(s.quitting);
}

#[test]
fn list_shows_conversations_and_requests() {
    let mut s = connected_alice();
    update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::IssueSeen(issue(9, user("bob", 43), T0))),
    );
    update(&mut s, T0 + 5, Event::User(Command::List));
    let text = &last_activity(&s).text;
    assert!(text.contains("alice (#7) open"), "{text}");
    assert!(
        text.contains("request #9 from bob: preparing offer"),
        "{text}"
    );
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
            },
        },
    );
    assert!(fx.is_empty());
    assert!(s.activity.iter().all(|a| a.text != "early"));
}

// ---- manual accept, decline, read marks, rate limit, link and verification code ----

#[test]
fn manual_mode_waits_for_accept_then_offers() {
    let mut s = new_state();
    assert!(update(
        &mut s,
        T0,
        Event::User(Command::SetAcceptMode { manual: true })
    )
    .is_empty());
    assert!(s.manual_accept);
    let fx = update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::IssueSeen(issue(7, user("alice", 42), T0))),
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.requests[&7].stage, RequestStage::Pending);
    assert!(last_activity(&s).text.contains("`accept 7`"));
    assert!(list_text(&s, T0 + 5).contains("request #7 from alice: awaiting accept (5 s)"));
    let fx = update(&mut s, T0 + 5, Event::User(Command::Accept { issue: 7 }));
    assert_eq!(
        fx,
        vec![Effect::CreateOffer {
            peer_id: 1,
            issue: 7
        }]
    );
    assert_eq!(s.requests[&7].stage, RequestStage::Preparing);
    // Accepting twice, or an unknown issue, explains instead of acting.
    assert!(update(&mut s, T0 + 6, Event::User(Command::Accept { issue: 7 })).is_empty());
    assert_eq!(last_activity(&s).kind, ActivityKind::Error);
    assert!(update(&mut s, T0 + 6, Event::User(Command::Accept { issue: 99 })).is_empty());
    assert!(last_activity(&s).text.contains("no chat request on #99"));
}

#[test]
fn switching_back_to_auto_accepts_what_waits() {
    let mut s = new_state();
    update(
        &mut s,
        T0,
        Event::User(Command::SetAcceptMode { manual: true }),
    );
    update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::IssueSeen(issue(7, user("alice", 42), T0))),
    );
    update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::IssueSeen(issue(8, user("bob", 43), T0))),
    );
    let fx = update(
        &mut s,
        T0 + 1,
        Event::User(Command::SetAcceptMode { manual: false }),
    );
    assert_eq!(
        fx,
        vec![
            Effect::CreateOffer {
                peer_id: 1,
                issue: 7
            },
            Effect::CreateOffer {
                peer_id: 2,
                issue: 8
            }
        ]
    );
}

#[test]
fn decline_a_pending_request_posts_a_polite_comment() {
    let mut s = new_state();
    update(
        &mut s,
        T0,
        Event::User(Command::SetAcceptMode { manual: true }),
    );
    update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::IssueSeen(issue(7, user("alice", 42), T0))),
    );
    let fx = update(&mut s, T0 + 1, Event::User(Command::Decline { issue: 7 }));
    match &fx[..] {
        [Effect::PostComment {
            issue: 7,
            body,
            purpose: WritePurpose::Decline { issue: 7 },
        }] => assert!(body.contains("@alice")),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.requests[&7].stage, RequestStage::Declined);
    // Quitting afterwards has nothing to close for it.
    let fx = update(&mut s, T0 + 2, Event::User(Command::Quit));
    assert_eq!(fx, vec![Effect::Quit]);
}

#[test]
fn decline_a_posted_link_takes_it_down_and_refuses_the_answer() {
    let mut s = waiting_for_alice();
    assert!(s.requests[&7]
        .link
        .as_deref()
        .is_some_and(|l| l.contains("#offer=janus1.o.")));
    let fx = update(&mut s, T0 + 2, Event::User(Command::Decline { issue: 7 }));
    assert!(fx.contains(&Effect::ClosePeer {
        peer_id: 1,
        reason: "declined".into()
    }));
    assert!(fx.iter().any(
        |e| matches!(e, Effect::EditComment { comment_id: 500, body, .. }
        if !body.contains("janus1.") && body.contains("<!-- janus:offer sid=0123456789abcdef -->"))
    ));
    assert_eq!(s.requests[&7].link, None);
    let fx = update(
        &mut s,
        T0 + 3,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            620,
            7,
            user("alice", 42),
            &answer(SID),
        ))),
    );
    assert!(fx.is_empty());
    // A connected chat is not declined: that is what kick is for.
    let mut c = connected_alice();
    assert!(update(&mut c, T0 + 9, Event::User(Command::Decline { issue: 7 })).is_empty());
    assert!(last_activity(&c).text.contains("`kick`"));
}

#[test]
fn accept_re_offers_an_expired_request() {
    let mut s = waiting_for_alice();
    update(&mut s, T0 + 601, Event::Tick);
    assert_eq!(s.requests[&7].link, None);
    let fx = update(&mut s, T0 + 700, Event::User(Command::Accept { issue: 7 }));
    assert_eq!(
        fx,
        vec![Effect::CreateOffer {
            peer_id: 2,
            issue: 7
        }]
    );
}

#[test]
fn mark_read_clears_unread_and_rate_limit_is_kept() {
    let mut s = connected_alice();
    update(
        &mut s,
        T0 + 10,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::Chat {
                id: "g1".into(),
                text: "hello".into(),
                from: None,
                ts: 0,
            },
        },
    );
    assert_eq!(s.conversations[&1].unread, 1);
    assert!(update(
        &mut s,
        T0 + 11,
        Event::User(Command::MarkRead { peer_id: 1 })
    )
    .is_empty());
    assert_eq!(s.conversations[&1].unread, 0);
    let status = crate::forge::github::RateLimitStatus {
        limit: 5000,
        remaining: 4990,
        reset: T0 + 3600,
    };
    update(&mut s, T0, Event::RateLimit(status));
    assert_eq!(s.rate_limit, Some(status));
}

#[test]
fn conversations_carry_a_verification_code_from_both_fingerprints() {
    let offer_sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\n";
    let answer_sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 CC:DD\r\na=setup:active\r\n";
    let mut s = new_state();
    update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::IssueSeen(issue(7, user("alice", 42), T0))),
    );
    let offer = token::encode(
        TokenKind::Offer,
        &SignalPayload {
            sid: SID.into(),
            sdp: offer_sdp.into(),
            exp: Some(T0 + 600),
        },
    );
    update(
        &mut s,
        T0,
        Event::OfferReady {
            peer_id: 1,
            issue: 7,
            sid: SID.into(),
            token: offer,
            expires_at: T0 + 600,
        },
    );
    update(
        &mut s,
        T0,
        Event::Written {
            purpose: WritePurpose::Offer { issue: 7 },
            comment_id: Some(500),
        },
    );
    let answer = token::encode(
        TokenKind::Answer,
        &SignalPayload {
            sid: SID.into(),
            sdp: answer_sdp.into(),
            exp: None,
        },
    );
    update(
        &mut s,
        T0 + 1,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            600,
            7,
            user("alice", 42),
            &answer,
        ))),
    );
    let expected = verification_code("sha-256 aa:bb", "sha-256 cc:dd");
    assert_eq!(
        s.conversations[&1].verify_code.as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(
        s.requests[&7].link, None,
        "a used link is not offered for copying"
    );
}
