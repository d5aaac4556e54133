//! The embedded local forge (ARCHITECTURE.md "The picture"): a real HTTP server on a real socket that speaks the
//! subset of GitHub's REST API Janus uses, serves plain HTML pages at github.com's paths for
//! people, and serves the guest page.
//!
//! URL layout (one origin, `http://127.0.0.1:PORT` for a loopback or unspecified listen
//! address):
//! - `/api/v3/…` — the REST API, like GitHub Enterprise Server (`api.rs`, `layers.rs`), and
//!   local-only hooks under `/api/v3/_forge/` (accounts; a test's own rate limit, `hooks_api.rs`);
//! - `/`, `/login`, `/{owner}/{repo}/issues[/new|/{n}]` — web pages (`web.rs`, `html.rs`);
//! - `/guest/` — the static guest page from `guest_dir`, with a strict CSP;
//! - `/_forge/style.css`, `/_forge/live.js` — the pages' assets.
//!
//! It is what `janus demo` runs, what LAN users without GitHub can use, and what the tests
//! run against. There are no passwords: anyone who can reach the forge may act as any user
//! except the owner (whose token only the host process gets), so keep it on loopback unless
//! the network is trusted.

mod api;
mod faults;
mod hooks_api;
mod html;
mod json;
mod labels_api;
mod layers;
mod store;
mod web;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, OriginalUri, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;

pub use self::faults::{Fault, FaultRule, LoggedRequest};
use self::json::Urls;
use self::layers::{RateKey, RateLimiter};
use self::store::{Store, StoreError};
use crate::forge::{Issue, RepoName, User};

/// Largest request body accepted (a 65 536-character comment, JSON-escaped, fits).
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// How long `shutdown` waits for in-flight requests before stopping the server task.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// CSP for the guest page: its own scripts and styles only, API calls only to this origin,
/// blog posts in sandboxed frames, nothing inline but styles (blog markup may carry them).
const GUEST_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; frame-src 'self' blob:; \
     manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// How to run the local forge.
#[derive(Debug, Clone)]
pub struct LocalForgeConfig {
    /// Address to listen on; port 0 picks a free port (tests, `janus demo`).
    pub listen: SocketAddr,
    /// Directory served at `/guest/` (its `index.html` at `/guest/`); `None` serves nothing.
    pub guest_dir: Option<PathBuf>,
    /// The repository owner's login: the host's account, created at start.
    pub host_login: String,
    /// The one repository this forge hosts, created at start and owned by `host_login`.
    pub repo: RepoName,
}

/// Why a local-forge helper refused; the message says what to change.
#[derive(Debug, thiserror::Error)]
#[error("local forge: {0}")]
pub struct LocalForgeError(String);

impl From<StoreError> for LocalForgeError {
    fn from(e: StoreError) -> Self {
        LocalForgeError(match e {
            StoreError::NotFound => "no such user or issue".to_string(),
            StoreError::Invalid { message, .. } => message,
            StoreError::Forbidden(m) | StoreError::Full(m) => m,
        })
    }
}

/// State shared by every handler.
pub(crate) struct ForgeCtx {
    /// Users, issues and comments.
    pub(crate) store: Store,
    /// The origin everything is served from (used in `html_url`s and `Link` headers).
    pub(crate) urls: Urls,
    /// Hourly request counters behind the `x-ratelimit-*` headers.
    pub(crate) limiter: RateLimiter,
    /// Whether `/guest/` serves a directory (the start page links to it).
    pub(crate) guest: bool,
    /// Injected faults and the request log (test hooks, `faults.rs`).
    pub(crate) faults: faults::Faults,
}

/// Handlers share the context through an `Arc` (axum clones state per request).
pub(crate) type Ctx = Arc<ForgeCtx>;

/// A running local forge. Dropping it, or `shutdown().await`, stops the server.
pub struct LocalForge {
    /// Shared with the server task; used by the in-process helpers below.
    ctx: Ctx,
    /// The owner's API token (never logged).
    host_token: String,
    /// Flipped to `true` to start a graceful shutdown (a watch, so dropping it also works).
    stop: watch::Sender<bool>,
    /// The server task, awaited by `shutdown`.
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for LocalForge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalForge")
            .field("web_url", &self.web_url())
            .field("host_token", &"<redacted>")
            .finish()
    }
}

fn io_error(e: impl Into<LocalForgeError>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, e.into().to_string())
}

impl LocalForge {
    /// Binds `cfg.listen`, creates the owner and the repository, and serves in a background
    /// task on the current tokio runtime.
    pub async fn start(cfg: LocalForgeConfig) -> Result<LocalForge, std::io::Error> {
        let (store, host_token) =
            Store::new(cfg.repo.clone(), &cfg.host_login).map_err(io_error)?;
        if let Some(dir) = &cfg.guest_dir {
            if !dir.is_dir() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "guest page directory {} does not exist; point guest_dir at assets/guest",
                        dir.display()
                    ),
                ));
            }
        }
        let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
        let local = listener.local_addr()?;
        let ip = match local.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let origin = format!("http://{}", SocketAddr::new(ip, local.port()));
        let ctx = Arc::new(ForgeCtx {
            store,
            urls: Urls { origin },
            limiter: RateLimiter::default(),
            guest: cfg.guest_dir.is_some(),
            faults: Default::default(),
        });
        let app = router(ctx.clone(), cfg.guest_dir);
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let signal = async move {
                // Ends on `true` or when the handle (the sender) is dropped.
                let _ = stopped.wait_for(|s| *s).await;
            };
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(e) = axum::serve(listener, service)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::warn!("local forge stopped: {e}");
            }
        });
        tracing::info!("local forge serving {} at {}", cfg.repo, ctx.urls.origin);
        Ok(LocalForge {
            ctx,
            host_token,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT/`: the start page.
    pub fn web_url(&self) -> String {
        format!("{}/", self.ctx.urls.origin)
    }

    /// `http://127.0.0.1:PORT/api/v3`: the API base, as on GitHub Enterprise Server.
    pub fn api_url(&self) -> String {
        self.ctx.urls.api()
    }

    /// `http://127.0.0.1:PORT/guest/`: where the guest page is served (if `guest_dir` is set).
    pub fn pages_url(&self) -> String {
        format!("{}/guest/", self.ctx.urls.origin)
    }

    /// The repository this forge hosts.
    pub fn repo(&self) -> &RepoName {
        &self.ctx.store.repo
    }

    /// The owner's API token, for the host's forge client. Never log it.
    pub fn host_token(&self) -> String {
        self.host_token.clone()
    }

    /// Creates `login` (or finds it) and issues it a fresh API token; earlier tokens stay
    /// valid. Works for the owner too. Infallible for convenience in tests and demos: a login
    /// GitHub would refuse is first made valid (invalid characters become hyphens, see the
    /// returned `User::login`), and in-process callers are not bound by the account cap.
    pub fn create_user(&self, login: &str) -> (User, String) {
        let login = store::sanitize_login(login);
        match self.ctx.store.register(&login, true) {
            Ok((view, token)) => (
                User {
                    login: view.login,
                    id: view.id,
                    kind: view.kind.to_string(),
                },
                token,
            ),
            // Unreachable (a sanitized login is valid and trusted callers skip the cap), but
            // never panic: hand back an account no token maps to.
            Err(_) => (
                User {
                    login,
                    id: 0,
                    kind: "User".to_string(),
                },
                String::new(),
            ),
        }
    }

    /// Marks `login` as a collaborator: its comments then carry `author_association:
    /// COLLABORATOR` and it may close any issue.
    pub fn add_collaborator(&self, login: &str) -> Result<(), LocalForgeError> {
        Ok(self.ctx.store.set_collaborator(login, true)?)
    }

    /// Opens an issue as `login` (created if needed), as if through the API.
    pub fn open_issue(
        &self,
        login: &str,
        title: &str,
        body: &str,
    ) -> Result<Issue, LocalForgeError> {
        let view = self.ctx.store.ensure_user(login)?;
        let issue = self.ctx.store.create_issue(view.id, title, body)?;
        let value = json::issue(&self.ctx.urls, &self.ctx.store, &issue);
        serde_json::from_value(value).map_err(|e| LocalForgeError(e.to_string()))
    }

    /// Test hook: adds labels to issue `number` as the owner (records `labeled` events).
    pub fn add_labels(&self, number: u64, labels: &[&str]) -> Result<(), LocalForgeError> {
        let names: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        self.ctx
            .store
            .add_labels(self.ctx.store.owner_id, number, &names)?;
        Ok(())
    }

    /// Closes (`open: false`) or re-opens issue `number` as `login`, as if through the API
    /// (records `closed` / `reopened` events and GitHub's `state_reason`).
    pub fn set_issue_open(
        &self,
        login: &str,
        number: u64,
        open: bool,
    ) -> Result<Issue, LocalForgeError> {
        let view = self.ctx.store.ensure_user(login)?;
        let issue = self
            .ctx
            .store
            .update_issue(view.id, number, None, None, Some(open))?;
        let value = json::issue(&self.ctx.urls, &self.ctx.store, &issue);
        serde_json::from_value(value).map_err(|e| LocalForgeError(e.to_string()))
    }

    /// Test hook: `login` has `remaining` API requests left this hour (0 makes the API answer
    /// 403 with `x-ratelimit-remaining: 0`, as GitHub does).
    pub fn set_rate_limit_remaining(
        &self,
        login: &str,
        remaining: u32,
    ) -> Result<(), LocalForgeError> {
        let view = self.ctx.store.ensure_user(login)?;
        self.ctx
            .limiter
            .set_remaining(RateKey::User(view.id), self.ctx.store.now(), remaining);
        Ok(())
    }

    /// Stops accepting connections, lets in-flight requests finish (up to 5 s) and returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for LocalForge {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn router(ctx: Ctx, guest_dir: Option<PathBuf>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PATCH,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("x-github-api-version"),
        ])
        .expose_headers(
            [
                "etag",
                "link",
                "location",
                "retry-after",
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
                "x-ratelimit-used",
                "x-ratelimit-resource",
                "x-github-media-type",
            ]
            .map(header::HeaderName::from_static),
        )
        .max_age(Duration::from_secs(86_400));
    let api = api::routes()
        .merge(labels_api::routes())
        .merge(hooks_api::routes())
        .layer(from_fn_with_state(ctx.clone(), layers::api_layer))
        .layer(cors)
        .layer(from_fn_with_state(ctx.clone(), faults::fault_layer));
    let mut app = web::routes().merge(api);
    if let Some(dir) = guest_dir {
        let guest = Router::new()
            .nest_service("/guest", ServeDir::new(dir))
            .layer(from_fn(guest_headers));
        app = app.merge(guest);
    }
    app.fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .layer(from_fn_with_state(ctx.clone(), layers::date_layer))
        .with_state(ctx)
}

/// Security headers for the guest page, and `/guest` → `/guest/` so relative URLs work.
async fn guest_headers(req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    if path == "/guest" {
        let mut resp = StatusCode::PERMANENT_REDIRECT.into_response();
        resp.headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/guest/"));
        return resp;
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(GUEST_CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// 404 as JSON under `/api/`, as a page elsewhere.
async fn not_found(State(_ctx): State<Ctx>, uri: OriginalUri) -> Response {
    if uri.path().starts_with("/api/") {
        layers::error(StatusCode::NOT_FOUND, "Not Found")
    } else {
        html::error_page(
            StatusCode::NOT_FOUND,
            None,
            "There is no page at this address.",
        )
    }
}

/// `janus forge`: runs a local forge until Ctrl-C, with `extra_users` registered up front.
/// Prints the URLs and the tokens of this throwaway forge (they are local test credentials,
/// unlike GitHub tokens, and people need them to connect clients).
pub async fn run_standalone(
    cfg: LocalForgeConfig,
    extra_users: &[String],
) -> color_eyre::Result<()> {
    let forge = LocalForge::start(cfg.clone()).await.map_err(|e| {
        color_eyre::eyre::eyre!("could not start the local forge on {}: {e}", cfg.listen)
    })?;
    println!("Local forge for {} is running.", forge.repo());
    println!("  web pages : {}", forge.web_url());
    println!("  API base  : {}", forge.api_url());
    if cfg.guest_dir.is_some() {
        println!("  guest page: {}", forge.pages_url());
    }
    println!(
        "  owner {:<12} token {}",
        cfg.host_login,
        forge.host_token()
    );
    for login in extra_users {
        let (user, token) = forge.create_user(login);
        println!("  user  {:<12} token {}", user.login, token);
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    forge.shutdown().await;
    Ok(())
}
