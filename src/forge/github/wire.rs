//! Wire-level helpers of the GitHub client: reading headers (`Date`, `Link`,
//! `x-ratelimit-*`), mapping error statuses to [`ForgeError`]s, and the bounded
//! de-duplication memory. Pure functions, unit-tested without a server.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::forge::ForgeError;

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

pub fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

pub fn server_date(h: &HeaderMap) -> Option<i64> {
    let t = httpdate::parse_http_date(h.get(http::header::DATE)?.to_str().ok()?).ok()?;
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

pub(super) fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

pub(super) fn parse_rfc3339(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
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
            if let Some(secs) = header_u64(h, "retry-after") {
                ForgeError::RateLimited {
                    retry_after_secs: secs.max(1),
                }
            } else if limited {
                let wait = match (header_u64(h, "x-ratelimit-reset"), server_date(h)) {
                    // Saturating: the reset is the server's number (fuzzing found that one past
                    // i64::MAX overflowed here).
                    (Some(reset), Some(now)) => reset.saturating_sub(now.max(0) as u64).max(1),
                    _ => 60,
                };
                ForgeError::RateLimited {
                    retry_after_secs: wait,
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
    use std::time::Duration;

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
    fn huge_rate_limit_reset_does_not_overflow() {
        // Found by `./scripts/fuzz forge_headers`: `reset as i64 - now` overflowed.
        let date = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(1));
        for reset in ["9223372036854775808", "18446744073709551615"] {
            let huge = reply(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", reset),
                    ("date", &date),
                ],
                "",
            );
            match classify(&huge, "x") {
                ForgeError::RateLimited { retry_after_secs } => assert!(retry_after_secs >= 1),
                e => panic!("{e:?}"),
            }
        }
        let past = reply(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "0"),
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
