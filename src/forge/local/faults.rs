//! Test hooks of the embedded forge: fault injection and a request log.
//!
//! A test arms [`FaultRule`]s with [`LocalForge::inject`]; each API request (CORS preflights
//! aside) takes the first rule that matches its method and path and is still armed, so
//! clients meet real failures on a real socket: chosen statuses, slow answers, dropped
//! connections (before or after the request was carried out), truncated or invalid JSON,
//! an exhausted primary rate limit, a secondary limit with `Retry-After`, and any headers
//! a test chooses on a good answer (absurd rate-limit numbers).
//! [`LocalForge::request_log`] shows what clients asked and what they got, so tests can
//! count the requests that cost rate limit (everything but 304s).

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::layers::{self, AUTH_LIMIT};
use super::{Ctx, LocalForge};

/// Requests kept in the log (oldest dropped first).
const LOG_CAP: usize = 10_000;
/// Largest response body a fault rewrites.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status with a GitHub-style JSON error; the request is not carried out.
    Status(u16),
    /// Wait this long, then handle the request normally (client timeouts).
    Delay(Duration),
    /// Drop the connection without a usable answer; the request is not carried out.
    Drop,
    /// Carry the request out, then drop the connection before the answer is complete: a
    /// write that landed although the client saw a network error.
    DropAfter,
    /// Carry the request out and send only the first half of the answer's body.
    Truncate,
    /// Carry the request out and answer 200 with a body that is not JSON.
    InvalidJson,
    /// The caller's primary rate limit is used up: 403 with `x-ratelimit-remaining: 0` and
    /// a reset `reset_in` seconds from now; not carried out.
    RateLimitExhausted { reset_in: u64 },
    /// A secondary rate limit: 403 with `Retry-After` and GitHub's message; not carried out.
    SecondaryLimit { retry_after: u64 },
    /// Carry the request out and set these headers on its answer (name, value), replacing
    /// any of the same name: e.g. an absurd `x-ratelimit-reset` on a good answer.
    Headers(Vec<(String, String)>),
}

/// A fault and the requests it applies to.
#[derive(Debug, Clone)]
pub struct FaultRule {
    /// Only requests with this method (any when `None`).
    method: Option<Method>,
    /// Only requests whose path and query contain this (any when `None`).
    path: Option<String>,
    /// How many more requests it applies to.
    times: u32,
    /// What it does.
    fault: Fault,
}

impl FaultRule {
    /// A rule applying `fault` to the next request, whatever it is.
    pub fn new(fault: Fault) -> FaultRule {
        FaultRule {
            method: None,
            path: None,
            times: 1,
            fault,
        }
    }

    /// Only requests with this method (`"GET"`, `"POST"`, …).
    pub fn method(mut self, method: &str) -> FaultRule {
        self.method = Method::from_bytes(method.as_bytes()).ok();
        self
    }

    /// Only requests whose path and query contain `part` (e.g. `"/issues/comments"`).
    pub fn path(mut self, part: &str) -> FaultRule {
        self.path = Some(part.to_string());
        self
    }

    /// Applies to the next `n` matching requests (default 1).
    pub fn times(mut self, n: u32) -> FaultRule {
        self.times = n;
        self
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.times > 0
            && self.method.as_ref().is_none_or(|m| m == method)
            && self.path.as_deref().is_none_or(|p| path.contains(p))
    }
}

/// One API request as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query, e.g. `/api/v3/repos/o/r/issues?state=open`.
    pub path: String,
    /// The status answered (200 for dropped or truncated answers, whose head was sent).
    pub status: u16,
    /// The fault applied, if any.
    pub fault: Option<Fault>,
}

/// Armed rules and the request log (std mutexes: never held across an `.await`).
#[derive(Default)]
pub(crate) struct Faults {
    /// Rules in arming order.
    rules: Mutex<Vec<FaultRule>>,
    /// Recent requests, oldest first.
    log: Mutex<VecDeque<LoggedRequest>>,
}

impl Faults {
    /// Takes one use of the first matching rule.
    fn take(&self, method: &Method, path: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let rule = rules.iter_mut().find(|r| r.matches(method, path))?;
        rule.times -= 1;
        let fault = rule.fault.clone();
        rules.retain(|r| r.times > 0);
        Some(fault)
    }

    fn record(&self, entry: LoggedRequest) {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if log.len() >= LOG_CAP {
            log.pop_front();
        }
        log.push_back(entry);
    }
}

impl LocalForge {
    /// Test hook: arms a fault for the next matching API requests.
    pub fn inject(&self, rule: FaultRule) {
        let mut rules = self
            .ctx
            .faults
            .rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        rules.push(rule);
    }

    /// Test hook: disarms every fault.
    pub fn clear_faults(&self) {
        self.ctx
            .faults
            .rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Test hook: the API requests served so far (the most recent 10 000), oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        let log = self
            .ctx
            .faults
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        log.iter().cloned().collect()
    }

    /// Test hook: forgets the requests logged so far.
    pub fn clear_request_log(&self) {
        self.ctx
            .faults
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// A body that sends `prefix` and then fails, so the server closes the connection before
/// the answer is complete.
fn broken(prefix: Bytes) -> Body {
    let failure = std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "fault injection: connection dropped",
    );
    Body::from_stream(futures::stream::iter(vec![Ok(prefix), Err(failure)]))
}

fn set(resp: &mut Response, name: &'static str, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut()
            .insert(header::HeaderName::from_static(name), v);
    }
}

/// Applies armed faults to API requests and logs every request with its outcome.
pub(crate) async fn fault_layer(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let fault = (method != Method::OPTIONS)
        .then(|| ctx.faults.take(&method, &path))
        .flatten();
    let resp = match &fault {
        None => next.run(req).await,
        Some(f) => apply(&ctx, f, req, next).await,
    };
    ctx.faults.record(LoggedRequest {
        method: method.to_string(),
        path,
        status: resp.status().as_u16(),
        fault,
    });
    resp
}

async fn apply(ctx: &Ctx, fault: &Fault, req: Request, next: Next) -> Response {
    let now = ctx.store.now();
    match fault {
        Fault::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = match status.as_u16() {
                401 => "Bad credentials",
                404 => "Not Found",
                403 => "Resource not accessible by personal access token",
                _ => status.canonical_reason().unwrap_or("Server Error"),
            };
            layers::error(status, message)
        }
        Fault::Delay(d) => {
            tokio::time::sleep(*d).await;
            next.run(req).await
        }
        Fault::Drop => {
            let mut resp = Response::new(broken(Bytes::new()));
            set(
                &mut resp,
                "content-type",
                "application/json; charset=utf-8".into(),
            );
            resp
        }
        Fault::DropAfter | Fault::Truncate | Fault::InvalidJson => {
            let (mut parts, body) = next.run(req).await.into_parts();
            let bytes = axum::body::to_bytes(body, MAX_BODY)
                .await
                .unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            let body = match fault {
                Fault::DropAfter => broken(Bytes::new()),
                Fault::Truncate => broken(bytes.slice(..bytes.len() / 2)),
                _ => {
                    parts.status = StatusCode::OK;
                    Body::from("{\"message\": \"<html>upstream garbage")
                }
            };
            Response::from_parts(parts, body)
        }
        Fault::RateLimitExhausted { reset_in } => {
            let mut resp = layers::error(
                StatusCode::FORBIDDEN,
                "API rate limit exceeded. Wait until x-ratelimit-reset, or authenticate for a higher limit.",
            );
            set(&mut resp, "x-ratelimit-limit", AUTH_LIMIT.to_string());
            set(&mut resp, "x-ratelimit-remaining", "0".into());
            set(&mut resp, "x-ratelimit-used", AUTH_LIMIT.to_string());
            set(
                &mut resp,
                "x-ratelimit-reset",
                now.saturating_add(i64::try_from(*reset_in).unwrap_or(i64::MAX))
                    .to_string(),
            );
            set(&mut resp, "x-ratelimit-resource", "core".into());
            resp
        }
        Fault::Headers(pairs) => {
            let mut resp = next.run(req).await;
            for (name, value) in pairs {
                if let (Ok(n), Ok(v)) = (
                    header::HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    resp.headers_mut().insert(n, v);
                }
            }
            resp
        }
        Fault::SecondaryLimit { retry_after } => {
            let mut resp = layers::error(
                StatusCode::FORBIDDEN,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            );
            set(&mut resp, "retry-after", retry_after.to_string());
            resp
        }
    }
}
