//! Key tests of addressing (two conversations with one login, evicted ones), input history
//! and rooms in the side menu: the TUI sends to the conversation shown, never by login.

use super::*;

/// Alice twice: an older conversation (#3) and a newer one (#4) with the same login.
fn alice_twice(older: PeerState) -> (State, PeerId, PeerId) {
    let mut app = empty_state();
    let old = add_conversation(
        &mut app,
        3,
        "alice",
        older,
        vec![guest(NOW - 60, "first")],
        0,
    );
    let new = add_conversation(
        &mut app,
        4,
        "alice",
        PeerState::Open,
        vec![guest(NOW - 5, "second")],
        0,
    );
    (app, old, new)
}

#[test]
fn typing_in_the_older_of_two_conversations_with_one_login_reaches_that_one() {
    use crate::app::{Effect, Event};
    use crate::rtc::protocol::Frame;
    let (mut app, old, new) = alice_twice(PeerState::Open);
    let mut t = started(&app);
    assert_eq!(t.shown, Some(old), "the first conversation is shown");
    let commands = sent(&type_line(&mut t, &app, "hello first chat"));
    assert_eq!(
        commands,
        vec![Command::ReplyTo {
            peer_id: old,
            text: "hello first chat".into()
        }]
    );
    // The core sends it on the older conversation's peer, not the newest with the login.
    let fx = crate::app::update(&mut app, NOW, Event::User(commands[0].clone()));
    let to: Vec<PeerId> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                peer_id,
                frame: Frame::Chat { .. },
            } => Some(*peer_id),
            _ => None,
        })
        .collect();
    assert_eq!(to, vec![old]);
    assert_ne!(old, new);
    // The side menu's kick and a bare `kick` name it too.
    assert_eq!(
        sent(&type_line(&mut t, &app, "kick")),
        vec![Command::KickPeer { peer_id: old }]
    );
    feed(
        &mut t,
        &app,
        [
            key(KeyCode::Tab),
            key(KeyCode::Tab),
            key(KeyCode::Char('m')),
        ],
    );
    assert_eq!(
        sent(&feed(&mut t, &app, [key(KeyCode::Char('b'))])),
        vec![Command::BanPeer { peer_id: old }]
    );
}

#[test]
fn typing_in_a_closed_conversation_never_goes_to_a_newer_one_with_the_login() {
    use crate::app::{ActivityKind, Effect, Event};
    let (mut app, old, _) = alice_twice(PeerState::Closed);
    let mut t = started(&app);
    assert_eq!(t.shown, Some(old));
    let commands = sent(&type_line(&mut t, &app, "are you still there?"));
    let fx = crate::app::update(&mut app, NOW, Event::User(commands[0].clone()));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Send { .. })),
        "{fx:?}"
    );
    let last = app.activity.back().unwrap();
    assert_eq!(last.kind, ActivityKind::Error);
    assert!(last.text.contains("has ended"), "{}", last.text);
}

#[test]
fn a_shown_conversation_the_core_evicted_falls_back_to_the_activity_log() {
    let (mut app, old, _) = alice_twice(PeerState::Closed);
    let mut t = started(&app);
    assert_eq!(t.shown, Some(old));
    app.conversations.remove(&old);
    update(&mut t, &app, UiEvent::Refresh);
    assert_eq!(t.shown, None);
    assert!(sent(&type_line(&mut t, &app, "hello")).is_empty());
}

#[test]
fn input_history_is_bounded() {
    let app = empty_state();
    let mut t = started(&app);
    for i in 0..super::super::state::HISTORY_LIMIT + 20 {
        type_line(&mut t, &app, &format!("/accept {}", i + 1));
    }
    assert_eq!(t.history.len(), super::super::state::HISTORY_LIMIT);
    assert_eq!(t.history[0], "/accept 21");
}

/// Rooms: the side menu invites the selected guest into a room and removes a member; the
/// peers window lists the room with its member count and unread badge; a room message
/// rings the bell unless the activity log (where room lines show) is on screen.
#[test]
fn side_menu_invites_into_rooms_and_room_messages_ring() {
    let (mut app, carol, _) = busy();
    let room = |app: &mut State, command| {
        crate::app::update(app, NOW, crate::app::Event::User(command));
    };
    room(&mut app, Command::RoomCreate { name: "ops".into() });
    let mut t = started(&app);
    assert_eq!(t.shown, Some(carol));
    feed(&mut t, &app, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    feed(&mut t, &app, [key(KeyCode::Char('m'))]);
    assert_eq!(
        sent(&feed(&mut t, &app, [key(KeyCode::Char('1'))])),
        vec![Command::RoomInvitePeer {
            name: "ops".into(),
            peer_id: carol
        }]
    );
    room(
        &mut app,
        Command::RoomInvitePeer {
            name: "ops".into(),
            peer_id: carol,
        },
    );
    update(&mut t, &app, UiEvent::Refresh);
    assert!(
        render(&t, &app, 100, 30)
            .iter()
            .any(|l| l.contains("#ops (1)") && l.contains("room")),
        "the room is listed with the peers"
    );
    // Carol is a member now: the same key removes her.
    feed(&mut t, &app, [key(KeyCode::Char('m'))]);
    assert_eq!(
        sent(&feed(&mut t, &app, [key(KeyCode::Char('1'))])),
        vec![Command::RoomRemovePeer {
            name: "ops".into(),
            peer_id: carol
        }]
    );
    // A room message while carol's conversation is shown: the bell, once.
    app.rooms.get_mut("ops").unwrap().unread = 1;
    assert!(update(&mut t, &app, UiEvent::Refresh).contains(&UiAction::Bell));
    assert!(!update(&mut t, &app, UiEvent::Refresh).contains(&UiAction::Bell));
    // On the activity log the room lines are seen: a read mark instead.
    feed(&mut t, &app, [alt('0')]);
    app.rooms.get_mut("ops").unwrap().unread = 2;
    let actions = update(&mut t, &app, UiEvent::Refresh);
    assert!(!actions.contains(&UiAction::Bell));
    assert!(actions.contains(&UiAction::Send(Command::MarkRoomRead {
        name: "ops".into()
    })));
}
