//! The file sender's window on a real connection (`src/rtc/send_window.rs`): a real
//! `janus run --plain` host sends a file to a Rust guest on loopback; the host measured the
//! path's round trip through ICE and sized its window from it (below the 1 MiB it takes when
//! no round trip is known), and the whole file arrives intact.

mod common;
#[path = "support/file_guest.rs"]
mod file_guest;
#[path = "support/host_process.rs"]
mod host_process;

use common::*;
use file_guest::*;
use host_process::{connect, forge, HostProcess};
use janus::app::FileEvent;
use janus::rtc::protocol::Frame;
use janus::rtc::send_window::{MAX_WINDOW, MIN_WINDOW};

/// `key=value` of a tracing line, as a number.
fn field(line: &str, key: &str) -> Option<u64> {
    let at = line.find(&format!("{key}="))? + key.len() + 1;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_sizes_its_send_window_from_the_measured_round_trip() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start_logging(
        &forge,
        data.path(),
        "",
        "warn,janus::rtc::file_channel=debug",
    );
    let dora = guest(&forge, "dora");
    let (_issue, _offer, peer, mut events) = connect(&dora, 1).await;
    host.wait_line("dora connected");
    peer.send(hello()).unwrap();

    let bytes = content(4 * 1024 * 1024 + 3, 7);
    let src = work.path().join("window.bin");
    std::fs::write(&src, &bytes).unwrap();
    host.type_line(&format!("file send dora {}", src.display()));
    let mut reports = Vec::new();
    let Frame::FileOffer { id, size, .. } = frame_where(&mut events, &mut reports, |f| {
        matches!(f, Frame::FileOffer { .. })
    })
    .await
    else {
        unreachable!()
    };
    let part = work.path().join("window.part");
    std::fs::write(&part, b"").unwrap();
    accept_from_host(&peer, &id, &part, 0, size);
    assert_eq!(
        file_report(&mut events).await,
        FileEvent::Received {
            id: id.clone(),
            sha256: sha(&bytes)
        }
    );
    assert_eq!(std::fs::read(&part).unwrap(), bytes);

    let logs = host.log_lines.as_ref().expect("stderr collected");
    let line = common::host_output::wait_line_in(logs, "file send window", 10);
    assert!(line.contains(&id), "{line}");
    let rtt_us = field(&line, "rtt_us").unwrap_or_else(|| panic!("no round trip: {line}"));
    let window = field(&line, "window").unwrap() as usize;
    assert!(rtt_us > 0 && rtt_us < 65_000, "loopback round trip: {line}");
    assert!(
        (MIN_WINDOW..MAX_WINDOW).contains(&window),
        "a loopback window below the no-round-trip default: {line}"
    );
}
