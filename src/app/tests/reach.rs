//! The path shown on connect, and every chat arriving once: unacked host chats sent again
//! with the same id, guest duplicates acked but shown once (`app/reach.rs`).

use super::*;

fn chats(fx: &[Effect]) -> Vec<(String, String)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send {
                frame: Frame::Chat { id, text, .. },
                ..
            } => Some((id.clone(), text.clone())),
            _ => None,
        })
        .collect()
}

fn relayed_alice() -> State {
    let mut s = waiting_for_alice();
    comment_seen(
        &mut s,
        T0 + 5,
        comment(600, 7, user("alice", 42), &answer(SID)),
    );
    let fx = update(
        &mut s,
        T0 + 6,
        Event::PeerPath {
            peer_id: 1,
            path: ConnPath::Relay,
        },
    );
    assert!(fx.is_empty());
    update(&mut s, T0 + 6, Event::PeerOpen { peer_id: 1 });
    s
}

#[test]
fn the_connect_notice_ends_with_the_path() {
    let s = relayed_alice();
    assert_eq!(last_activity(&s).text, "alice connected (#7) via relay");
    assert_eq!(s.conversations[&1].reach.path, Some(ConnPath::Relay));
}

#[test]
fn an_unacked_chat_is_sent_again_with_its_id_until_acked() {
    let mut s = connected_alice();
    let fx = update(
        &mut s,
        T0 + 10,
        Event::User(Command::Reply {
            user: "alice".into(),
            text: "hello there".into(),
        }),
    );
    let first = chats(&fx);
    assert_eq!(first.len(), 1);
    // Not yet due.
    assert!(chats(&update(&mut s, T0 + 11, Event::Tick)).is_empty());
    let again = chats(&update(&mut s, T0 + 12, Event::Tick));
    assert_eq!(again, first, "same id, same text");
    update(
        &mut s,
        T0 + 13,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::Ack {
                id: first[0].0.clone(),
            },
        },
    );
    assert!(chats(&update(&mut s, T0 + 20, Event::Tick)).is_empty());
    assert!(s.conversations[&1].lines.iter().any(|l| matches!(
        &l.kind,
        LineKind::Host {
            delivered: true,
            ..
        }
    )));
}

#[test]
fn resends_are_bounded() {
    let mut s = connected_alice();
    update(
        &mut s,
        T0 + 10,
        Event::User(Command::Reply {
            user: "alice".into(),
            text: "anyone?".into(),
        }),
    );
    let copies: usize = (1..100)
        .map(|t| chats(&update(&mut s, T0 + 10 + t, Event::Tick)).len())
        .sum();
    assert_eq!(copies, MAX_RESENDS as usize);
    assert!(s.conversations[&1].reach.unacked.is_empty());
}

#[test]
fn a_duplicate_guest_chat_is_acked_but_shown_once() {
    let mut s = connected_alice();
    let chat = |id: &str| Event::PeerFrame {
        peer_id: 1,
        frame: Frame::Chat {
            id: id.into(),
            text: "hi".into(),
            from: None,
            ts: 0,
            room: None,
        },
    };
    let lines = |s: &State| s.conversations[&1].lines.len();
    let before = lines(&s);
    let fx = update(&mut s, T0 + 10, chat("c1"));
    assert!(fx.contains(&Effect::Send {
        peer_id: 1,
        frame: Frame::Ack { id: "c1".into() }
    }));
    assert_eq!(lines(&s), before + 1);
    let fx = update(&mut s, T0 + 11, chat("c1"));
    assert_eq!(
        fx,
        vec![Effect::Send {
            peer_id: 1,
            frame: Frame::Ack { id: "c1".into() }
        }],
        "acked again, not shown or transcribed again"
    );
    assert_eq!(lines(&s), before + 1);
    update(&mut s, T0 + 12, chat("c2"));
    assert_eq!(lines(&s), before + 2);
}
