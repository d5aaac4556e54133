//! File transfers against a real `janus run --plain` process, with Rust guest peers
//! (PROTOCOL.md "Files"): consent in `ask` mode, both directions, collisions, the
//! transcript, and resuming after a dropped connection. Bad input of the protocol is in
//! `tests/files_bad_input.rs`; the guest's helpers in `tests/support/file_guest.rs`.

mod common;
#[path = "support/file_guest.rs"]
mod file_guest;
#[path = "support/host_process.rs"]
mod host_process;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::*;
use file_guest::*;
use host_process::{connect, forge, HostProcess};
use janus::app::FileEvent;
use janus::rtc::protocol::Frame;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_both_ways_with_consent_collisions_and_transcript() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start(&forge, data.path(), "");
    let alice = guest(&forge, "alice");
    let (_issue, _offer, peer, mut events) = connect(&alice, 1).await;
    host.wait_line("alice connected");
    peer.send(hello()).unwrap();
    let mut reports = Vec::new();

    // Guest → host, `ask`: nothing is written before consent.
    let bytes = content(1024 * 1024 + 77, 1);
    let id = "00000000000000a1";
    peer.send(offer(id, "../notes.txt", &bytes)).unwrap();
    let line = host.wait_line("offers notes.txt");
    assert!(
        line.contains("alice") && line.contains("1.0 MiB") && line.contains(id),
        "{line}"
    );
    assert!(files_under(&data.path().join("files")).is_empty());
    host.type_line(&format!("file accept {id}"));
    let accepted = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileAccept { .. })
    })
    .await;
    assert_eq!(
        accepted,
        Frame::FileAccept {
            id: id.into(),
            offset: 0
        }
    );
    send_bytes(&peer, work.path(), id, &bytes, 0, bytes.len() as u64).await;
    let done = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileDone { .. })
    })
    .await;
    assert_eq!(
        done,
        Frame::FileDone {
            id: id.into(),
            sha256: sha(&bytes)
        }
    );
    let saved = data.path().join("files/alice/notes.txt");
    assert_eq!(std::fs::read(&saved).unwrap(), bytes);

    // The same name again lands beside it, never over it.
    let again = content(1000, 2);
    let id2 = "00000000000000a2";
    peer.send(offer(id2, "notes.txt", &again)).unwrap();
    host.wait_line(&format!("file accept {id2}"));
    host.type_line(&format!("file accept {id2}"));
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileAccept { .. })
    })
    .await;
    send_bytes(&peer, work.path(), id2, &again, 0, again.len() as u64).await;
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileDone { .. })
    })
    .await;
    assert_eq!(std::fs::read(&saved).unwrap(), bytes);
    assert_eq!(
        std::fs::read(data.path().join("files/alice/notes (1).txt")).unwrap(),
        again
    );

    // A rejected offer: the guest hears why, nothing is written.
    let id3 = "00000000000000a3";
    peer.send(offer(id3, "third.bin", &again)).unwrap();
    host.wait_line(&format!("file reject {id3}"));
    host.type_line(&format!("file reject {id3}"));
    frame_where(
        &mut events,
        &mut reports,
        |f| matches!(f, Frame::FileReject { id, .. } if id == id3),
    )
    .await;

    // Host → guest.
    let out = content(2 * 1024 * 1024 + 3, 3);
    let src = work.path().join("report.pdf");
    std::fs::write(&src, &out).unwrap();
    host.type_line(&format!("file send alice {}", src.display()));
    let offered = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileOffer { .. })
    })
    .await;
    let Frame::FileOffer {
        id: out_id,
        name,
        size,
        sha256,
        ..
    } = offered
    else {
        unreachable!()
    };
    assert_eq!(
        (name.as_str(), size, sha256.as_str()),
        ("report.pdf", out.len() as u64, sha(&out).as_str())
    );
    assert!(janus::rtc::protocol::is_file_id(&out_id), "{out_id}");
    let part = work.path().join("report.part");
    std::fs::write(&part, b"").unwrap();
    accept_from_host(&peer, &out_id, &part, 0, size);
    let received = file_report(&mut events).await;
    assert_eq!(
        received,
        FileEvent::Received {
            id: out_id.clone(),
            sha256: sha(&out)
        }
    );
    assert_eq!(std::fs::read(&part).unwrap(), out);
    peer.send(Frame::FileDone {
        id: out_id.clone(),
        sha256: sha(&out),
    })
    .unwrap();
    host.wait_line("alice received report.pdf");

    // Chat still works, and `files` names every transfer.
    host.type_line("files");
    host.wait_line(&format!("{out_id} report.pdf to alice: done"));
    host.wait_line(&format!("{id3} third.bin from alice: rejected"));
    host.wait_line(&format!("{id} notes.txt from alice: done"));

    // The transcript has the file events, `from` the login.
    host.type_line("quit");
    host.wait_exit(Duration::from_secs(15));
    let mut lines = Vec::new();
    for f in files_under(&data.path().join("transcripts")) {
        let body = std::fs::read_to_string(data.path().join("transcripts").join(f)).unwrap();
        lines.extend(
            body.lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()),
        );
    }
    let has = |from: &str, text: &str| {
        lines
            .iter()
            .any(|l| l["from"] == from && l["text"].as_str().unwrap_or("").starts_with(text))
    };
    assert!(has("alice", "file offered: notes.txt"), "{lines:#?}");
    assert!(has("maintainer", "file accepted: notes.txt"), "{lines:#?}");
    assert!(
        has(
            "maintainer",
            &format!("file done: notes.txt sha256 {}", sha(&bytes))
        ),
        "{lines:#?}"
    );
    assert!(has("maintainer", "file offered: report.pdf"), "{lines:#?}");
    assert!(
        has(
            "alice",
            &format!("file done: report.pdf sha256 {}", sha(&out))
        ),
        "{lines:#?}"
    );
    assert!(has("maintainer", "file rejected: third.bin"), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_resume_from_the_offset_after_a_dropped_connection() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start_logging(
        &forge,
        data.path(),
        "accept_files = \"auto\"",
        "warn,janus::rtc::file_channel=debug",
    );
    let carol = guest(&forge, "carol");
    let (_issue, _offer, peer, mut events) = connect(&carol, 1).await;
    host.wait_line("carol connected");
    peer.send(hello()).unwrap();
    let mut reports = Vec::new();

    // Guest → host: the guest sends only the first MiB, then its channel closes.
    let up = content(3 * 1024 * 1024 + 11, 4);
    let up_id = "00000000000000c1";
    peer.send(offer(up_id, "up.bin", &up)).unwrap();
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileAccept { .. })
    })
    .await;
    send_bytes(&peer, work.path(), up_id, &up, 0, 1024 * 1024).await;
    host.wait_line("up.bin (carol) interrupted at 1.0 MiB");
    // At the close the host read how many messages the connection had counted on the
    // channel (64 of 16 KiB), so it ended the transfer once it had read them, not later.
    let logs = host.log_lines.as_ref().expect("stderr collected");
    let closed = common::host_output::wait_line_in(logs, "file channel closed by the remote", 10);
    assert!(
        closed.contains(up_id) && closed.contains("messages_counted=64"),
        "{closed}"
    );
    let part = data.path().join("files/carol/up.bin.part");
    assert_eq!(
        std::fs::metadata(&part).unwrap().len(),
        1024 * 1024,
        "the partial is kept"
    );
    host.type_line("files");
    host.wait_line("up.bin from carol: interrupted (partial kept for resume)");

    // Host → guest: the guest takes the first MiB only, then the connection drops.
    let down = content(3 * 1024 * 1024 + 5, 5);
    let src = work.path().join("down.bin");
    std::fs::write(&src, &down).unwrap();
    host.type_line(&format!("file send carol {}", src.display()));
    let Frame::FileOffer {
        id: down_id, size, ..
    } = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileOffer { .. })
    })
    .await
    else {
        unreachable!()
    };
    let guest_part = work.path().join("down.part");
    std::fs::write(&guest_part, b"").unwrap();
    accept_from_host(&peer, &down_id, &guest_part, 0, 1024 * 1024);
    assert!(matches!(
        file_report(&mut events).await,
        FileEvent::Received { .. }
    ));
    peer.abort_for_tests(true).unwrap();
    drop(peer);
    host.wait_line("carol disconnected");

    // Carol asks again (a new issue): the host offers the same id again at once and sends
    // only what she lacks; she offers hers again and sends only what the host lacks.
    let (_issue, _offer, peer, mut events) = connect(&carol, 2).await;
    wait_count(&host, "carol connected", 2);
    peer.send(hello()).unwrap();
    let started = Instant::now();
    let f = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileOffer { .. })
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "re-offered within a few seconds"
    );
    assert!(
        matches!(&f, Frame::FileOffer { id, size: s, .. } if *id == down_id && *s == size),
        "{f:?}"
    );
    let held = std::fs::metadata(&guest_part).unwrap().len();
    assert_eq!(held, 1024 * 1024);
    accept_from_host(&peer, &down_id, &guest_part, held, size);
    let received = file_report(&mut events).await;
    assert_eq!(
        received,
        FileEvent::Received {
            id: down_id.clone(),
            sha256: sha(&down)
        }
    );
    assert_eq!(std::fs::read(&guest_part).unwrap(), down);
    peer.send(Frame::FileDone {
        id: down_id.clone(),
        sha256: sha(&down),
    })
    .unwrap();
    host.wait_line("carol received down.bin");

    peer.send(offer(up_id, "up.bin", &up)).unwrap();
    let f = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileAccept { .. })
    })
    .await;
    assert_eq!(
        f,
        Frame::FileAccept {
            id: up_id.into(),
            offset: 1024 * 1024
        }
    );
    send_bytes(&peer, work.path(), up_id, &up, 1024 * 1024, up.len() as u64).await;
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileDone { .. })
    })
    .await;
    assert_eq!(
        std::fs::read(data.path().join("files/carol/up.bin")).unwrap(),
        up
    );
    assert!(!part.exists());
    let _: Vec<PathBuf> = Vec::new();
    host.type_line("quit");
    host.wait_exit(Duration::from_secs(15));
}
