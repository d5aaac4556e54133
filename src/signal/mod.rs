//! Signaling (PROTOCOL.md "Signaling"): the offer/answer tokens that travel in issue comments, and the
//! link the host posts so the guest page can pick up the offer.
//!
//! Pure code: no IO, no clock. Everything here parses text written by strangers, so it
//! refuses with a reason instead of panicking.

pub mod link;
pub mod token;

pub use link::{GuestLink, LinkError, DEFAULT_API, DEFAULT_STUN};
pub use token::{
    decode, encode, find_tokens, is_expired, new_sid, SignalPayload, Token, TokenError, TokenKind,
};

/// At most `max` characters of `text`, with control and bidi characters escaped: errors
/// quote untrusted input, and printing one must not drive the terminal (ARCHITECTURE.md "Design decisions, and why").
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars().take(max) {
        if c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}
