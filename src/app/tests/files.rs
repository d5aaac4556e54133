//! File transfers in the core: consent, the hash decides, a closed connection interrupts,
//! and a reconnecting guest gets the unfinished transfer offered again with the same id.

use super::*;
use crate::app::files::{AcceptFiles, FileEffect, FileEvent, TransferState};

const ID: &str = "00000000000000f1";

fn with_files(mut s: State) -> State {
    update(
        &mut s,
        T0 + 7,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::Hello {
                v: 1,
                host: String::new(),
                guest: String::new(),
                features: vec!["files".into()],
            },
        },
    );
    s
}

fn guest_offer(s: &mut State, size: u64) -> Vec<Effect> {
    update(
        s,
        T0 + 8,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::FileOffer {
                id: ID.into(),
                name: "notes.txt".into(),
                size,
                sha256: "ab".repeat(32),
                mime: None,
            },
        },
    )
}

fn file_effects(fx: &[Effect]) -> Vec<&FileEffect> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::File(f) => Some(f),
            _ => None,
        })
        .collect()
}

#[test]
fn in_ask_mode_nothing_is_opened_before_consent() {
    let mut s = with_files(connected_alice());
    let fx = guest_offer(&mut s, 10);
    assert!(file_effects(&fx).is_empty(), "{fx:?}");
    assert!(last_activity(&s)
        .text
        .contains("file accept 00000000000000f1"));
    let fx = update(
        &mut s,
        T0 + 9,
        Event::User(Command::FileAccept { id: ID.into() }),
    );
    assert!(matches!(
        file_effects(&fx)[..],
        [FileEffect::Receive {
            part: None,
            size: 10,
            ..
        }]
    ));
    // The runtime opened the part: only now does the guest hear yes.
    let fx = update(
        &mut s,
        T0 + 9,
        Event::File(FileEvent::ReceiverReady {
            id: ID.into(),
            part: "/d/notes.txt.part".into(),
            offset: 0,
        }),
    );
    assert!(fx.contains(&Effect::Send {
        peer_id: 1,
        frame: Frame::FileAccept {
            id: ID.into(),
            offset: 0
        }
    }));
    // A wrong hash: the part goes, the guest hears file.fail.
    let fx = update(
        &mut s,
        T0 + 10,
        Event::File(FileEvent::Received {
            id: ID.into(),
            sha256: "cd".repeat(32),
        }),
    );
    assert!(fx.contains(&Effect::File(FileEffect::Discard {
        part: "/d/notes.txt.part".into()
    })));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Send {
            frame: Frame::FileFail { .. },
            ..
        }
    )));
    assert!(matches!(
        s.files.transfers[ID].state,
        TransferState::Failed(_)
    ));
}

#[test]
fn never_and_too_large_are_rejected_with_a_reason() {
    let mut s = with_files(connected_alice());
    s.settings.files.accept = AcceptFiles::Never;
    let fx = guest_offer(&mut s, 10);
    assert!(fx.iter().any(|e| matches!(e, Effect::Send { frame: Frame::FileReject { reason, .. }, .. } if reason.contains("does not accept"))));
    let mut s = with_files(connected_alice());
    s.settings.files.max_size = 5;
    let fx = guest_offer(&mut s, 6);
    assert!(fx.iter().any(|e| matches!(e, Effect::Send { frame: Frame::FileReject { reason, .. }, .. } if reason.contains("limit"))));
    assert!(s.files.transfers.is_empty());
}

#[test]
fn a_closed_connection_interrupts_and_a_reconnect_offers_the_same_id_again() {
    let mut s = with_files(connected_alice());
    update(
        &mut s,
        T0 + 8,
        Event::File(FileEvent::Prepared {
            peer_id: 1,
            id: ID.into(),
            path: "/home/m/a.bin".into(),
            name: "a.bin".into(),
            size: 100,
            sha256: "ab".repeat(32),
        }),
    );
    let fx = update(
        &mut s,
        T0 + 9,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::FileAccept {
                id: ID.into(),
                offset: 0,
            },
        },
    );
    assert!(matches!(
        file_effects(&fx)[..],
        [FileEffect::Send {
            offset: 0,
            size: 100,
            ..
        }]
    ));
    update(
        &mut s,
        T0 + 10,
        Event::File(FileEvent::Progress {
            id: ID.into(),
            bytes: 40,
        }),
    );
    update(
        &mut s,
        T0 + 11,
        Event::PeerClosed {
            peer_id: 1,
            reason: "gone".into(),
        },
    );
    assert_eq!(s.files.transfers[ID].state, TransferState::Interrupted);
    assert!(s
        .activity
        .iter()
        .any(|a| a.text.contains("a.bin (alice) interrupted at 40 B")));

    // Alice is back on a new connection: the same id is offered as soon as she says hello.
    let mut conv = s.conversations[&1].clone();
    conv.peer_id = 2;
    conv.state = PeerState::Open;
    s.conversations.insert(2, conv);
    let fx = update(
        &mut s,
        T0 + 20,
        Event::PeerFrame {
            peer_id: 2,
            frame: Frame::Hello {
                v: 1,
                host: String::new(),
                guest: String::new(),
                features: vec!["files".into()],
            },
        },
    );
    assert!(fx.contains(&Effect::Send {
        peer_id: 2,
        frame: Frame::FileOffer {
            id: ID.into(),
            name: "a.bin".into(),
            size: 100,
            sha256: "ab".repeat(32),
            mime: None,
        }
    }));
    let fx = update(
        &mut s,
        T0 + 21,
        Event::PeerFrame {
            peer_id: 2,
            frame: Frame::FileAccept {
                id: ID.into(),
                offset: 40,
            },
        },
    );
    assert!(matches!(
        file_effects(&fx)[..],
        [FileEffect::Send {
            peer_id: 2,
            offset: 40,
            ..
        }]
    ));
}

#[test]
fn files_are_offered_only_to_guests_that_announced_them() {
    let mut s = connected_alice();
    let fx = update(
        &mut s,
        T0 + 8,
        Event::User(Command::FileSend {
            user: "alice".into(),
            peer_id: None,
            path: "/tmp/x".into(),
        }),
    );
    assert!(file_effects(&fx).is_empty());
    assert!(last_activity(&s).text.contains("does not take files"));
}
