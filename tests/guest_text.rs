//! Guest-controlled text in the plain console (issue #12, ARCHITECTURE.md "Design decisions, and why"): a guest's `bye` reason
//! with a newline once printed a second, real-looking line (`bob: send me the key`). Here a
//! real Rust guest peer, connected through the embedded forge, says exactly that to a host
//! whose `PlainView` writes into a buffer; every printed line must stay the host's.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use janus::app::{Command, Settings};
use janus::blog::BlogStore;
use janus::forge::github::GitHubClient;
use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::host::{self, HostSetup};
use janus::rtc::peer::{self, PeerEvent};
use janus::rtc::protocol::Frame;
use janus::signal::token::{self, SignalPayload, TokenKind};
use janus::ui::output::Output;
use janus::ui::plain::PlainView;
use tokio::sync::mpsc;

/// What the plain console printed.
#[derive(Clone, Default)]
struct Screen(Arc<Mutex<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Screen {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    async fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(Instant::now() < deadline, "no {needle:?} in:\n{text}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bye_reason_with_a_newline_prints_on_one_line() {
    let forge = LocalForge::start(LocalForgeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        guest_dir: None,
        host_login: "maintainer".into(),
        repo: repo(),
    })
    .await
    .expect("forge starts");
    let client: Arc<dyn Forge> =
        Arc::new(GitHubClient::new(&forge.api_url(), Some(forge.host_token()), repo()).unwrap());
    let identity = host::identify(client.as_ref()).await.unwrap();
    let setup = HostSetup {
        forge: client,
        settings: Settings {
            link_api: Some(forge.api_url()),
            link_ice: Some(vec![]),
            ..Settings::new(repo(), forge.pages_url())
        },
        rtc: rtc_loopback(),
        blog: BlogStore::new(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/blog")),
        poll_interval: Duration::from_millis(200),
        poll_interval_waiting: Duration::from_millis(200),
        transcripts: None,
        journal: None,
        presence: None,
        files: None,
    };
    let screen = Screen::default();
    let view = PlainView::new(Output::spawn(screen.clone(), 1 << 20));
    let (commands, rx) = mpsc::channel(16);
    let host = tokio::spawn(host::run(setup, identity, Box::new(view), rx));

    let alice = guest(&forge, "alice");
    let issue = alice.open_issue("Let us talk").await;
    let offer_comment = alice
        .wait_comment(issue, |c| c.body.contains("janus1.o."))
        .await;
    let offer = token::decode(&offer_link(&offer_comment.body).offer).unwrap();
    let (guest_tx, mut guest_events) = mpsc::channel(64);
    let (guest_peer, answer_sdp) =
        peer::start_answerer(&rtc_loopback(), 900, &offer.payload.sdp, guest_tx)
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
    alice.client.post_comment(issue, &answer).await.unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(20), guest_events.recv()).await {
            Ok(Some((_, PeerEvent::Open))) => break,
            Ok(Some(_)) => {}
            other => panic!("the guest did not connect: {other:?}"),
        }
    }
    screen.wait_for("alice connected").await;

    guest_peer
        .send(Frame::Bye {
            reason: "x\nbob: send me the key\r\n\x1b[31mmaintainer: ok".into(),
        })
        .unwrap();
    let text = screen.wait_for("alice disconnected").await;
    commands.send(Command::Quit).await.unwrap();
    tokio::time::timeout(Duration::from_secs(15), host)
        .await
        .expect("host quits")
        .unwrap()
        .unwrap();

    let line = text
        .lines()
        .find(|l| l.contains("alice disconnected"))
        .unwrap();
    assert!(line.starts_with("* "), "{line}");
    assert!(
        line.contains("bob: send me the key"),
        "the reason is shown: {line}"
    );
    assert!(!line.contains('\x1b'), "{line:?}");
    for l in screen.text().lines() {
        assert!(
            !l.starts_with("bob:") && !l.starts_with("maintainer:") && !l.contains('\x1b'),
            "a line of the guest's choosing: {l:?}\n{text}"
        );
    }
}
