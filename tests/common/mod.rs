//! Shared helpers for integration tests: an embedded forge, a host running against it, and
//! guests acting through the forge's API and a Rust WebRTC peer.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use janus::app::{ActivityKind, Command, HostIdentity, Settings, State};
use janus::blog::BlogStore;
use janus::forge::github::GitHubClient;
use janus::forge::local::{LocalForge, LocalForgeConfig};
pub use janus::forge::Forge;
use janus::forge::{Comment, RepoName};
use janus::host::{self, HostSetup, View};
use janus::rtc::peer::RtcConfig;
use janus::ui::plain::format_activity;
use tokio::sync::mpsc;

#[path = "../support/host_output.rs"]
pub mod host_output;
#[allow(unused_imports)] // not every test binary parses offer links
pub use host_output::offer_link;

/// Forwards every new activity line, formatted as the plain console prints it.
pub struct ChannelView {
    pub tx: mpsc::UnboundedSender<(ActivityKind, String)>,
    pub last: u64,
}

impl View for ChannelView {
    fn render(&mut self, state: &State) {
        let last = self.last;
        for a in state.activity.iter().filter(|a| a.seq > last) {
            let _ = self
                .tx
                .send((a.kind.clone(), format_activity(&a.kind, &a.text)));
            self.last = a.seq;
        }
    }
}

pub fn rtc_loopback() -> RtcConfig {
    RtcConfig {
        ice_servers: vec![],
        bind_addr: std::net::Ipv4Addr::LOCALHOST.into(),
        ..RtcConfig::default()
    }
}

pub fn repo() -> RepoName {
    RepoName::parse("maintainer/demo").unwrap()
}

/// A running forge + host. Dropping `commands` makes the host quit.
pub struct Harness {
    pub forge: LocalForge,
    pub commands: mpsc::Sender<Command>,
    pub activity: mpsc::UnboundedReceiver<(ActivityKind, String)>,
    pub host: tokio::task::JoinHandle<color_eyre::Result<()>>,
    pub host_identity: HostIdentity,
    /// Every line seen so far (for assertions after the fact).
    pub seen: Vec<String>,
}

pub async fn start_harness(offer_ttl: u64) -> Harness {
    start_harness_with(offer_ttl, Duration::from_millis(200)).await
}

pub async fn start_harness_with(offer_ttl: u64, poll_interval: Duration) -> Harness {
    start_harness_paced(offer_ttl, poll_interval, poll_interval).await
}

/// A harness whose host polls every `poll_interval`, and every `poll_interval_waiting`
/// while a link waits for its answer.
pub async fn start_harness_paced(
    offer_ttl: u64,
    poll_interval: Duration,
    poll_interval_waiting: Duration,
) -> Harness {
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
    let identity = host::identify(client.as_ref())
        .await
        .expect("host identity");
    let settings = Settings {
        repo: repo(),
        pages_url: forge.pages_url(),
        link_api: Some(forge.api_url()),
        link_ice: Some(vec![]),
        offer_ttl_secs: offer_ttl,
        backlog_secs: 600,
        policy: Default::default(),
        limits: Default::default(),
        transcripts: true,
        files: Default::default(),
    };
    let blog = BlogStore::new(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/blog"));
    let setup = HostSetup {
        forge: client,
        settings,
        rtc: rtc_loopback(),
        blog,
        poll_interval,
        poll_interval_waiting,
        transcripts: None,
        journal: None,
        presence: None,
        files: None,
    };
    let (tx, activity) = mpsc::unbounded_channel();
    let (commands, rx) = mpsc::channel(16);
    let host = tokio::spawn(host::run(
        setup,
        identity.clone(),
        Box::new(ChannelView { tx, last: 0 }),
        rx,
    ));
    Harness {
        forge,
        commands,
        activity,
        host,
        host_identity: identity,
        seen: Vec::new(),
    }
}

/// Waits (bounded, 20 s) for an activity line containing `needle`: one already in `seen`,
/// else the next one from `lines` that has it (every line received is kept in `seen`).
pub async fn expect_activity(
    lines: &mut mpsc::UnboundedReceiver<(ActivityKind, String)>,
    seen: &mut Vec<String>,
    needle: &str,
) -> String {
    if let Some(line) = seen.iter().find(|l| l.contains(needle)) {
        return line.clone();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, lines.recv()).await {
            Ok(Some((_, line))) => {
                seen.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
            Ok(None) => panic!("host stopped before printing {needle:?}; saw {seen:#?}"),
            Err(_) => panic!("timed out waiting for {needle:?}; saw {seen:#?}"),
        }
    }
}

impl Harness {
    /// Waits (bounded) for an activity line containing `needle`.
    pub async fn expect_line(&mut self, needle: &str) -> String {
        expect_activity(&mut self.activity, &mut self.seen, needle).await
    }
}

/// A guest acting through the forge's API with its own token.
pub struct Guest {
    pub login: String,
    pub id: u64,
    pub token: String,
    pub client: GitHubClient,
    pub http: octocrab::Octocrab,
    pub api: String,
}

pub fn guest(forge: &LocalForge, login: &str) -> Guest {
    let (user, token) = forge.create_user(login);
    let client = GitHubClient::new(&forge.api_url(), Some(token.clone()), repo()).unwrap();
    let http = octocrab::Octocrab::builder()
        .base_uri(format!("{}/", forge.api_url()))
        .unwrap()
        .personal_token(token.clone())
        .build()
        .unwrap();
    Guest {
        login: user.login,
        id: user.id,
        token,
        client,
        http,
        api: forge.api_url(),
    }
}

impl Guest {
    pub async fn open_issue(&self, title: &str) -> u64 {
        let url = format!("{}/repos/maintainer/demo/issues", self.api);
        let resp = self
            .http
            ._post(
                url,
                Some(&serde_json::json!({ "title": title, "body": "hello" })),
            )
            .await
            .expect("create issue");
        assert_eq!(resp.status(), 201);
        let body = self.http.body_to_string(resp).await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["number"].as_u64().unwrap()
    }

    pub async fn comments(&self, issue: u64) -> Vec<Comment> {
        let url = format!(
            "{}/repos/maintainer/demo/issues/{issue}/comments?per_page=100",
            self.api
        );
        let resp = self.http._get(url).await.expect("list comments");
        let body = self.http.body_to_string(resp).await.unwrap();
        serde_json::from_str(&body).unwrap()
    }

    /// Waits (bounded) for a comment on `issue` matching `pred`.
    pub async fn wait_comment(&self, issue: u64, pred: impl Fn(&Comment) -> bool) -> Comment {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(c) = self.comments(issue).await.into_iter().find(|c| pred(c)) {
                return c;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for a comment on #{issue}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
