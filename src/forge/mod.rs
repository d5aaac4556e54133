//! The issue tracker that carries signaling (ARCHITECTURE.md "The picture", "Design decisions, and why").
//!
//! [`Forge`] is what the host needs from an issue tracker. [`github::GitHubClient`] implements
//! it over GitHub's REST API (octocrab; any API base, so GitHub Enterprise Server and the
//! embedded forge work too). [`local`] is the embedded forge: a real HTTP server speaking
//! the same REST subset, used by `janus demo`, `janus forge` and the tests. [`poll`] turns
//! conditional polling into a stream of [`ForgeEvent`]s for the app core.

pub mod github;
pub mod local;
pub mod poll;
pub mod types;

pub use types::{
    Comment, Issue, Label, Permissions, RateLimitStatus, RepoName, Repository, StateReason, User,
};

use std::time::Duration;

use async_trait::async_trait;

/// Why a forge request failed, phrased so the user knows what to do next.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    /// 401: the token is missing, malformed, expired or revoked.
    #[error("the forge rejected the token (401). Create a fine-grained token with Issues read/write on the repository and set GH_ACCESS_TOKEN")]
    BadToken,
    /// 404 on the repository or an issue: wrong name, or the token cannot see it.
    #[error("{what} was not found (404). Check the repository name (REPO_URL / `repo`) and that the token has access to it")]
    NotFound { what: String },
    /// 403 without rate-limit headers: the token lacks a permission.
    #[error("the forge refused {what} (403): the token needs Issues read/write on the repository")]
    Forbidden { what: String },
    /// 403/429 with rate-limit information: wait until the given number of seconds passes.
    #[error("rate limited by the forge; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// 5xx: the forge is having trouble; retry later.
    #[error("the forge answered {status} for {what}; will retry")]
    Server { status: u16, what: String },
    /// Connection refused, timeout, TLS failure…
    #[error("could not reach the forge at {url}: {reason}")]
    Network { url: String, reason: String },
    /// The body was not the JSON we expected.
    #[error("the forge sent an unexpected response for {what}: {reason}")]
    BadResponse { what: String, reason: String },
    /// Any other status.
    #[error("the forge answered {status} for {what}")]
    Other { status: u16, what: String },
}

impl ForgeError {
    /// Whether retrying the same request later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ForgeError::RateLimited { .. }
                | ForgeError::Server { .. }
                | ForgeError::Network { .. }
                | ForgeError::BadResponse { .. }
        )
    }
}

/// What the host needs from an issue tracker. One repository per client.
#[async_trait]
pub trait Forge: Send + Sync {
    /// `GET /user`: who the token belongs to.
    async fn current_user(&self) -> Result<User, ForgeError>;
    /// `GET /repos/{o}/{r}`: the repository, with the token's permissions.
    async fn repository(&self) -> Result<Repository, ForgeError>;
    /// `GET /repos/{o}/{r}/issues/{n}`.
    async fn issue(&self, number: u64) -> Result<Issue, ForgeError>;
    /// One conditional poll of open issues updated since the last poll (all pages).
    /// Returns only issues not seen before with this `updated_at`; an empty vector on 304.
    async fn poll_issues(&self) -> Result<Vec<Issue>, ForgeError>;
    /// One conditional poll of issue comments updated since the last poll (all pages),
    /// de-duplicated the same way.
    async fn poll_comments(&self) -> Result<Vec<Comment>, ForgeError>;
    /// `POST /repos/{o}/{r}/issues/{n}/comments`.
    async fn post_comment(&self, issue: u64, body: &str) -> Result<Comment, ForgeError>;
    /// `PATCH /repos/{o}/{r}/issues/comments/{id}`.
    async fn edit_comment(&self, comment_id: u64, body: &str) -> Result<Comment, ForgeError>;
    /// `PATCH /repos/{o}/{r}/issues/{n}` with `state=closed`.
    async fn close_issue(&self, issue: u64) -> Result<(), ForgeError>;
    /// The newest recent comment on `issue` written by the token's user whose body contains
    /// `needle` (a hidden marker). The writer asks before it retries a `POST` whose first
    /// attempt may have landed, so a comment is never posted twice.
    async fn find_comment(&self, issue: u64, needle: &str) -> Result<Option<Comment>, ForgeError>;
    /// `PATCH /repos/{o}/{r}/issues/{n}` with a new `body` (flow B: the guest's offer token
    /// is taken out once used; presence: the status is rewritten).
    async fn edit_issue_body(&self, issue: u64, body: &str) -> Result<Issue, ForgeError> {
        let _ = body;
        Err(unsupported(&format!("editing the body of issue #{issue}")))
    }
    /// The oldest open issue carrying `label` opened by `creator` (`GET
    /// /repos/{o}/{r}/issues?labels=…&creator=…&state=open`), if any: the presence issue.
    async fn find_labelled_issue(
        &self,
        label: &str,
        creator: &str,
    ) -> Result<Option<Issue>, ForgeError> {
        let _ = creator;
        Err(unsupported(&format!("listing issues labelled {label}")))
    }
    /// Makes sure the repository has `label` (`GET /repos/{o}/{r}/labels/{name}`, and
    /// `POST /repos/{o}/{r}/labels` when it is missing).
    async fn ensure_label(
        &self,
        label: &str,
        color: &str,
        description: &str,
    ) -> Result<(), ForgeError> {
        let _ = (color, description);
        Err(unsupported(&format!("creating the label {label}")))
    }
    /// `POST /repos/{o}/{r}/issues` with `labels`, as the token's user.
    async fn create_labelled_issue(
        &self,
        title: &str,
        body: &str,
        labels: &[&str],
    ) -> Result<Issue, ForgeError> {
        let _ = (body, labels);
        Err(unsupported(&format!("opening the issue {title:?}")))
    }
    /// Request counters and the rate limit, for the views. Default: nothing known.
    fn status(&self) -> ForgeStatus {
        ForgeStatus::default()
    }
    /// How long polling should wait before its next tick to respect the rate limit (a limit
    /// was hit, or only the reserve kept for writes is left), and why. `None`: poll now.
    fn poll_pause(&self) -> Option<(Duration, String)> {
        None
    }
}

/// What a forge without an operation answers (a test double, a future forge).
fn unsupported(what: &str) -> ForgeError {
    ForgeError::Other {
        status: 501,
        what: format!("{what} (not supported by this forge)"),
    }
}

/// How the conversation with the forge is going, for the views' status line (ARCHITECTURE.md "Design decisions, and why").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgeStatus {
    /// The rate limit as the latest response reported it; `None` until one did.
    pub rate: Option<RateLimitStatus>,
    /// Requests since start that counted against the rate limit (all but 304s).
    pub counted_requests: u64,
    /// Conditional requests since start answered `304 Not Modified`, which are free.
    pub not_modified: u64,
    /// Unix seconds (local clock) until which polling pauses after a rate limit, to keep
    /// the reserve, or to back off after errors; `None` while polling normally.
    pub paused_until: Option<u64>,
    /// Why polling pauses, in words for the status line.
    pub pause_reason: Option<String>,
}

/// What the poller reports to the app core.
#[derive(Debug, Clone)]
pub enum ForgeEvent {
    /// An open issue was created, re-opened or otherwise updated.
    IssueSeen(Issue),
    /// A comment was created or edited.
    CommentSeen(Comment),
    /// A poll succeeded (after zero or more events of this tick).
    PollOk,
    /// A poll failed; the poller backs off and retries on transient errors.
    PollFailed { error: String, transient: bool },
    /// Rate limit, request counters and pauses, sent after every tick.
    Status(ForgeStatus),
}
