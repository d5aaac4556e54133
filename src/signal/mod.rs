//! Signaling (DESIGN §3): the offer/answer tokens that travel in issue comments, and the
//! link the host posts so the guest page can pick up the offer.
//!
//! Pure code: no IO, no clock. Everything here parses text written by strangers, so it
//! refuses with a reason instead of panicking.

pub mod link;
pub mod token;

pub use link::{GuestLink, LinkError, DEFAULT_API, DEFAULT_STUN};
pub use token::{
    decode, encode, find_tokens, is_expired, new_sid, SignalPayload, Token, TokenError,
    TokenKind,
};
