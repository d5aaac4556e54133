//! The forge poller: turns conditional polling into [`ForgeEvent`]s for the app core.
//!
//! Every tick it polls issues, then comments, and reports `IssueSeen`/`CommentSeen` for
//! what is new, then `PollOk`. A failed poll reports `PollFailed` and waits longer before
//! the next try: exponential backoff with jitter, capped at 60 s, for transient errors; the
//! server's `retry_after` when rate limited; the cap for errors that will not fix themselves
//! (bad token, repository gone), which are reported with `transient: false` so the app can
//! decide to stop. The poller itself only stops when told to or when nobody listens.
//!
//! Before each tick it asks the forge whether the rate limit allows polling
//! ([`Forge::poll_pause`]: a limit was hit, or only the reserve kept for writes is left) and
//! waits as long as that says, at most an hour ([`MAX_SERVER_WAIT`]); a rate limit met by a
//! write does not pause polling (the client only pauses for limits met by reads). Backoff
//! is the shared [`Backoff`]; all waits saturate, so no server number can overflow them. After each tick it reports [`ForgeEvent::Status`] (rate
//! limit, request counters, any pause) for the views.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::{Forge, ForgeError, ForgeEvent, ForgeStatus};
use crate::backoff::{jitter, server_wait, Backoff, MAX_SERVER_WAIT};

/// Longest wait between attempts after errors (rate limits may ask for longer).
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// At most this much is added to a server's reset time, to land after it rather than on it.
const RESET_JITTER: Duration = Duration::from_secs(1);

/// What a tick's outcome means for the loop.
enum Flow {
    Continue,
    Stop,
}

/// Polls `forge` every `interval` and sends what it finds on `events`.
///
/// Returns (`()`) only when `shutdown` becomes `true` (or its sender is dropped), or when
/// the receiver of `events` is dropped: errors of the forge never end it. So a poller task
/// that ended while shutdown is `false` and the receiver lives has died (a panic), and a
/// supervisor may simply call `run_poller` again with the same `forge`: everything that
/// must survive a restart lives in the forge client (list cursors, ETags, the
/// de-duplication memory), which commits a poll only after it fully succeeded and never
/// holds a lock across a panic-prone step, so a restarted poller neither repeats nor skips
/// events. The only state of its own, the count of failures in a row, starts again at 0.
///
/// Stop it with `shutdown` rather than by aborting its task: an abort in the middle of
/// handing over a tick's events loses the rest of them (the client already counted them
/// as reported).
pub async fn run_poller(
    forge: Arc<dyn Forge>,
    interval: Duration,
    events: mpsc::Sender<ForgeEvent>,
    shutdown: watch::Receiver<bool>,
) {
    let (_keep, intervals) = watch::channel(interval);
    run_poller_paced(forge, intervals, events, shutdown).await
}

/// [`run_poller`] whose tick follows `intervals`: the host shortens it while an offer waits
/// for its answer (`poll_interval_waiting`) and lengthens it again when nothing waits. A
/// change cuts the current wait short, so a fast tick starts at once. If the sender is
/// dropped, the last interval stays.
pub async fn run_poller_paced(
    forge: Arc<dyn Forge>,
    mut intervals: watch::Receiver<Duration>,
    events: mpsc::Sender<ForgeEvent>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut failures: u32 = 0;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let interval = (*intervals.borrow_and_update()).max(Duration::from_millis(50));
        if let Some((wait, reason)) = forge.poll_pause() {
            // Land after the reset, not on it; never longer than an hour, whatever the forge
            // said (the next tick asks again).
            let wait = wait
                .min(MAX_SERVER_WAIT)
                .saturating_add(jitter(RESET_JITTER));
            tracing::debug!("polling paused for {wait:?}: {reason}");
            let status = status_of(forge.as_ref(), Some((wait, reason)));
            if send(&events, &mut shutdown, ForgeEvent::Status(status))
                .await
                .is_err()
            {
                return;
            }
            tokio::select! {
                biased;
                _ = stopped(&mut shutdown) => return,
                _ = events.closed() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            continue;
        }
        let outcome = tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => return,
            r = poll_once(forge.as_ref(), &events) => r,
        };
        let wait = match outcome {
            Ok(Flow::Stop) => return,
            Ok(Flow::Continue) => {
                failures = 0;
                if send(&events, &mut shutdown, ForgeEvent::PollOk)
                    .await
                    .is_err()
                {
                    return;
                }
                interval
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                let transient = error.is_transient();
                let wait = backoff(&error, interval, failures);
                tracing::debug!(
                    "forge poll failed (attempt {failures}), next try in {wait:?}: {error}"
                );
                let event = ForgeEvent::PollFailed {
                    error: error.to_string(),
                    transient,
                };
                if send(&events, &mut shutdown, event).await.is_err() {
                    return;
                }
                wait
            }
        };
        let pause =
            (wait > interval).then(|| (wait, "backing off after a failed poll".to_string()));
        let status = status_of(forge.as_ref(), pause);
        if send(&events, &mut shutdown, ForgeEvent::Status(status))
            .await
            .is_err()
        {
            return;
        }
        let sleep = tokio::time::sleep(wait);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                biased;
                _ = stopped(&mut shutdown) => return,
                _ = events.closed() => return,
                _ = &mut sleep => break,
                // A shorter tick wanted (an offer now waits): poll now, unless backing off.
                r = intervals.changed() => match r {
                    Ok(()) if failures == 0 && *intervals.borrow() < interval => break,
                    Ok(()) => {}
                    Err(_) => {
                        // No pacer any more: finish this wait, the last interval stays.
                        sleep.as_mut().await;
                        break;
                    }
                },
            }
        }
    }
}

/// The forge's status with the poller's pause, if any, in local unix seconds.
fn status_of(forge: &dyn Forge, pause: Option<(Duration, String)>) -> ForgeStatus {
    let mut status = forge.status();
    if let Some((wait, reason)) = pause {
        let secs = wait
            .as_secs()
            .saturating_add(u64::from(wait.subsec_nanos() > 0));
        status.paused_until = Some(crate::clock::unix_now().saturating_add(secs));
        status.pause_reason = Some(reason);
    }
    status
}

/// One tick: issues then comments. `Ok(Stop)` when the receiver went away mid-way.
async fn poll_once(
    forge: &dyn Forge,
    events: &mpsc::Sender<ForgeEvent>,
) -> Result<Flow, ForgeError> {
    for issue in forge.poll_issues().await? {
        if events.send(ForgeEvent::IssueSeen(issue)).await.is_err() {
            return Ok(Flow::Stop);
        }
    }
    for comment in forge.poll_comments().await? {
        if events.send(ForgeEvent::CommentSeen(comment)).await.is_err() {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

/// Sends one event unless shutdown comes first; `Err` means stop.
async fn send(
    events: &mpsc::Sender<ForgeEvent>,
    shutdown: &mut watch::Receiver<bool>,
    event: ForgeEvent,
) -> Result<(), ()> {
    tokio::select! {
        biased;
        _ = stopped(shutdown) => Err(()),
        r = events.send(event) => r.map_err(|_| ()),
    }
}

/// Resolves once shutdown is requested or its sender is gone.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
}

/// How long to wait after the `failures`-th failure in a row.
fn backoff(error: &ForgeError, interval: Duration, failures: u32) -> Duration {
    match error {
        // The server said how long (clamped to an hour); add a little so we land after the
        // reset, not on it.
        ForgeError::RateLimited { retry_after_secs } => server_wait(*retry_after_secs)
            .max(interval)
            .saturating_add(jitter(RESET_JITTER)),
        e if e.is_transient() => Backoff::new(interval, MAX_BACKOFF).delay(failures),
        _ => MAX_BACKOFF,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::{Comment, Issue, Repository, User};
    use async_trait::async_trait;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// A forge whose polls return scripted results.
    struct Scripted {
        issues: Mutex<Vec<Result<Vec<Issue>, ForgeError>>>,
        calls: AtomicUsize,
        /// Answered once by `poll_pause`.
        pause: Mutex<Option<(Duration, String)>>,
    }

    fn issue(n: u64) -> Issue {
        Issue {
            id: n,
            number: n,
            title: "t".into(),
            body: None,
            user: User {
                login: "a".into(),
                id: 1,
                kind: "User".into(),
            },
            state: "open".into(),
            html_url: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            pull_request: None,
            author_association: "NONE".into(),
            labels: Vec::new(),
            state_reason: None,
            reopened_at: None,
        }
    }

    #[async_trait]
    impl Forge for Scripted {
        async fn current_user(&self) -> Result<User, ForgeError> {
            unreachable!("the poller only polls")
        }
        async fn repository(&self) -> Result<Repository, ForgeError> {
            unreachable!("the poller only polls")
        }
        async fn issue(&self, _: u64) -> Result<Issue, ForgeError> {
            unreachable!("the poller only polls")
        }
        async fn poll_issues(&self) -> Result<Vec<Issue>, ForgeError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let mut s = self.issues.lock().unwrap();
            if s.is_empty() {
                Ok(vec![])
            } else {
                s.remove(0)
            }
        }
        async fn poll_comments(&self) -> Result<Vec<Comment>, ForgeError> {
            Ok(vec![])
        }
        async fn post_comment(&self, _: u64, _: &str) -> Result<Comment, ForgeError> {
            unreachable!("the poller only polls")
        }
        async fn edit_comment(&self, _: u64, _: &str) -> Result<Comment, ForgeError> {
            unreachable!("the poller only polls")
        }
        async fn close_issue(&self, _: u64) -> Result<(), ForgeError> {
            unreachable!("the poller only polls")
        }
        async fn find_comment(&self, _: u64, _: &str) -> Result<Option<Comment>, ForgeError> {
            unreachable!("the poller only polls")
        }
        fn poll_pause(&self) -> Option<(Duration, String)> {
            self.pause.lock().unwrap().take()
        }
    }

    #[tokio::test]
    async fn waits_out_a_rate_limit_pause_and_reports_it() {
        let forge = scripted(vec![Ok(vec![issue(1)])]);
        *forge.pause.lock().unwrap() = Some((Duration::from_millis(300), "reserve".into()));
        let (tx, mut rx) = mpsc::channel(16);
        let (stop_tx, stop_rx) = watch::channel(false);
        let started = tokio::time::Instant::now();
        let task = tokio::spawn(run_poller(
            forge.clone(),
            Duration::from_millis(50),
            tx,
            stop_rx,
        ));
        match rx.recv().await.unwrap() {
            ForgeEvent::Status(s) => {
                assert_eq!(s.pause_reason.as_deref(), Some("reserve"));
                assert!(s.paused_until.is_some());
            }
            other => panic!("expected the pause first, got {}", describe(other)),
        }
        assert_eq!(
            forge.calls.load(Ordering::SeqCst),
            0,
            "no poll during the pause"
        );
        loop {
            if let ForgeEvent::IssueSeen(_) = rx.recv().await.unwrap() {
                break;
            }
        }
        assert!(started.elapsed() >= Duration::from_millis(300));
        stop_tx.send(true).unwrap();
        task.await.unwrap();
    }

    fn scripted(script: Vec<Result<Vec<Issue>, ForgeError>>) -> Arc<Scripted> {
        Arc::new(Scripted {
            issues: Mutex::new(script),
            calls: AtomicUsize::new(0),
            pause: Mutex::new(None),
        })
    }

    fn describe(e: ForgeEvent) -> String {
        match e {
            ForgeEvent::IssueSeen(i) => format!("issue {}", i.number),
            ForgeEvent::CommentSeen(_) => "comment".into(),
            ForgeEvent::PollOk => "ok".into(),
            ForgeEvent::PollFailed { transient, .. } => format!("failed transient={transient}"),
            ForgeEvent::Status(_) => "status".into(),
        }
    }

    #[tokio::test]
    async fn a_shorter_pace_cuts_the_wait_short_and_a_longer_one_slows_down() {
        let forge = scripted(vec![]);
        let (tx, mut rx) = mpsc::channel(256);
        let (stop_tx, stop_rx) = watch::channel(false);
        let (pace_tx, pace_rx) = watch::channel(Duration::from_secs(30));
        let task = tokio::spawn(run_poller_paced(forge.clone(), pace_rx, tx, stop_rx));
        let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
        let calls = || forge.calls.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(calls(), 1, "one poll, then a 30 s wait");
        pace_tx.send(Duration::from_millis(50)).unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
        let fast = calls();
        assert!(
            fast >= 5,
            "the waiting tick polls at once and often: {fast} polls"
        );
        pace_tx.send(Duration::from_secs(30)).unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let settled = calls();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(calls(), settled, "back to the idle tick");
        stop_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(1), task)
            .await
            .unwrap()
            .unwrap();
        drain.abort();
    }

    #[tokio::test]
    async fn reports_events_and_retries_transient_failures() {
        let forge = scripted(vec![
            Ok(vec![issue(1)]),
            Err(ForgeError::Server {
                status: 502,
                what: "x".into(),
            }),
            Ok(vec![issue(2)]),
        ]);
        let (tx, mut rx) = mpsc::channel(16);
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run_poller(
            forge.clone(),
            Duration::from_millis(50),
            tx,
            stop_rx,
        ));
        let mut log = Vec::new();
        while log.len() < 5 {
            let e = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .unwrap()
                .unwrap();
            if !matches!(e, ForgeEvent::Status(_)) {
                log.push(describe(e));
            }
        }
        assert_eq!(
            log,
            ["issue 1", "ok", "failed transient=true", "issue 2", "ok"]
        );
        stop_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(1), task)
            .await
            .unwrap()
            .unwrap();
        assert!(forge.calls.load(Ordering::SeqCst) >= 3);
    }

    #[tokio::test]
    async fn reports_permanent_failures_and_stops_promptly_while_backing_off() {
        let forge = scripted(vec![Err(ForgeError::BadToken)]);
        let (tx, mut rx) = mpsc::channel(16);
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run_poller(forge, Duration::from_millis(50), tx, stop_rx));
        let e = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(describe(e), "failed transient=false");
        // Now sleeping for the 60 s cap; shutdown must not wait for it.
        stop_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(1), task)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn stops_when_the_receiver_or_the_shutdown_sender_is_dropped() {
        let (tx, rx) = mpsc::channel(16);
        let (_stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run_poller(
            scripted(vec![]),
            Duration::from_secs(30),
            tx,
            stop_rx,
        ));
        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();

        let (tx, _rx) = mpsc::channel(16);
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run_poller(
            scripted(vec![]),
            Duration::from_secs(30),
            tx,
            stop_rx,
        ));
        drop(stop_tx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    }

    #[test]
    fn backoff_grows_with_jitter_and_honours_rate_limits() {
        let i = Duration::from_secs(2);
        let net = ForgeError::Network {
            url: "u".into(),
            reason: "r".into(),
        };
        for failures in 1..30 {
            let exp = Backoff::new(i, MAX_BACKOFF).ceiling(failures);
            let d = backoff(&net, i, failures);
            assert!(d >= exp / 2 && d <= exp, "{failures}: {d:?}");
        }
        assert!(
            backoff(
                &ForgeError::RateLimited {
                    retry_after_secs: 300
                },
                i,
                1
            ) >= Duration::from_secs(300)
        );
        assert_eq!(backoff(&ForgeError::BadToken, i, 1), MAX_BACKOFF);
    }

    #[test]
    fn absurd_rate_limit_waits_are_clamped_not_overflowed() {
        // Before the clamp, `Duration::from_secs(u64::MAX) + jitter` panicked here.
        let huge = ForgeError::RateLimited {
            retry_after_secs: u64::MAX,
        };
        let d = backoff(&huge, Duration::from_secs(2), 1);
        assert!(
            d >= MAX_SERVER_WAIT && d <= MAX_SERVER_WAIT + RESET_JITTER,
            "{d:?}"
        );
        let status = status_of(scripted(vec![]).as_ref(), Some((Duration::MAX, "x".into())));
        assert_eq!(status.paused_until, Some(u64::MAX));
    }

    #[tokio::test]
    async fn an_absurd_pause_from_the_forge_is_capped_at_an_hour() {
        let forge = scripted(vec![]);
        *forge.pause.lock().unwrap() = Some((Duration::MAX, "forever".into()));
        let (tx, mut rx) = mpsc::channel(16);
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run_poller(forge, Duration::from_millis(50), tx, stop_rx));
        match rx.recv().await.unwrap() {
            ForgeEvent::Status(s) => {
                let until = s.paused_until.unwrap();
                let now = crate::clock::unix_now();
                assert!(until <= now + 3602, "{until} vs {now}");
            }
            other => panic!("expected the pause, got {}", describe(other)),
        }
        stop_tx.send(true).unwrap();
        task.await.expect("the poller did not panic");
    }
}
