//! Commands addressed by peer (the TUI's shown conversation) versus by login (typed):
//! with two conversations of the same login, each reaches the one it names.

use super::*;

/// Alice chats twice at once: #7 (peer 1, older) and #8 (peer 2, newer).
fn alice_twice() -> State {
    let mut s = connected_alice();
    let alice = user("alice", 42);
    let fx = issue_seen(&mut s, T0 + 7, issue(8, alice.clone(), T0 + 7));
    assert_eq!(
        fx,
        vec![Effect::CreateOffer {
            peer_id: 2,
            issue: 8
        }]
    );
    let sid = "fedcba9876543210";
    update(
        &mut s,
        T0 + 7,
        Event::OfferReady {
            peer_id: 2,
            issue: 8,
            sid: sid.into(),
            token: offer_token(),
            expires_at: T0 + 607,
        },
    );
    update(
        &mut s,
        T0 + 7,
        Event::Written {
            purpose: WritePurpose::Offer { issue: 8 },
            comment_id: Some(501),
        },
    );
    comment_seen(&mut s, T0 + 8, comment(601, 8, alice, &answer(sid)));
    update(&mut s, T0 + 9, Event::PeerOpen { peer_id: 2 });
    assert_eq!(s.conversations[&2].state, PeerState::Open);
    s
}

fn sent_to(fx: &[Effect]) -> Vec<PeerId> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send {
                peer_id,
                frame: Frame::Chat { .. },
            } => Some(*peer_id),
            _ => None,
        })
        .collect()
}

#[test]
fn reply_to_a_peer_reaches_that_conversation_not_the_newest_with_the_login() {
    let mut s = alice_twice();
    let fx = update(
        &mut s,
        T0 + 10,
        Event::User(Command::ReplyTo {
            peer_id: 1,
            text: "to the older chat".into(),
        }),
    );
    assert_eq!(sent_to(&fx), vec![1]);
    assert!(s.conversations[&1]
        .lines
        .iter()
        .any(|l| l.text == "to the older chat"));
    assert!(!s.conversations[&2]
        .lines
        .iter()
        .any(|l| l.text == "to the older chat"));
    // Typed by login: the newest open one, as before.
    let fx = update(
        &mut s,
        T0 + 11,
        Event::User(Command::Reply {
            user: "alice".into(),
            text: "by login".into(),
        }),
    );
    assert_eq!(sent_to(&fx), vec![2]);
}

#[test]
fn kick_peer_closes_that_conversation_only() {
    let mut s = alice_twice();
    let fx = update(
        &mut s,
        T0 + 10,
        Event::User(Command::KickPeer { peer_id: 1 }),
    );
    assert!(fx.contains(&Effect::ClosePeer {
        peer_id: 1,
        reason: "kicked".into()
    }));
    assert!(!fx
        .iter()
        .any(|e| matches!(e, Effect::ClosePeer { peer_id: 2, .. })));
    assert_eq!(s.conversations[&1].state, PeerState::Closed);
    assert_eq!(s.conversations[&2].state, PeerState::Open);
    // Kicking it again explains, sends nothing.
    assert!(update(
        &mut s,
        T0 + 11,
        Event::User(Command::KickPeer { peer_id: 1 })
    )
    .is_empty());
    assert_eq!(last_activity(&s).kind, ActivityKind::Error);
}

#[test]
fn reply_to_a_closed_or_unknown_conversation_explains_and_sends_nothing() {
    let mut s = alice_twice();
    update(
        &mut s,
        T0 + 10,
        Event::PeerClosed {
            peer_id: 1,
            reason: "bye".into(),
        },
    );
    let fx = update(
        &mut s,
        T0 + 11,
        Event::User(Command::ReplyTo {
            peer_id: 1,
            text: "hello?".into(),
        }),
    );
    assert!(fx.is_empty());
    assert!(
        last_activity(&s).text.contains("has ended"),
        "{:?}",
        last_activity(&s)
    );
    let fx = update(
        &mut s,
        T0 + 11,
        Event::User(Command::ReplyTo {
            peer_id: 99,
            text: "hello?".into(),
        }),
    );
    assert!(fx.is_empty());
    assert_eq!(last_activity(&s).kind, ActivityKind::Error);
}

#[test]
fn ban_peer_bans_the_account_and_closes_all_its_conversations() {
    let mut s = alice_twice();
    let fx = update(
        &mut s,
        T0 + 10,
        Event::User(Command::BanPeer { peer_id: 1 }),
    );
    let closed: Vec<PeerId> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::ClosePeer { peer_id, .. } => Some(*peer_id),
            _ => None,
        })
        .collect();
    assert_eq!(closed, vec![1, 2]);
    assert!(s.is_banned("someone-else", 42), "by account id, too");
    let fx = issue_seen(&mut s, T0 + 20, issue(9, user("alice", 42), T0 + 20));
    assert!(matches!(
        &fx[..],
        [Effect::PostComment {
            purpose: WritePurpose::Decline { issue: 9 },
            ..
        }]
    ));
}
