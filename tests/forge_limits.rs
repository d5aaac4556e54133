//! Limits against the embedded forge (issue #12): absurd server numbers (`Retry-After`,
//! `x-ratelimit-reset`) are clamped to an hour and overflow nothing; a rate limit met by a
//! write pauses writes only while polling keeps its tick; a poller stopped mid-poll and
//! started again neither repeats nor skips an event.

mod forge_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use forge_support::{forge, host_client as host};
use janus::app::{Effect, Event, WritePurpose};
use janus::forge::local::{Fault, FaultRule};
use janus::forge::poll::run_poller;
use janus::forge::{Forge, ForgeError, ForgeEvent};
use janus::host::{Writer, WriterConfig};
use tokio::sync::{mpsc, watch};

/// One hour and the poller's jitter, in seconds: the longest pause a server can cause.
const HOUR_AND_JITTER: u64 = 3602;

fn unix_now() -> u64 {
    janus::clock::unix_now()
}

async fn recv(rx: &mut mpsc::Receiver<ForgeEvent>) -> ForgeEvent {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("the poller reports in time")
        .expect("the poller is alive")
}

#[tokio::test]
async fn absurd_retry_after_and_reset_headers_are_clamped_to_an_hour() {
    let forge = forge().await;
    let client = host(&forge);
    client.poll_issues().await.unwrap();
    let absurd = [
        Fault::SecondaryLimit {
            retry_after: 99_999_999_999,
        },
        Fault::SecondaryLimit {
            retry_after: u64::MAX,
        },
        Fault::RateLimitExhausted { reset_in: u64::MAX },
    ];
    for fault in absurd {
        forge.inject(FaultRule::new(fault.clone()).method("GET"));
        match client.poll_comments().await {
            Err(ForgeError::RateLimited { retry_after_secs }) => {
                assert_eq!(retry_after_secs, 3600, "{fault:?}")
            }
            other => panic!("{fault:?}: expected RateLimited, got {other:?}"),
        }
        let (wait, _) = client.poll_pause().expect("polling pauses");
        assert!(wait <= Duration::from_secs(3600), "{fault:?}: {wait:?}");
    }
    // A good answer claiming a reset in the far future, with nothing left.
    let fresh = host(&forge);
    forge.inject(
        FaultRule::new(Fault::Headers(vec![
            ("x-ratelimit-limit".into(), "5000".into()),
            ("x-ratelimit-remaining".into(), "0".into()),
            ("x-ratelimit-reset".into(), "99999999999999999999999".into()),
        ]))
        .path("/issues?"),
    );
    fresh.poll_issues().await.unwrap();
    assert_eq!(fresh.last_rate_limit().unwrap().reset, u64::MAX);
    let (wait, reason) = fresh.poll_pause().expect("the reserve pauses polling");
    assert!(wait <= Duration::from_secs(3600), "{wait:?}");
    assert!(reason.contains("keeping them for replies"), "{reason}");
    // A body claimed far larger than the response limit is refused, not awaited.
    forge.inject(
        FaultRule::new(Fault::Headers(vec![(
            "content-length".into(),
            "99999999999999".into(),
        )]))
        .path("/issues?"),
    );
    let started = Instant::now();
    forge
        .open_issue("alice", "a change, so the list answers 200", "")
        .unwrap();
    match fresh.poll_issues().await {
        Err(ForgeError::Network { .. } | ForgeError::BadResponse { .. }) => {}
        other => panic!("expected a network error, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    forge.shutdown().await;
}

#[tokio::test]
async fn the_poller_survives_a_retry_after_of_u64_max() {
    // Before the clamp this overflowed `Duration` arithmetic and the poller task panicked.
    let forge = forge().await;
    let client: Arc<dyn Forge> = Arc::new(host(&forge));
    forge.inject(
        FaultRule::new(Fault::SecondaryLimit {
            retry_after: u64::MAX,
        })
        .path("/issues?"),
    );
    let (tx, mut rx) = mpsc::channel(64);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run_poller(client, Duration::from_millis(50), tx, stopped));
    loop {
        match recv(&mut rx).await {
            ForgeEvent::PollFailed { transient, .. } => assert!(transient),
            ForgeEvent::Status(s) if s.paused_until.is_some() => {
                let until = s.paused_until.unwrap();
                assert!(until <= unix_now() + HOUR_AND_JITTER, "{until}");
                break;
            }
            _ => {}
        }
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops while paused")
        .expect("the poller did not panic");
    forge.shutdown().await;
}

#[tokio::test]
async fn a_rate_limit_on_a_write_pauses_writes_only_and_polling_keeps_its_tick() {
    let forge = forge().await;
    let client = Arc::new(host(&forge));
    client.current_user().await.unwrap();
    let issue = forge.open_issue("alice", "hi", "").unwrap().number;
    let (tx, mut polled) = mpsc::channel(256);
    let (stop, stopped) = watch::channel(false);
    let poller = tokio::spawn(run_poller(
        client.clone(),
        Duration::from_millis(100),
        tx,
        stopped,
    ));
    let (events, mut written) = mpsc::channel(16);
    let config = WriterConfig {
        backoff: Duration::from_millis(100),
        max_wait: Duration::from_secs(60),
        ..WriterConfig::default()
    };
    let writer = Writer::spawn_with(client.clone(), events, config);

    // A secondary limit on the POST: the writer waits Retry-After (2 s) and posts once.
    forge.inject(FaultRule::new(Fault::SecondaryLimit { retry_after: 2 }).method("POST"));
    let started = Instant::now();
    writer.submit(Effect::PostComment {
        issue,
        body: "Hi @alice <!-- janus:offer sid=00000000000000aa -->".into(),
        purpose: WritePurpose::Offer { issue },
    });
    let mut polls_meanwhile = 0;
    let result = loop {
        tokio::select! {
            ev = written.recv() => break ev.expect("the writer is alive"),
            ev = polled.recv() => match ev.expect("the poller is alive") {
                ForgeEvent::PollOk => polls_meanwhile += 1,
                ForgeEvent::Status(s) => assert_eq!(s.pause_reason, None, "polling never pauses"),
                _ => {}
            },
        }
    };
    assert!(
        matches!(
            result,
            Event::Written {
                comment_id: Some(_),
                ..
            }
        ),
        "{result:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "waited Retry-After"
    );
    assert!(
        polls_meanwhile >= 8,
        "polling kept its 100 ms tick: {polls_meanwhile}"
    );
    assert!(
        client.poll_pause().is_none(),
        "a write's limit does not pause polling"
    );

    // An absurd Retry-After on a write is clamped (an hour), more than the writer waits:
    // the write fails at once instead of sleeping for three thousand years.
    forge.inject(
        FaultRule::new(Fault::SecondaryLimit {
            retry_after: 99_999_999_999,
        })
        .method("POST"),
    );
    let started = Instant::now();
    writer.submit(Effect::PostComment {
        issue,
        body: "another <!-- janus:offer sid=00000000000000bb -->".into(),
        purpose: WritePurpose::Offer { issue },
    });
    match tokio::time::timeout(Duration::from_secs(10), written.recv()).await {
        Ok(Some(Event::WriteFailed { error, .. })) => {
            assert!(error.contains("retry in 3600 s"), "{error}")
        }
        other => panic!("expected WriteFailed, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(client.poll_pause().is_none());
    stop.send(true).unwrap();
    poller.await.unwrap();
    writer.drain(Duration::from_secs(5)).await;
    forge.shutdown().await;
}

#[tokio::test]
async fn a_poller_stopped_mid_poll_and_restarted_neither_repeats_nor_skips() {
    let forge = forge().await;
    let client: Arc<dyn Forge> = Arc::new(host(&forge));
    forge.open_issue("alice", "first", "").unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let (_stop, stopped) = watch::channel(false);
    let first = tokio::spawn(run_poller(
        client.clone(),
        Duration::from_millis(50),
        tx.clone(),
        stopped.clone(),
    ));
    loop {
        if let ForgeEvent::IssueSeen(i) = recv(&mut rx).await {
            assert_eq!(i.title, "first");
            break;
        }
    }
    // The next issues poll hangs; the task dies in the middle of it (as on a panic).
    forge.inject(FaultRule::new(Fault::Delay(Duration::from_secs(3))).path("/issues?"));
    forge.open_issue("alice", "second", "").unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    while rx.try_recv().is_ok() {}

    let second = tokio::spawn(run_poller(client, Duration::from_millis(50), tx, stopped));
    let mut titles = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(8);
    while Instant::now() < deadline {
        if let Ok(Some(ForgeEvent::IssueSeen(i))) =
            tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
        {
            titles.push(i.title);
        }
        if titles.len() == 1 && forge.request_log().len() > 40 {
            break;
        }
    }
    assert_eq!(titles, ["second"], "exactly the new issue, once");
    second.abort();
    forge.shutdown().await;
}
