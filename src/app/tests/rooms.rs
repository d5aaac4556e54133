//! Rooms (PROTOCOL.md "Rooms"): membership frames, relay with `from` = the sender, refusal of
//! non-members, removal on kick, close and disconnect, transcripts per room, bounds.

use super::*;
use crate::app::rooms::{MAX_ROOMS, MAX_ROOM_MEMBERS};

/// A state with open conversations for these logins (peer ids 1, 2, …).
fn guests(logins: &[&str]) -> State {
    let mut s = new_state();
    for (i, login) in logins.iter().enumerate() {
        let peer_id = i as u64 + 1;
        s.conversations.insert(
            peer_id,
            Conversation {
                peer_id,
                guest: login.to_string(),
                guest_id: 100 + peer_id,
                issue: peer_id,
                state: PeerState::Open,
                lines: Default::default(),
                bytes: 0,
                unread: 0,
                dropped: 0,
                verify_code: None,
                reach: Default::default(),
            },
        );
    }
    s.next_peer_id = logins.len() as u64 + 1;
    s
}

fn cmd(s: &mut State, command: Command) -> Vec<Effect> {
    update(s, T0, Event::User(command))
}

fn create(s: &mut State, name: &str) {
    cmd(s, Command::RoomCreate { name: name.into() });
    assert!(s.rooms.contains_key(name), "{:?}", last_activity(s));
}

fn invite(s: &mut State, name: &str, user: &str) -> Vec<Effect> {
    cmd(
        s,
        Command::RoomInvite {
            name: name.into(),
            user: user.into(),
        },
    )
}

fn room_chat(id: &str, text: &str, room: &str) -> Frame {
    Frame::Chat {
        id: id.into(),
        text: text.into(),
        from: None,
        ts: 0,
        room: Some(room.into()),
    }
}

fn sends(fx: &[Effect]) -> Vec<(PeerId, Frame)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send { peer_id, frame } => Some((*peer_id, frame.clone())),
            _ => None,
        })
        .collect()
}

/// alice, bob and carol in room `ops`.
fn ops_room() -> State {
    let mut s = guests(&["alice", "bob", "carol"]);
    create(&mut s, "ops");
    for u in ["alice", "bob", "carol"] {
        invite(&mut s, "ops", u);
    }
    s
}

#[test]
fn invite_sends_joined_with_every_member_and_member_to_the_others() {
    let mut s = guests(&["alice", "bob"]);
    create(&mut s, "ops");
    let fx = invite(&mut s, "ops", "alice");
    assert_eq!(
        sends(&fx),
        vec![(
            1,
            Frame::RoomJoined {
                room: "ops".into(),
                members: vec!["alice".into()]
            }
        )]
    );
    let fx = invite(&mut s, "ops", "bob");
    assert_eq!(
        sends(&fx),
        vec![
            (
                2,
                Frame::RoomJoined {
                    room: "ops".into(),
                    members: vec!["alice".into(), "bob".into()]
                }
            ),
            (
                1,
                Frame::RoomMember {
                    room: "ops".into(),
                    login: "bob".into(),
                    joined: true
                }
            ),
        ]
    );
    // Twice is refused, and an unknown user or room too, each with a way out.
    let fx = invite(&mut s, "ops", "bob");
    assert!(sends(&fx).is_empty());
    assert_eq!(last_activity(&s).kind, ActivityKind::Error);
    assert!(invite(&mut s, "ops", "zed").is_empty());
    assert!(last_activity(&s)
        .text
        .contains("no open conversation with zed"));
    assert!(invite(&mut s, "nope", "bob").is_empty());
    assert!(last_activity(&s).text.contains("room create nope"));
}

#[test]
fn a_member_chat_is_transcribed_then_acked_and_relayed_to_the_others_as_the_sender() {
    let mut s = ops_room();
    let fx = update(
        &mut s,
        T0 + 1,
        Event::PeerFrame {
            peer_id: 2,
            frame: room_chat("b1", "hello all", "ops"),
        },
    );
    let key = s.rooms["ops"].transcript_key;
    assert_eq!(
        fx[0],
        Effect::Transcribe {
            peer_id: key,
            login: "rooms_ops".into(),
            line: TranscriptLine {
                ts: T0 + 1,
                from: "bob".into(),
                text: "hello all".into(),
                room: Some("ops".into())
            }
        }
    );
    assert!(
        !s.conversations.contains_key(&key),
        "the key is no conversation's"
    );
    let sent = sends(&fx);
    assert_eq!(sent[0], (2, Frame::Ack { id: "b1".into() }));
    let relayed: Vec<_> = sent[1..].iter().map(|(p, _)| *p).collect();
    assert_eq!(
        relayed,
        vec![1, 3],
        "to every other member, not back to bob"
    );
    for (_, frame) in &sent[1..] {
        match frame {
            Frame::Chat {
                text,
                from,
                room,
                ts,
                ..
            } => {
                assert_eq!(text, "hello all");
                assert_eq!(from.as_deref(), Some("bob"));
                assert_eq!(room.as_deref(), Some("ops"));
                assert_eq!(*ts, (T0 + 1) * 1000);
            }
            other => panic!("relayed {other:?}"),
        }
    }
    assert_eq!(
        last_activity(&s).kind,
        ActivityKind::RoomMessage {
            room: "ops".into(),
            from: "bob".into()
        }
    );
    assert_eq!(s.rooms["ops"].unread, 1);
    // The private conversation saw nothing of it.
    assert!(s.conversations[&2].lines.is_empty());
}

#[test]
fn a_chat_for_a_room_the_guest_is_not_in_is_refused_relayed_to_no_one_and_not_transcribed() {
    let mut s = ops_room();
    s.conversations.insert(
        4,
        Conversation {
            guest: "mallory".into(),
            peer_id: 4,
            ..s.conversations[&1].clone()
        },
    );
    for room in ["ops", "ghost", "x\u{1b}[2J\n[ops] bob: fake"] {
        let before = s.rooms["ops"].lines.len();
        let fx = update(
            &mut s,
            T0 + 1,
            Event::PeerFrame {
                peer_id: 4,
                frame: room_chat("m1", "hi", room),
            },
        );
        match &fx[..] {
            [Effect::Send {
                peer_id: 4,
                frame: Frame::Notice { text },
            }] => assert!(text.contains("not in room"), "{text}"),
            other => panic!("refusal effects {other:?}"),
        }
        assert_eq!(s.rooms["ops"].lines.len(), before);
        assert!(!matches!(
            last_activity(&s).kind,
            ActivityKind::RoomMessage { .. }
        ));
        let logged = &last_activity(&s).text;
        assert!(
            logged.starts_with("refused a message from mallory"),
            "{logged}"
        );
        assert!(
            !logged.contains('\u{1b}') && !logged.contains('\n'),
            "{logged:?}"
        );
    }
}

#[test]
fn host_say_goes_to_every_member_from_the_host_after_its_transcript_line() {
    let mut s = ops_room();
    let fx = cmd(
        &mut s,
        Command::RoomSay {
            name: "ops".into(),
            text: "welcome".into(),
        },
    );
    assert!(
        matches!(&fx[0], Effect::Transcribe { line, .. } if line.from == "maintainer" && line.room.as_deref() == Some("ops"))
    );
    let sent = sends(&fx);
    assert_eq!(sent.len(), 3);
    for (_, frame) in sent {
        assert!(
            matches!(frame, Frame::Chat { from: Some(f), room: Some(r), .. } if f == "maintainer" && r == "ops")
        );
    }
}

#[test]
fn remove_close_and_kick_tell_the_member_and_the_others() {
    let mut s = ops_room();
    let fx = cmd(
        &mut s,
        Command::RoomRemove {
            name: "ops".into(),
            user: "bob".into(),
        },
    );
    let sent = sends(&fx);
    assert!(matches!(&sent[0], (2, Frame::RoomLeft { room, .. }) if room == "ops"));
    assert_eq!(
        sent[1..],
        [1, 3].map(|p| (
            p,
            Frame::RoomMember {
                room: "ops".into(),
                login: "bob".into(),
                joined: false
            }
        ))
    );
    assert_eq!(s.rooms["ops"].members, vec![1, 3]);

    // A kick takes carol out of every room before her channel closes.
    create(&mut s, "two");
    invite(&mut s, "two", "carol");
    let fx = cmd(
        &mut s,
        Command::Kick {
            user: "carol".into(),
        },
    );
    let close_at = fx
        .iter()
        .position(|e| matches!(e, Effect::ClosePeer { peer_id: 3, .. }))
        .unwrap();
    let left_at: Vec<_> = fx
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(
                e,
                Effect::Send {
                    peer_id: 3,
                    frame: Frame::RoomLeft { .. }
                }
            )
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(left_at.len(), 2);
    assert!(left_at.iter().all(|i| *i < close_at));
    assert!(sends(&fx).contains(&(
        1,
        Frame::RoomMember {
            room: "ops".into(),
            login: "carol".into(),
            joined: false
        }
    )));
    assert!(s.rooms.values().all(|r| !r.members.contains(&3)));

    // Close: every remaining member hears `room.left`.
    let fx = cmd(&mut s, Command::RoomClose { name: "ops".into() });
    assert_eq!(
        sends(&fx),
        vec![(
            1,
            Frame::RoomLeft {
                room: "ops".into(),
                reason: "the room was closed".into()
            }
        )]
    );
    assert!(!s.rooms.contains_key("ops"));
}

#[test]
fn a_member_that_disconnects_mid_broadcast_leaves_and_a_kicked_guest_can_rejoin() {
    let mut s = ops_room();
    let fx = update(
        &mut s,
        T0 + 2,
        Event::PeerClosed {
            peer_id: 1,
            reason: "too many messages waiting".into(),
        },
    );
    assert_eq!(
        sends(&fx),
        [2, 3].map(|p| (
            p,
            Frame::RoomMember {
                room: "ops".into(),
                login: "alice".into(),
                joined: false
            }
        ))
    );
    // What bob says next reaches carol only.
    let fx = update(
        &mut s,
        T0 + 3,
        Event::PeerFrame {
            peer_id: 2,
            frame: room_chat("b2", "still here?", "ops"),
        },
    );
    let to: Vec<_> = sends(&fx).iter().map(|(p, _)| *p).collect();
    assert_eq!(to, vec![2, 3]);
    // Alice comes back on a new conversation (peer 9) and is invited again.
    s.conversations.insert(
        9,
        Conversation {
            peer_id: 9,
            state: PeerState::Open,
            ..s.conversations[&1].clone()
        },
    );
    let fx = invite(&mut s, "ops", "alice");
    assert!(matches!(&sends(&fx)[0], (9, Frame::RoomJoined { members, .. }) if members.len() == 3));
}

#[test]
fn rooms_are_bounded_in_number_members_and_names() {
    let logins: Vec<String> = (0..MAX_ROOM_MEMBERS + 1).map(|i| format!("u{i}")).collect();
    let refs: Vec<&str> = logins.iter().map(String::as_str).collect();
    let mut s = guests(&refs);
    create(&mut s, "big");
    for u in &refs {
        invite(&mut s, "big", u);
    }
    assert_eq!(s.rooms["big"].members.len(), MAX_ROOM_MEMBERS);
    assert!(last_activity(&s).text.contains("is full"));
    // Fifty members: one message, forty-nine relays.
    let fx = update(
        &mut s,
        T0,
        Event::PeerFrame {
            peer_id: 1,
            frame: room_chat("x", "hi", "big"),
        },
    );
    assert_eq!(sends(&fx).len(), MAX_ROOM_MEMBERS);
    for i in 1..MAX_ROOMS {
        create(&mut s, &format!("r{i}"));
    }
    cmd(
        &mut s,
        Command::RoomCreate {
            name: "extra".into(),
        },
    );
    assert!(!s.rooms.contains_key("extra"));
    for bad in ["", "a b", "x\u{1b}[2J", "[ops]", &"n".repeat(33)] {
        cmd(&mut s, Command::RoomCreate { name: bad.into() });
        assert!(!s.rooms.contains_key(bad));
    }
}

#[test]
fn rooms_lists_each_room_with_its_members() {
    let mut s = ops_room();
    create(&mut s, "empty");
    cmd(&mut s, Command::Rooms);
    assert_eq!(
        last_activity(&s).text,
        "empty: no members\nops (3): alice, bob, carol"
    );
}
