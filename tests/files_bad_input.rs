//! Every bad input of the file protocol against a real `janus run --plain` process
//! (PROTOCOL.md "Files"): each is refused and leaves nothing behind. The happy paths are
//! in `tests/files.rs`; the guest's helpers in `tests/support/file_guest.rs`.

mod common;
#[path = "support/file_guest.rs"]
mod file_guest;
#[path = "support/host_process.rs"]
mod host_process;

use std::time::Duration;

use common::*;
use file_guest::*;
use host_process::{connect, forge, HostProcess};
use janus::rtc::protocol::Frame;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_file_input_is_refused_and_leaves_nothing_behind() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start(
        &forge,
        data.path(),
        "accept_files = \"auto\"\nmax_file_size = 100000",
    );
    let bob = guest(&forge, "bob");
    let (_issue, _offer, peer, mut events) = connect(&bob, 1).await;
    host.wait_line("bob connected");
    peer.send(hello()).unwrap();
    let mut reports = Vec::new();
    let small = content(5000, 9);

    // Names with nothing safe left, reserved names, and a size over the limit.
    let bad_names = ["..", "", "a/..", " . ", "CON", "nul.txt", "\u{1b}\u{7}"];
    for (i, name) in bad_names.iter().enumerate() {
        let id = format!("{:016x}", 0xb00 + i);
        peer.send(offer(&id, name, &small)).unwrap();
        let f = frame_where(&mut events, &mut reports, |f| {
            matches!(f, Frame::FileReject { .. })
        })
        .await;
        let Frame::FileReject { id: got, reason } = f else {
            unreachable!()
        };
        assert_eq!(got, id);
        assert!(reason.contains("unsafe file name"), "{name:?}: {reason}");
    }
    let big = content(100_001, 1);
    peer.send(offer("0000000000000b50", "big.bin", &big))
        .unwrap();
    let f = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileReject { .. })
    })
    .await;
    assert!(
        matches!(&f, Frame::FileReject { reason, .. } if reason.contains("100000 bytes")),
        "{f:?}"
    );

    // A path in the name is reduced to its base name, control characters removed.
    let id = "0000000000000b60";
    peer.send(offer(id, "../../etc/pass\u{1b}wd", &small))
        .unwrap();
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileAccept { .. })
    })
    .await;
    send_bytes(&peer, work.path(), id, &small, 0, small.len() as u64).await;
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileDone { .. })
    })
    .await;
    assert_eq!(
        std::fs::read(data.path().join("files/bob/passwd")).unwrap(),
        small
    );

    // A hash mismatch: file.fail, and neither the file nor a .part stays.
    let id = "0000000000000b70";
    let mut lying = offer(id, "lie.txt", &small);
    if let Frame::FileOffer { sha256, .. } = &mut lying {
        *sha256 = sha(b"something else");
    }
    peer.send(lying).unwrap();
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileAccept { .. })
    })
    .await;
    send_bytes(&peer, work.path(), id, &small, 0, small.len() as u64).await;
    let f = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileFail { .. })
    })
    .await;
    assert!(
        matches!(&f, Frame::FileFail { id: got, reason } if got == id && reason.contains("mismatch")),
        "{f:?}"
    );

    // More bytes than announced: cancelled, nothing kept.
    let id = "0000000000000b80";
    peer.send(offer(id, "short.txt", &small[..100])).unwrap();
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileAccept { .. })
    })
    .await;
    send_bytes(&peer, work.path(), id, &small, 0, small.len() as u64).await;
    let f = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileCancel { .. })
    })
    .await;
    assert!(
        matches!(&f, Frame::FileCancel { reason, .. } if reason.contains("more bytes")),
        "{f:?}"
    );

    // A file channel for an id nobody accepted is closed; nothing is written.
    send_bytes(
        &peer,
        work.path(),
        "0000000000000b90",
        &small,
        0,
        small.len() as u64,
    )
    .await;

    // Junk frames are dropped and counted; the conversation goes on.
    peer.send_raw_for_tests(
        br#"{"t":"file.offer","id":"../x","name":"a","size":1,"sha256":"00"}"#.to_vec(),
    )
    .unwrap();
    peer.send_raw_for_tests(
        br#"{"t":"file.accept","id":"0000000000000b60","offset":"x"}"#.to_vec(),
    )
    .unwrap();
    host.wait_line("bad frame(s) from bob");

    // An offset beyond the file the host offers: cancelled.
    let src = work.path().join("hostfile.txt");
    std::fs::write(&src, &small).unwrap();
    host.type_line(&format!("file send bob {}", src.display()));
    let Frame::FileOffer { id, size, .. } = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileOffer { .. })
    })
    .await
    else {
        unreachable!()
    };
    peer.send(Frame::FileAccept {
        id: id.clone(),
        offset: size + 1,
    })
    .unwrap();
    let f = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileCancel { .. })
    })
    .await;
    assert!(
        matches!(&f, Frame::FileCancel { id: got, reason } if *got == id && reason.contains("beyond")),
        "{f:?}"
    );
    // And a file that does not exist is a clear console error.
    host.type_line("file send bob /nonexistent/file");
    host.wait_line("cannot send /nonexistent/file");

    // Still chatting.
    peer.send(Frame::Chat {
        id: "c1".into(),
        text: "still here".into(),
        from: None,
        ts: 0,
        room: None,
    })
    .unwrap();
    frame_where(
        &mut events,
        &mut reports,
        |f| matches!(f, Frame::Ack { id } if id == "c1"),
    )
    .await;
    assert_eq!(
        files_under(&data.path().join("files")),
        vec!["bob/passwd".to_string()]
    );
    host.type_line("quit");
    host.wait_exit(Duration::from_secs(15));
}

/// A disk without room: even with `accept_files = "auto"` the file is not taken; the guest
/// hears why (`file.cancel`), the console says it, and no `.part` is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_the_disk_has_no_room_for_is_refused_with_the_reason() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    // More free space kept than any disk has.
    let host = HostProcess::start(
        &forge,
        data.path(),
        "accept_files = \"auto\"\nmin_free_space = 1152921504606846976",
    );
    let erin = guest(&forge, "erin");
    let (_issue, _offer, peer, mut events) = connect(&erin, 1).await;
    host.wait_line("erin connected");
    peer.send(hello()).unwrap();
    let mut reports = Vec::new();
    let bytes = content(4096, 3);
    let id = "0000000000000d15";
    peer.send(offer(id, "report.pdf", &bytes)).unwrap();
    let f = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileCancel { .. } | Frame::FileAccept { .. })
    })
    .await;
    let Frame::FileCancel { id: got, reason } = f else {
        panic!("accepted without room: {f:?}")
    };
    assert_eq!(got, id);
    assert!(
        reason.contains("not enough disk space") && reason.contains("min_free_space"),
        "{reason}"
    );
    let line = host.wait_line("report.pdf (erin) failed: not enough disk space");
    assert!(line.contains("needs 4.0 KiB"), "{line}");
    assert_eq!(
        files_under(&data.path().join("files")),
        Vec::<String>::new()
    );
}
