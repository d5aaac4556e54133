//! The forge writer: one task that posts and edits comments in order, so writes are paced
//! and never race each other, and reports each result back to the core.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::{Effect, Event, WritePurpose};
use crate::forge::{Forge, ForgeError};

/// Handle to the writer task.
pub struct Writer {
    /// Jobs in submission order; unbounded because the core must never block on a send,
    /// and jobs only come from the core's own (bounded) decisions.
    jobs: mpsc::UnboundedSender<Effect>,
    /// Finishes when every submitted job is done and the sender is dropped.
    task: tokio::task::JoinHandle<()>,
}

impl Writer {
    pub fn spawn(forge: Arc<dyn Forge>, events: mpsc::Sender<Event>) -> Writer {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Effect>();
        let task = tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                let (purpose, result) = execute(forge.as_ref(), job).await;
                let event = match result {
                    Ok(comment_id) => Event::Written { purpose, comment_id },
                    Err(e) => Event::WriteFailed { purpose, error: e.to_string() },
                };
                // The core may be gone during shutdown; the write itself is what mattered.
                let _ = events.try_send(event);
            }
        });
        Writer { jobs, task }
    }

    /// Queues a `PostComment` or `EditComment` effect.
    pub fn submit(&self, effect: Effect) {
        let _ = self.jobs.send(effect);
    }

    /// Waits up to `limit` for queued writes to finish.
    pub async fn drain(self, limit: Duration) {
        drop(self.jobs);
        let mut task = self.task;
        if tokio::time::timeout(limit, &mut task).await.is_err() {
            tracing::warn!("gave up on pending forge writes after {limit:?}");
            task.abort();
        }
    }
}

/// Runs one write with bounded retries. Edits are idempotent and retried on transient
/// errors; a new comment is retried only when it certainly did not land (rate limited).
async fn execute(forge: &dyn Forge, job: Effect) -> (WritePurpose, Result<Option<u64>, ForgeError>) {
    let mut delay = Duration::from_secs(1);
    for attempt in 0..4 {
        let (purpose, result, retry_safe) = match &job {
            Effect::PostComment { issue, body, purpose } => {
                let r = forge.post_comment(*issue, body).await.map(|c| Some(c.id));
                let safe = matches!(r, Err(ForgeError::RateLimited { .. }));
                (purpose.clone(), r, safe)
            }
            Effect::EditComment { comment_id, body, purpose } => {
                let r = forge.edit_comment(*comment_id, body).await.map(|c| Some(c.id));
                let safe = matches!(&r, Err(e) if e.is_transient());
                (purpose.clone(), r, safe)
            }
            _ => return (WritePurpose::Edit { issue: 0 }, Ok(None)),
        };
        if result.is_ok() || !retry_safe || attempt == 3 {
            return (purpose, result);
        }
        if let Err(ForgeError::RateLimited { retry_after_secs }) = &result {
            delay = Duration::from_secs((*retry_after_secs).clamp(1, 60));
        }
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
    unreachable!("the loop returns on its last attempt")
}
