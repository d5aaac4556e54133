//! Offer/answer token codec (PROTOCOL.md "Signaling", normative).
//!
//! A token is `janus1.` kind `.` payload, where kind is `o` (offer) or `a` (answer) and the
//! payload is base64url without padding of deflate-raw(UTF-8 JSON `{sid, sdp, exp}`).
//! Tokens arrive in public issue comments written by anyone, so decoding is strict and
//! bounded: every refusal is a [`TokenError`] that says why, never a panic, and nothing is
//! inflated past [`MAX_INFLATED_BYTES`] (deflate bombs). Pure code: no IO, no clock.

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};

use super::shorten;

/// Prefix naming the protocol and its version.
pub const PREFIX: &str = "janus1.";
/// Longest payload (the base64 text after `janus1.k.`) a decoder looks at.
pub const MAX_PAYLOAD_CHARS: usize = 16 * 1024;
/// Largest inflated JSON a decoder accepts; reading stops one byte past it.
pub const MAX_INFLATED_BYTES: usize = 64 * 1024;
/// Length of a session id in lowercase hex characters.
pub const SID_LEN: usize = 16;

/// Which side of the WebRTC handshake a token carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `o`: the SDP offer, posted by the offerer (with an expiry).
    Offer,
    /// `a`: the SDP answer, posted by the answerer.
    Answer,
}

impl TokenKind {
    /// The one-letter code used on the wire.
    pub fn code(self) -> &'static str {
        match self {
            TokenKind::Offer => "o",
            TokenKind::Answer => "a",
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenKind::Offer => "offer",
            TokenKind::Answer => "answer",
        })
    }
}

/// The JSON inside a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalPayload {
    /// Session id (16 lowercase hex): pairs an answer with the one offer it answers, and
    /// makes each offer single-use.
    pub sid: String,
    /// Full SDP with the gathered ICE candidates (no trickle), so one comment suffices.
    pub sdp: String,
    /// Unix seconds after which the offer is void; required on offers so a stale link in
    /// an old comment cannot be replayed. Absent on answers (they live as long as the offer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
}

/// A decoded, validated token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Offer or answer; guaranteed to agree with the SDP's `a=setup` role.
    pub kind: TokenKind,
    /// The validated payload.
    pub payload: SignalPayload,
}

impl Token {
    /// Encodes this token back to its text form.
    pub fn to_text(&self) -> String {
        encode(self.kind, &self.payload)
    }
}

/// Why a text was refused as a token. Untrusted fragments quoted here are escaped and
/// shortened, so printing an error cannot inject terminal escape sequences.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The text does not start with `janus<version>.`.
    #[error("not a Janus token: it must start with `janus1.`")]
    BadPrefix,
    /// A Janus token of a version this build does not speak.
    #[error("unsupported token version `janus{0}`: this Janus understands `janus1` tokens; update Janus on both ends")]
    UnsupportedVersion(String),
    /// The kind letter is neither `o` nor `a`.
    #[error("unknown token kind `{0}`: expected `o` (offer) or `a` (answer)")]
    UnknownKind(String),
    /// The payload is larger than [`MAX_PAYLOAD_CHARS`]; refused before decoding.
    #[error("token payload is {0} characters, over the 16 KiB limit")]
    PayloadTooLarge(usize),
    /// The payload is not base64url without padding (or was cut short when copied).
    #[error("token payload is not valid base64url (was the token copied completely?): {0}")]
    BadBase64(String),
    /// The decoded bytes are not a raw deflate stream.
    #[error("token payload is not valid deflate data: {0}")]
    BadDeflate(String),
    /// Inflating would exceed [`MAX_INFLATED_BYTES`] (a deflate bomb or an absurd SDP).
    #[error("token payload inflates to more than 64 KiB; refused")]
    InflatedTooLarge,
    /// The inflated bytes are not the expected JSON object.
    #[error("token payload is not valid JSON: {0}")]
    BadJson(String),
    /// A required JSON field is absent.
    #[error("token payload lacks the `{0}` field")]
    MissingField(&'static str),
    /// The session id is not 16 lowercase hex characters.
    #[error("token session id `{0}` is not 16 lowercase hex characters")]
    BadSid(String),
    /// An offer without `exp`: offers must expire.
    #[error("offer token has no expiry (`exp`); offers must carry one")]
    MissingExpiry,
    /// The SDP is empty or only whitespace.
    #[error("token carries an empty SDP")]
    EmptySdp,
    /// The SDP has no `a=setup:` line, so its role cannot be checked against the kind.
    #[error("{kind} token's SDP has no `a=setup:` line, so its role cannot be checked")]
    MissingSetup {
        /// Kind named by the token text.
        kind: TokenKind,
    },
    /// The kind letter disagrees with the SDP's DTLS role.
    #[error("{kind} token carries an SDP with `a=setup:{setup}`, which is not an {kind} (offers use actpass, answers active or passive)")]
    KindMismatch {
        /// Kind named by the token text.
        kind: TokenKind,
        /// The offending setup value, escaped and shortened.
        setup: String,
    },
}

/// A fresh random session id: 16 lowercase hex characters (64 bits).
pub fn new_sid() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Encodes a token. Never fails; a payload too large for decoders (over 16 KiB once
/// compressed) is still encoded, and [`decode`] will refuse it.
pub fn encode(kind: TokenKind, payload: &SignalPayload) -> String {
    // Serializing a struct of strings and an integer cannot fail.
    let json = serde_json::to_vec(payload).unwrap_or_default();
    let compressed = deflate(&json);
    format!(
        "{PREFIX}{}.{}",
        kind.code(),
        URL_SAFE_NO_PAD.encode(compressed)
    )
}

/// Encodes a token whose JSON carries, besides the payload, the offer's `ice` servers (the
/// relay with its minted credentials, PROTOCOL.md "Signaling", in `RTCIceServer` shape). Decoders that do
/// not know `ice` ignore it.
pub fn encode_with_ice<T: Serialize>(kind: TokenKind, payload: &SignalPayload, ice: &T) -> String {
    #[derive(Serialize)]
    struct WithIce<'a, T: Serialize> {
        #[serde(flatten)]
        payload: &'a SignalPayload,
        ice: &'a T,
    }
    let json = serde_json::to_vec(&WithIce { payload, ice }).unwrap_or_default();
    format!(
        "{PREFIX}{}.{}",
        kind.code(),
        URL_SAFE_NO_PAD.encode(deflate(&json))
    )
}

/// The `ice` field of a valid token, read as `T`; `None` when absent or not of that shape.
pub fn decode_ice<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    let token = decode(text).ok()?;
    let payload = text.trim().strip_prefix(PREFIX)?.split_once('.')?.1;
    let json = inflate_bounded(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&json).ok()?;
    drop(token);
    serde_json::from_value(value.get("ice")?.clone()).ok()
}

/// Raw-deflates bytes. Writing into memory cannot fail; should flate2 ever report an error,
/// fall back to stored (uncompressed) deflate blocks, which every inflater accepts.
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    match encoder.write_all(data).and_then(|()| encoder.finish()) {
        Ok(out) => out,
        Err(_) => deflate_stored(data),
    }
}

/// Deflate stream made of stored blocks (RFC 1951 §3.2.4): header, LEN, NLEN, raw bytes.
fn deflate_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 5 * (data.len() / 0xffff + 1));
    let mut chunks = data.chunks(0xffff).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        let len = chunk.len() as u16;
        out.push(u8::from(last));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// The JSON as it may arrive: every field optional so absence gets its own error.
#[derive(Deserialize)]
struct WirePayload {
    /// Checked for presence, then for shape ([`is_valid_sid`]).
    sid: Option<String>,
    /// Checked for presence, emptiness and the `a=setup` role.
    sdp: Option<String>,
    /// Required on offers only.
    exp: Option<u64>,
}

/// Decodes and validates one token. Surrounding whitespace (from copying) is ignored;
/// anything else around the token is an error (use [`find_tokens`] on free text).
pub fn decode(text: &str) -> Result<Token, TokenError> {
    let text = text.trim();
    let rest = match text.strip_prefix(PREFIX) {
        Some(rest) => rest,
        None => return Err(version_error(text)),
    };
    let (kind_text, payload) = rest.split_once('.').ok_or(TokenError::BadPrefix)?;
    let kind = match kind_text {
        "o" => TokenKind::Offer,
        "a" => TokenKind::Answer,
        other => return Err(TokenError::UnknownKind(snippet(other))),
    };
    if payload.len() > MAX_PAYLOAD_CHARS {
        return Err(TokenError::PayloadTooLarge(payload.len()));
    }
    let compressed = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|e| TokenError::BadBase64(reason(e)))?;
    let json = inflate_bounded(&compressed)?;
    let wire: WirePayload =
        serde_json::from_slice(&json).map_err(|e| TokenError::BadJson(reason(e)))?;
    let sid = wire.sid.ok_or(TokenError::MissingField("sid"))?;
    let sdp = wire.sdp.ok_or(TokenError::MissingField("sdp"))?;
    if !is_valid_sid(&sid) {
        return Err(TokenError::BadSid(snippet(&sid)));
    }
    if kind == TokenKind::Offer && wire.exp.is_none() {
        return Err(TokenError::MissingExpiry);
    }
    if sdp.trim().is_empty() {
        return Err(TokenError::EmptySdp);
    }
    check_setup_role(kind, &sdp)?;
    Ok(Token {
        kind,
        payload: SignalPayload {
            sid,
            sdp,
            exp: wire.exp,
        },
    })
}

/// Chooses between "other version" and "not a token at all" for a text lacking `janus1.`.
fn version_error(text: &str) -> TokenError {
    if let Some(rest) = text.strip_prefix("janus") {
        let version: String = rest.chars().take_while(|c| *c != '.').take(12).collect();
        if !version.is_empty()
            && version.chars().all(|c| c.is_ascii_digit())
            && rest[version.len()..].starts_with('.')
        {
            return TokenError::UnsupportedVersion(version);
        }
    }
    TokenError::BadPrefix
}

/// Inflates raw deflate data, refusing output over [`MAX_INFLATED_BYTES`] without ever
/// holding more than one byte past the limit.
fn inflate_bounded(compressed: &[u8]) -> Result<Vec<u8>, TokenError> {
    let mut out = Vec::new();
    DeflateDecoder::new(compressed)
        .take(MAX_INFLATED_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| TokenError::BadDeflate(reason(e)))?;
    if out.len() > MAX_INFLATED_BYTES {
        return Err(TokenError::InflatedTooLarge);
    }
    Ok(out)
}

/// Whether `sid` is exactly 16 lowercase hex characters.
pub fn is_valid_sid(sid: &str) -> bool {
    sid.len() == SID_LEN && sid.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks that every `a=setup:` line agrees with the kind: offers say `actpass`, answers
/// `active` or `passive` (RFC 8842). At least one such line must exist.
fn check_setup_role(kind: TokenKind, sdp: &str) -> Result<(), TokenError> {
    let mut seen = false;
    for line in sdp.lines() {
        let Some(value) = line.trim().strip_prefix("a=setup:") else {
            continue;
        };
        seen = true;
        let value = value.trim();
        let ok = match kind {
            TokenKind::Offer => value == "actpass",
            TokenKind::Answer => value == "active" || value == "passive",
        };
        if !ok {
            return Err(TokenError::KindMismatch {
                kind,
                setup: snippet(value),
            });
        }
    }
    if seen {
        Ok(())
    } else {
        Err(TokenError::MissingSetup { kind })
    }
}

/// Whether the offer has expired at `now_unix` (seconds). A payload without `exp` (an
/// answer) never expires by itself: its validity is that of the offer it answers.
pub fn is_expired(payload: &SignalPayload, now_unix: u64) -> bool {
    payload.exp.is_some_and(|exp| now_unix >= exp)
}

/// Every substring of `text` matching `janus1\.[oa]\.[A-Za-z0-9_-]+`, left to right,
/// non-overlapping (the same matches a regex engine would give).
pub fn find_tokens(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut resume_at = 0;
    for (start, _) in text.match_indices(PREFIX) {
        if start < resume_at {
            continue;
        }
        let kind_at = start + PREFIX.len();
        if !matches!(bytes.get(kind_at), Some(b'o' | b'a')) || bytes.get(kind_at + 1) != Some(&b'.')
        {
            continue;
        }
        let payload_at = kind_at + 2;
        let payload_len = bytes[payload_at..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'-')
            .count();
        if payload_len == 0 {
            continue;
        }
        resume_at = payload_at + payload_len;
        // All matched bytes are ASCII, so both ends are char boundaries.
        found.push(&text[start..resume_at]);
    }
    found
}

/// Escaped, shortened rendering of an untrusted value for error messages.
fn snippet(text: &str) -> String {
    shorten(text, 40)
}

/// Escaped, shortened rendering of a library error (which may quote untrusted input).
fn reason(error: impl std::fmt::Display) -> String {
    shorten(&error.to_string(), 160)
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
