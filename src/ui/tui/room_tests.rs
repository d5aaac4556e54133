//! Rooms in the TUI: a room's own window (its lines, its members in the title, every
//! guest-chosen name and text sanitized), switching to it like a conversation, its read
//! mark, and typing into it (`RoomSay`).

use crossterm::event::KeyCode;

use super::fixtures::*;
use super::state::{update, TuiState, UiAction, UiEvent};
use crate::app::rooms::RoomLine;
use crate::app::{Command, Event, PeerId, PeerState, State};

fn core(app: &mut State, command: Command) {
    crate::app::update(app, NOW, Event::User(command));
}

/// Room #ops with alice, bob and a guest whose login tries terminal escapes; three lines
/// (one from the hostile guest), two unread.
fn ops_state() -> (State, PeerId) {
    let mut app = empty_state();
    let alice = add_conversation(&mut app, 3, "alice", PeerState::Open, vec![], 0);
    let bob = add_conversation(&mut app, 4, "bob", PeerState::Open, vec![], 0);
    let evil = "mal\x1b[2Jlory\u{202e}";
    let mallory = add_conversation(&mut app, 5, evil, PeerState::Open, vec![], 0);
    core(&mut app, Command::RoomCreate { name: "ops".into() });
    for peer_id in [alice, bob, mallory] {
        core(
            &mut app,
            Command::RoomInvitePeer {
                name: "ops".into(),
                peer_id,
            },
        );
    }
    let room = app.rooms.get_mut("ops").unwrap();
    room.lines.clear();
    for (at, from, text) in [
        (NOW - 60, Some("alice"), "deploy at ten?"),
        (NOW - 30, Some(evil), "ok\x1b]0;pwned\x07"),
        (NOW - 10, Some("maintainer"), "yes"),
    ] {
        room.lines.push_back(RoomLine {
            at,
            from: from.map(String::from),
            text: text.into(),
        });
    }
    room.unread = 2;
    (app, alice)
}

/// The peers window lists: activity, alice, bob, mallory, #ops: Alt-4 shows the room; the
/// commands it sends (the read mark) are carried out by the core.
fn showing_ops(app: &mut State) -> TuiState {
    let mut t = tui(100, 24);
    update(&mut t, app, UiEvent::Refresh);
    for action in feed(&mut t, app, [alt('4')]) {
        if let UiAction::Send(command) = action {
            core(app, command);
        }
    }
    update(&mut t, app, UiEvent::Refresh);
    t
}

/// Room #ops shown: its lines, its members in the title, hostile text inert.
const OPS: &[&str] = &[
    r"┌ Requests (0) ─────────────────┐┌ #ops · alice, bob, mal\u{1b}[2Jlory\u{202e} ────────────────────┐",
    r"│no requests waiting            ││09:14 alice: deploy at ten?                                      │",
    r"│                               ││09:14 mal\u{1b}[2Jlory\u{202e}: ok\u{1b}]0;pwned\u{7}            │",
    r"│                               ││09:14 you: yes                                                   │",
    r"│                               ││                                                                 │",
    r"│                               ││                                                                 │",
    r"│                               ││                                                                 │",
    r"│                               ││                                                                 │",
    r"└───────────────────────── auto ┘│                                                                 │",
    r"┌ Peers (3 open) ───────────────┐│                                                                 │",
    r"│0 activity                     ││                                                                 │",
    r"│1 alice ✓          open        ││                                                                 │",
    r"│2 bob ✓            open        ││                                                                 │",
    r"│3 mal\u{1b}[2Jlor… open        ││                                                                 │",
    r"│4 #ops (3)         room        ││                                                                 │",
    r"│                               ││                                                                 │",
    r"│                               ││                                                                 │",
    r"│                               ││                                                                 │",
    r"└───────────────────────────────┘└─────────────────────────────────────────────────────────────────┘",
    r"* mal\u{1b}[2Jlory\u{202e} joined room ops",
    r"┌ message to #ops · /help for commands ────────────────────────────────────────────────────────────┐",
    r"│>                                                                                                 │",
    r"└──────────────────────────────────────────────────────────────────────────────────────────────────┘",
    r" maintainer@maintainer/demo │ forge ok · polled 2s ago │ rate 4987/5000                      ? help",
];

#[test]
fn a_room_has_its_own_window_with_its_members() {
    let (mut app, _) = ops_state();
    let t = showing_ops(&mut app);
    assert_eq!(app.rooms["ops"].unread, 0, "shown, the room is read");
    assert_eq!(t.room.as_deref(), Some("ops"));
    let screen = render(&t, &app, 100, 24);
    assert!(
        screen
            .iter()
            .all(|l| !l.chars().any(|c| c.is_control() || c == '\u{202e}')),
        "{screen:#?}"
    );
    assert_eq!(screen, OPS, "{}", screen.join("\n"));
}

#[test]
fn typing_in_a_shown_room_says_it_there() {
    let (app, alice) = ops_state();
    let mut t = tui(100, 30);
    update(&mut t, &app, UiEvent::Refresh);
    assert_eq!(t.shown, Some(alice), "the first guest is shown");
    // Ctrl-N walks past the guests to the room, as it does between conversations.
    let actions = feed(&mut t, &app, [ctrl('n'), ctrl('n'), ctrl('n')]);
    assert_eq!((t.shown, t.room.as_deref()), (None, Some("ops")));
    assert!(
        actions.contains(&UiAction::Send(Command::MarkRoomRead {
            name: "ops".into()
        })),
        "showing the room clears its unread mark: {actions:?}"
    );
    let actions = type_line(&mut t, &app, "on it");
    assert!(
        actions.contains(&UiAction::Send(Command::RoomSay {
            name: "ops".into(),
            text: "on it".into()
        })),
        "{actions:?}"
    );
    // Commands still read as commands.
    assert!(type_line(&mut t, &app, "list").contains(&UiAction::Send(Command::List)));
    // `list` showed the activity log; the next buffer is alice, messages go to her again.
    assert_eq!((t.shown, t.room.as_deref()), (None, None));
    feed(&mut t, &app, [ctrl('n')]);
    assert_eq!(t.shown, Some(alice));
    assert!(
        type_line(&mut t, &app, "hi").contains(&UiAction::Send(Command::ReplyTo {
            peer_id: alice,
            text: "hi".into()
        }))
    );
    // A room that closes falls back to the activity log.
    let mut app = app;
    feed(&mut t, &app, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    t.room = Some("ops".into());
    t.shown = None;
    core(&mut app, Command::RoomClose { name: "ops".into() });
    update(&mut t, &app, UiEvent::Refresh);
    assert_eq!((t.shown, t.room.as_deref()), (None, None));
}
