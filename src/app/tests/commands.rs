//! The maintainer's commands and conversations: chat, acks, kick, ban, accept, decline.

use super::*;

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
                room: None,
            },
        },
    );
    assert_eq!(
        fx,
        vec![
            Effect::Transcribe {
                peer_id: 1,
                login: "alice".into(),
                line: TranscriptLine {
                    ts: T0 + 10,
                    from: "alice".into(),
                    text: "hello".into(),
                    room: None
                }
            },
            Effect::Send {
                peer_id: 1,
                frame: Frame::Ack { id: "g1".into() }
            }
        ],
        "the transcript line comes before the ack"
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
        [Effect::Transcribe { line, .. }, Effect::Send {
            peer_id: 1,
            frame:
                Frame::Chat {
                    id,
                    text,
                    from: Some(from),
                    ..
                },
        }] if text == "hi back"
            && from == "maintainer"
            && line.from == "maintainer"
            && line.text == "hi back" =>
        {
            id.clone()
        }
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
    let fx = issue_seen(&mut s, T0 + 30, issue(8, user("alice", 42), T0 + 30));
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
    let fx = comment_seen(
        &mut s,
        T0 + 4,
        comment(610, 7, user("alice", 42), &answer(SID)),
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
    issue_seen(&mut s, T0, issue(9, user("bob", 43), T0));
    update(&mut s, T0 + 5, Event::User(Command::List));
    let text = &last_activity(&s).text;
    assert!(text.contains("alice (#7) open"), "{text}");
    assert!(
        text.contains("request #9 from bob: preparing offer"),
        "{text}"
    );
}

#[test]
fn manual_mode_waits_for_accept_then_offers() {
    let mut s = new_state();
    assert!(accept_manually(&mut s).is_empty());
    assert!(s.manual_accept);
    let fx = issue_seen(&mut s, T0, issue(7, user("alice", 42), T0));
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
    accept_manually(&mut s);
    issue_seen(&mut s, T0, issue(7, user("alice", 42), T0));
    issue_seen(&mut s, T0, issue(8, user("bob", 43), T0));
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
    accept_manually(&mut s);
    issue_seen(&mut s, T0, issue(7, user("alice", 42), T0));
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
    let fx = comment_seen(
        &mut s,
        T0 + 3,
        comment(620, 7, user("alice", 42), &answer(SID)),
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
fn mark_read_clears_unread() {
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
                room: None,
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
}

#[test]
fn conversations_carry_a_verification_code_from_both_fingerprints() {
    let offer_sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\n";
    let answer_sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 CC:DD\r\na=setup:active\r\n";
    let mut s = new_state();
    issue_seen(&mut s, T0, issue(7, user("alice", 42), T0));
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
    comment_seen(&mut s, T0 + 1, comment(600, 7, user("alice", 42), &answer));
    let expected = verification_code("sha-256 aa:bb", "sha-256 cc:dd");
    assert_eq!(
        s.conversations[&1].verify_code.as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(
        s.requests[&7].link, None,
        "a used link is not offered for copying"
    );
    update(&mut s, T0 + 2, Event::PeerOpen { peer_id: 1 });
    assert_eq!(
        last_activity(&s).text,
        format!("alice connected (#7); verification code {expected}"),
        "the console line carries the code the guest page shows"
    );
}
