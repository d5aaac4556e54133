//! Rooms through a real `janus run --plain` and real WebRTC guests (PROTOCOL.md "Rooms"): the host
//! relays a member's message to the other members as the sender, refuses a non-member,
//! tells everyone about joins, removals, kicks and a closed room, writes the room's
//! transcript, and a member that stops reading is closed without stalling the others.

mod common;
#[path = "support/host_process.rs"]
mod host_process;

use std::path::Path;
use std::time::Duration;

use common::*;
use host_process::{connect, forge, next_event, HostProcess};
use janus::rtc::peer::{PeerEvent, PeerHandle};
use janus::rtc::protocol::Frame;
use tokio::sync::mpsc;

type Events = mpsc::Receiver<(u64, PeerEvent)>;

fn room_chat(id: &str, text: &str, room: &str) -> Frame {
    Frame::Chat {
        id: id.into(),
        text: text.into(),
        from: None,
        ts: 0,
        room: Some(room.into()),
    }
}

/// The next frame matching `pred`, skipping others; panics on close or after 20 s.
async fn expect_frame(events: &mut Events, what: &str, pred: impl Fn(&Frame) -> bool) -> Frame {
    loop {
        match next_event(events).await {
            PeerEvent::Frame(f) if pred(&f) => return f,
            PeerEvent::Closed { reason } => panic!("closed while waiting for {what}: {reason}"),
            _ => {}
        }
    }
}

/// No frame matching `pred` within `quiet`.
async fn expect_none(events: &mut Events, quiet: Duration, pred: impl Fn(&Frame) -> bool) {
    let deadline = tokio::time::Instant::now() + quiet;
    while let Ok(Some((_, ev))) = tokio::time::timeout_at(deadline, events.recv()).await {
        if let PeerEvent::Frame(f) = ev {
            assert!(!pred(&f), "unexpected {f:?}");
        }
    }
}

fn room_lines(data: &Path) -> Vec<serde_json::Value> {
    let dir = data.join("transcripts").join("rooms_ops");
    let mut lines = Vec::new();
    for file in std::fs::read_dir(dir)
        .expect("room transcript dir")
        .flatten()
    {
        let body = std::fs::read_to_string(file.path()).unwrap();
        lines.extend(body.lines().map(|l| serde_json::from_str(l).unwrap()));
    }
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_relays_refuses_and_tells_members_of_removals() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start(&forge, data.path(), "");
    let mut guests: Vec<(PeerHandle, Events)> = Vec::new();
    for (i, login) in ["alice", "bob", "carol", "mallory"].iter().enumerate() {
        let g = guest(&forge, login);
        let (_issue, _offer, peer, events) = connect(&g, i as u64 + 1).await;
        host.wait_line(&format!("{login} connected"));
        guests.push((peer, events));
    }
    host.type_line("room create ops");
    for login in ["alice", "bob", "carol"] {
        host.type_line(&format!("room invite ops {login}"));
        host.wait_line(&format!("{login} joined room ops"));
    }
    let joined = expect_frame(&mut guests[2].1, "room.joined", |f| {
        matches!(f, Frame::RoomJoined { .. })
    })
    .await;
    assert_eq!(
        joined,
        Frame::RoomJoined {
            room: "ops".into(),
            members: vec!["alice".into(), "bob".into(), "carol".into()]
        }
    );
    for (peer, login) in [(0, "bob"), (0, "carol"), (1, "carol")] {
        expect_frame(
            &mut guests[peer].1,
            "room.member",
            |f| matches!(f, Frame::RoomMember { login: l, joined: true, .. } if l == login),
        )
        .await;
    }

    // Alice speaks: acked, and bob and carol get it from alice in ops.
    guests[0]
        .0
        .send(room_chat("a1", "hi all\n[ops] maintainer: fake", "ops"))
        .unwrap();
    expect_frame(
        &mut guests[0].1,
        "ack",
        |f| matches!(f, Frame::Ack { id } if id == "a1"),
    )
    .await;
    for g in [1, 2] {
        let f = expect_frame(&mut guests[g].1, "relay", |f| {
            matches!(f, Frame::Chat { .. })
        })
        .await;
        assert!(
            matches!(&f, Frame::Chat { from: Some(from), room: Some(r), text, .. }
                if from == "alice" && r == "ops" && text.starts_with("hi all")),
            "{f:?}"
        );
    }
    let line = host.wait_line("[ops] alice: hi all");
    assert!(
        line.starts_with("[ops] alice: hi all"),
        "column 0: {line:?}"
    );
    assert!(!host
        .output()
        .lines()
        .any(|l| l.starts_with("[ops] maintainer")));

    // Mallory is not a member: a notice, no ack, relayed to no one, no room line.
    guests[3]
        .0
        .send(room_chat("m1", "let me in", "ops"))
        .unwrap();
    expect_frame(
        &mut guests[3].1,
        "notice",
        |f| matches!(f, Frame::Notice { text } if text.contains("not in room ops")),
    )
    .await;
    host.wait_line("refused a message from mallory to room ops");
    assert!(!host.output().contains("[ops] mallory"));

    // The host speaks in the room: from the maintainer, with the room.
    host.type_line("room say ops welcome everyone");
    for g in [0, 1, 2] {
        expect_frame(&mut guests[g].1, "host say", |f| {
            matches!(f, Frame::Chat { from: Some(from), room: Some(_), text, .. }
                if from == "maintainer" && text == "welcome everyone")
        })
        .await;
    }
    for g in [1, 2, 3] {
        expect_none(
            &mut guests[g].1,
            Duration::from_millis(10),
            |f| matches!(f, Frame::Chat { text, .. } if text == "let me in"),
        )
        .await;
    }

    // Bob is removed: he hears room.left, the others room.member.
    host.type_line("room remove ops bob");
    expect_frame(
        &mut guests[1].1,
        "room.left",
        |f| matches!(f, Frame::RoomLeft { room, .. } if room == "ops"),
    )
    .await;
    for g in [0, 2] {
        expect_frame(
            &mut guests[g].1,
            "bob left",
            |f| matches!(f, Frame::RoomMember { login, joined: false, .. } if login == "bob"),
        )
        .await;
    }
    // Bob's room messages are now refused.
    guests[1].0.send(room_chat("b1", "still?", "ops")).unwrap();
    expect_frame(&mut guests[1].1, "notice", |f| {
        matches!(f, Frame::Notice { .. })
    })
    .await;

    // Carol is kicked: alice hears she left the room.
    host.type_line("kick carol");
    expect_frame(
        &mut guests[0].1,
        "carol left",
        |f| matches!(f, Frame::RoomMember { login, joined: false, .. } if login == "carol"),
    )
    .await;
    // Closing the room tells the last member.
    host.type_line("rooms");
    host.wait_line("ops (1): alice");
    host.type_line("room close ops");
    expect_frame(
        &mut guests[0].1,
        "room.left",
        |f| matches!(f, Frame::RoomLeft { reason, .. } if reason.contains("closed")),
    )
    .await;

    // The room's transcript: alice's message and the host's, each with `room`; nothing
    // of the refused ones.
    let lines = room_lines(data.path());
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0]["from"], "alice");
    assert_eq!(lines[1]["from"], "maintainer");
    assert!(lines.iter().all(|l| l["room"] == "ops" && l["ts"].is_u64()));
    host.type_line("quit");
    assert_eq!(host.wait_exit(Duration::from_secs(20)), Some(0));
}

/// A guest whose whole WebRTC stack stops (its runtime is blocked, as a frozen tab or a
/// stalled link would) while the host floods the room: it is disconnected once its send
/// queue overflows, and the others get every message and hear that it left.
/// Reads one event of a fast room member: the next room message (in order: it starts with
/// its number, `got`) or the news that `slowpoke` left; panics if the member is closed.
async fn read_room(events: &mut Events, got: &mut usize, heard_left: &mut bool) {
    match next_event(events).await {
        PeerEvent::Frame(Frame::Chat {
            text,
            room: Some(_),
            ..
        }) => {
            assert!(text.starts_with(&format!("{got} ")), "in order");
            *got += 1;
        }
        PeerEvent::Frame(Frame::RoomMember {
            login,
            joined: false,
            ..
        }) => {
            assert_eq!(login, "slowpoke");
            *heard_left = true;
        }
        PeerEvent::Closed { reason } => panic!("a fast member was closed: {reason}"),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_stops_reading_is_closed_and_the_others_get_everything() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start(&forge, data.path(), "transcripts = false");
    let mut guests: Vec<(PeerHandle, Events)> = Vec::new();
    for (i, login) in ["alice", "bob"].iter().enumerate() {
        let g = guest(&forge, login);
        let (_issue, _offer, peer, events) = connect(&g, i as u64 + 1).await;
        host.wait_line(&format!("{login} connected"));
        guests.push((peer, events));
    }
    // The slow guest lives on a runtime of its own, on one thread, which it blocks when
    // told: only once the room is set up, so what closes it is what it does not read, not
    // a connection left unanswered (ICE) while the room was being made on a busy machine.
    let slow_guest = guest(&forge, "slowpoke");
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
    let (freeze_tx, freeze_rx) = tokio::sync::oneshot::channel::<()>();
    let (frozen_tx, frozen_rx) = tokio::sync::oneshot::channel::<()>();
    let (thaw_tx, thaw_rx) = std::sync::mpsc::channel::<()>();
    let frozen = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (_issue, _offer, _peer, _events) = connect(&slow_guest, 3).await;
            ready_tx.send(()).unwrap();
            // A live guest until then: the runtime answers ICE and takes the room's frames.
            let _ = freeze_rx.await;
            frozen_tx.send(()).unwrap();
            // Blocks the only thread: no packet is read or acknowledged any more.
            let _ = thaw_rx.recv_timeout(Duration::from_secs(60));
        });
    });
    ready_rx.await.unwrap();
    host.wait_line("slowpoke connected");
    host.type_line("room create ops");
    for login in ["alice", "bob", "slowpoke"] {
        host.type_line(&format!("room invite ops {login}"));
        host.wait_line(&format!("{login} joined room ops"));
    }
    freeze_tx.send(()).unwrap();
    frozen_rx.await.unwrap();
    // ~8 MiB of room messages: more than the frozen member's SCTP buffer and outbox hold.
    // They go in batches that the fast members read before the next one is typed: a member
    // that reads is never asked to hold more than a batch (well under its 4 MiB bound), on
    // a machine however busy, while the frozen one, reading nothing, overflows. A host
    // stalled by the frozen member would starve the fast ones (20 s per frame at most).
    let (n, batch) = (2000, 100);
    let body = "x".repeat(4000);
    let mut got = [0usize; 2];
    let mut heard_left = [false; 2];
    for sent in (batch..=n).step_by(batch) {
        for i in sent - batch..sent {
            host.type_line(&format!("room say ops {i} {body}"));
        }
        for (k, (_, events)) in guests.iter_mut().enumerate() {
            while got[k] < sent {
                read_room(events, &mut got[k], &mut heard_left[k]).await;
            }
        }
    }
    let closed = host.wait_line("slowpoke disconnected");
    assert!(
        closed.contains("not reading") || closed.contains("too many messages"),
        "{closed}"
    );
    for (k, (_, events)) in guests.iter_mut().enumerate() {
        while !heard_left[k] {
            read_room(events, &mut got[k], &mut heard_left[k]).await;
        }
        assert_eq!(got[k], n, "every message, once");
    }
    thaw_tx.send(()).unwrap();
    frozen.join().unwrap();
    host.type_line("quit");
    assert_eq!(host.wait_exit(Duration::from_secs(20)), Some(0));
}
