//! [`GitHubClient`]: the [`Forge`] trait over GitHub's REST API (ARCHITECTURE.md "Design decisions, and why"), on octocrab's
//! HTTP stack (hyper + rustls, timeouts, redirects).
//!
//! The API base is configurable: `https://api.github.com`, GitHub Enterprise Server
//! (`https://host/api/v3`) or the embedded forge (`http://127.0.0.1:PORT/api/v3`). URLs and
//! headers are built here and sent with octocrab's raw `execute`, so this module controls
//! conditional requests and reads every response's headers:
//!
//! - **Polling** (`github/lists.rs`) uses `If-None-Match`: an unchanged list answers 304,
//!   which costs nothing against the rate limit. `since` comes from the server's `Date`
//!   header (never the local clock) minus a small overlap, and only moves when a list
//!   changed, so an idle host keeps asking the very same question and keeps getting 304s.
//!   The first poll starts from the server's time minus a backlog window
//!   ([`GitHubClient::set_backlog`]). Results are de-duplicated by id + `updated_at`;
//!   pagination follows `Link: rel="next"` (same origin only, so the token never leaves the
//!   API host). Pull requests are skipped; re-opened issues are stamped with their re-open
//!   time from the issue events.
//! - **Rate limits.** `x-ratelimit-*` is read on every response
//!   ([`GitHubClient::last_rate_limit`]); a 403/429 rate limit (primary, or secondary with
//!   `Retry-After`) met by a read pauses polling until the server's time (one met by a
//!   write pauses only the writer: polling keeps its tick; an exhausted primary limit is
//!   shared by both, and its `x-ratelimit-remaining: 0` pauses polling through the reserve
//!   rule below); and when only the reserve
//!   ([`GitHubClient::set_reserve`]) is left, polling pauses until the window resets so the
//!   remaining requests serve the writes of chats in progress ([`Forge::poll_pause`]).
//! - **Server numbers are clamped**: every wait taken from `Retry-After` or
//!   `x-ratelimit-reset` is at most one hour ([`crate::backoff::MAX_SERVER_WAIT`]), page
//!   counts are capped (`lists::MAX_PAGES`), bodies are bounded, and all arithmetic on
//!   server times saturates.
//! - Statuses map to [`ForgeError`]s that say what to do. Nothing is retried here (a
//!   retried `POST` could duplicate a comment); the poller and the writer own retries.
//!
//! The token is sent as a sensitive header and never logged or printed (`Debug` redacts it).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use http::header::{ACCEPT, AUTHORIZATION, IF_NONE_MATCH, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// Kept here too while callers move to `crate::forge::RateLimitStatus`.
pub use super::RateLimitStatus;
use super::{Comment, Forge, ForgeError, ForgeStatus, Issue, RepoName, Repository, User};
use crate::backoff::{server_wait, server_wait_until};
use crate::clock::{format_rfc3339 as rfc3339, unix_now_i64 as local_unix};
use lists::{Cursor, Reopens};
use wire::{classify, error_chain, header_u64, origin_of, server_date, Reply, Seen};

pub(crate) mod lists;
pub(crate) mod wire;

/// Default whole-request timeout (connect, send, headers and body).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Default number of requests per window kept for writes: polling pauses below it.
pub const DEFAULT_RESERVE: u64 = 100;
/// Largest response body read (100 comments of 64 KiB each fit).
const MAX_RESPONSE: usize = 16 * 1024 * 1024;
/// How far back `find_comment` looks, on the server's clock.
const FIND_WINDOW_SECS: i64 = 900;
/// Default backlog window for the first poll.
const DEFAULT_BACKLOG: Duration = Duration::from_secs(600);

/// A token that never shows up in `Debug` output or logs.
#[derive(Clone)]
struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The [`Forge`] over GitHub's REST API (or anything that speaks it), bound to one repository.
#[derive(Debug)]
pub struct GitHubClient {
    /// octocrab's HTTP stack; requests are built here and sent with `execute`.
    octo: Octocrab,
    /// API base without a trailing slash, e.g. `https://api.github.com`.
    api_base: String,
    /// `scheme://host[:port]` of the base: `Link` URLs elsewhere are not followed.
    origin: String,
    /// Sent as `Authorization: Bearer …`; `None` for anonymous reads.
    token: Option<Token>,
    /// The one repository every URL points at.
    repo: RepoName,
    /// How far back the first poll looks (request policy's backlog window).
    backlog: Duration,
    /// Cursor of the issues list. A tokio mutex: held across the request so two concurrent
    /// polls of the same list cannot both use one cursor and report the same items twice.
    issues: tokio::sync::Mutex<Cursor>,
    /// Cursor of the repository-wide comments list (tokio mutex, as above).
    comments: tokio::sync::Mutex<Cursor>,
    /// Re-open times learnt from the issue events (tokio mutex, as above).
    reopens: tokio::sync::Mutex<Reopens>,
    /// Whole-request timeout.
    timeout: Duration,
    /// Requests per window kept for writes (see [`GitHubClient::set_reserve`]).
    reserve: u64,
    /// Responses other than 304 since start: what the rate limit counts.
    counted: AtomicU64,
    /// 304 responses since start: free.
    not_modified: AtomicU64,
    /// Server time (unix seconds) before which the server asked us not to call again (a
    /// 403/429 rate limit), with the reason.
    blocked_until: Mutex<Option<(i64, String)>>,
    /// Server time the first polls start from (backlog already subtracted), shared by both
    /// lists. This and the std mutexes below guard a few field reads or writes and are never
    /// held across an `.await`.
    baseline: Mutex<Option<i64>>,
    /// Issues already reported, by id + `updated_at`.
    seen_issues: Mutex<Seen>,
    /// Comments already reported, by id + `updated_at`.
    seen_comments: Mutex<Seen>,
    /// From the headers of the latest response that had them.
    rate: Mutex<Option<RateLimitStatus>>,
    /// `Date` of the latest response, whatever its status (unix seconds, server clock).
    last_date: Mutex<Option<i64>>,
    /// Server clock minus local clock, seconds, from the latest `Date` header.
    clock_offset: Mutex<Option<i64>>,
    /// The token's user id once `current_user` succeeded: `find_comment` trusts only its
    /// comments.
    me: Mutex<Option<u64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl GitHubClient {
    /// A client for `repo` at `api_base` (`https://api.github.com`, `https://host/api/v3`,
    /// `http://127.0.0.1:PORT/api/v3`). `token` may be `None` for anonymous reads.
    ///
    /// Must be called inside the tokio runtime that will use the client (octocrab spawns its
    /// connection worker there); outside any runtime it returns an error.
    pub fn new(api_base: &str, token: Option<String>, repo: RepoName) -> Result<Self, ForgeError> {
        let base = api_base.trim().trim_end_matches('/').to_string();
        let bad = |reason: &str| ForgeError::Network {
            url: base.clone(),
            reason: reason.to_string(),
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(bad(
                "internal error: the forge client must be created inside the tokio runtime",
            ));
        }
        let parsed = url::Url::parse(&base)
            .map_err(|_| bad("not a URL; expected e.g. https://api.github.com"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(bad(
                "the API base must be an http(s) URL such as https://api.github.com",
            ));
        }
        if token
            .as_deref()
            .is_some_and(|t| HeaderValue::from_str(&format!("Bearer {t}")).is_err())
        {
            return Err(ForgeError::BadToken);
        }
        let octo = Octocrab::builder()
            .base_uri(base.as_str())
            .map_err(|e| bad(&error_chain(&e)))?
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(REQUEST_TIMEOUT))
            .set_write_timeout(Some(REQUEST_TIMEOUT))
            .build()
            .map_err(|e| bad(&format!("could not set up HTTPS: {}", error_chain(&e))))?;
        Ok(GitHubClient {
            octo,
            origin: origin_of(&parsed),
            api_base: base,
            token: token.filter(|t| !t.trim().is_empty()).map(Token),
            repo,
            backlog: DEFAULT_BACKLOG,
            issues: Default::default(),
            comments: Default::default(),
            reopens: Default::default(),
            timeout: REQUEST_TIMEOUT,
            reserve: DEFAULT_RESERVE,
            counted: AtomicU64::new(0),
            not_modified: AtomicU64::new(0),
            blocked_until: Mutex::new(None),
            baseline: Mutex::new(None),
            seen_issues: Default::default(),
            seen_comments: Default::default(),
            rate: Mutex::new(None),
            last_date: Mutex::new(None),
            clock_offset: Mutex::new(None),
            me: Mutex::new(None),
        })
    }

    /// How far back the first poll looks, measured on the server's clock (default 10 min).
    /// Takes effect only before the first poll.
    pub fn set_backlog(&mut self, backlog: Duration) {
        self.backlog = backlog;
    }

    /// Gives up on a request after `timeout` (default 15 s) and reports a network error.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout.max(Duration::from_millis(10));
    }

    /// Keeps the last `reserve` requests of each rate-limit window for writes (default
    /// 100): when fewer remain, polling pauses until the window resets. 0 disables it.
    pub fn set_reserve(&mut self, reserve: u64) {
        self.reserve = reserve;
    }

    /// The API base this client talks to (no trailing slash).
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// The repository this client is bound to.
    pub fn repo(&self) -> &RepoName {
        &self.repo
    }

    /// The rate limit reported by the latest response that carried `x-ratelimit-*` headers.
    pub fn last_rate_limit(&self) -> Option<RateLimitStatus> {
        *lock(&self.rate)
    }

    /// `POST /repos/{o}/{r}/issues`: opens an issue as the token's user (guests, tests).
    pub async fn create_issue(&self, title: &str, body: &str) -> Result<Issue, ForgeError> {
        let url = format!("{}/issues", self.repo_url());
        let what = format!("opening an issue on {}", self.repo);
        self.request_json(
            Method::POST,
            &url,
            Some(&json!({ "title": title, "body": body })),
            &what,
        )
        .await
    }

    fn repo_url(&self) -> String {
        format!(
            "{}/repos/{}/{}",
            self.api_base, self.repo.owner, self.repo.name
        )
    }

    /// Sends one request and reads the whole answer; non-success statuses become errors
    /// (304 is returned as a reply).
    async fn request(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        etag: Option<&str>,
        what: &str,
    ) -> Result<Reply, ForgeError> {
        let net = |reason: String| ForgeError::Network {
            url: url.to_string(),
            reason,
        };
        let is_read = method == Method::GET;
        // octocrab adds `X-GitHub-Api-Version: 2022-11-28` itself (and a second User-Agent).
        let mut builder = http::Request::builder()
            .method(method)
            .uri(url)
            .header(ACCEPT, "application/vnd.github+json")
            .header(USER_AGENT, concat!("janus/", env!("CARGO_PKG_VERSION")));
        if let Some(Token(t)) = &self.token {
            let mut v =
                HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| ForgeError::BadToken)?;
            v.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, v);
        }
        if let Some(e) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
            builder = builder.header(IF_NONE_MATCH, e);
        }
        let req = self
            .octo
            .build_request(builder, body)
            .map_err(|e| net(error_chain(&e)))?;
        let exchange = async {
            let resp = self
                .octo
                .execute(req)
                .await
                .map_err(|e| net(error_chain(&e)))?;
            let (parts, body) = resp.into_parts();
            let body = http_body_util::Limited::new(body, MAX_RESPONSE)
                .collect()
                .await
                .map_err(|e| net(format!("reading the response failed: {e}")))?
                .to_bytes();
            Ok::<_, ForgeError>(Reply {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        let reply = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| net(format!("no complete answer within {:?}", self.timeout)))??;
        self.note_headers(&reply.headers);
        if reply.status == StatusCode::NOT_MODIFIED {
            self.not_modified.fetch_add(1, Ordering::Relaxed);
        } else {
            self.counted.fetch_add(1, Ordering::Relaxed);
        }
        if reply.status.is_success() || reply.status == StatusCode::NOT_MODIFIED {
            return Ok(reply);
        }
        let error = classify(&reply, what);
        // A limit met by a read pauses polling; one met by a write pauses only the writer
        // (which waits on its own), so polling keeps its tick.
        if let (ForgeError::RateLimited { retry_after_secs }, true) = (&error, is_read) {
            let now = server_date(&reply.headers).unwrap_or_else(|| self.server_now());
            let reason = format!("rate limited by the forge while {what}");
            let wait = i64::try_from(server_wait(*retry_after_secs).as_secs()).unwrap_or(0);
            *lock(&self.blocked_until) = Some((now.saturating_add(wait), reason));
        }
        Err(error)
    }

    /// The server's clock now: the local clock corrected by the offset the latest `Date`
    /// header showed (so waits for a reset are right even when the clocks disagree).
    fn server_now(&self) -> i64 {
        local_unix().saturating_add(lock(&self.clock_offset).unwrap_or(0))
    }

    fn note_headers(&self, h: &HeaderMap) {
        if let Some(d) = server_date(h) {
            *lock(&self.last_date) = Some(d);
            *lock(&self.clock_offset) = Some(d.saturating_sub(local_unix()));
        }
        if let (Some(limit), Some(remaining), Some(reset)) = (
            header_u64(h, "x-ratelimit-limit"),
            header_u64(h, "x-ratelimit-remaining"),
            header_u64(h, "x-ratelimit-reset"),
        ) {
            *lock(&self.rate) = Some(RateLimitStatus {
                limit,
                remaining,
                reset,
            });
        }
    }

    /// [`Self::request`] without an ETag, the answer decoded as `T`.
    async fn request_json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<T, ForgeError> {
        let reply = self.request(method, url, body, None, what).await?;
        self.decode(&reply, what)
    }

    fn decode<T: DeserializeOwned>(&self, reply: &Reply, what: &str) -> Result<T, ForgeError> {
        serde_json::from_slice(&reply.body).map_err(|e| ForgeError::BadResponse {
            what: what.to_string(),
            reason: e.to_string(),
        })
    }
}

#[async_trait]
impl Forge for GitHubClient {
    async fn current_user(&self) -> Result<User, ForgeError> {
        let url = format!("{}/user", self.api_base);
        let user: User = self
            .request_json(Method::GET, &url, None, "the token's user")
            .await?;
        *lock(&self.me) = Some(user.id);
        Ok(user)
    }

    async fn repository(&self) -> Result<Repository, ForgeError> {
        let what = format!("repository {}", self.repo);
        self.request_json(Method::GET, &self.repo_url(), None, &what)
            .await
    }

    async fn issue(&self, number: u64) -> Result<Issue, ForgeError> {
        let what = format!("issue #{number} of {}", self.repo);
        let url = format!("{}/issues/{number}", self.repo_url());
        self.request_json(Method::GET, &url, None, &what).await
    }

    async fn poll_issues(&self) -> Result<Vec<Issue>, ForgeError> {
        self.poll_issue_list().await
    }

    async fn poll_comments(&self) -> Result<Vec<Comment>, ForgeError> {
        self.poll_comment_list().await
    }

    async fn post_comment(&self, issue: u64, body: &str) -> Result<Comment, ForgeError> {
        let what = format!("commenting on issue #{issue} of {}", self.repo);
        let url = format!("{}/issues/{issue}/comments", self.repo_url());
        self.request_json(Method::POST, &url, Some(&json!({ "body": body })), &what)
            .await
    }

    async fn edit_comment(&self, comment_id: u64, body: &str) -> Result<Comment, ForgeError> {
        let what = format!("editing comment {comment_id} on {}", self.repo);
        let url = format!("{}/issues/comments/{comment_id}", self.repo_url());
        self.request_json(Method::PATCH, &url, Some(&json!({ "body": body })), &what)
            .await
    }

    async fn close_issue(&self, issue: u64) -> Result<(), ForgeError> {
        let what = format!("closing issue #{issue} of {}", self.repo);
        let url = format!("{}/issues/{issue}", self.repo_url());
        self.request(
            Method::PATCH,
            &url,
            Some(&json!({ "state": "closed" })),
            None,
            &what,
        )
        .await?;
        Ok(())
    }

    async fn find_comment(&self, issue: u64, needle: &str) -> Result<Option<Comment>, ForgeError> {
        let what = format!("the comments of issue #{issue} of {}", self.repo);
        let mut url = format!("{}/issues/{issue}/comments?per_page=100", self.repo_url());
        // Only recent comments matter: the write being retried started moments ago.
        if let Some(date) = *lock(&self.last_date) {
            url.push_str(&format!(
                "&since={}",
                rfc3339(date.saturating_sub(FIND_WINDOW_SECS))
            ));
        }
        let me = *lock(&self.me);
        let Some(pages) = self
            .fetch_pages::<Comment>(&url, None, &what, |_| false)
            .await?
        else {
            return Ok(None);
        };
        Ok(pages
            .items
            .into_iter()
            .rev()
            .find(|c| c.body.contains(needle) && me.is_none_or(|id| c.user.id == id)))
    }

    async fn edit_issue_body(&self, issue: u64, body: &str) -> Result<Issue, ForgeError> {
        let what = format!("editing issue #{issue} of {}", self.repo);
        let url = format!("{}/issues/{issue}", self.repo_url());
        self.request_json(Method::PATCH, &url, Some(&json!({ "body": body })), &what)
            .await
    }

    async fn find_labelled_issue(
        &self,
        label: &str,
        creator: &str,
    ) -> Result<Option<Issue>, ForgeError> {
        let what = format!("the issues labelled {label} on {}", self.repo);
        let url = format!(
            "{}/issues?labels={}&creator={}&state=open&sort=created&direction=asc&per_page=10",
            self.repo_url(),
            crate::signal::link::encode_component(label),
            crate::signal::link::encode_component(creator),
        );
        let issues: Vec<Issue> = self.request_json(Method::GET, &url, None, &what).await?;
        Ok(issues.into_iter().find(|i| !i.is_pull_request()))
    }

    async fn ensure_label(
        &self,
        label: &str,
        color: &str,
        description: &str,
    ) -> Result<(), ForgeError> {
        let what = format!("the label {label} on {}", self.repo);
        let url = format!(
            "{}/labels/{}",
            self.repo_url(),
            crate::signal::link::encode_component(label)
        );
        match self.request(Method::GET, &url, None, None, &what).await {
            Ok(_) => return Ok(()),
            Err(ForgeError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let create = json!({ "name": label, "color": color, "description": description });
        let url = format!("{}/labels", self.repo_url());
        match self
            .request(Method::POST, &url, Some(&create), None, &what)
            .await
        {
            Ok(_) => Ok(()),
            // 422 `already_exists`: made meanwhile (another run, the maintainer).
            Err(ForgeError::Other { status: 422, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn create_labelled_issue(
        &self,
        title: &str,
        body: &str,
        labels: &[&str],
    ) -> Result<Issue, ForgeError> {
        let url = format!("{}/issues", self.repo_url());
        let what = format!("opening an issue on {}", self.repo);
        self.request_json(
            Method::POST,
            &url,
            Some(&json!({ "title": title, "body": body, "labels": labels })),
            &what,
        )
        .await
    }

    fn status(&self) -> ForgeStatus {
        ForgeStatus {
            rate: self.last_rate_limit(),
            counted_requests: self.counted.load(Ordering::Relaxed),
            not_modified: self.not_modified.load(Ordering::Relaxed),
            paused_until: None,
            pause_reason: None,
        }
    }

    fn poll_pause(&self) -> Option<(Duration, String)> {
        let now = self.server_now();
        let blocked = lock(&self.blocked_until).clone();
        if let Some((until, reason)) = blocked.filter(|(until, _)| *until > now) {
            return Some((server_wait_until(until, now), reason));
        }
        let rate = self.last_rate_limit()?;
        let reset = i64::try_from(rate.reset).unwrap_or(i64::MAX);
        (self.reserve > 0 && rate.remaining <= self.reserve && reset > now).then(|| {
            let reason = format!(
                "only {} of {} requests left until the rate limit resets; keeping them for replies",
                rate.remaining, rate.limit
            );
            // At most an hour, however far away the server says the reset is.
            (server_wait_until(reset, now), reason)
        })
    }
}

#[cfg(test)]
mod tests;
