//! The actors of the NAT lab's tests: the embedded forge on the internet side, a `janus run`
//! host in the host namespace, a Rust guest (or the guest page in Chromium) in the guest
//! namespace, and `janus doctor`, each started inside its namespace.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Child, Stdio};
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::forge::{Comment, RepoName};
use janus::rtc::peer::{self, PeerEvent, RtcConfig};
use janus::rtc::protocol::Frame;
use janus::rtc::turn::IceServer;
use janus::signal::token::{self, SignalPayload, TokenKind};
use tokio::sync::mpsc;

use super::host_output::{collect_lines, offer_link, wait_line_in};
use super::{enter_ns, Lab, GUEST_IP, HOST_IP, INET_IP, TURN_PORT};

pub const BIN: &str = env!("CARGO_BIN_EXE_janus");
pub const SECRET: &str = "lab-secret-4f1c9a7e2b";

/// What the forge thread hands back: URLs and tokens (it keeps the forge itself).
pub struct ForgeInfo {
    pub api: String,
    pub pages: String,
    pub host_token: String,
    pub guest_token: String,
    /// Dropping it stops the forge thread.
    pub _stop: std_mpsc::Sender<()>,
    /// Every comment body ever posted, read at the end (the secret must be in none).
    pub bodies: Arc<Mutex<Vec<String>>>,
}

/// The embedded forge on the internet side, in its own thread and runtime.
pub fn start_forge(lab: &Lab) -> ForgeInfo {
    let ns = lab.ns("i");
    let (tx, rx) = std_mpsc::channel();
    let (stop_tx, stop_rx) = std_mpsc::channel::<()>();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let sink = bodies.clone();
    std::thread::spawn(move || {
        enter_ns(&ns).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let forge = LocalForge::start(LocalForgeConfig {
                listen: format!("{INET_IP}:0").parse().unwrap(),
                guest_dir: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/guest").into()),
                host_login: "maintainer".into(),
                repo: RepoName::parse("maintainer/demo").unwrap(),
            })
            .await
            .expect("forge starts");
            let (_, guest_token) = forge.create_user("alice");
            tx.send((
                forge.api_url(),
                forge.pages_url(),
                forge.host_token(),
                guest_token,
            ))
            .unwrap();
            // Serve until the test drops its sender; keep a copy of every comment body.
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if let Ok(comments) = forge_comments(&forge).await {
                    *sink.lock().unwrap() = comments;
                }
                if !matches!(stop_rx.try_recv(), Err(std_mpsc::TryRecvError::Empty)) {
                    break;
                }
            }
        });
    });
    let (api, pages, host_token, guest_token) =
        rx.recv_timeout(Duration::from_secs(10)).expect("forge up");
    ForgeInfo {
        api,
        pages,
        host_token,
        guest_token,
        _stop: stop_tx,
        bodies,
    }
}

/// Every comment body on the forge's issues (1..=5 are enough for these tests).
pub async fn forge_comments(forge: &LocalForge) -> Result<Vec<String>, ()> {
    let client = janus::forge::github::GitHubClient::new(
        &forge.api_url(),
        Some(forge.host_token()),
        forge.repo().clone(),
    )
    .map_err(|_| ())?;
    use janus::forge::Forge;
    let comments = client.poll_comments().await.map_err(|_| ())?;
    Ok(comments.into_iter().map(|c| c.body).collect())
}

/// `janus run --plain` in the host namespace.
pub struct Host {
    pub lines: Arc<Mutex<Vec<String>>>,
    pub stdin: std::process::ChildStdin,
    pub log: std::path::PathBuf,
    pub _home: tempfile::TempDir,
}

impl Host {
    pub fn start(lab: &mut Lab, forge: &ForgeInfo, turn: bool) -> Host {
        Host::start_with(lab, forge, turn, "", SECRET)
    }

    /// [`Host::start`] with `extra` lines at the end of the config file and this secret.
    pub fn start_with(
        lab: &mut Lab,
        forge: &ForgeInfo,
        turn: bool,
        extra: &str,
        secret: &str,
    ) -> Host {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("janus.toml");
        let mut text = format!(
            "ice_servers = [\"stun:{INET_IP}:{TURN_PORT}\"]\nrtc_bind = \"{HOST_IP}\"\npoll_interval = 0.2\n"
        );
        if turn {
            text.push_str(&format!(
                "[turn]\nurls = [\"turn:{INET_IP}:{TURN_PORT}?transport=udp\", \"turn:{INET_IP}:{TURN_PORT}?transport=tcp\"]\nttl = 300\n"
            ));
        }
        text.push_str(extra);
        std::fs::write(&config, text).unwrap();
        let log = home.path().join("janus.log");
        let mut child: Child = lab
            .command("h", BIN)
            .args(["run", "--plain", "--repo", "maintainer/demo"])
            .arg("--config")
            .arg(&config)
            .args(["--api-url", &forge.api, "--pages-url", &forge.pages])
            .arg("--data-dir")
            .arg(home.path().join("data"))
            .env_clear()
            .env("GH_ACCESS_TOKEN", &forge.host_token)
            .env("JANUS_TURN_SECRET", secret)
            .env(
                "JANUS_LOG",
                std::env::var("LAB_JANUS_LOG").unwrap_or_else(|_| "info,janus=debug".into()),
            )
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("janus starts");
        let stdin = child.stdin.take().unwrap();
        let out = child.stdout.take().unwrap();
        lab.adopt(child);
        let lines = collect_lines(out);
        let host = Host {
            lines,
            stdin,
            log,
            _home: home,
        };
        host.wait_line("serving chat requests", 30);
        host
    }

    pub fn wait_line(&self, needle: &str, secs: u64) -> String {
        wait_line_in(&self.lines, needle, secs)
    }

    /// Whether the host printed a line containing `needle`.
    pub fn printed(&self, needle: &str) -> bool {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains(needle))
    }

    /// The end of the host's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| !l.contains("janus::forge"))
            .collect();
        lines[lines.len().saturating_sub(400)..].join("\n")
    }

    pub fn type_line(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The secret is in none of the host's output, its log, or the forge's comments.
    pub fn assert_secret_nowhere(&self, forge: &ForgeInfo) {
        let out = self.lines.lock().unwrap().join("\n");
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let comments = forge.bodies.lock().unwrap().join("\n");
        for (what, text) in [("output", &out), ("log", &log), ("comments", &comments)] {
            assert!(
                !text.contains(SECRET),
                "the TURN secret is in the host's {what}"
            );
        }
        assert!(!comments.is_empty(), "the comments were read");
    }
}

/// What the guest thread reports back (read through `Debug` when unexpected).
#[allow(dead_code)]
#[derive(Debug)]
pub enum GuestReport {
    /// The offer token's `ice` (empty without `[turn]`).
    Ice(Vec<IceServer>),
    /// The channel opened, this long after the answer was posted.
    Opened(Duration),
    Hello,
    /// The host's chat text (acked by the guest).
    Chat(String),
    /// Our chat was acked by the host, this long after it was sent.
    Acked(Duration),
    Closed(String),
}

/// The guest: opens an issue, answers the offer from the guest namespace, says hello.
pub fn start_guest(
    lab: &Lab,
    forge: &ForgeInfo,
    use_relay: bool,
) -> std_mpsc::Receiver<GuestReport> {
    start_guest_with(lab, forge, use_relay, false)
}

/// [`start_guest`]; with `leave`, the guest says bye once its chat was acked.
pub fn start_guest_with(
    lab: &Lab,
    forge: &ForgeInfo,
    use_relay: bool,
    leave: bool,
) -> std_mpsc::Receiver<GuestReport> {
    let ns = lab.ns("g");
    let (api, guest_token) = (forge.api.clone(), forge.guest_token.clone());
    let (tx, rx) = std_mpsc::channel();
    std::thread::spawn(move || {
        enter_ns(&ns).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(guest_run(api, guest_token, use_relay, leave, tx));
    });
    rx
}

/// The guest's forge client (the embedded forge speaks GitHub's REST API).
fn forge_http(api: &str, token: String) -> octocrab::Octocrab {
    octocrab::Octocrab::builder()
        .base_uri(format!("{api}/"))
        .unwrap()
        .personal_token(token)
        .build()
        .unwrap()
}

/// Opens an issue on the lab's repository as the guest; its number.
async fn open_issue(http: &octocrab::Octocrab, api: &str, title: &str, body: &str) -> u64 {
    let resp = http
        ._post(
            format!("{api}/repos/maintainer/demo/issues"),
            Some(&serde_json::json!({ "title": title, "body": body })),
        )
        .await
        .expect("create issue");
    let v: serde_json::Value =
        serde_json::from_str(&http.body_to_string(resp).await.unwrap()).unwrap();
    v["number"].as_u64().unwrap()
}

/// Polls the issue's comments (at most 30 s) for the first whose body passes `wanted`.
async fn wait_comment(
    http: &octocrab::Octocrab,
    api: &str,
    issue: u64,
    wanted: impl Fn(&str) -> bool,
    what: &str,
) -> Comment {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let resp = http
            ._get(format!(
                "{api}/repos/maintainer/demo/issues/{issue}/comments"
            ))
            .await
            .unwrap();
        let comments: Vec<Comment> =
            serde_json::from_str(&http.body_to_string(resp).await.unwrap()).unwrap();
        if let Some(c) = comments.into_iter().find(|c| wanted(&c.body)) {
            return c;
        }
        assert!(Instant::now() < deadline, "no {what} comment");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn guest_run(
    api: String,
    token: String,
    use_relay: bool,
    leave: bool,
    report: std_mpsc::Sender<GuestReport>,
) {
    let http = forge_http(&api, token);
    let issue = open_issue(&http, &api, "Can we chat?", "hi").await;
    let offer_comment = wait_comment(
        &http,
        &api,
        issue,
        |body| body.contains("janus1.o."),
        "offer",
    )
    .await;
    let link = offer_link(&offer_comment.body);
    let offer = token::decode(&link.offer).expect("valid offer");
    let ice: Vec<IceServer> = token::decode_ice(&link.offer).unwrap_or_default();
    let _ = report.send(GuestReport::Ice(ice.clone()));
    let rtc = RtcConfig {
        ice_servers: vec![format!("stun:{INET_IP}:{TURN_PORT}")],
        bind_addr: GUEST_IP.parse().unwrap(),
        relays: if use_relay { ice } else { Vec::new() },
        ..RtcConfig::default()
    };
    let (tx, mut events) = mpsc::channel(256);
    let (peer, sdp) = peer::start_answerer(&rtc, 1, &offer.payload.sdp, tx)
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
    http._post(
        format!("{api}/repos/maintainer/demo/issues/{issue}/comments"),
        Some(&serde_json::json!({ "body": answer })),
    )
    .await
    .expect("answer posted");
    guest_chat(&peer, &mut events, Instant::now(), leave, &report).await;
}

/// Flow B from the guest namespace: the guest is the offerer (STUN only, as the page is:
/// it holds no relay credentials), opens an issue whose body carries its offer, applies the
/// host's answer from the answer comment, then chats as [`guest_run`] does.
pub fn start_flow_b_guest(lab: &Lab, forge: &ForgeInfo) -> std_mpsc::Receiver<GuestReport> {
    let ns = lab.ns("g");
    let (api, guest_token) = (forge.api.clone(), forge.guest_token.clone());
    let (tx, rx) = std_mpsc::channel();
    std::thread::spawn(move || {
        enter_ns(&ns).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(flow_b_guest_run(api, guest_token, tx));
    });
    rx
}

async fn flow_b_guest_run(api: String, token: String, report: std_mpsc::Sender<GuestReport>) {
    let http = forge_http(&api, token);
    let rtc = RtcConfig {
        ice_servers: vec![format!("stun:{INET_IP}:{TURN_PORT}")],
        bind_addr: GUEST_IP.parse().unwrap(),
        ..RtcConfig::default()
    };
    let (tx, mut events) = mpsc::channel(256);
    let (peer, sdp) = peer::start_offerer(&rtc, 1, tx).await.expect("offer");
    let sid = token::new_sid();
    let exp = janus::clock::unix_now() + 300;
    let offer = token::encode(
        TokenKind::Offer,
        &SignalPayload {
            sid: sid.clone(),
            sdp,
            exp: Some(exp),
        },
    );
    let body = format!(
        "I would like to chat with the maintainer.\n\n{offer}\n\n<!-- janus:guest-offer sid={sid} -->"
    );
    let issue = open_issue(&http, &api, "Chat request", &body).await;
    let marker = format!("<!-- janus:answer sid={sid} -->");
    let answer = wait_comment(&http, &api, issue, |body| body.contains(&marker), "answer").await;
    let raw = token::find_tokens(&answer.body)
        .into_iter()
        .find(|t| t.starts_with("janus1.a."))
        .expect("an answer token")
        .to_string();
    let decoded = token::decode(&raw).expect("valid answer");
    peer.apply_answer(decoded.payload.sdp)
        .await
        .expect("answer applies");
    guest_chat(&peer, &mut events, Instant::now(), false, &report).await;
}

/// The guest's side of a connected chat: reports the open, says hello once the host's hello
/// came, acks the host's chats; with `leave`, says bye once its chat was acked.
async fn guest_chat(
    peer: &peer::PeerHandle,
    events: &mut mpsc::Receiver<(u64, PeerEvent)>,
    posted: Instant,
    leave: bool,
    report: &std_mpsc::Sender<GuestReport>,
) {
    let mut chat_sent = Instant::now();
    let end = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let ev = match tokio::time::timeout_at(end, events.recv()).await {
            Ok(Some((_, ev))) => ev,
            _ => return,
        };
        let sent = match ev {
            PeerEvent::Open => report.send(GuestReport::Opened(posted.elapsed())),
            PeerEvent::Frame(Frame::Hello { .. }) => {
                chat_sent = Instant::now();
                let _ = peer.send(Frame::Chat {
                    id: "g1".into(),
                    text: "hello from behind a NAT".into(),
                    from: None,
                    ts: 0,
                    room: None,
                });
                report.send(GuestReport::Hello)
            }
            PeerEvent::Frame(Frame::Chat { id, text, .. }) => {
                let _ = peer.send(Frame::Ack { id });
                report.send(GuestReport::Chat(text))
            }
            PeerEvent::Frame(Frame::Ack { .. }) => {
                let sent = report.send(GuestReport::Acked(chat_sent.elapsed()));
                if leave {
                    peer.close("done");
                    peer.closed().await;
                    return;
                }
                sent
            }
            PeerEvent::Closed { reason } => {
                let _ = report.send(GuestReport::Closed(reason));
                return;
            }
            _ => Ok(()),
        };
        if sent.is_err() {
            return;
        }
    }
}

pub fn next(rx: &std_mpsc::Receiver<GuestReport>, secs: u64) -> GuestReport {
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("a guest report in time")
}

/// Gathers with only `relay` in the guest namespace; whether a relay candidate came back.
pub fn relay_allocates(lab: &Lab, relay: IceServer) -> bool {
    let ns = lab.ns("g");
    std::thread::spawn(move || {
        enter_ns(&ns).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let rtc = RtcConfig {
                ice_servers: vec![],
                bind_addr: GUEST_IP.parse().unwrap(),
                relays: vec![relay],
                relay_only: true,
                gather_timeout: Duration::from_secs(3),
                ..RtcConfig::default()
            };
            let (tx, _rx) = mpsc::channel(8);
            let (peer, sdp) = peer::start_offerer(&rtc, 1, tx).await.expect("offer");
            peer.close("done");
            sdp.lines()
                .any(|l| l.starts_with("a=candidate:") && l.contains(" typ relay"))
        })
    })
    .join()
    .unwrap()
}

/// `janus doctor` in the host namespace, with `[turn]` and coturn's STUN: the output.
pub fn doctor(lab: &Lab, secret: &str) -> String {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("janus.toml");
    std::fs::write(
        &config,
        format!(
            "ice_servers = [\"stun:{INET_IP}:{TURN_PORT}\"]\nrtc_bind = \"{HOST_IP}\"\n[turn]\nurls = [\"turn:{INET_IP}:{TURN_PORT}?transport=udp\", \"turn:{INET_IP}:{TURN_PORT}?transport=tcp\"]\n"
        ),
    )
    .unwrap();
    let out = lab
        .command("h", BIN)
        .args(["doctor", "--repo", "maintainer/demo", "--config"])
        .arg(&config)
        .env_clear()
        .env("JANUS_TURN_SECRET", secret)
        .env("HOME", home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("janus doctor runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(secret), "doctor never prints the secret");
    text
}

/// The p50 of some durations, in milliseconds.
pub fn p50_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}
