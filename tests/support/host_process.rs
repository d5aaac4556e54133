//! A real `janus run --plain` process against an embedded forge that the test owns (so the
//! forge outlives the host and shows what the host left behind), and Rust guests that answer
//! its offers over WebRTC: for what only a whole process shows (signals, `kill -9`, exit
//! status, transcripts on disk).

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::forge::Comment;
use janus::rtc::peer::{self, PeerEvent, PeerHandle, RtcConfig};
use janus::rtc::protocol::Frame;
use janus::signal::token::{self, SignalPayload, TokenKind};
use tokio::sync::mpsc;

use crate::common::host_output::{collect_lines, offer_link, wait_line_in};
use crate::common::{repo, Forge, Guest};

const BIN: &str = env!("CARGO_BIN_EXE_janus");

/// The running host: its stdout lines are collected as they come.
pub struct HostProcess {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub lines: Arc<Mutex<Vec<String>>>,
    /// Its stderr lines, when started with a log filter ([`HostProcess::start_logging`]);
    /// otherwise stderr is the test's.
    pub log_lines: Option<Arc<Mutex<Vec<String>>>>,
    _home: tempfile::TempDir,
}

impl HostProcess {
    /// Starts `janus run --plain` as the forge's owner, with `data_dir`, host candidates on
    /// loopback only and `extra_config` appended to its config file.
    pub fn start(forge: &LocalForge, data_dir: &Path, extra_config: &str) -> HostProcess {
        Self::spawn(forge, data_dir, extra_config, None)
    }

    /// [`HostProcess::start`] with `JANUS_LOG=filter`, its stderr collected in `log_lines`.
    pub fn start_logging(
        forge: &LocalForge,
        data_dir: &Path,
        extra_config: &str,
        filter: &str,
    ) -> HostProcess {
        Self::spawn(forge, data_dir, extra_config, Some(filter))
    }

    fn spawn(
        forge: &LocalForge,
        data_dir: &Path,
        extra_config: &str,
        log_filter: Option<&str>,
    ) -> HostProcess {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("janus.toml");
        std::fs::write(
            &config,
            format!(
                "ice_servers = []\nrtc_bind = \"127.0.0.1\"\npoll_interval = 0.2\n{extra_config}\n"
            ),
        )
        .unwrap();
        let mut command = Command::new(BIN);
        command
            .args(["run", "--plain", "--repo", "maintainer/demo"])
            .arg("--config")
            .arg(&config)
            .arg("--api-url")
            .arg(forge.api_url())
            .arg("--pages-url")
            .arg(forge.pages_url())
            .arg("--data-dir")
            .arg(data_dir)
            .env_clear()
            .env("GH_ACCESS_TOKEN", forge.host_token())
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(filter) = log_filter {
            command.env("JANUS_LOG", filter).stderr(Stdio::piped());
        }
        let mut child = command.spawn().expect("janus starts");
        let stdin = child.stdin.take();
        let lines = collect_lines(child.stdout.take().unwrap());
        let log_lines = child.stderr.take().map(collect_lines);
        let host = HostProcess {
            child,
            stdin,
            lines,
            log_lines,
            _home: home,
        };
        host.wait_line("serving chat requests");
        host
    }

    /// Waits (bounded) for a stdout line containing `needle`.
    pub fn wait_line(&self, needle: &str) -> String {
        wait_line_in(&self.lines, needle, 30)
    }

    pub fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Sends `signal` (e.g. "TERM", "KILL") with kill(1).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits (bounded) for the process to end; its exit code (None: killed by a signal).
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "janus did not exit within {limit:?}; printed {:#?}",
                    self.lines.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens an issue as `guest`, answers the host's offer with a Rust peer and waits for the
/// channel and the host's `hello`. Returns the issue, the offer comment and the peer.
pub async fn connect(
    guest: &Guest,
    peer_id: u64,
) -> (u64, Comment, PeerHandle, mpsc::Receiver<(u64, PeerEvent)>) {
    let issue = guest.open_issue("Can we chat?").await;
    let offer_comment = guest
        .wait_comment(issue, |c| c.body.contains("janus1.o."))
        .await;
    let link = offer_link(&offer_comment.body);
    let offer = token::decode(&link.offer).expect("valid offer");
    let rtc = RtcConfig {
        ice_servers: vec![],
        bind_addr: std::net::Ipv4Addr::LOCALHOST.into(),
        ..RtcConfig::default()
    };
    // Room tests read one guest's events after another: room enough for every message a
    // test sends, so a guest the test is not reading yet never pushes back on its peer.
    let (tx, mut events) = mpsc::channel(8192);
    let (peer, sdp) = peer::start_answerer(&rtc, peer_id, &offer.payload.sdp, tx)
        .await
        .expect("answer");
    let answer = token::encode(
        TokenKind::Answer,
        &SignalPayload {
            sid: offer.payload.sid.clone(),
            sdp,
            exp: None,
        },
    );
    guest.client.post_comment(issue, &answer).await.unwrap();
    loop {
        match next_event(&mut events).await {
            PeerEvent::Frame(Frame::Hello { .. }) => break,
            PeerEvent::Closed { reason } => panic!("closed before hello: {reason}"),
            _ => {}
        }
    }
    (issue, offer_comment, peer, events)
}

/// The next peer event, bounded.
pub async fn next_event(events: &mut mpsc::Receiver<(u64, PeerEvent)>) -> PeerEvent {
    match tokio::time::timeout(Duration::from_secs(20), events.recv()).await {
        Ok(Some((_, ev))) => ev,
        other => panic!("no peer event: {other:?}"),
    }
}

/// An embedded forge on a free loopback port with the repository `maintainer/demo`; it
/// outlives the host processes a test starts.
pub async fn forge() -> LocalForge {
    LocalForge::start(LocalForgeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        guest_dir: None,
        host_login: "maintainer".into(),
        repo: repo(),
    })
    .await
    .expect("forge starts")
}
