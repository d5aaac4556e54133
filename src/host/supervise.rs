//! Supervision: a background task that ends while the host is not stopping (a panic, or a
//! return nobody asked for) is restarted with backoff, and the core hears of it once per
//! restart (`Event::TaskRestarted`: one console line, the status bar's health text).
//!
//! The backoff starts at 1 s and doubles up to 60 s; a task that ran for a minute before it
//! died starts again from 1 s.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::app::Event;

/// First wait before a restart.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest wait before a restart.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A task that ran this long is considered healthy again: its next failure waits
/// [`FIRST_BACKOFF`].
const HEALTHY_AFTER: Duration = Duration::from_secs(60);

/// Runs `start()` as a task and restarts it whenever it ends before `stop` turns true.
/// `task` names it for people (`"the GitHub poller"`). The returned handle ends once the
/// supervised task has ended after a stop (waiting for it at most `grace`).
pub fn supervise<F, Fut>(
    task: &'static str,
    events: mpsc::Sender<Event>,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
    mut start: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        loop {
            let started = tokio::time::Instant::now();
            let mut running = tokio::spawn(start());
            let ended = tokio::select! {
                ended = &mut running => ended,
                _ = stopped(&mut stop) => {
                    let _ = tokio::time::timeout(grace, &mut running).await;
                    running.abort();
                    return;
                }
            };
            if *stop.borrow() {
                return;
            }
            let error = match ended {
                Ok(()) => "it stopped on its own".to_string(),
                Err(e) if e.is_panic() => format!("it crashed: {}", panic_text(e.into_panic())),
                Err(e) => format!("it was cancelled: {e}"),
            };
            if started.elapsed() >= HEALTHY_AFTER {
                backoff = FIRST_BACKOFF;
            }
            tracing::warn!("{task} ended ({error}); restarting in {backoff:?}");
            let report = Event::TaskRestarted {
                task: task.to_string(),
                error,
                retry_in_secs: backoff.as_secs(),
            };
            if events.send(report).await.is_err() {
                return; // the host loop is gone
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stopped(&mut stop) => return,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    })
}

/// Resolves once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The message of a panic payload, if it has one.
fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .map(|s| crate::app::sanitize_for_terminal(&s))
        .unwrap_or_else(|| "a panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn a_task_that_dies_is_restarted_with_growing_backoff_and_reported() {
        let (events_tx, mut events) = mpsc::channel(16);
        let (stop_tx, stop_rx) = watch::channel(false);
        let starts = Arc::new(AtomicU32::new(0));
        let counter = starts.clone();
        let handle = supervise(
            "the test task",
            events_tx,
            stop_rx,
            Duration::from_secs(1),
            move || {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 3 {
                        panic!("boom {n}");
                    }
                    std::future::pending::<()>().await
                }
            },
        );
        let mut waits = Vec::new();
        for _ in 0..3 {
            match events.recv().await.unwrap() {
                Event::TaskRestarted {
                    task,
                    error,
                    retry_in_secs,
                } => {
                    assert_eq!(task, "the test task");
                    assert!(error.contains("crashed: boom"), "{error}");
                    waits.push(retry_in_secs);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(waits, vec![1, 2, 4]);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(
            starts.load(Ordering::SeqCst),
            4,
            "restarted after each death"
        );
        stop_tx.send(true).unwrap();
        handle.await.unwrap();
        assert!(events.try_recv().is_err(), "a stop is not a death");
    }
}
