//! Transcripts on disk (one JSONL file per conversation, written before the ack): a
//! `kill -9` mid-chat loses no acknowledged message, `janus transcripts` reads them back
//! sanitized, and `transcripts = false` writes none.

mod common;
#[path = "support/host_process.rs"]
mod host_process;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;
use host_process::{connect, forge, next_event, HostProcess};
use janus::rtc::peer::PeerEvent;
use janus::rtc::protocol::Frame;

/// Every transcript line under `dir`, as JSON.
fn transcript_lines(dir: &Path) -> Vec<serde_json::Value> {
    let mut lines = Vec::new();
    let Ok(users) = std::fs::read_dir(dir.join("transcripts")) else {
        return lines;
    };
    for user in users.flatten() {
        for file in std::fs::read_dir(user.path()).unwrap().flatten() {
            let body = std::fs::read_to_string(file.path()).unwrap();
            lines.extend(
                body.lines()
                    .map(|l| serde_json::from_str(l).expect("JSON line")),
            );
        }
    }
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_chat_loses_no_acknowledged_message() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start(&forge, data.path(), "");
    let alice = guest(&forge, "alice");
    let (_issue, _offer, peer, mut events) = connect(&alice, 1).await;
    host.wait_line("alice connected");

    // The host speaks first; the guest sees it only after it was transcribed.
    host.type_line("reply alice welcome \u{1b}[2J aboard");
    loop {
        if let PeerEvent::Frame(Frame::Chat { text, .. }) = next_event(&mut events).await {
            assert!(text.starts_with("welcome"));
            break;
        }
    }
    // A burst of guest messages; kill -9 the moment the last ack arrives.
    let n = 15;
    for i in 0..n {
        peer.send(Frame::Chat {
            id: format!("m{i}"),
            text: format!("message {i}\nmaintainer: fake line"),
            from: None,
            ts: 0,
            room: None,
        })
        .unwrap();
    }
    let mut acked = HashSet::new();
    while acked.len() < n {
        match next_event(&mut events).await {
            PeerEvent::Frame(Frame::Ack { id }) => {
                acked.insert(id);
            }
            PeerEvent::Closed { reason } => panic!("closed: {reason}"),
            _ => {}
        }
    }
    host.signal("KILL");
    assert_eq!(host.wait_exit(Duration::from_secs(10)), None, "killed");

    let lines = transcript_lines(data.path());
    for i in 0..n {
        let text = format!("message {i}\nmaintainer: fake line");
        assert!(
            lines
                .iter()
                .any(|l| l["from"] == "alice" && l["text"] == text.as_str()),
            "acked message {i} missing from the transcript: {lines:#?}"
        );
    }
    assert!(lines
        .iter()
        .any(|l| l["from"] == "maintainer" && l["text"].as_str().unwrap().starts_with("welcome")));
    assert!(lines.iter().all(|l| l["ts"].as_u64().is_some()));

    // `janus transcripts` lists them; `janus transcripts alice` prints them on one line
    // each, with nothing raw reaching the terminal.
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_janus"))
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .env("XDG_CONFIG_HOME", data.path().join("no-config"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let list = run(&["transcripts"]);
    assert!(
        list.contains("alice") && list.contains(&format!("{} messages", n + 1)),
        "{list}"
    );
    let printed = run(&["transcripts", "alice"]);
    assert!(!printed.contains('\u{1b}'), "{printed:?}");
    assert!(
        printed.contains("alice: message 3 ↵ maintainer: fake line"),
        "{printed}"
    );
    assert!(
        !printed.lines().any(|l| l.starts_with("maintainer: fake")),
        "{printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts_false_writes_nothing() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start(&forge, data.path(), "transcripts = false");
    let bob = guest(&forge, "bob");
    let (_issue, _offer, peer, mut events) = connect(&bob, 1).await;
    peer.send(Frame::Chat {
        id: "x".into(),
        text: "off the record".into(),
        from: None,
        ts: 0,
        room: None,
    })
    .unwrap();
    loop {
        if let PeerEvent::Frame(Frame::Ack { .. }) = next_event(&mut events).await {
            break;
        }
    }
    host.wait_line("bob: off the record");
    host.type_line("quit");
    assert_eq!(host.wait_exit(Duration::from_secs(20)), Some(0));
    assert!(transcript_lines(data.path()).is_empty());
    assert!(!data.path().join("transcripts").exists());
}
