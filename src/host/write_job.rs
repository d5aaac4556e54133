//! One write job of the forge writer, carried out to the end: paced, retried, and never a
//! duplicate comment.
//!
//! - **Pacing.** Every write request (each attempt of a `POST` or `PATCH`) first waits for
//!   the shared [`Pacer`] (GitHub's 80 a minute / 500 an hour for content-creating
//!   requests). The marker look-ups (`GET`) are not content-creating and are not paced.
//! - **Rate limits.** A 403/429 with `Retry-After` or an exhausted `x-ratelimit-reset` means
//!   the write did not happen: wait as long as the server says (already clamped to an hour
//!   by the client; a wait longer than [`WriterConfig::max_wait`] fails the write at once)
//!   and try again. The writer runs one job at a time, so this pauses writes only; polling
//!   keeps its tick.
//! - **Other failures** (network errors, timeouts, 5xx, unreadable answers) back off with
//!   the shared [`Backoff`]. Edits and closes are idempotent and simply retried.
//! - **No duplicate comment, ever.** Every posted body carries a hidden marker: the offer
//!   marker `<!-- janus:offer sid=… -->` the core writes, or a random
//!   `<!-- janus:post key=… -->` added here. When an attempt failed in a way that may have
//!   landed, the job first asks the forge for a comment of its own with that marker on
//!   the issue and posts again only if there is none; if it cannot ask, it does not post.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::pace::Pacer;
use super::writer::WriterConfig;
use crate::app::{Effect, WritePurpose};
use crate::backoff::{jitter, server_wait, Backoff};
use crate::forge::{Forge, ForgeError};

/// What opens the flow-B answer marker (`app::guest_offer::answer_marker`).
const ANSWER_MARKER_OPENING: &str = "<!-- janus:answer sid=";
/// Longest backoff between attempts after transient failures.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// At most this much is added to a server's reset time before writing again.
const RESET_JITTER: Duration = Duration::from_millis(500);
/// Longest single sleep while waiting for the pacer (it is asked again afterwards).
const MAX_PACE_SLEEP: Duration = Duration::from_secs(3600);

/// What one job needs; cheap to clone into each job's task.
#[derive(Clone)]
pub(super) struct JobContext {
    /// Where writes go.
    pub forge: Arc<dyn Forge>,
    /// Retries and waits.
    pub config: Arc<WriterConfig>,
    /// Shared by all jobs (one runs at a time); a std mutex never held across an `.await`.
    pub pacer: Arc<Mutex<Pacer>>,
    /// The pacer's time origin: pacer times are durations since this instant.
    pub origin: Instant,
}

impl JobContext {
    /// Waits until the pacer allows a write, and counts it.
    async fn pace(&self) {
        loop {
            let now = self.origin.elapsed();
            let at = {
                let mut pacer = self.pacer.lock().unwrap_or_else(PoisonError::into_inner);
                let at = pacer.next_allowed(now);
                if at <= now {
                    pacer.record(now);
                    return;
                }
                at
            };
            tokio::time::sleep(at.saturating_sub(now).min(MAX_PACE_SLEEP)).await;
        }
    }
}

/// The purpose reported for a write effect; `None` for effects that are not writes.
pub(super) fn purpose_of(effect: &Effect) -> Option<WritePurpose> {
    match effect {
        Effect::PostComment { purpose, .. }
        | Effect::EditComment { purpose, .. }
        | Effect::EditIssueBody { purpose, .. } => Some(purpose.clone()),
        Effect::CloseIssue { issue } => Some(WritePurpose::Close { issue: *issue }),
        _ => None,
    }
}

/// The hidden marker already in `body` (`<!-- janus:… -->`), if any.
pub(super) fn marker_in(body: &str) -> Option<&str> {
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
    if attempt.saturating_add(1) >= config.attempts || !e.is_transient() {
        return None;
    }
    if let ForgeError::RateLimited { retry_after_secs } = e {
        let wait = server_wait(*retry_after_secs);
        return (wait <= config.max_wait).then(|| wait.saturating_add(jitter(RESET_JITTER)));
    }
    Some(Backoff::new(config.backoff, MAX_BACKOFF).delay(attempt))
}

/// Runs one job to completion (with retries); `None` for effects that are not writes.
pub(super) async fn execute(
    ctx: JobContext,
    job: Effect,
) -> Option<(WritePurpose, Result<Option<u64>, ForgeError>)> {
    let forge = ctx.forge.as_ref();
    let config = ctx.config.as_ref();
    let pace = &ctx;
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
        Effect::EditIssueBody {
            issue,
            body,
            purpose,
        } => {
            let result = retrying(config, pace, || async {
                forge.edit_issue_body(issue, &body).await.map(|_| None)
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
    pace: &JobContext,
    mut write: F,
) -> Result<Option<u64>, ForgeError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<u64>, ForgeError>>,
{
    let mut attempt = 0;
    loop {
        pace.pace().await;
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
    pace: &JobContext,
) -> Result<Option<u64>, ForgeError> {
    let (body, marker) = with_marker(body);
    // Flow B: one answer comment per `sid`, also across restarts. An answer of an earlier
    // run found before the first attempt is not ours to reuse (its peer is gone): refused.
    if marker.starts_with(ANSWER_MARKER_OPENING) {
        if let Some(c) = forge.find_comment(issue, &marker).await? {
            tracing::info!(
                "#{issue} already has an answer for this offer (comment {}); not answering twice",
                c.id
            );
            return Err(ForgeError::Other {
                status: 409,
                what: "answering: this offer was already answered (an earlier run); not answering twice".into(),
            });
        }
    }
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
            pace.pace().await;
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
        assert!(wait >= Duration::from_secs(30) && wait <= Duration::from_millis(30_500));
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
        // A server asking for centuries is clamped to an hour, and an hour is more than the
        // writer waits: the write fails at once rather than overflowing or hanging.
        let absurd = ForgeError::RateLimited {
            retry_after_secs: u64::MAX,
        };
        assert_eq!(retry_delay(&absurd, 0, &cfg), None);
        let patient = WriterConfig {
            max_wait: Duration::from_secs(7200),
            ..WriterConfig::default()
        };
        let wait = retry_delay(&absurd, 0, &patient).unwrap();
        assert!(wait >= Duration::from_secs(3600) && wait <= Duration::from_millis(3_600_500));
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
        assert_eq!(retry_delay(&net, u32::MAX, &cfg), None, "no overflow");
        assert!(may_have_landed(&net) && !may_have_landed(&limited));
    }
}
