//! Faults against the embedded forge (ARCHITECTURE.md "Design decisions, and why", issue "production-grade GitHub
//! signaling"): 5xx, timeouts, refused and dropped connections, truncated and invalid JSON,
//! a bad token, a missing repository, an exhausted rate limit and a secondary limit with
//! `Retry-After`. Each is injected on a real socket with `LocalForge::inject`; the GitHub
//! client, the poller and the writer must classify it, back off and resume, and never post
//! a comment twice.

mod forge_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use forge_support::{forge, host_client as host, repo};
use janus::app::{Effect, Event, WritePurpose};
use janus::forge::github::GitHubClient;
use janus::forge::local::{Fault, FaultRule, LocalForge};
use janus::forge::poll::run_poller;
use janus::forge::{Forge, ForgeError, ForgeEvent};
use janus::host::{Writer, WriterConfig};
use tokio::sync::{mpsc, watch};

/// A writer with fast pacing and retries, and the receiver of its results.
fn writer(client: Arc<dyn Forge>) -> (Writer, mpsc::Receiver<Event>) {
    let (tx, rx) = mpsc::channel(64);
    let config = WriterConfig {
        spacing: Duration::from_millis(10),
        backoff: Duration::from_millis(100),
        ..WriterConfig::default()
    };
    (Writer::spawn_with(client, tx, config), rx)
}

async fn next_event(rx: &mut mpsc::Receiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("the writer reports in time")
        .expect("the writer is alive")
}

async fn bodies(forge: &LocalForge, issue: u64) -> Vec<String> {
    let mut all = Vec::new();
    let url = format!(
        "{}/repos/maintainer/demo/issues/{issue}/comments?per_page=100",
        forge.api_url()
    );
    let octo = octocrab::Octocrab::builder().build().unwrap();
    let resp = octo._get(url).await.unwrap();
    let text = octo.body_to_string(resp).await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for c in v.as_array().unwrap() {
        all.push(c["body"].as_str().unwrap().to_string());
    }
    all
}

fn posts(forge: &LocalForge) -> usize {
    forge
        .request_log()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/comments"))
        .count()
}

#[tokio::test]
async fn server_errors_and_broken_bodies_are_transient_and_lose_nothing() {
    let forge = forge().await;
    let client = host(&forge);
    assert!(client.poll_issues().await.unwrap().is_empty());
    forge.open_issue("alice", "hello", "").unwrap();

    let faults = [
        Fault::Status(502),
        Fault::Status(503),
        Fault::Truncate,
        Fault::InvalidJson,
        Fault::Drop,
    ];
    for fault in faults {
        forge.inject(FaultRule::new(fault.clone()).method("GET").path("/issues?"));
        let e = client.poll_issues().await.expect_err("the fault surfaces");
        assert!(e.is_transient(), "{fault:?} → {e:?} must be retried");
        match (&fault, &e) {
            (Fault::Status(s), ForgeError::Server { status, .. }) => assert_eq!(s, status),
            (Fault::InvalidJson, ForgeError::BadResponse { .. }) => {}
            (
                Fault::Truncate | Fault::Drop,
                ForgeError::Network { .. } | ForgeError::BadResponse { .. },
            ) => {}
            other => panic!("unexpected mapping {other:?}"),
        }
    }
    // The cursor did not move on failures: the issue is still reported, once.
    let seen = client.poll_issues().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(client.poll_issues().await.unwrap().is_empty());
    forge.shutdown().await;
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_network_errors() {
    let forge = forge().await;
    let mut client = host(&forge);
    client.set_timeout(Duration::from_millis(300));
    forge.inject(FaultRule::new(Fault::Delay(Duration::from_secs(2))).path("/user"));
    let started = Instant::now();
    match client.current_user().await {
        Err(e @ ForgeError::Network { .. }) => {
            assert!(e.to_string().contains("no complete answer"), "{e}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "gave up at the timeout"
    );
    assert!(
        client.current_user().await.is_ok(),
        "the next request works"
    );

    let refused = GitHubClient::new("http://127.0.0.1:9/api/v3", Some("t".into()), repo()).unwrap();
    let e = refused.poll_issues().await.unwrap_err();
    assert!(
        matches!(e, ForgeError::Network { .. }) && e.is_transient(),
        "{e:?}"
    );
    assert!(e.to_string().contains("could not reach the forge"), "{e}");
    forge.shutdown().await;
}

#[tokio::test]
async fn bad_token_and_missing_repository_are_permanent_and_name_the_fix() {
    let forge = forge().await;
    let client = host(&forge);
    forge.inject(FaultRule::new(Fault::Status(401)));
    let e = client.current_user().await.unwrap_err();
    assert!(matches!(e, ForgeError::BadToken) && !e.is_transient());
    assert!(e.to_string().contains("GH_ACCESS_TOKEN"), "{e}");

    forge.inject(FaultRule::new(Fault::Status(404)).path("/repos/maintainer/demo"));
    let e = client.repository().await.unwrap_err();
    assert!(matches!(e, ForgeError::NotFound { .. }) && !e.is_transient());
    assert!(e.to_string().contains("REPO_URL"), "{e}");
    forge.shutdown().await;
}

#[tokio::test]
async fn an_exhausted_rate_limit_pauses_polling_until_the_reset() {
    let forge = forge().await;
    let client = host(&forge);
    client.poll_issues().await.unwrap();
    assert!(client.poll_pause().is_none());
    forge.inject(FaultRule::new(Fault::RateLimitExhausted { reset_in: 120 }));
    match client.poll_comments().await {
        Err(ForgeError::RateLimited { retry_after_secs }) => {
            assert!((118..=121).contains(&retry_after_secs))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    let (wait, reason) = client.poll_pause().expect("polling pauses");
    assert!(
        wait > Duration::from_secs(100) && wait <= Duration::from_secs(121),
        "{wait:?}"
    );
    assert!(reason.contains("rate limited"), "{reason}");
    assert_eq!(client.last_rate_limit().unwrap().remaining, 0);
    forge.shutdown().await;
}

#[tokio::test]
async fn the_reserve_is_kept_for_writes() {
    let forge = forge().await;
    let mut client = host(&forge);
    client.set_reserve(100);
    client.poll_issues().await.unwrap();
    assert!(client.poll_pause().is_none(), "plenty left");
    forge.set_rate_limit_remaining("maintainer", 60).unwrap();
    client.poll_comments().await.unwrap();
    let (wait, reason) = client
        .poll_pause()
        .expect("below the reserve, polling pauses");
    assert!(
        wait > Duration::from_secs(3000),
        "until the hourly reset: {wait:?}"
    );
    assert!(reason.contains("keeping them for replies"), "{reason}");
    // Writes still go through.
    let issue = forge.open_issue("alice", "hi", "").unwrap();
    client
        .post_comment(issue.number, "still writing")
        .await
        .unwrap();
    client.set_reserve(0);
    assert!(
        client.poll_pause().is_none(),
        "reserve 0 disables the pause"
    );
    forge.shutdown().await;
}

#[tokio::test]
async fn a_secondary_limit_on_a_post_waits_retry_after_and_posts_once() {
    let forge = forge().await;
    let client: Arc<dyn Forge> = Arc::new(host(&forge));
    client.current_user().await.unwrap();
    let issue = forge.open_issue("alice", "hi", "").unwrap().number;
    forge.inject(FaultRule::new(Fault::SecondaryLimit { retry_after: 1 }).method("POST"));
    let (w, mut rx) = writer(client);
    let started = Instant::now();
    w.submit(Effect::PostComment {
        issue,
        body: "Hi @alice <!-- janus:offer sid=00000000000000aa -->".into(),
        purpose: WritePurpose::Offer { issue },
    });
    match next_event(&mut rx).await {
        Event::Written {
            comment_id: Some(_),
            ..
        } => {}
        other => panic!("expected Written, got {other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited Retry-After"
    );
    assert_eq!(bodies(&forge, issue).await.len(), 1);
    assert_eq!(posts(&forge), 2, "one refused attempt, one that landed");
    forge.shutdown().await;
}

#[tokio::test]
async fn a_post_that_landed_before_the_connection_dropped_is_not_repeated() {
    let forge = forge().await;
    let client: Arc<dyn Forge> = Arc::new(host(&forge));
    client.current_user().await.unwrap();
    let issue = forge.open_issue("alice", "hi", "").unwrap().number;
    forge.inject(FaultRule::new(Fault::DropAfter).method("POST"));
    // The first look for the marker fails too: the writer must ask again, not post blindly.
    forge.inject(
        FaultRule::new(Fault::Status(502))
            .method("GET")
            .path(&format!("/issues/{issue}/comments")),
    );
    let (w, mut rx) = writer(client);
    w.submit(Effect::PostComment {
        issue,
        body: "Thanks, no chat today.".into(),
        purpose: WritePurpose::Decline { issue },
    });
    let id = match next_event(&mut rx).await {
        Event::Written {
            comment_id: Some(id),
            ..
        } => id,
        other => panic!("expected Written, got {other:?}"),
    };
    let all = bodies(&forge, issue).await;
    assert_eq!(all.len(), 1, "exactly one comment: {all:?}");
    assert!(
        all[0].contains("<!-- janus:post key="),
        "the writer's marker: {}",
        all[0]
    );
    assert_eq!(posts(&forge), 1, "never posted again");
    assert!(id > 0);
    forge.shutdown().await;
}

#[tokio::test]
async fn a_post_dropped_before_it_landed_is_posted_again_once() {
    let forge = forge().await;
    let client: Arc<dyn Forge> = Arc::new(host(&forge));
    client.current_user().await.unwrap();
    let issue = forge.open_issue("alice", "hi", "").unwrap().number;
    forge.inject(FaultRule::new(Fault::Drop).method("POST"));
    let (w, mut rx) = writer(client);
    w.submit(Effect::PostComment {
        issue,
        body: "Hi <!-- janus:offer sid=00000000000000bb -->".into(),
        purpose: WritePurpose::Offer { issue },
    });
    assert!(matches!(
        next_event(&mut rx).await,
        Event::Written {
            comment_id: Some(_),
            ..
        }
    ));
    assert_eq!(bodies(&forge, issue).await.len(), 1);
    assert_eq!(posts(&forge), 2);
    forge.shutdown().await;
}

#[tokio::test]
async fn edits_and_closes_are_retried_and_permanent_failures_reported() {
    let forge = forge().await;
    let client: Arc<dyn Forge> = Arc::new(host(&forge));
    let issue = forge.open_issue("alice", "hi", "").unwrap().number;
    let c = client.post_comment(issue, "v1").await.unwrap();
    forge.inject(FaultRule::new(Fault::Status(500)).method("PATCH").times(2));
    let (w, mut rx) = writer(client.clone());
    w.submit(Effect::EditComment {
        comment_id: c.id,
        body: "v2".into(),
        purpose: WritePurpose::Edit { issue },
    });
    assert!(matches!(next_event(&mut rx).await, Event::Written { .. }));
    assert_eq!(bodies(&forge, issue).await, vec!["v2".to_string()]);
    w.submit(Effect::CloseIssue { issue });
    assert!(matches!(
        next_event(&mut rx).await,
        Event::Written {
            purpose: WritePurpose::Close { .. },
            ..
        }
    ));
    assert_eq!(client.issue(issue).await.unwrap().state, "closed");
    forge.inject(FaultRule::new(Fault::Status(404)).method("PATCH"));
    w.submit(Effect::EditComment {
        comment_id: c.id,
        body: "v3".into(),
        purpose: WritePurpose::Edit { issue },
    });
    match next_event(&mut rx).await {
        Event::WriteFailed { error, .. } => assert!(error.contains("404"), "{error}"),
        other => panic!("expected WriteFailed, got {other:?}"),
    }
    forge.shutdown().await;
}

#[tokio::test]
async fn the_poller_backs_off_reports_status_and_resumes() {
    let forge = forge().await;
    let client: Arc<dyn Forge> = Arc::new(host(&forge));
    forge.inject(FaultRule::new(Fault::Status(502)).path("/issues?").times(2));
    let (tx, mut rx) = mpsc::channel(64);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run_poller(client, Duration::from_millis(50), tx, stopped));
    let mut failures = 0;
    let mut saw_pause = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "the poller did not resume");
        match tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            ForgeEvent::PollFailed { transient, .. } => {
                assert!(transient);
                failures += 1;
            }
            ForgeEvent::Status(s) => {
                saw_pause |= s.paused_until.is_some() && s.pause_reason.is_some()
            }
            ForgeEvent::PollOk if failures == 2 => break,
            _ => {}
        }
    }
    assert!(saw_pause, "backoff is reported to the views");
    forge.open_issue("alice", "after the storm", "").unwrap();
    loop {
        if let ForgeEvent::IssueSeen(i) = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            assert_eq!(i.title, "after the storm");
            break;
        }
    }
    stop.send(true).unwrap();
    task.await.unwrap();
    forge.shutdown().await;
}
