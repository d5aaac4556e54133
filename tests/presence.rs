//! Integration: the presence issue against the embedded forge (PROTOCOL.md "The start link and the presence issue"). The first start
//! creates the `janus-presence` label and one issue saying "online" with the office hours
//! and the start link; quitting says "offline"; a second start (a restart) finds the same
//! issue and never opens another; comments on it are never chat requests.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use janus::app::{presence, Settings};
use janus::blog::BlogStore;
use janus::forge::github::GitHubClient;
use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::forge::Issue;
use janus::host::{self, presence::PresenceSetup, HostSetup};
use tokio::sync::mpsc;

const HOURS: &str = "Tue/Thu 14:00–16:00 UTC";

/// Runs a host with presence on `forge` until `commands` is dropped.
async fn host_on(
    forge: &LocalForge,
) -> (
    mpsc::Sender<janus::app::Command>,
    mpsc::UnboundedReceiver<(janus::app::ActivityKind, String)>,
    tokio::task::JoinHandle<color_eyre::Result<()>>,
) {
    let client: Arc<dyn Forge> =
        Arc::new(GitHubClient::new(&forge.api_url(), Some(forge.host_token()), repo()).unwrap());
    let identity = host::identify(client.as_ref()).await.unwrap();
    let mut settings = Settings::new(repo(), forge.pages_url());
    settings.link_api = Some(forge.api_url());
    let setup = HostSetup {
        forge: client,
        settings,
        rtc: rtc_loopback(),
        blog: BlogStore::new(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/blog")),
        poll_interval: Duration::from_millis(200),
        poll_interval_waiting: Duration::from_millis(200),
        transcripts: None,
        journal: None,
        files: None,
        presence: Some(PresenceSetup {
            office_hours: Some(HOURS.into()),
            start_link: presence::start_link(&forge.pages_url(), &repo(), Some(&forge.api_url())),
        }),
    };
    let (tx, activity) = mpsc::unbounded_channel();
    let (commands, rx) = mpsc::channel(16);
    let task = tokio::spawn(host::run(
        setup,
        identity,
        Box::new(ChannelView { tx, last: 0 }),
        rx,
    ));
    (commands, activity, task)
}

async fn presence_issues(g: &Guest) -> Vec<Issue> {
    let url = format!(
        "{}/repos/maintainer/demo/issues?labels={}&state=all",
        g.api,
        presence::LABEL
    );
    let resp = g.http._get(url).await.unwrap();
    let text = g.http.body_to_string(resp).await.unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn wait_presence(g: &Guest, online: bool) -> Issue {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let issues = presence_issues(g).await;
        if let Some(i) = issues.first() {
            let body = i.body.clone().unwrap_or_default();
            if presence::parse(&body).map(|p| p.0) == Some(online) {
                return i.clone();
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "{issues:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_presence_issue_online_then_offline_also_across_a_restart() {
    let forge = LocalForge::start(LocalForgeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        guest_dir: None,
        host_login: "maintainer".into(),
        repo: repo(),
    })
    .await
    .unwrap();
    let reader = guest(&forge, "reader");

    let (commands, mut activity, task) = host_on(&forge).await;
    let first = wait_presence(&reader, true).await;
    let body = first.body.clone().unwrap();
    assert!(body.contains(HOURS), "{body}");
    assert!(body.contains("[Chat with the maintainer]("), "{body}");
    assert!(body.contains("#repo=maintainer%2Fdemo"), "{body}");
    assert_eq!(first.user.login, "maintainer");

    // A comment on the presence issue, even with an offer token in it, is no chat request.
    reader
        .client
        .post_comment(
            first.number,
            "Hi! janus1.o.AAAA <!-- janus:guest-offer sid=0011223344556677 -->",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    drop(commands);
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let mut lines = Vec::new();
    while let Ok((_, l)) = activity.try_recv() {
        lines.push(l);
    }
    // The console names the presence issue once, as such; nothing else mentions it.
    let named = format!("presence issue #{}: guests see you online", first.number);
    assert!(lines.iter().any(|l| l.contains(&named)), "{lines:#?}");
    assert!(
        !lines
            .iter()
            .filter(|l| !l.contains(&named))
            .any(|l| l.contains(&format!("#{}", first.number))),
        "the presence issue is never a request: {lines:#?}"
    );
    let offline = wait_presence(&reader, false).await;
    assert_eq!(offline.number, first.number);
    assert!(offline.body.unwrap().contains("is offline; last seen"));

    // A restart finds the same issue: still one, online again.
    let (commands, _activity, task) = host_on(&forge).await;
    let again = wait_presence(&reader, true).await;
    assert_eq!(again.number, first.number);
    assert_eq!(
        presence_issues(&reader).await.len(),
        1,
        "never a second one"
    );
    drop(commands);
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    wait_presence(&reader, false).await;

    // The label exists on the repository, as GitHub's label API shows it.
    let url = format!(
        "{}/repos/maintainer/demo/labels/{}",
        reader.api,
        presence::LABEL
    );
    let resp = reader.http._get(url).await.unwrap();
    assert_eq!(resp.status(), 200);
}
