//! Fuzzes what the GitHub client reads from a response besides its JSON: the `Link` header
//! (pagination), `Date`, the rate-limit headers (`Retry-After`, `x-ratelimit-*`) and the
//! error `message`, through `classify`, which turns a failed answer into a `ForgeError`.
//!
//! Input: the status on the first line, then `name: value` header lines, an empty line, and
//! the body (like an HTTP/1.1 answer; the committed seeds are readable that way).
//!
//! Invariants beyond "never panics" (integer overflow included: fuzz builds check it):
//! - the `rel="next"` URL found is the text between `<` and `>` of the `Link` header;
//! - a rate-limited answer asks for a wait of at least one second;
//! - the error's text, shown on the console, carries no control character from the server;
//! - the server's message is at most 200 characters, without control characters.
#![no_main]

use janus::fuzz_api::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use janus::fuzz_api::{
    classify, header_u64, next_link, server_date, server_message, ForgeError, Reply,
};
use libfuzzer_sys::fuzz_target;

/// Splits the input into status, headers and body; `None` if the status line is unusable.
fn parse(data: &[u8]) -> Option<Reply> {
    let mut rest = data;
    let mut line = || {
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let (head, tail) = rest.split_at(end);
        rest = tail.get(1..).unwrap_or_default();
        head.strip_suffix(b"\r").unwrap_or(head)
    };
    let status = std::str::from_utf8(line())
        .ok()?
        .trim()
        .parse::<u16>()
        .ok()?;
    let status = StatusCode::from_u16(status).ok()?;
    let mut headers = HeaderMap::new();
    loop {
        let header = line();
        if header.is_empty() {
            break;
        }
        let Some(colon) = header.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = (&header[..colon], header[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    Some(Reply {
        status,
        headers,
        body: rest.to_vec().into(),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(reply) = parse(data) else {
        return;
    };
    let h = &reply.headers;

    if let Some(next) = next_link(h) {
        let link = h
            .get("link")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            link.contains(&format!("<{next}>")),
            "{next:?} is not a <target> of {link:?}"
        );
    }
    let _ = server_date(h);
    for name in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
    ] {
        let _ = header_u64(h, name);
    }
    if let Some(message) = server_message(&reply.body) {
        assert!(message.chars().count() <= 200);
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }

    if reply.status.is_success() {
        return;
    }
    let error = classify(&reply, "polling the issues");
    if let ForgeError::RateLimited { retry_after_secs } = &error {
        assert!(*retry_after_secs >= 1);
    }
    let text = error.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
});
