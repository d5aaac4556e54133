//! Conditional polling of the two lists (ARCHITECTURE.md "Design decisions, and why") and re-open detection.
//!
//! - Each list keeps a [`Cursor`]: `since` (server clock) and the ETag of its last answer,
//!   sent as `If-None-Match`. `since` only moves when a list changed, so an idle host keeps
//!   asking the very same question and keeps getting free 304s.
//! - The first poll starts from the server's `Date` minus the backlog window; later ones
//!   from the `Date` of the last change minus [`OVERLAP_SECS`]. Items are reported once per
//!   id + `updated_at`; `Link: rel="next"` is followed (same origin only) up to
//!   [`MAX_PAGES`], whatever page numbers the server's links name; each page's body is
//!   bounded by the client's response limit, and time arithmetic on server dates saturates.
//! - **Re-opens.** GitHub's issue JSON says *that* an issue was re-opened
//!   (`state_reason: "reopened"`) but not *when*. Only when a changed issue says so, the
//!   client reads the repository's issue events (`GET …/issues/events`, newest first, also
//!   conditional) and stamps the issue with the time of its latest `reopened` event
//!   ([`Issue::reopened_at`]); the request policy decides what that means. A quiet
//!   repository therefore costs no extra request. A poll is all-or-nothing: if reading the
//!   events fails, neither the cursor nor the de-duplication memory moves, so the next tick
//!   sees the same issues again.

use std::collections::HashMap;

use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::wire::{next_link, server_date};
use super::{lock, GitHubClient};
use crate::clock::{format_rfc3339 as rfc3339, parse_rfc3339};
use crate::forge::{Comment, ForgeError, Issue, StateReason};

/// Pages fetched per poll at most (100 items each); the rest waits for the next tick.
pub(super) const MAX_PAGES: usize = 10;
/// How far `since` reaches back before the server time of the last change, so updates
/// committed while a response was being built are not missed.
pub(super) const OVERLAP_SECS: i64 = 5;
/// Issues whose latest re-open time is remembered (oldest forgotten first).
const REOPENS_CAP: usize = 10_000;

/// Where one polled list stands.
#[derive(Debug, Default)]
pub(super) struct Cursor {
    /// `since` of the next request (unix seconds, server clock); `None` before the first poll.
    since: Option<i64>,
    /// ETag of the last 200 answer; sent as `If-None-Match` (kept only for single-page
    /// answers, since a change on a later page would not change the first page's ETag).
    etag: Option<String>,
}

/// What the issue events told so far.
#[derive(Debug, Default)]
pub(super) struct Reopens {
    /// ETag of the first events page, for a conditional re-read.
    etag: Option<String>,
    /// Issue number → time of its latest `reopened` event (RFC 3339, server clock).
    latest: HashMap<u64, String>,
}

/// Several pages of one list.
pub(super) struct Pages<T> {
    /// Every item of every page read, in the server's order.
    pub(super) items: Vec<T>,
    /// ETag of the first page, when the list fit on it.
    pub(super) etag: Option<String>,
    /// Server time of the first page (`Date`), unix seconds.
    pub(super) date: Option<i64>,
    /// True when the page cap stopped pagination before the end.
    pub(super) truncated: bool,
}

/// The fields of an issue event that matter here.
#[derive(Debug, Deserialize)]
pub struct IssueEvent {
    /// `closed`, `reopened`, `labeled`, …
    event: String,
    /// When it happened (RFC 3339).
    created_at: String,
    /// The issue it happened to (GitHub includes it in the repository-wide list).
    #[serde(default)]
    issue: Option<IssueRef>,
}

/// The issue an event refers to.
#[derive(Debug, Deserialize)]
struct IssueRef {
    /// Its number in the repository.
    number: u64,
}

impl GitHubClient {
    /// The server time the first polls start from: `Date` of a fresh `GET /rate_limit` (free
    /// on GitHub; any status will do, only the header matters) minus the backlog.
    async fn baseline(&self) -> Result<i64, ForgeError> {
        if let Some(b) = *lock(&self.baseline) {
            return Ok(b);
        }
        let url = format!("{}/rate_limit", self.api_base);
        *lock(&self.last_date) = None;
        match self
            .request(Method::GET, &url, None, None, "the rate limit")
            .await
        {
            Ok(_) => {}
            Err(e @ (ForgeError::Network { .. } | ForgeError::BadToken)) => return Err(e),
            // GHES without rate limiting answers 404 here; its Date header is still good.
            Err(_) => {}
        }
        let date = lock(&self.last_date).ok_or_else(|| ForgeError::BadResponse {
            what: "the server time".to_string(),
            reason: "the response had no Date header, which polling needs".to_string(),
        })?;
        let backlog = i64::try_from(self.backlog.as_secs()).unwrap_or(i64::MAX);
        let b = date.saturating_sub(backlog);
        *lock(&self.baseline) = Some(b);
        Ok(b)
    }

    /// Fetches a list from `first` (conditionally when `etag` is given) and its next pages.
    /// `None` means 304: nothing changed. `stop` ends pagination early once a page's last
    /// item satisfies it (for newest-first lists read back to a point in time).
    pub(super) async fn fetch_pages<T: DeserializeOwned>(
        &self,
        first: &str,
        etag: Option<&str>,
        what: &str,
        stop: impl Fn(&T) -> bool,
    ) -> Result<Option<Pages<T>>, ForgeError> {
        let reply = self.request(Method::GET, first, None, etag, what).await?;
        if reply.status == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let date = server_date(&reply.headers);
        let mut next = next_link(&reply.headers);
        let etag = match next {
            None => reply
                .headers
                .get(http::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            Some(_) => None,
        };
        let mut items: Vec<T> = self.decode(&reply, what)?;
        let mut pages = 1;
        while let Some(url) = next.take() {
            if items.last().is_some_and(&stop) {
                break;
            }
            if pages >= MAX_PAGES {
                return Ok(Some(Pages {
                    items,
                    etag: None,
                    date,
                    truncated: true,
                }));
            }
            if !url.starts_with(&format!("{}/", self.origin)) {
                tracing::warn!(
                    "not following a pagination link to another host while polling {what}"
                );
                break;
            }
            let reply = self.request(Method::GET, &url, None, None, what).await?;
            next = next_link(&reply.headers);
            items.extend(self.decode::<Vec<T>>(&reply, what)?);
            pages += 1;
        }
        Ok(Some(Pages {
            items,
            etag,
            date,
            truncated: false,
        }))
    }

    /// One conditional poll of open issues (see the module docs).
    pub(super) async fn poll_issue_list(&self) -> Result<Vec<Issue>, ForgeError> {
        let mut cur = self.issues.lock().await;
        let since = match cur.since {
            Some(s) => s,
            None => self.baseline().await?,
        };
        let url = format!(
            "{}/issues?state=open&sort=updated&direction=desc&since={}&per_page=100",
            self.repo_url(),
            rfc3339(since)
        );
        let what = format!("the issues of {}", self.repo);
        let Some(pages) = self
            .fetch_pages::<Issue>(&url, cur.etag.as_deref(), &what, |_| false)
            .await?
        else {
            cur.since = Some(since);
            return Ok(Vec::new());
        };
        if pages.truncated {
            tracing::warn!(
                "more than {} issues of {} changed at once; older ones were skipped",
                MAX_PAGES * 100,
                self.repo
            );
        }
        let newest = pages
            .items
            .iter()
            .filter_map(|i| parse_rfc3339(&i.updated_at))
            .max();
        let mut fresh: Vec<Issue> = {
            let seen = lock(&self.seen_issues);
            pages
                .items
                .into_iter()
                .filter(|i| !i.is_pull_request() && seen.peek(i.id, &i.updated_at))
                .collect()
        };
        if fresh
            .iter()
            .any(|i| i.state_reason == Some(StateReason::Reopened))
        {
            let reopens = self.reopen_times(since).await?;
            for issue in fresh
                .iter_mut()
                .filter(|i| i.state_reason == Some(StateReason::Reopened))
            {
                issue.reopened_at = reopens.get(&issue.number).and_then(|t| parse_rfc3339(t));
            }
        }
        // Everything worked: commit the cursor and the de-duplication memory.
        cur.since = Some(
            pages
                .date
                .or(newest)
                .map(|d| d.saturating_sub(OVERLAP_SECS))
                .unwrap_or(since)
                .max(since),
        );
        cur.etag = pages.etag;
        let mut seen = lock(&self.seen_issues);
        fresh.retain(|i| seen.fresh(i.id, &i.updated_at));
        Ok(fresh)
    }

    /// The latest re-open time of every issue re-opened since the baseline (at least back to
    /// `since`), from a conditional read of the repository's issue events.
    async fn reopen_times(&self, since: i64) -> Result<HashMap<u64, String>, ForgeError> {
        let mut memo = self.reopens.lock().await;
        let horizon = lock(&self.baseline).unwrap_or(since).min(since);
        let url = format!("{}/issues/events?per_page=100", self.repo_url());
        let what = format!("the issue events of {}", self.repo);
        let older = |e: &IssueEvent| parse_rfc3339(&e.created_at).is_some_and(|t| t < horizon);
        if let Some(pages) = self
            .fetch_pages::<IssueEvent>(&url, memo.etag.as_deref(), &what, older)
            .await?
        {
            memo.etag = pages.etag;
            for e in pages.items.iter().filter(|e| e.event == "reopened") {
                let Some(number) = e.issue.as_ref().map(|i| i.number) else {
                    continue;
                };
                let newer = memo
                    .latest
                    .get(&number)
                    .is_none_or(|known| parse_rfc3339(known) < parse_rfc3339(&e.created_at));
                if newer {
                    if memo.latest.len() >= REOPENS_CAP {
                        memo.latest.clear();
                    }
                    memo.latest.insert(number, e.created_at.clone());
                }
            }
        }
        Ok(memo.latest.clone())
    }

    /// One conditional poll of the repository's comments, oldest first.
    pub(super) async fn poll_comment_list(&self) -> Result<Vec<Comment>, ForgeError> {
        let mut cur = self.comments.lock().await;
        let since = match cur.since {
            Some(s) => s,
            None => self.baseline().await?,
        };
        let url = format!(
            "{}/issues/comments?sort=updated&direction=asc&since={}&per_page=100",
            self.repo_url(),
            rfc3339(since)
        );
        let what = format!("the comments of {}", self.repo);
        let Some(pages) = self
            .fetch_pages::<Comment>(&url, cur.etag.as_deref(), &what, |_| false)
            .await?
        else {
            cur.since = Some(since);
            return Ok(Vec::new());
        };
        let newest = pages
            .items
            .iter()
            .filter_map(|c| parse_rfc3339(&c.updated_at))
            .max();
        cur.since = Some(if pages.truncated {
            // Oldest first: resume from the last comment read; the rest comes next tick.
            newest.unwrap_or(since)
        } else {
            pages
                .date
                .or(newest)
                .map(|d| d.saturating_sub(OVERLAP_SECS))
                .unwrap_or(since)
                .max(since)
        });
        cur.etag = pages.etag;
        let mut seen = lock(&self.seen_comments);
        Ok(pages
            .items
            .into_iter()
            .filter(|c| seen.fresh(c.id, &c.updated_at))
            .collect())
    }
}
