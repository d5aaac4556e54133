//! At quit, `bye` reaches every connected guest before the process ends (issue #12: the
//! host exited in ~3 ms and its guests' channels never saw the close). `janus demo --plain`
//! runs as its own process; five Rust guests (webrtc 0.21 answerers on loopback) register
//! with its embedded forge over HTTP, open issues and connect through the posted links; then
//! `quit` is typed once the host has nothing left to write, and every guest must receive
//! the `bye` although the process is gone.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{offer_link, Forge, Guest};
use janus::forge::github::GitHubClient;
use janus::rtc::peer::{self, PeerEvent};
use janus::signal::token::{self, SignalPayload, TokenKind};
use tokio::sync::mpsc;
use tokio::time::timeout;

const BIN: &str = env!("CARGO_BIN_EXE_janus");
const GUESTS: u64 = 5;

/// Registers `login` on the demo's forge (`POST /_forge/users`), as the demo's sign-in does.
async fn register(api: &str, login: &str) -> Guest {
    let anonymous = octocrab::Octocrab::builder()
        .base_uri(format!("{api}/"))
        .unwrap()
        .build()
        .unwrap();
    let resp = anonymous
        ._post(
            format!("{api}/_forge/users"),
            Some(&serde_json::json!({ "login": login })),
        )
        .await
        .expect("register");
    assert_eq!(resp.status(), 201);
    let body: serde_json::Value =
        serde_json::from_str(&anonymous.body_to_string(resp).await.unwrap()).unwrap();
    let token = body["token"].as_str().unwrap().to_string();
    Guest {
        login: login.into(),
        id: body["id"].as_u64().unwrap(),
        token: token.clone(),
        client: GitHubClient::new(api, Some(token.clone()), common::repo()).unwrap(),
        http: octocrab::Octocrab::builder()
            .base_uri(format!("{api}/"))
            .unwrap()
            .personal_token(token)
            .build()
            .unwrap(),
        api: api.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_guest_hears_bye_before_the_process_ends() {
    let home = tempfile::tempdir().unwrap();
    let mut janus = Command::new(BIN)
        .args([
            "--poll-interval",
            "0.2",
            "demo",
            "--plain",
            "--listen",
            "127.0.0.1:0",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("janus starts");
    let (lines_tx, mut lines) = mpsc::unbounded_channel::<String>();
    let stdout = janus.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = lines_tx.send(line);
        }
    });
    let api = loop {
        let line = timeout(Duration::from_secs(30), lines.recv())
            .await
            .expect("the banner within 30 s")
            .expect("janus prints its banner");
        if let Some(rest) = line.trim().strip_prefix("forge API: ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };

    let (guest_tx, mut guest_events) = mpsc::channel(1024);
    let mut peers = Vec::new();
    let mut signaling = Vec::new();
    for n in 1..=GUESTS {
        let guest = register(&api, &format!("guest{n}")).await;
        let issue = guest.open_issue(&format!("chat {n}")).await;
        let offer_comment = guest
            .wait_comment(issue, |c| c.body.contains("janus1.o."))
            .await;
        let offer = token::decode(&offer_link(&offer_comment.body).offer).unwrap();
        let (peer, answer_sdp) = peer::start_answerer(
            &common::rtc_loopback(),
            n,
            &offer.payload.sdp,
            guest_tx.clone(),
        )
        .await
        .expect("answer");
        let answer = token::encode(
            TokenKind::Answer,
            &SignalPayload {
                sid: offer.payload.sid.clone(),
                sdp: answer_sdp,
                exp: None,
            },
        );
        let answer_comment = guest.client.post_comment(issue, &answer).await.unwrap();
        peers.push(peer);
        signaling.push((guest, issue, offer_comment.id, answer_comment.id));
    }
    let mut open = 0;
    while open < GUESTS {
        let (_, event) = timeout(Duration::from_secs(20), guest_events.recv())
            .await
            .expect("every guest connects")
            .unwrap();
        match event {
            PeerEvent::Open => open += 1,
            PeerEvent::Closed { reason } => panic!("a guest closed early: {reason}"),
            _ => {}
        }
    }

    // Let the writer finish (both signaling comments of every guest scrubbed): with nothing
    // pending, the host used to exit within milliseconds of `quit`, before any `bye` got out.
    for (guest, issue, offer_id, answer_id) in &signaling {
        for id in [*offer_id, *answer_id] {
            guest
                .wait_comment(*issue, |c| c.id == id && !c.body.contains("janus1."))
                .await;
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let quit_at = Instant::now();
    janus.stdin.take().unwrap().write_all(b"quit\n").unwrap();
    let status = loop {
        if let Some(status) = janus.try_wait().unwrap() {
            break status;
        }
        assert!(
            quit_at.elapsed() < Duration::from_secs(20),
            "quit ends janus"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let exited = quit_at.elapsed();
    println!("janus exited {exited:?} after quit");
    assert!(status.success(), "{status:?}");

    // The process is gone; whatever the guests hear now, they were sent before it ended.
    let mut heard = Vec::new();
    while (heard.len() as u64) < GUESTS {
        let (id, event) = timeout(Duration::from_secs(3), guest_events.recv())
            .await
            .unwrap_or_else(|_| panic!("only guests {heard:?} heard the bye"))
            .unwrap();
        if let PeerEvent::Closed { reason } = event {
            assert_eq!(
                reason, "the remote said bye: the maintainer went offline",
                "guest {id}"
            );
            heard.push(id);
        }
    }
    heard.sort();
    assert_eq!(heard, (1..=GUESTS).collect::<Vec<_>>());
    assert!(peers.iter().all(|p| p.is_closed()));
}
