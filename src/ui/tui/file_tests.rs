//! The TUI's file transfers: an offer shows in its conversation with its keys, `y` / `n`
//! answer it, a progress bar shows bytes, rate and time left, and the side menu's
//! "send file…" starts `file send <user> ` on the input line.

use crossterm::event::KeyCode;

use super::fixtures::*;
use super::state::{update, Pane, UiAction, UiEvent};
use crate::app::files::{Direction, Transfer, TransferState};
use crate::app::{Command, PeerState};

fn transfer(id: &str, peer_id: u64, state: TransferState, bytes: u64) -> Transfer {
    Transfer {
        id: id.into(),
        direction: Direction::Incoming,
        login: "carol".into(),
        peer_id,
        name: "notes\u{1b}[2J.txt".into(),
        size: 4 * 1024 * 1024,
        sha256: "ab".repeat(32),
        path: None,
        bytes,
        flow_since: Some((NOW - 4, 0)),
        state,
        since: NOW - 10,
        updated: NOW - 10,
    }
}

#[test]
fn offers_progress_keys_and_the_send_file_entry() {
    let mut app = empty_state();
    let carol = add_conversation(
        &mut app,
        3,
        "carol",
        PeerState::Open,
        vec![guest(NOW - 50, "hi")],
        0,
    );
    app.files.guests_with_files.insert(carol);
    app.files.transfers.insert(
        "00000000000000a1".into(),
        transfer("00000000000000a1", carol, TransferState::AwaitingConsent, 0),
    );
    app.files.transfers.insert(
        "00000000000000a2".into(),
        transfer(
            "00000000000000a2",
            carol,
            TransferState::Active,
            2 * 1024 * 1024,
        ),
    );
    let mut t = tui(150, 30);
    update(&mut t, &app, UiEvent::Refresh);
    update(&mut t, &app, alt('1'));
    let screen = render(&t, &app, 150, 30).join("\n");
    assert!(
        screen.contains("⇣ notes\\u{1b}[2J.txt (4.0 MiB) offered · y accept · n reject"),
        "{screen}"
    );
    assert!(
        screen.contains("[##########----------] 2.0 MiB of 4.0 MiB · 512.0 KiB/s · 4 s left"),
        "{screen}"
    );

    // y / n outside the input line answer the oldest offer of the shown guest.
    t.focus = Pane::Conversation;
    let out = update(&mut t, &app, key(KeyCode::Char('y')));
    assert!(out.contains(&UiAction::Send(Command::FileAccept {
        id: "00000000000000a1".into()
    })));
    let out = update(&mut t, &app, key(KeyCode::Char('n')));
    assert!(out.contains(&UiAction::Send(Command::FileReject {
        id: "00000000000000a1".into()
    })));

    // The side menu's "send file…" puts `file send carol ` on the input line.
    update(&mut t, &app, key(KeyCode::Char('m')));
    update(&mut t, &app, key(KeyCode::Char('f')));
    assert_eq!(t.focus, Pane::Input);
    assert_eq!(t.input.text, "file send carol ");
}
