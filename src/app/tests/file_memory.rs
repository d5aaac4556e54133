//! Unfinished transfers across runs and over time (`file_memory.rs`, `file_rules.rs`): the
//! core asks to keep the unfinished set only when it changes, takes back what an earlier run
//! kept, gives up what is not resumed within a week, and bounds how many can be unfinished.

use super::*;
use crate::app::file_memory::Resumable;
use crate::app::files::{
    Direction, FileEffect, FileEvent, TransferState, INTERRUPTED_KEPT_SECS, MAX_OPEN_TRANSFERS,
};

const ID: &str = "00000000000000f7";

fn remembered(fx: &[Effect]) -> Option<Vec<String>> {
    fx.iter().find_map(|e| match e {
        Effect::File(FileEffect::Remember { transfers }) => {
            Some(transfers.iter().map(|t| t.id.clone()).collect())
        }
        _ => None,
    })
}

fn kept(id: &str, login: &str, direction: Direction, updated: u64) -> Resumable {
    Resumable {
        id: id.into(),
        direction,
        login: login.into(),
        name: "big.iso".into(),
        size: 1000,
        sha256: "cd".repeat(32),
        path: format!("/data/files/{login}/big.iso.part"),
        bytes: 400,
        since: updated,
        updated,
    }
}

fn hello(s: &mut State, peer_id: u64, now: u64) -> Vec<Effect> {
    update(
        s,
        now,
        Event::PeerFrame {
            peer_id,
            frame: Frame::Hello {
                v: 1,
                host: String::new(),
                guest: String::new(),
                features: vec!["files".into()],
            },
        },
    )
}

#[test]
fn the_unfinished_set_is_kept_when_it_changes_and_only_then() {
    let mut s = connected_alice();
    hello(&mut s, 1, T0 + 7);
    let fx = update(
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
    assert_eq!(remembered(&fx), Some(vec![ID.to_string()]), "{fx:?}");
    let progress = Event::File(FileEvent::Progress {
        id: ID.into(),
        bytes: 40,
    });
    assert_eq!(
        remembered(&update(&mut s, T0 + 9, progress)),
        None,
        "progress is not kept"
    );
    let closed = Event::PeerClosed {
        peer_id: 1,
        reason: "gone".into(),
    };
    assert_eq!(
        remembered(&update(&mut s, T0 + 10, closed)),
        None,
        "still the same set"
    );
    let cancel = Event::User(Command::FileCancel { id: ID.into() });
    assert_eq!(remembered(&update(&mut s, T0 + 11, cancel)), Some(vec![]));
}

#[test]
fn what_an_earlier_run_kept_comes_back_interrupted_and_resumes_on_hello() {
    let mut s = connected_alice();
    let fx = update(
        &mut s,
        T0 + 5,
        Event::File(FileEvent::Restored {
            transfers: vec![kept(ID, "alice", Direction::Outgoing, T0 - 60)],
        }),
    );
    assert_eq!(remembered(&fx), None, "what came back is what is kept");
    let t = &s.files.transfers[ID];
    assert_eq!(
        (t.state.clone(), t.peer_id, t.bytes),
        (TransferState::Interrupted, 0, 400)
    );
    assert!(last_activity(&s)
        .text
        .contains("1 unfinished file transfer(s) from the last run"));
    let fx = hello(&mut s, 1, T0 + 6);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Send { peer_id: 1, frame: Frame::FileOffer { id, .. } } if id == ID)),
        "{fx:?}"
    );
}

#[test]
fn an_interrupted_transfer_not_resumed_within_a_week_is_given_up() {
    let mut s = connected_alice();
    let restored = vec![
        kept(ID, "bob", Direction::Incoming, T0),
        kept("00000000000000f8", "carol", Direction::Incoming, T0 + 100),
    ];
    update(
        &mut s,
        T0 + 200,
        Event::File(FileEvent::Restored {
            transfers: restored,
        }),
    );
    let fx = update(&mut s, T0 + INTERRUPTED_KEPT_SECS, Event::Tick);
    assert!(fx.contains(&Effect::File(FileEffect::Discard {
        part: "/data/files/bob/big.iso.part".into()
    })));
    assert!(
        matches!(s.files.transfers[ID].state, TransferState::Failed(ref why) if why.contains("7 days"))
    );
    assert_eq!(
        s.files.transfers["00000000000000f8"].state,
        TransferState::Interrupted,
        "the younger one waits on"
    );
    assert_eq!(remembered(&fx), Some(vec!["00000000000000f8".to_string()]));
}

#[test]
fn no_more_than_the_cap_can_be_unfinished_over_all_guests() {
    let mut s = connected_alice();
    hello(&mut s, 1, T0 + 6);
    let many: Vec<Resumable> = (0..MAX_OPEN_TRANSFERS)
        .map(|i| {
            kept(
                &format!("{:016x}", 0x1000 + i),
                &format!("g{}", i / 10),
                Direction::Incoming,
                T0,
            )
        })
        .collect();
    update(
        &mut s,
        T0 + 7,
        Event::File(FileEvent::Restored { transfers: many }),
    );
    assert_eq!(s.files.open(), MAX_OPEN_TRANSFERS);
    let fx = update(
        &mut s,
        T0 + 8,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::FileOffer {
                id: "00000000000000aa".into(),
                name: "notes.txt".into(),
                size: 10,
                sha256: "ab".repeat(32),
                mime: None,
            },
        },
    );
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Send { frame: Frame::FileReject { reason, .. }, .. } if reason.contains("too many unfinished transfers"))),
        "{fx:?}"
    );
}
