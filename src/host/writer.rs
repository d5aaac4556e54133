//! The forge writer: one task that posts and edits comments and closes issues, in order, so
//! writes are paced and never race each other, and reports each result back to the core.
//!
//! - **Pacing.** At least [`WriterConfig::spacing`] (1 s) between two writes, as GitHub asks
//!   of clients that create content, so bursts do not trip its secondary rate limits.
//! - **Rate limits.** A 403/429 with `Retry-After` or an exhausted `x-ratelimit-reset` means
//!   the write did not happen: wait as long as the server says (up to
//!   [`WriterConfig::max_wait`]) and try again.
//! - **Other failures** (network errors, timeouts, 5xx, unreadable answers) back off
//!   exponentially with jitter. Edits and closes are idempotent and simply retried.
//! - **No duplicate comment, ever.** Every posted body carries a hidden marker: the offer
//!   marker `<!-- janus:offer sid=… -->` the core writes, or a random
//!   `<!-- janus:post key=… -->` added here. When an attempt failed in a way that may have
//!   landed, the writer first asks the forge for a comment of its own with that marker on
//!   the issue and posts again only if there is none; if it cannot ask, it does not post.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::{Effect, Event, WritePurpose};
use crate::forge::{Forge, ForgeError};

/// How the writer paces and retries.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Least time between two write requests.
    pub spacing: Duration,
    /// Attempts per write before it is reported as failed.
    pub attempts: u32,
    /// First backoff after a transient failure; doubles per attempt (with jitter).
    pub backoff: Duration,
    /// Longest wait for a rate limit to reset; a longer one fails the write at once (an
    /// offer would expire meanwhile anyway).
    pub max_wait: Duration,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            spacing: Duration::from_secs(1),
            attempts: 6,
            backoff: Duration::from_secs(1),
            max_wait: Duration::from_secs(15 * 60),
        }
    }
}

/// Longest backoff between attempts after transient failures.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Handle to the writer task.
pub struct Writer {
    /// Jobs in submission order; unbounded because the core must never block on a send,
    /// and jobs only come from the core's own (bounded) decisions.
    jobs: mpsc::UnboundedSender<Effect>,
    /// Finishes when every submitted job is done and the sender is dropped.
    task: tokio::task::JoinHandle<()>,
}

impl Writer {
    /// Starts the writer with the default pacing and retries.
    pub fn spawn(forge: Arc<dyn Forge>, events: mpsc::Sender<Event>) -> Writer {
        Writer::spawn_with(forge, events, WriterConfig::default())
    }

    /// Starts the writer with `config`.
    pub fn spawn_with(
        forge: Arc<dyn Forge>,
        events: mpsc::Sender<Event>,
        config: WriterConfig,
    ) -> Writer {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Effect>();
        let task = tokio::spawn(async move {
            let mut pace = Pace {
                spacing: config.spacing,
                last: None,
            };
            while let Some(job) = rx.recv().await {
                let Some((purpose, result)) =
                    execute(forge.as_ref(), job, &config, &mut pace).await
                else {
                    continue;
                };
                let event = match result {
                    Ok(comment_id) => Event::Written {
                        purpose,
                        comment_id,
                    },
                    Err(e) => Event::WriteFailed {
                        purpose,
                        error: e.to_string(),
                    },
                };
                // The core may be gone during shutdown; the write itself is what mattered.
                let _ = events.try_send(event);
            }
        });
        Writer { jobs, task }
    }

    /// Queues a `PostComment`, `EditComment` or `CloseIssue` effect.
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

/// Keeps writes `spacing` apart.
struct Pace {
    /// Least time between two writes.
    spacing: Duration,
    /// When the last write request was sent.
    last: Option<Instant>,
}

impl Pace {
    async fn wait(&mut self) {
        if let Some(last) = self.last {
            tokio::time::sleep_until(last + self.spacing).await;
        }
        self.last = Some(Instant::now());
    }
}

/// The hidden marker already in `body` (`<!-- janus:… -->`), if any.
pub fn marker_in(body: &str) -> Option<&str> {
    let start = body.find("<!-- janus:")?;
    let len = body[start..].find("-->")? + 3;
    Some(&body[start..start + len])
}

/// `body` with a hidden idempotency marker, and that marker.
fn with_marker(body: &str) -> (String, String) {
    if let Some(m) = marker_in(body) {
        return (body.to_string(), m.to_string());
    }
    let key: [u8; 8] = rand::random();
    let marker = format!("<!-- janus:post key={} -->", hex::encode(key));
    (format!("{body}\n\n{marker}"), marker)
}

/// Whether a failed write may nevertheless have been carried out by the server.
fn may_have_landed(e: &ForgeError) -> bool {
    matches!(
        e,
        ForgeError::Network { .. } | ForgeError::Server { .. } | ForgeError::BadResponse { .. }
    )
}

/// How long to wait before attempt `attempt + 1`, or `None` to give up now.
fn retry_delay(e: &ForgeError, attempt: u32, config: &WriterConfig) -> Option<Duration> {
    if attempt + 1 >= config.attempts || !e.is_transient() {
        return None;
    }
    let mut rng = rand::rng();
    if let ForgeError::RateLimited { retry_after_secs } = e {
        let wait = Duration::from_secs(*retry_after_secs);
        return (wait <= config.max_wait)
            .then(|| wait + Duration::from_millis(rng.random_range(0..500)));
    }
    let exp = config
        .backoff
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(MAX_BACKOFF);
    let half = exp / 2;
    Some(half + half.mul_f64(rng.random_range(0.0..=1.0)))
}

/// Runs one job to completion (with retries); `None` for effects that are not writes.
async fn execute(
    forge: &dyn Forge,
    job: Effect,
    config: &WriterConfig,
    pace: &mut Pace,
) -> Option<(WritePurpose, Result<Option<u64>, ForgeError>)> {
    Some(match job {
        Effect::PostComment {
            issue,
            body,
            purpose,
        } => (purpose, post(forge, issue, &body, config, pace).await),
        Effect::EditComment {
            comment_id,
            body,
            purpose,
        } => {
            let result = retrying(config, pace, || async {
                forge
                    .edit_comment(comment_id, &body)
                    .await
                    .map(|c| Some(c.id))
            })
            .await;
            (purpose, result)
        }
        Effect::CloseIssue { issue } => {
            let result = retrying(config, pace, || async {
                forge.close_issue(issue).await.map(|()| None)
            })
            .await;
            (WritePurpose::Close { issue }, result)
        }
        _ => return None,
    })
}

/// An idempotent write, retried on transient errors.
async fn retrying<F, Fut>(
    config: &WriterConfig,
    pace: &mut Pace,
    mut write: F,
) -> Result<Option<u64>, ForgeError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<u64>, ForgeError>>,
{
    let mut attempt = 0;
    loop {
        pace.wait().await;
        match write().await {
            Ok(v) => return Ok(v),
            Err(e) => match retry_delay(&e, attempt, config) {
                Some(wait) => {
                    tracing::debug!(
                        "forge write failed (attempt {}), retrying in {wait:?}: {e}",
                        attempt + 1
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                None => return Err(e),
            },
        }
    }
}

/// Posts a comment at most once, however the attempts fail (see the module docs).
async fn post(
    forge: &dyn Forge,
    issue: u64,
    body: &str,
    config: &WriterConfig,
    pace: &mut Pace,
) -> Result<Option<u64>, ForgeError> {
    let (body, marker) = with_marker(body);
    let mut maybe_landed = false;
    let mut attempt = 0;
    loop {
        let e = if maybe_landed {
            match forge.find_comment(issue, &marker).await {
                Ok(Some(c)) => {
                    tracing::debug!(
                        "comment on #{issue} had landed after all; not posting it again"
                    );
                    return Ok(Some(c.id));
                }
                // Not there: posting again is safe, and nothing is in doubt any more.
                Ok(None) => {
                    maybe_landed = false;
                    continue;
                }
                // Cannot tell whether it landed: wait and ask again, never post blindly.
                Err(e) => e,
            }
        } else {
            pace.wait().await;
            match forge.post_comment(issue, &body).await {
                Ok(c) => return Ok(Some(c.id)),
                Err(e) => {
                    maybe_landed = may_have_landed(&e);
                    e
                }
            }
        };
        match retry_delay(&e, attempt, config) {
            Some(wait) => {
                tracing::debug!(
                    "posting on #{issue} failed (attempt {}), retrying in {wait:?}: {e}",
                    attempt + 1
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            None => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_or_added() {
        let offer = "hi\n\n<!-- janus:offer sid=0123456789abcdef -->";
        assert_eq!(
            marker_in(offer),
            Some("<!-- janus:offer sid=0123456789abcdef -->")
        );
        let (body, marker) = with_marker(offer);
        assert_eq!(
            (body.as_str(), marker.as_str()),
            (offer, "<!-- janus:offer sid=0123456789abcdef -->")
        );
        let (body, marker) = with_marker("Thanks, no chat today.");
        assert!(
            marker.starts_with("<!-- janus:post key=") && body.ends_with(&marker),
            "{body}"
        );
        assert_ne!(with_marker("x").1, with_marker("x").1, "keys are random");
    }

    #[test]
    fn retries_wait_as_told_and_give_up_when_pointless() {
        let cfg = WriterConfig::default();
        let limited = ForgeError::RateLimited {
            retry_after_secs: 30,
        };
        let wait = retry_delay(&limited, 0, &cfg).unwrap();
        assert!(wait >= Duration::from_secs(30) && wait < Duration::from_secs(31));
        assert_eq!(
            retry_delay(
                &ForgeError::RateLimited {
                    retry_after_secs: 7200
                },
                0,
                &cfg
            ),
            None
        );
        assert_eq!(retry_delay(&ForgeError::BadToken, 0, &cfg), None);
        let net = ForgeError::Network {
            url: "u".into(),
            reason: "r".into(),
        };
        let d = retry_delay(&net, 2, &cfg).unwrap();
        assert!(
            d >= Duration::from_secs(2) && d <= Duration::from_secs(4),
            "{d:?}"
        );
        assert_eq!(retry_delay(&net, cfg.attempts - 1, &cfg), None);
        assert!(may_have_landed(&net) && !may_have_landed(&limited));
    }
}
