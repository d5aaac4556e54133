//! Texts the host writes (comment bodies) and the neutralising of untrusted text before it
//! reaches a terminal (ARCHITECTURE.md "Design decisions, and why"). Pure functions.

/// The hidden marker that identifies the host's offer comments: `<!-- janus:offer sid=… -->`.
pub fn offer_marker(sid: &str) -> String {
    format!("<!-- janus:offer sid={sid} -->")
}

/// `HH:MM UTC` for a unix time.
pub fn clock(unix: u64) -> String {
    let secs = unix % 86_400;
    format!("{:02}:{:02} UTC", secs / 3600, (secs % 3600) / 60)
}

/// The offer comment: greets the guest, carries the link, ends with the marker.
pub fn offer_comment_body(guest: &str, link: &str, sid: &str, expires_at: u64) -> String {
    format!(
        "Hi @{guest}! The maintainer is online and can chat with you live, peer to peer.\n\n\
         [Open the chat]({link})\n\n\
         The page checks that this link was posted by the maintainer, then asks you to post \
         one reply here to connect. The link works once and expires at {}.\n\n{}",
        clock(expires_at),
        offer_marker(sid)
    )
}

/// The offer comment after the guest connected: the link (and its IP addresses) is gone.
pub fn offer_used_body(guest: &str, sid: &str, at: u64) -> String {
    format!(
        "Chat with @{guest} connected at {}. The link was used and has been removed.\n\n{}",
        clock(at),
        offer_marker(sid)
    )
}

/// The offer comment after it expired unused.
pub fn offer_expired_body(guest: &str, sid: &str) -> String {
    format!(
        "@{guest}, this chat link expired unused and has been removed. \
         Comment on this issue to get a new one while the maintainer is online.\n\n{}",
        offer_marker(sid)
    )
}

/// The answer comment after use: the token (and its IP addresses) removed.
pub fn answer_scrubbed_body(at: u64) -> String {
    format!(
        "_(Janus answer used to connect at {}; removed to keep network addresses private.)_",
        clock(at)
    )
}

/// The polite decline sent to a banned user instead of a link.
pub fn decline_body(guest: &str) -> String {
    format!("Hi @{guest}, thanks for reaching out. Live chat is not available for you right now; the maintainer will follow up on this issue.")
}

/// The polite comment to a user who already holds `limit` chat requests: no link (and no
/// token) for this one.
pub fn over_limit_body(guest: &str, limit: usize) -> String {
    let links = if limit == 1 {
        "a chat link"
    } else {
        "chat links"
    };
    format!(
        "Hi @{guest}, thanks for reaching out. You already have {links} open with the          maintainer (at most {limit} at a time), so this issue gets no new one. Please use          the link you have, or comment here again once it has expired or your chat ended."
    )
}

/// The polite comment to a user who asked again too soon (`secs` before they may).
pub fn cooldown_body(guest: &str, secs: u64) -> String {
    format!(
        "Hi @{guest}, a new chat link can be made only a little while after the previous          one. Please comment here again in {secs} seconds or later."
    )
}

/// The polite comment while every peer slot is taken: the request is queued.
pub fn busy_body(guest: &str) -> String {
    format!(
        "Hi @{guest}, the maintainer is online but busy with other chats right now. Your          request is queued: a chat link will be posted here as soon as a place frees up."
    )
}

/// The DTLS fingerprint of an SDP (`a=fingerprint:sha-256 AB:CD:…`), normalised to
/// lowercase `algorithm value`; `None` if the SDP has none.
pub fn sdp_fingerprint(sdp: &str) -> Option<String> {
    let line = sdp
        .lines()
        .find_map(|l| l.trim().strip_prefix("a=fingerprint:"))?;
    let normal = line
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    (!normal.is_empty()).then_some(normal)
}

/// A short code both ends can compare out of band (PROTOCOL.md "Flow A, step by step", step 3): the first three bytes of
/// SHA-256 over `janus-verify-v1\n{offer fingerprint}\n{answer fingerprint}` (each as
/// [`sdp_fingerprint`] normalises it), as `xxx-xxx` in lowercase hex. Anyone who swapped
/// either SDP would have to produce the same code by chance (1 in 16 million).
pub fn verification_code(offer_fingerprint: &str, answer_fingerprint: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(
        format!("janus-verify-v1\n{offer_fingerprint}\n{answer_fingerprint}").as_bytes(),
    );
    let hex = hex::encode(&digest[..3]);
    format!("{}-{}", &hex[..3], &hex[3..])
}

/// Makes untrusted text safe to print on a terminal: control characters (C0, DEL, C1, so
/// ESC and every escape sequence) and bidirectional overrides become visible `\u{…}`-style
/// escapes; newlines become ` ↵ ` so a message cannot fake a console line.
pub fn sanitize_for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str(" ↵ "),
            '\t' => out.push(' '),
            '\r' => {}
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            // Bidi embeddings/overrides/isolates and zero-width marks can disguise text.
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sanitizer_neutralises_escapes_and_line_fakes() {
        let hostile = "hi\x1b[2J\x1b]0;pwned\x07\nmaintainer: fake\u{202e}\u{9b}31m\x7f";
        let safe = sanitize_for_terminal(hostile);
        assert!(!safe.chars().any(|c| c.is_control()), "{safe:?}");
        assert!(!safe.contains('\u{202e}'));
        assert!(safe.contains(" ↵ maintainer: fake"));
        assert!(safe.starts_with("hi\\u{1b}[2J"));
    }

    #[test]
    fn verification_code_binds_both_fingerprints() {
        let offer = "v=0\r\na=fingerprint:sha-256 AB:CD:EF\r\n";
        let answer = "v=0\r\na=fingerprint:SHA-256  01:02:03\r\n";
        let (o, a) = (
            sdp_fingerprint(offer).unwrap(),
            sdp_fingerprint(answer).unwrap(),
        );
        assert_eq!(
            (o.as_str(), a.as_str()),
            ("sha-256 ab:cd:ef", "sha-256 01:02:03")
        );
        let code = verification_code(&o, &a);
        // The same vector is in tests/browser/modules.test.mjs: the page must agree.
        assert_eq!(code, "4aa-eb0");
        assert_ne!(
            code,
            verification_code(&a, &o),
            "the order of the roles matters"
        );
        assert_eq!(sdp_fingerprint("v=0\r\n"), None);
    }

    #[test]
    fn offer_comment_carries_link_and_marker() {
        let body = offer_comment_body(
            "alice",
            "https://x/#offer=janus1.o.abc",
            "0123456789abcdef",
            3600,
        );
        assert!(body.contains("@alice"));
        assert!(body.contains("(https://x/#offer=janus1.o.abc)"));
        assert!(body.ends_with("<!-- janus:offer sid=0123456789abcdef -->"));
        assert!(body.contains("01:00 UTC"));
        assert!(!offer_used_body("alice", "s", 0).contains("janus1."));
    }
}
