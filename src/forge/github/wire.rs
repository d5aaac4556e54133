//! Wire-level helpers of the GitHub client: reading headers (`Date`, `Link`,
//! `x-ratelimit-*`), mapping error statuses to [`ForgeError`]s, and the bounded
//! de-duplication memory. Pure functions, unit-tested without a server.
//!
//! Server numbers are never trusted: a number too large for `u64` reads as `u64::MAX`, and
//! every wait derived from `Retry-After` or `x-ratelimit-reset` is clamped to
//! 1 s ..= [`crate::backoff::MAX_SERVER_WAIT`] (one hour), so no header can overflow time
//! arithmetic or park the host for years.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::backoff::{server_wait, server_wait_until};
use crate::forge::ForgeError;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

/// Ids remembered for de-duplication, per kind (issues, comments).
pub(super) const SEEN_CAP: usize = 10_000;

/// One HTTP answer, fully read.
pub struct Reply {
    /// 2xx, 304, or the error status that `classify` explains.
    pub status: StatusCode,
    /// Read for `Date`, `ETag`, `Link` and `x-ratelimit-*`.
    pub headers: HeaderMap,
    /// The whole body (bounded by the caller).
    pub body: Bytes,
}

/// Ids already reported with their `updated_at`, bounded (oldest forgotten first).
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// id → the `updated_at` last reported.
    updated: HashMap<u64, String>,
    /// ids in first-seen order, to forget the oldest beyond `SEEN_CAP`.
    order: VecDeque<u64>,
}

impl Seen {
    /// True if `id` was never seen with this `updated_at`; remembers nothing.
    pub(super) fn peek(&self, id: u64, updated_at: &str) -> bool {
        self.updated.get(&id).is_none_or(|u| u != updated_at)
    }

    /// True (and remembered) if `id` was never seen with this `updated_at`.
    pub(super) fn fresh(&mut self, id: u64, updated_at: &str) -> bool {
        match self.updated.get(&id) {
            Some(u) if u == updated_at => false,
            Some(_) => {
                self.updated.insert(id, updated_at.to_string());
                true
            }
            None => {
                self.updated.insert(id, updated_at.to_string());
                self.order.push_back(id);
                while self.order.len() > SEEN_CAP {
                    if let Some(old) = self.order.pop_front() {
                        self.updated.remove(&old);
                    }
                }
                true
            }
        }
    }
}

/// A header as an unsigned number. A number too large for `u64` reads as `u64::MAX`, so
/// "very large" stays very large (callers clamp); anything else that is not a number is
/// `None`.
pub fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    let text = h.get(name)?.to_str().ok()?.trim();
    match text.parse::<u64>() {
        Ok(n) => Some(n),
        Err(_) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => Some(u64::MAX),
        Err(_) => None,
    }
}

/// The `Date` header as unix seconds (server clock).
pub fn server_date(h: &HeaderMap) -> Option<i64> {
    let t = httpdate::parse_http_date(h.get(http::header::DATE)?.to_str().ok()?).ok()?;
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
}

/// The `rel="next"` target of a `Link` header.
pub fn next_link(h: &HeaderMap) -> Option<String> {
    let link = h.get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let part = part.trim();
        let end = part.find('>')?;
        let url = part.strip_prefix('<')?.get(..end - 1)?;
        let rels = &part[end + 1..];
        rels.split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"))
            .then(|| url.to_string())
    })
}

/// The server's `message`, made safe to show: control characters dropped, length capped.
pub fn server_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let m: String = v
        .get("message")?
        .as_str()?
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    (!m.is_empty()).then_some(m)
}

/// An error and its sources on one line (octocrab's outer errors say little on their own).
pub(super) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

pub(super) fn origin_of(url: &url::Url) -> String {
    match url.port() {
        Some(p) => format!("{}://{}:{p}", url.scheme(), url.host_str().unwrap_or("")),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")),
    }
}

/// Maps a non-success answer to what the user should do about it.
pub fn classify(reply: &Reply, what: &str) -> ForgeError {
    let status = reply.status.as_u16();
    let message = server_message(&reply.body);
    let h = &reply.headers;
    match status {
        401 => ForgeError::BadToken,
        404 => ForgeError::NotFound {
            what: what.to_string(),
        },
        403 | 429 => {
            let limited = header_u64(h, "x-ratelimit-remaining") == Some(0);
            // Server numbers are clamped to 1 s ..= 1 h (`backoff::server_wait`).
            if let Some(secs) = header_u64(h, "retry-after") {
                ForgeError::RateLimited {
                    retry_after_secs: server_wait(secs).as_secs(),
                }
            } else if limited {
                let wait = match (header_u64(h, "x-ratelimit-reset"), server_date(h)) {
                    (Some(reset), Some(now)) => {
                        server_wait_until(i64::try_from(reset).unwrap_or(i64::MAX), now)
                    }
                    _ => Duration::from_secs(60),
                };
                ForgeError::RateLimited {
                    retry_after_secs: wait.as_secs(),
                }
            } else if status == 429
                || message
                    .as_deref()
                    .is_some_and(|m| m.to_ascii_lowercase().contains("rate limit"))
            {
                // Secondary rate limits without headers: GitHub asks for at least a minute.
                ForgeError::RateLimited {
                    retry_after_secs: 60,
                }
            } else {
                ForgeError::Forbidden {
                    what: what.to_string(),
                }
            }
        }
        500..=599 => ForgeError::Server {
            status,
            what: what.to_string(),
        },
        _ => ForgeError::Other {
            status,
            what: match message {
                Some(m) => format!("{what} ({m})"),
                None => what.to_string(),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn reply(status: u16, pairs: &[(&'static str, &str)], body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            headers: headers(pairs),
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn next_links_are_found() {
        let h = headers(&[(
            "link",
            "<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\"",
        )]);
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        assert_eq!(
            next_link(&headers(&[("link", "<https://a/x?page=1>; rel=\"first\"")])),
            None
        );
        assert_eq!(
            next_link(&headers(&[("link", "garbage, <>; rel=\"next\"")])).as_deref(),
            Some("")
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn statuses_map_to_actionable_errors() {
        assert!(matches!(
            classify(&reply(401, &[], "{}"), "x"),
            ForgeError::BadToken
        ));
        assert!(matches!(
            classify(&reply(404, &[], "{}"), "x"),
            ForgeError::NotFound { .. }
        ));
        assert!(matches!(
            classify(
                &reply(403, &[], "{\"message\":\"Resource not accessible\"}"),
                "x"
            ),
            ForgeError::Forbidden { .. }
        ));
        let limited = reply(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1000120"),
                (
                    "date",
                    &httpdate::fmt_http_date(
                        std::time::UNIX_EPOCH + Duration::from_secs(1_000_000),
                    ),
                ),
            ],
            "{}",
        );
        assert!(matches!(
            classify(&limited, "x"),
            ForgeError::RateLimited {
                retry_after_secs: 120
            }
        ));
        assert!(matches!(
            classify(&reply(429, &[("retry-after", "7")], ""), "x"),
            ForgeError::RateLimited {
                retry_after_secs: 7
            }
        ));
        let secondary = reply(
            403,
            &[],
            "{\"message\":\"You have exceeded a secondary rate limit\"}",
        );
        assert!(matches!(
            classify(&secondary, "x"),
            ForgeError::RateLimited {
                retry_after_secs: 60
            }
        ));
        assert!(matches!(
            classify(&reply(502, &[], ""), "x"),
            ForgeError::Server { status: 502, .. }
        ));
        match classify(
            &reply(422, &[], "{\"message\":\"Validation\\u0007 Failed\"}"),
            "posting",
        ) {
            ForgeError::Other { status: 422, what } => {
                assert_eq!(what, "posting (Validation Failed)")
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn huge_server_numbers_are_clamped_to_an_hour() {
        let date = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(1_000_000));
        for retry in [
            "99999999999",
            "18446744073709551615",
            "99999999999999999999999",
        ] {
            let r = reply(403, &[("retry-after", retry)], "{}");
            assert!(
                matches!(
                    classify(&r, "x"),
                    ForgeError::RateLimited {
                        retry_after_secs: 3600
                    }
                ),
                "{retry}"
            );
        }
        // 9223372036854775808 (one past i64::MAX) was found by `./scripts/fuzz forge_headers`.
        for reset in [
            "99999999999",
            "9223372036854775808",
            "18446744073709551615",
            "99999999999999999999999",
        ] {
            let r = reply(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", reset),
                    ("date", &date),
                ],
                "{}",
            );
            assert!(
                matches!(
                    classify(&r, "x"),
                    ForgeError::RateLimited {
                        retry_after_secs: 3600
                    }
                ),
                "{reset}"
            );
        }
        let past = reply(
            429,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "5"),
                ("date", &date),
            ],
            "",
        );
        assert!(matches!(
            classify(&past, "x"),
            ForgeError::RateLimited {
                retry_after_secs: 1
            }
        ));
        assert_eq!(
            header_u64(&headers(&[("x", "99999999999999999999999")]), "x"),
            Some(u64::MAX)
        );
        assert_eq!(header_u64(&headers(&[("x", "-5")]), "x"), None);
        assert_eq!(header_u64(&headers(&[("x", "")]), "x"), None);
    }

    #[test]
    fn seen_set_dedups_and_stays_bounded() {
        let mut s = Seen::default();
        assert!(
            s.peek(1, "a") && s.peek(1, "a"),
            "peeking remembers nothing"
        );
        assert!(s.fresh(1, "a"));
        assert!(!s.peek(1, "a"));
        assert!(!s.fresh(1, "a"));
        assert!(s.fresh(1, "b"));
        for id in 2..(SEEN_CAP as u64 + 10) {
            s.fresh(id, "a");
        }
        assert!(s.updated.len() <= SEEN_CAP);
        assert!(s.fresh(1, "b"), "the oldest id was forgotten");
    }
}
