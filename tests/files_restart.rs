//! Resume across a restart of the host (PROTOCOL.md "Files", resume): a real `janus run
//! --plain` process is quit in the middle of one transfer each way and started again on the
//! same data directory; when the guest connects again, each transfer goes on from the bytes
//! held, under the same id, and both files arrive whole.

mod common;
#[path = "support/file_guest.rs"]
mod file_guest;
#[path = "support/host_process.rs"]
mod host_process;

use std::time::{Duration, Instant};

use common::*;
use file_guest::*;
use host_process::{connect, forge, HostProcess};
use janus::app::FileEvent;
use janus::rtc::protocol::Frame;

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_resume_after_the_host_restarts() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let config = "accept_files = \"auto\"";
    let mut host = HostProcess::start(&forge, data.path(), config);
    let dave = guest(&forge, "dave");
    let (_issue, _offer, peer, mut events) = connect(&dave, 1).await;
    host.wait_line("dave connected");
    peer.send(hello()).unwrap();
    let mut reports = Vec::new();

    // Guest → host: 1 MiB of 3 arrives, then the channel closes.
    let up = content(3 * MIB as usize + 7, 11);
    let up_id = "00000000000000e1";
    peer.send(offer(up_id, "up.bin", &up)).unwrap();
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileAccept { .. })
    })
    .await;
    send_bytes(&peer, work.path(), up_id, &up, 0, MIB).await;
    host.wait_line("up.bin (dave) interrupted at 1.0 MiB");

    // Host → guest: the guest takes 1 MiB of 3, then its connection drops.
    let down = content(3 * MIB as usize + 5, 12);
    let src = work.path().join("down.bin");
    std::fs::write(&src, &down).unwrap();
    host.type_line(&format!("file send dave {}", src.display()));
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
    accept_from_host(&peer, &down_id, &guest_part, 0, MIB);
    assert!(matches!(
        file_report(&mut events).await,
        FileEvent::Received { .. }
    ));
    peer.abort_for_tests(true).unwrap();
    drop(peer);
    host.wait_line("dave disconnected");

    // The maintainer quits and starts Janus again on the same data directory.
    host.type_line("quit");
    assert_eq!(host.wait_exit(Duration::from_secs(15)), Some(0));
    let kept = data.path().join("files/.unfinished-maintainer_demo.json");
    assert!(kept.exists(), "the unfinished transfers are kept");
    let mut host = HostProcess::start(&forge, data.path(), config);
    host.wait_line("2 unfinished file transfer(s) from the last run");
    host.type_line("files");
    host.wait_line("up.bin from dave: interrupted (partial kept for resume), 1.0 MiB of 3.0 MiB");

    // Dave asks again: the host offers the same id and sends only what he lacks.
    let (_issue, _offer, peer, mut events) = connect(&dave, 2).await;
    host.wait_line("dave connected");
    peer.send(hello()).unwrap();
    let started = Instant::now();
    let f = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileOffer { .. })
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "re-offered at once"
    );
    assert!(
        matches!(&f, Frame::FileOffer { id, size: s, .. } if *id == down_id && *s == size),
        "{f:?}"
    );
    accept_from_host(&peer, &down_id, &guest_part, MIB, size);
    assert_eq!(
        file_report(&mut events).await,
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
    host.wait_line("dave received down.bin");

    // He offers his file again under its id: the host takes it from the 1 MiB it holds.
    peer.send(offer(up_id, "up.bin", &up)).unwrap();
    let f = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileAccept { .. })
    })
    .await;
    assert_eq!(
        f,
        Frame::FileAccept {
            id: up_id.into(),
            offset: MIB
        }
    );
    send_bytes(&peer, work.path(), up_id, &up, MIB, up.len() as u64).await;
    frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileDone { .. })
    })
    .await;
    assert_eq!(
        std::fs::read(data.path().join("files/dave/up.bin")).unwrap(),
        up
    );
    assert!(!data.path().join("files/dave/up.bin.part").exists());
    // Nothing is left unfinished: nothing is kept.
    host.type_line("quit");
    assert_eq!(host.wait_exit(Duration::from_secs(15)), Some(0));
    assert!(!kept.exists(), "{:?}", std::fs::read_to_string(&kept));
}
