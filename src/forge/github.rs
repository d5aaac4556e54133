//! [`GitHubClient`]: the [`Forge`] trait over GitHub's REST API (DESIGN §5), on octocrab's
//! HTTP stack (hyper + rustls, timeouts, redirects).
//!
//! The API base is configurable: `https://api.github.com`, GitHub Enterprise Server
//! (`https://host/api/v3`) or the embedded forge (`http://127.0.0.1:PORT/api/v3`). URLs and
//! headers are built here and sent with octocrab's raw `execute`, so this module controls
//! conditional requests and reads every response's headers:
//!
//! - **Polling** uses `If-None-Match`: an unchanged list answers 304, which costs nothing
//!   against the rate limit. `since` comes from the server's `Date` header (never the local
//!   clock) minus a small overlap, and only moves when a list changed, so an idle host keeps
//!   asking the very same question and keeps getting 304s. The first poll starts from the
//!   server's time minus a backlog window ([`GitHubClient::set_backlog`]).
//! - Results are de-duplicated by id + `updated_at` with bounded memory; pagination follows
//!   `Link: rel="next"` (same origin only, so the token never leaves the API host) up to a
//!   page cap per poll. Pull requests are skipped.
//! - Statuses map to [`ForgeError`]s that say what to do; `x-ratelimit-*` headers are kept
//!   for [`GitHubClient::last_rate_limit`]. Nothing is retried here (a retried `POST` could
//!   duplicate a comment); the poller and the writer own retries.
//!
//! The token is sent as a sensitive header and never logged or printed (`Debug` redacts it).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use http::header::{ACCEPT, AUTHORIZATION, IF_NONE_MATCH, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::{Comment, Forge, ForgeError, Issue, RepoName, Repository, User};
use wire::{
    classify, error_chain, header_u64, next_link, origin_of, parse_rfc3339, rfc3339, server_date,
    Reply, Seen,
};

mod wire;

/// Whole-request timeout (connect, send, headers and body).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest response body read (100 comments of 64 KiB each fit).
const MAX_RESPONSE: usize = 16 * 1024 * 1024;
/// Pages fetched per poll at most (100 items each); the rest waits for the next tick.
const MAX_PAGES: usize = 10;
/// How far `since` reaches back before the server time of the last change, so updates
/// committed while a response was being built are not missed.
const OVERLAP_SECS: i64 = 5;
/// Default backlog window for the first poll.
const DEFAULT_BACKLOG: Duration = Duration::from_secs(600);

/// The rate limit as the last response reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in this window.
    pub remaining: u64,
    /// When the window resets, unix seconds (server clock).
    pub reset: u64,
}

/// A token that never shows up in `Debug` output or logs.
#[derive(Clone)]
struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where one polled list stands.
#[derive(Debug, Default)]
struct Cursor {
    /// `since` of the next request (unix seconds, server clock); `None` before the first poll.
    since: Option<i64>,
    /// ETag of the last 200 answer; sent as `If-None-Match` (kept only for single-page answers,
    /// since a change on a later page would not change the first page's ETag).
    etag: Option<String>,
}

/// Several pages of one list.
struct Pages<T> {
    /// Every item of every page read, in the server's order.
    items: Vec<T>,
    /// ETag of the first page, when the list fit on it.
    etag: Option<String>,
    /// Server time of the first page (`Date`), unix seconds.
    date: Option<i64>,
    /// True when the page cap stopped pagination before the end.
    truncated: bool,
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
            .add_retry_config(RetryConfig::None)
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
            baseline: Mutex::new(None),
            seen_issues: Default::default(),
            seen_comments: Default::default(),
            rate: Mutex::new(None),
            last_date: Mutex::new(None),
        })
    }

    /// How far back the first poll looks, measured on the server's clock (default 10 min).
    /// Takes effect only before the first poll.
    pub fn set_backlog(&mut self, backlog: Duration) {
        self.backlog = backlog;
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
        let reply = self
            .request(
                Method::POST,
                &url,
                Some(&json!({ "title": title, "body": body })),
                None,
                &what,
            )
            .await?;
        self.decode(&reply, &what)
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
        let reply = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| {
                net(format!(
                    "no complete answer within {} s",
                    REQUEST_TIMEOUT.as_secs()
                ))
            })??;
        self.note_headers(&reply.headers);
        if reply.status.is_success() || reply.status == StatusCode::NOT_MODIFIED {
            Ok(reply)
        } else {
            Err(classify(&reply, what))
        }
    }

    fn note_headers(&self, h: &HeaderMap) {
        if let Some(d) = server_date(h) {
            *lock(&self.last_date) = Some(d);
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

    fn decode<T: DeserializeOwned>(&self, reply: &Reply, what: &str) -> Result<T, ForgeError> {
        serde_json::from_slice(&reply.body).map_err(|e| ForgeError::BadResponse {
            what: what.to_string(),
            reason: e.to_string(),
        })
    }

    /// The server time the first polls start from: `Date` of a fresh `GET /rate_limit` (free on
    /// GitHub; any status will do, only the header matters) minus the backlog.
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
        let b = date - self.backlog.as_secs() as i64;
        *lock(&self.baseline) = Some(b);
        Ok(b)
    }

    /// Fetches a list from `first` (conditionally when `etag` is given) and its next pages.
    /// `None` means 304: nothing changed.
    async fn fetch_pages<T: DeserializeOwned>(
        &self,
        first: &str,
        etag: Option<&str>,
        what: &str,
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
}

#[async_trait]
impl Forge for GitHubClient {
    async fn current_user(&self) -> Result<User, ForgeError> {
        let url = format!("{}/user", self.api_base);
        let reply = self
            .request(Method::GET, &url, None, None, "the token's user")
            .await?;
        self.decode(&reply, "the token's user")
    }

    async fn repository(&self) -> Result<Repository, ForgeError> {
        let what = format!("repository {}", self.repo);
        let reply = self
            .request(Method::GET, &self.repo_url(), None, None, &what)
            .await?;
        self.decode(&reply, &what)
    }

    async fn issue(&self, number: u64) -> Result<Issue, ForgeError> {
        let what = format!("issue #{number} of {}", self.repo);
        let reply = self
            .request(
                Method::GET,
                &format!("{}/issues/{number}", self.repo_url()),
                None,
                None,
                &what,
            )
            .await?;
        self.decode(&reply, &what)
    }

    async fn poll_issues(&self) -> Result<Vec<Issue>, ForgeError> {
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
            .fetch_pages::<Issue>(&url, cur.etag.as_deref(), &what)
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
        cur.since = Some(
            pages
                .date
                .or(newest)
                .map(|d| d - OVERLAP_SECS)
                .unwrap_or(since)
                .max(since),
        );
        cur.etag = pages.etag;
        let mut seen = lock(&self.seen_issues);
        Ok(pages
            .items
            .into_iter()
            .filter(|i| !i.is_pull_request() && seen.fresh(i.id, &i.updated_at))
            .collect())
    }

    async fn poll_comments(&self) -> Result<Vec<Comment>, ForgeError> {
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
            .fetch_pages::<Comment>(&url, cur.etag.as_deref(), &what)
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
                .map(|d| d - OVERLAP_SECS)
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

    async fn post_comment(&self, issue: u64, body: &str) -> Result<Comment, ForgeError> {
        let what = format!("commenting on issue #{issue} of {}", self.repo);
        let url = format!("{}/issues/{issue}/comments", self.repo_url());
        let reply = self
            .request(
                Method::POST,
                &url,
                Some(&json!({ "body": body })),
                None,
                &what,
            )
            .await?;
        self.decode(&reply, &what)
    }

    async fn edit_comment(&self, comment_id: u64, body: &str) -> Result<Comment, ForgeError> {
        let what = format!("editing comment {comment_id} on {}", self.repo);
        let url = format!("{}/issues/comments/{comment_id}", self.repo_url());
        let reply = self
            .request(
                Method::PATCH,
                &url,
                Some(&json!({ "body": body })),
                None,
                &what,
            )
            .await?;
        self.decode(&reply, &what)
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
}

#[cfg(test)]
mod tests;
