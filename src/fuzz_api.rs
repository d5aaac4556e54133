//! The pure parsers that read what strangers send, gathered for the fuzz targets in `fuzz/`
//! (`./scripts/fuzz`). Re-exports only: the targets call the very functions the host runs.
//! Not a stable API; hidden from the documentation.

/// The `http` crate Janus is built with, so the targets build header maps of the same type.
pub use http;

/// Offer/answer tokens (`signal::token`) and the guest link (`signal::link`).
pub use crate::signal::link::{is_stun_url, GuestLink, LinkError};
pub use crate::signal::token::{
    decode as decode_token, encode as encode_token, find_tokens, is_valid_sid, SignalPayload,
    Token, TokenError, TokenKind, MAX_INFLATED_BYTES, MAX_PAYLOAD_CHARS,
};

/// The data-channel frames (`rtc::protocol`).
pub use crate::rtc::protocol::{
    decode as decode_frame, encode as encode_frame, Decoded, Frame, FrameError, MAX_CHAT_CHARS,
    MAX_FRAME_BYTES,
};

/// What the GitHub client reads from responses: JSON bodies into the forge types, and the
/// `Link`, `Date`, `Retry-After` and `x-ratelimit-*` headers.
pub use crate::forge::github::lists::IssueEvent;
pub use crate::forge::github::wire::{
    classify, header_u64, next_link, server_date, server_message, Reply,
};
pub use crate::forge::{Comment, ForgeError, Issue, Repository, User};

/// Blog posts: front matter, Markdown rendering and HTML sanitizing (`blog::post`,
/// `blog::render`).
pub use crate::blog::post::{
    build_post, parse_date, split_front_matter, Post, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS,
};
pub use crate::blog::render::{render_markdown, sanitize_html};
