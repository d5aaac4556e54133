//! A guest's side of file transfers against a real `janus run --plain` process
//! (PROTOCOL.md "Files"), shared by `tests/files.rs` and `tests/files_bad_input.rs`: test
//! content and its hash, the frames a guest sends, waiting for frames, file reports and
//! host lines, and what is left on disk.

#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use janus::app::FileEvent;
use janus::rtc::file_channel::{FileSink, FileSource};
use janus::rtc::peer::{PeerEvent, PeerHandle};
use janus::rtc::protocol::Frame;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::host_process::{next_event, HostProcess};

pub type Events = mpsc::Receiver<(u64, PeerEvent)>;

pub fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Bytes that differ at every position, so a misplaced chunk changes the hash.
pub fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed)
        .collect()
}

pub fn hello() -> Frame {
    Frame::Hello {
        v: 1,
        host: String::new(),
        guest: String::new(),
        features: vec!["chat".into(), "files".into()],
    }
}

pub fn offer(id: &str, name: &str, bytes: &[u8]) -> Frame {
    Frame::FileOffer {
        id: id.into(),
        name: name.into(),
        size: bytes.len() as u64,
        sha256: sha(bytes),
        mime: None,
    }
}

/// The next frame matching `pred`, skipping others; file reports are collected in `files`.
pub async fn frame_where(
    events: &mut Events,
    files: &mut Vec<FileEvent>,
    pred: impl Fn(&Frame) -> bool,
) -> Frame {
    loop {
        match next_event(events).await {
            PeerEvent::Frame(f) if pred(&f) => return f,
            PeerEvent::File(report) => files.push(report),
            PeerEvent::Closed { reason } => panic!("closed: {reason}"),
            _ => {}
        }
    }
}

/// The next file report (not a progress one).
pub async fn file_report(events: &mut Events) -> FileEvent {
    loop {
        match next_event(events).await {
            PeerEvent::File(FileEvent::Progress { .. }) => {}
            PeerEvent::File(report) => return report,
            PeerEvent::Closed { reason } => panic!("closed: {reason}"),
            _ => {}
        }
    }
}

/// Waits (bounded) until `host` printed `needle` `n` times.
pub fn wait_count(host: &HostProcess, needle: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while host.output().matches(needle).count() < n {
        assert!(
            Instant::now() < deadline,
            "{needle:?} not printed {n} times: {}",
            host.output()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every file under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                all.push(rel);
            }
        }
    }
    all.sort();
    all
}

pub async fn send_bytes(
    peer: &PeerHandle,
    dir: &Path,
    id: &str,
    bytes: &[u8],
    offset: u64,
    size: u64,
) {
    let path = dir.join(format!("{id}.src"));
    std::fs::write(&path, bytes).unwrap();
    peer.send_file(FileSource {
        id: id.into(),
        path,
        offset,
        size,
    })
    .unwrap();
}

/// Takes the host's transfer `id` from `offset`: expects its channel, writing into `part`
/// until byte `size`, then answers `file.accept` (in that order: requests run in order).
pub fn accept_from_host(peer: &PeerHandle, id: &str, part: &Path, offset: u64, size: u64) {
    peer.expect_file(FileSink {
        id: id.into(),
        part: part.to_path_buf(),
        offset,
        size,
    })
    .unwrap();
    peer.send(Frame::FileAccept {
        id: id.into(),
        offset,
    })
    .unwrap();
}
