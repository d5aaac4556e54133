//! The embedded forge's HTTP behaviour around every API handler: bearer authentication,
//! rate limiting with GitHub's `x-ratelimit-*` headers, weak `ETag`s with `If-None-Match` →
//! 304, GitHub-style JSON errors, `Link` pagination, and the `Date` header on every response.
//!
//! Handlers stay small: they read the [`Caller`] extension and return JSON; this module
//! turns that into what a GitHub client expects on the wire.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::json::DOCS_URL;
use super::store::{StoreError, UserView};
use super::Ctx;

/// Requests per hour for an authenticated account (GitHub's primary limit).
pub(crate) const AUTH_LIMIT: u32 = 5_000;
/// Requests per hour per client address without a token. GitHub allows 60; the local
/// forge is generous so a guest page polling it during a demo never runs dry.
pub(crate) const ANON_LIMIT: u32 = 1_000;
/// Buckets kept before expired ones are swept (bounds memory under many client addresses).
const MAX_BUCKETS: usize = 10_000;
/// Largest response body the ETag layer buffers (100 comments of 64 KiB fit easily).
const MAX_BUFFERED: usize = 32 * 1024 * 1024;

/// Who is calling, inserted by [`api_layer`] for the handlers.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub Option<UserView>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RateKey {
    User(u64),
    Ip(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    window_start: i64,
    used: u32,
    limit: u32,
}

/// What the `x-ratelimit-*` headers report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateStatus {
    pub limit: u32,
    pub used: u32,
    pub reset: i64,
}

impl RateStatus {
    pub(crate) fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }
}

/// Hourly request counters. A std mutex: each use is one map lookup, never across `.await`.
#[derive(Default)]
pub(crate) struct RateLimiter {
    buckets: Mutex<HashMap<RateKey, Bucket>>,
}

impl RateLimiter {
    fn with_bucket<T>(&self, key: RateKey, now: i64, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut map = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_BUCKETS && !map.contains_key(&key) {
            map.retain(|_, b| now < b.window_start + 3600);
            if map.len() >= MAX_BUCKETS {
                map.retain(|k, _| matches!(k, RateKey::User(_)));
            }
        }
        let limit = match key {
            RateKey::User(_) => AUTH_LIMIT,
            RateKey::Ip(_) => ANON_LIMIT,
        };
        let b = map.entry(key).or_insert(Bucket {
            window_start: now,
            used: 0,
            limit,
        });
        if now >= b.window_start + 3600 {
            *b = Bucket {
                window_start: now,
                used: 0,
                limit,
            };
        }
        f(b)
    }

    pub(crate) fn status(&self, key: RateKey, now: i64) -> RateStatus {
        self.with_bucket(key, now, |b| RateStatus {
            limit: b.limit,
            used: b.used,
            reset: b.window_start + 3600,
        })
    }

    fn hit(&self, key: RateKey, now: i64) {
        self.with_bucket(key, now, |b| b.used = b.used.saturating_add(1));
    }

    /// Test hook: pretend `key` has `remaining` requests left in the current window.
    pub(crate) fn set_remaining(&self, key: RateKey, now: i64, remaining: u32) {
        self.with_bucket(key, now, |b| b.used = b.limit.saturating_sub(remaining));
    }
}

/// A GitHub-style JSON error: `{"message", "documentation_url", "status"}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({ "message": message, "documentation_url": DOCS_URL, "status": status.as_u16().to_string() });
    (status, axum::Json(body)).into_response()
}

/// The API's answer to a store refusal.
pub(crate) fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::NotFound => error(StatusCode::NOT_FOUND, "Not Found"),
        StoreError::Forbidden(m) => error(StatusCode::FORBIDDEN, &m),
        StoreError::Full(m) => validation("Issue", "", "custom", &m),
        StoreError::Invalid {
            resource,
            field,
            code,
            message,
        } => validation(resource, field, code, &message),
    }
}

/// 422 in GitHub's shape: `{"message":"Validation Failed","errors":[…]}`.
pub(crate) fn validation(resource: &str, field: &str, code: &str, message: &str) -> Response {
    let body = json!({
        "message": "Validation Failed",
        "errors": [{ "resource": resource, "field": field, "code": code, "message": message }],
        "documentation_url": DOCS_URL,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// The token in `Authorization: Bearer X` or `token X`; `Err` for any other shape.
fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(())?;
    let token = token.trim();
    if (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        && !token.is_empty()
    {
        Ok(Some(token))
    } else {
        Err(())
    }
}

/// A weak ETag over the body, like GitHub's `W/"…"`.
pub(crate) fn etag_of(body: &[u8]) -> String {
    format!("W/\"{}\"", hex::encode(Sha256::digest(body)))
}

/// Weak comparison of `If-None-Match` (a list, or `*`) against our ETag.
fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    let strip = |s: &str| s.trim().trim_start_matches("W/").to_string();
    let ours = strip(etag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || strip(t) == ours)
}

fn set(headers: &mut HeaderMap, name: &'static str, value: impl ToString) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

fn rate_headers(headers: &mut HeaderMap, s: &RateStatus) {
    set(headers, "x-ratelimit-limit", s.limit);
    set(headers, "x-ratelimit-remaining", s.remaining());
    set(headers, "x-ratelimit-reset", s.reset);
    set(headers, "x-ratelimit-used", s.used);
    set(headers, "x-ratelimit-resource", "core");
}

/// An HTTP date for unix seconds.
pub(crate) fn http_date(unix: i64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(unix.max(0) as u64))
}

/// Sets `Date` on every response from the forge's clock, read *before* the handler runs so
/// that anything changed after this response has `updated_at >= Date` (clients derive
/// `since` from it).
pub(crate) async fn date_layer(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let date = http_date(ctx.store.now());
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&date) {
        resp.headers_mut().insert(header::DATE, v);
    }
    resp
}

/// Authentication, rate limiting and conditional GETs for every `/api/v3` route.
pub(crate) async fn api_layer(State(ctx): State<Ctx>, mut req: Request, next: Next) -> Response {
    let now = ctx.store.now();
    let caller = match bearer(req.headers()) {
        Ok(None) => None,
        Ok(Some(token)) => match ctx.store.user_by_token(token) {
            Some(user) => Some(user),
            None => return error(StatusCode::UNAUTHORIZED, "Bad credentials"),
        },
        Err(()) => return error(StatusCode::UNAUTHORIZED, "Bad credentials"),
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let key = caller
        .as_ref()
        .map(|u| RateKey::User(u.id))
        .unwrap_or(RateKey::Ip(peer));
    // GitHub does not count `GET /rate_limit`, nor the local-only registration endpoint.
    let path = req.uri().path();
    let counted = !(path.ends_with("/rate_limit") || path.contains("/_forge/"));
    if counted {
        let status = ctx.limiter.status(key, now);
        if status.remaining() == 0 {
            let who = match &caller {
                Some(u) => format!("user ID {}", u.id),
                None => peer.to_string(),
            };
            let mut resp = error(
                StatusCode::FORBIDDEN,
                &format!("API rate limit exceeded for {who}. Wait until x-ratelimit-reset, or authenticate for a higher limit."),
            );
            rate_headers(resp.headers_mut(), &status);
            return resp;
        }
    }
    let conditional = matches!(*req.method(), Method::GET | Method::HEAD);
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    req.extensions_mut().insert(Caller(caller));
    req.extensions_mut().insert(key);

    let mut resp = next.run(req).await;

    if conditional && resp.status() == StatusCode::OK {
        let (mut parts, body) = resp.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_BUFFERED).await {
            Ok(b) => b,
            Err(_) => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "response too large to send",
                )
            }
        };
        let etag = etag_of(&bytes);
        set(&mut parts.headers, "etag", &etag);
        set(
            &mut parts.headers,
            "cache-control",
            "private, max-age=60, s-maxage=60",
        );
        set(
            &mut parts.headers,
            "vary",
            "Accept, Authorization, Cookie, X-GitHub-OTP",
        );
        resp = if if_none_match
            .as_deref()
            .is_some_and(|inm| matches_etag(inm, &etag))
        {
            parts.status = StatusCode::NOT_MODIFIED;
            parts.headers.remove(header::CONTENT_TYPE);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::empty())
        } else {
            Response::from_parts(parts, Body::from(bytes))
        };
    }
    if counted && resp.status() != StatusCode::NOT_MODIFIED {
        ctx.limiter.hit(key, now);
    }
    let headers = resp.headers_mut();
    rate_headers(headers, &ctx.limiter.status(key, now));
    set(headers, "x-github-media-type", "github.v3; format=json");
    set(headers, "x-github-api-version-selected", "2022-11-28");
    resp
}

/// `page`/`per_page` of a list request: GitHub's defaults (30) and maximum (100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub page: usize,
    pub per_page: usize,
}

impl Paging {
    pub(crate) fn from_params(params: &[(String, String)]) -> Paging {
        let get = |k: &str| {
            params
                .iter()
                .rev()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        };
        Paging {
            page: get("page").unwrap_or(1).clamp(1, 1_000_000),
            per_page: get("per_page").unwrap_or(30).clamp(1, 100),
        }
    }

    /// The items of this page and the `Link` header (absolute URLs, other parameters kept).
    pub(crate) fn slice<T>(
        &self,
        items: Vec<T>,
        origin: &str,
        path: &str,
        params: &[(String, String)],
    ) -> (Vec<T>, Option<String>) {
        let total = items.len();
        let last = total.div_ceil(self.per_page).max(1);
        let link = |page: usize, rel: &str| {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in params.iter().filter(|(k, _)| k != "page") {
                q.append_pair(k, v);
            }
            q.append_pair("page", &page.to_string());
            format!("<{origin}{path}?{}>; rel=\"{rel}\"", q.finish())
        };
        let mut links = Vec::new();
        if self.page > 1 {
            links.push(link((self.page - 1).min(last), "prev"));
        }
        if self.page < last {
            links.push(link(self.page + 1, "next"));
            links.push(link(last, "last"));
        }
        if self.page > 1 {
            links.push(link(1, "first"));
        }
        let start = (self.page - 1).saturating_mul(self.per_page).min(total);
        let page: Vec<T> = items.into_iter().skip(start).take(self.per_page).collect();
        (page, (!links.is_empty()).then(|| links.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_accepts_both_schemes_and_refuses_others() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), Ok(None));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&h), Ok(Some("abc")));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("token abc"));
        assert_eq!(bearer(&h), Ok(Some("abc")));
        for bad in ["Basic abc", "Bearer", "Bearer  ", "abc"] {
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(bad));
            assert_eq!(bearer(&h), Err(()), "{bad}");
        }
    }

    #[test]
    fn etags_compare_weakly() {
        let e = etag_of(b"[]");
        assert!(e.starts_with("W/\""));
        assert!(matches_etag(&e, &e));
        assert!(matches_etag(e.trim_start_matches("W/"), &e));
        assert!(matches_etag(&format!("\"x\", {e}"), &e));
        assert!(matches_etag("*", &e));
        assert!(!matches_etag("W/\"other\"", &e));
    }

    #[test]
    fn paging_builds_githubs_links() {
        let params = vec![
            ("per_page".to_string(), "2".to_string()),
            ("page".to_string(), "2".to_string()),
        ];
        let p = Paging::from_params(&params);
        assert_eq!(
            p,
            Paging {
                page: 2,
                per_page: 2
            }
        );
        let (items, link) = p.slice((1..=5).collect::<Vec<_>>(), "http://h", "/x", &params);
        assert_eq!(items, vec![3, 4]);
        let link = link.unwrap();
        assert!(
            link.contains("<http://h/x?per_page=2&page=1>; rel=\"prev\""),
            "{link}"
        );
        assert!(link.contains("page=3>; rel=\"next\""), "{link}");
        assert!(link.contains("page=3>; rel=\"last\""), "{link}");
        assert!(link.contains("page=1>; rel=\"first\""), "{link}");
        let (_, none) = Paging {
            page: 1,
            per_page: 30,
        }
        .slice(vec![1], "http://h", "/x", &[]);
        assert!(none.is_none());
        let huge = Paging::from_params(&[
            ("per_page".into(), "1000".into()),
            ("page".into(), "0".into()),
        ]);
        assert_eq!(
            huge,
            Paging {
                page: 1,
                per_page: 100
            }
        );
    }

    #[test]
    fn rate_limiter_counts_and_resets_hourly() {
        let l = RateLimiter::default();
        let k = RateKey::User(1);
        l.hit(k, 100);
        assert_eq!(l.status(k, 100).remaining(), AUTH_LIMIT - 1);
        assert_eq!(l.status(k, 100).reset, 3700);
        l.set_remaining(k, 100, 0);
        assert_eq!(l.status(k, 100).remaining(), 0);
        assert_eq!(l.status(k, 3700).remaining(), AUTH_LIMIT);
    }
}
