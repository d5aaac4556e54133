//! The forge writer: one task that posts and edits comments and closes issues, one write at
//! a time, and reports each result back to the core. How one write is paced, retried and
//! kept from duplicating is in [`super::write_job`]; this module decides what goes next.
//!
//! - **Scrubs first.** Every `EditComment` takes signaling tokens out of a public comment (a
//!   "scrub"). Scrubs go ahead of posts and closes; within each class the order is the
//!   submission order, so two edits of the same comment land in the order the core made
//!   them. A job already running is not interrupted.
//! - **Journaled.** A scrub is written to the [`Journal`] (`WriterConfig::journal`) as soon
//!   as the writer receives it, which it does at once even while a write is in flight, and
//!   leaves it once the forge confirmed or refused the edit for good. Scrubs a previous run
//!   left there run first, before any new work; their results are logged, not reported to
//!   this run's core, which never asked for them. A scrub that failed transiently on every
//!   attempt stays journaled (it is not retried this run, so it cannot starve other writes)
//!   and counts in what [`Writer::drain`] reports as unfinished.
//! - **Pacing** follows GitHub's documented limits for content-creating requests: at most
//!   80 a minute and 500 an hour, in sliding windows ([`super::pace`]).
//! - **Nothing dropped.** Results go to the core through an unbounded hand-over and an
//!   awaited send, so a full events queue delays a result but never loses it; once the
//!   writer is draining (quit), or the receiver is gone, results are offered without
//!   waiting, so shutdown never hangs on a core that stopped reading.
//! - **A panic in one job** is caught: reported as a `WriteFailed`, counted
//!   ([`Writer::panicked_jobs`]), and the writer goes on with the next job.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::{BoxFuture, OptionFuture};
use futures::FutureExt;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::journal::Journal;
use super::pace::{PaceLimit, Pacer, GITHUB_CONTENT_LIMITS};
use super::write_job::{execute, purpose_of, JobContext};
use crate::app::{Effect, Event, WritePurpose};
use crate::forge::{Forge, ForgeError};

/// How the writer paces, retries and remembers.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Least time between two write requests, on top of `limits` (default none).
    pub spacing: Duration,
    /// Sliding windows every write request must fit in; GitHub's 80/min and 500/h.
    pub limits: Vec<PaceLimit>,
    /// Attempts per write before it is reported as failed.
    pub attempts: u32,
    /// First backoff after a transient failure; doubles per attempt (with jitter).
    pub backoff: Duration,
    /// Longest wait for a rate limit to reset; a longer one fails the write at once (an
    /// offer would expire meanwhile anyway; a scrub stays journaled for the next start).
    pub max_wait: Duration,
    /// File of pending scrubs (see [`super::journal`]); `None`: in memory only.
    pub journal: Option<PathBuf>,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            spacing: Duration::ZERO,
            limits: GITHUB_CONTENT_LIMITS.to_vec(),
            attempts: 6,
            backoff: Duration::from_secs(1),
            max_wait: Duration::from_secs(15 * 60),
            journal: None,
        }
    }
}

/// Handle to the writer task.
pub struct Writer {
    /// Jobs in submission order; unbounded because the core must never block on a send,
    /// and jobs only come from the core's own (bounded) decisions.
    jobs: mpsc::UnboundedSender<Effect>,
    /// Finishes when every submitted job is done and the sender is dropped.
    task: tokio::task::JoinHandle<()>,
    /// Pending scrubs, shared with the task: what `drain` reports as unfinished.
    journal: Arc<Mutex<Journal>>,
    /// Set when draining starts: results are then offered without waiting.
    draining: watch::Sender<bool>,
    /// Jobs that panicked and were reported as failed.
    panicked: Arc<AtomicU64>,
}

/// A job waiting its turn.
struct Job {
    /// The write.
    effect: Effect,
    /// Its journal entry, for scrubs.
    scrub: Option<u64>,
    /// Left by a previous run: the result is logged, not reported to the core.
    restored: bool,
}

/// Jobs by class: scrubs before everything else, FIFO within each.
#[derive(Default)]
struct Queue {
    /// Comment edits that take tokens down.
    scrubs: VecDeque<Job>,
    /// Posts and closes.
    others: VecDeque<Job>,
}

impl Queue {
    fn push(&mut self, job: Job) {
        match job.scrub {
            Some(_) => self.scrubs.push_back(job),
            None => self.others.push_back(job),
        }
    }

    fn pop(&mut self) -> Option<Job> {
        self.scrubs.pop_front().or_else(|| self.others.pop_front())
    }

    fn is_empty(&self) -> bool {
        self.scrubs.is_empty() && self.others.is_empty()
    }
}

/// What a finished job hands back to the loop.
struct Finished {
    /// Its journal entry, if a scrub.
    scrub: Option<u64>,
    /// Whether the result goes to the core.
    restored: bool,
    /// What it was for; `None` for an effect that is not a write (nothing to report).
    purpose: Option<WritePurpose>,
    /// The outcome; `Err(None)` when the job panicked.
    result: Result<Option<u64>, Option<ForgeError>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Writer {
    /// Starts the writer with the default pacing and retries, without a journal.
    pub fn spawn(forge: Arc<dyn Forge>, events: mpsc::Sender<Event>) -> Writer {
        Writer::spawn_with(forge, events, WriterConfig::default())
    }

    /// Starts the writer with `config`. Scrubs left in `config.journal` run first.
    pub fn spawn_with(
        forge: Arc<dyn Forge>,
        events: mpsc::Sender<Event>,
        config: WriterConfig,
    ) -> Writer {
        let journal = Arc::new(Mutex::new(Journal::open(config.journal.clone())));
        let (draining, draining_rx) = watch::channel(false);
        let (results_tx, results_rx) = mpsc::unbounded_channel();
        tokio::spawn(forward(results_rx, events, draining_rx));
        let ctx = JobContext {
            pacer: Arc::new(Mutex::new(Pacer::new(&config.limits, config.spacing))),
            forge,
            config: Arc::new(config),
            origin: Instant::now(),
        };
        let (jobs, rx) = mpsc::unbounded_channel::<Effect>();
        let panicked = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(run(ctx, rx, journal.clone(), results_tx, panicked.clone()));
        Writer {
            jobs,
            task,
            journal,
            draining,
            panicked,
        }
    }

    /// Queues a `PostComment`, `EditComment` or `CloseIssue` effect.
    pub fn submit(&self, effect: Effect) {
        let _ = self.jobs.send(effect);
    }

    /// Scrubs submitted (or left by a previous run) and not finished yet.
    pub fn pending_scrubs(&self) -> usize {
        lock(&self.journal).len()
    }

    /// Jobs that panicked so far (each was reported as a `WriteFailed`).
    pub fn panicked_jobs(&self) -> u64 {
        self.panicked.load(Ordering::Relaxed)
    }

    /// Waits up to `limit` for queued writes to finish, then stops the writer. Returns how
    /// many scrubs remain unfinished: they stay in the journal and the next start (with the
    /// same journal) finishes them first.
    pub async fn drain(self, limit: Duration) -> usize {
        let _ = self.draining.send(true);
        drop(self.jobs);
        let mut task = self.task;
        if tokio::time::timeout(limit, &mut task).await.is_err() {
            task.abort();
            let _ = task.await;
        }
        let left = lock(&self.journal).len();
        if left > 0 {
            tracing::warn!(
                "gave up on pending forge writes after {limit:?}; {left} link edit(s) pending, the next start finishes them"
            );
        }
        let panicked = self.panicked.load(Ordering::Relaxed);
        if panicked > 0 {
            tracing::warn!("{panicked} forge write(s) failed with an internal error this run");
        }
        left
    }
}

/// The writer task: takes jobs as they come (journaling scrubs at once) and runs them one
/// at a time, scrubs first.
async fn run(
    ctx: JobContext,
    mut rx: mpsc::UnboundedReceiver<Effect>,
    journal: Arc<Mutex<Journal>>,
    results: mpsc::UnboundedSender<Event>,
    panicked: Arc<AtomicU64>,
) {
    let mut queue = Queue::default();
    for scrub in lock(&journal).pending() {
        let purpose = WritePurpose::Edit { issue: scrub.issue };
        let body = scrub.body.clone();
        queue.push(Job {
            effect: if scrub.issue_body {
                Effect::EditIssueBody {
                    issue: scrub.issue,
                    body,
                    purpose,
                }
            } else {
                Effect::EditComment {
                    comment_id: scrub.comment_id,
                    body,
                    purpose,
                }
            },
            scrub: Some(scrub.seq),
            restored: true,
        });
    }
    if !queue.is_empty() {
        tracing::info!(
            "finishing {} link edit(s) a previous run left pending",
            queue.scrubs.len()
        );
    }
    let mut open = true;
    let mut current: Option<BoxFuture<'static, Finished>> = None;
    loop {
        // Everything submitted so far is queued (and journaled) before the next job is
        // chosen, so a scrub submitted together with posts goes first.
        while open {
            match rx.try_recv() {
                Ok(effect) => queue.push(accept(effect, &journal)),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => open = false,
            }
        }
        if current.is_none() {
            current = queue.pop().map(|job| start(ctx.clone(), job));
        }
        if current.is_none() && !open {
            return;
        }
        tokio::select! {
            biased;
            job = rx.recv(), if open => match job {
                Some(effect) => queue.push(accept(effect, &journal)),
                None => open = false,
            },
            Some(done) = OptionFuture::from(current.as_mut()), if current.is_some() => {
                current = None;
                finish(done, &journal, &results, &panicked);
            }
        }
    }
}

/// A submitted effect as a job; scrubs are journaled before this returns.
fn accept(effect: Effect, journal: &Mutex<Journal>) -> Job {
    let scrub = match &effect {
        Effect::EditComment {
            comment_id,
            body,
            purpose,
        } => Some(lock(journal).add(*comment_id, purpose.issue(), body)),
        Effect::EditIssueBody { issue, body, .. } => {
            Some(lock(journal).add_issue_body(*issue, body))
        }
        _ => None,
    };
    Job {
        effect,
        scrub,
        restored: false,
    }
}

/// Runs `job` with its panics caught.
fn start(ctx: JobContext, job: Job) -> BoxFuture<'static, Finished> {
    async move {
        let purpose = purpose_of(&job.effect);
        let outcome = AssertUnwindSafe(execute(ctx, job.effect))
            .catch_unwind()
            .await;
        let (purpose, result) = match outcome {
            Ok(Some((purpose, result))) => (Some(purpose), result.map_err(Some)),
            // Not a write (never submitted by the host): nothing to report.
            Ok(None) => (None, Ok(None)),
            Err(_) => (purpose, Err(None)),
        };
        Finished {
            scrub: job.scrub,
            restored: job.restored,
            purpose,
            result,
        }
    }
    .boxed()
}

/// Settles the journal for a finished job and reports its result.
fn finish(
    done: Finished,
    journal: &Mutex<Journal>,
    results: &mpsc::UnboundedSender<Event>,
    panicked: &AtomicU64,
) {
    let settled = match &done.result {
        Ok(_) => true,
        // Refused for good (comment gone, no permission): retrying cannot help.
        Err(Some(e)) => !e.is_transient(),
        // A panic would most likely repeat on every start.
        Err(None) => true,
    };
    if let (Some(seq), true) = (done.scrub, settled) {
        lock(journal).remove(seq);
    }
    if matches!(done.result, Err(None)) {
        panicked.fetch_add(1, Ordering::Relaxed);
        tracing::error!("a forge write failed with an internal error (a bug); skipped it");
    }
    let Some(purpose) = done.purpose else {
        return;
    };
    let event = match done.result {
        Ok(comment_id) => Event::Written {
            purpose,
            comment_id,
        },
        Err(Some(e)) => Event::WriteFailed {
            purpose,
            error: e.to_string(),
        },
        Err(None) => Event::WriteFailed {
            purpose,
            error: "internal error in the forge writer (a bug); the write was skipped".to_string(),
        },
    };
    if done.restored {
        tracing::info!("link edit left by a previous run: {event:?}");
        return;
    }
    let _ = results.send(event);
}

/// Resolves once draining starts; never, if the writer's handle went away without draining
/// (its task still finishes the queued jobs and their results are still delivered).
async fn until_draining(draining: &mut watch::Receiver<bool>) {
    if draining.wait_for(|d| *d).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Hands results to the core in order, waiting while its queue is full, until the writer
/// drains; then offers the rest without waiting (the core no longer reads).
async fn forward(
    mut results: mpsc::UnboundedReceiver<Event>,
    events: mpsc::Sender<Event>,
    mut draining: watch::Receiver<bool>,
) {
    while let Some(event) = results.recv().await {
        if *draining.borrow() {
            let _ = events.try_send(event);
            continue;
        }
        let permit = tokio::select! {
            permit = events.reserve() => permit,
            _ = until_draining(&mut draining) => {
                let _ = events.try_send(event);
                continue;
            }
        };
        match permit {
            Ok(permit) => permit.send(event),
            // The core is gone: nobody to tell; the writes themselves are what mattered.
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(effect: Effect, scrub: Option<u64>) -> Job {
        Job {
            effect,
            scrub,
            restored: false,
        }
    }

    #[test]
    fn scrubs_come_first_and_each_class_keeps_its_order() {
        let mut q = Queue::default();
        let post = |issue| Effect::CloseIssue { issue };
        let edit = |comment_id| Effect::EditComment {
            comment_id,
            body: String::new(),
            purpose: WritePurpose::Edit { issue: 1 },
        };
        q.push(job(post(1), None));
        q.push(job(edit(10), Some(0)));
        q.push(job(post(2), None));
        q.push(job(edit(11), Some(1)));
        q.push(job(edit(10), Some(2)));
        let order: Vec<Effect> = std::iter::from_fn(|| q.pop().map(|j| j.effect)).collect();
        assert_eq!(order, [edit(10), edit(11), edit(10), post(1), post(2)]);
        assert!(q.is_empty());
    }

    #[test]
    fn scrubs_are_journaled_when_accepted() {
        let journal = Mutex::new(Journal::open(None));
        let j = accept(
            Effect::EditComment {
                comment_id: 7,
                body: "expired".into(),
                purpose: WritePurpose::Edit { issue: 3 },
            },
            &journal,
        );
        assert!(j.scrub.is_some());
        let pending = lock(&journal).pending().to_vec();
        assert_eq!((pending[0].comment_id, pending[0].issue), (7, 3));
        assert!(accept(Effect::CloseIssue { issue: 3 }, &journal)
            .scrub
            .is_none());
        assert_eq!(lock(&journal).len(), 1);
    }
}
