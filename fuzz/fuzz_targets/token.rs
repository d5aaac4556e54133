//! Fuzzes the offer/answer token codec (`signal::token`): any text, as it could arrive in an
//! issue comment.
//!
//! Invariants beyond "never panics":
//! - a token that decodes re-encodes to a token that decodes to the same thing;
//! - `find_tokens` returns non-overlapping `janus1.[oa].…` substrings, left to right;
//! - the encoder never writes a token that the decoder finds malformed: a payload built from
//!   the input (sid, sdp, exp) either comes back unchanged or is refused for what it says
//!   (a bad sid, a missing or wrong `a=setup`, an empty SDP, its size), never for its
//!   base64, deflate or JSON.
#![no_main]

use janus::fuzz_api::{
    decode_token, encode_token, find_tokens, SignalPayload, TokenError, TokenKind,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    if let Ok(token) = decode_token(text) {
        let again = token.to_text();
        assert_eq!(decode_token(&again).as_ref(), Ok(&token), "{again}");
    }

    let mut end = 0;
    for found in find_tokens(text) {
        let at = found.as_ptr() as usize - text.as_ptr() as usize;
        assert!(at >= end, "overlapping or unordered matches");
        assert!(found.starts_with("janus1.o.") || found.starts_with("janus1.a."));
        end = at + found.len();
        // A token in free text decodes or is refused; it never panics either.
        let _ = decode_token(found);
    }

    // The input as a payload: first line the sid, second the expiry, the rest the SDP.
    let mut parts = text.splitn(3, '\n');
    let sid = parts.next().unwrap_or_default().to_string();
    let exp = parts.next().and_then(|e| e.trim().parse::<u64>().ok());
    let sdp = parts.next().unwrap_or_default().to_string();
    let payload = SignalPayload { sid, sdp, exp };
    for kind in [TokenKind::Offer, TokenKind::Answer] {
        let token = encode_token(kind, &payload);
        assert_eq!(
            find_tokens(&token),
            [token.as_str()],
            "encoder output is one token"
        );
        match decode_token(&token) {
            Ok(back) => {
                assert_eq!(back.kind, kind);
                assert_eq!(back.payload, payload);
            }
            Err(
                TokenError::BadSid(_)
                | TokenError::MissingExpiry
                | TokenError::EmptySdp
                | TokenError::MissingSetup { .. }
                | TokenError::KindMismatch { .. }
                | TokenError::PayloadTooLarge(_)
                | TokenError::InflatedTooLarge,
            ) => {}
            Err(other) => panic!("the encoder wrote a malformed token: {other}"),
        }
    }
});
