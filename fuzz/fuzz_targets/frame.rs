//! Fuzzes the data-channel frame decoder (`rtc::protocol`): any message a guest's peer can
//! send on the `janus` channel.
//!
//! Invariants beyond "never panics":
//! - a decoded frame respects the limits (chat text at most 4096 characters);
//! - it re-encodes within limits: at most a few bytes longer than what came in (defaults such
//!   as `"ts":0` are written out), so what fit in a frame still fits after a round trip;
//! - the re-encoded frame decodes to the same frame;
//! - an unknown `t` is reported as unknown, never as one of the known types.
#![no_main]

use janus::fuzz_api::{decode_frame, encode_frame, Decoded, Frame, MAX_CHAT_CHARS};
use libfuzzer_sys::fuzz_target;

/// What re-encoding may add: `,"reason":""` on a `bye` without one, or `,"ts":0` on a chat.
const DEFAULTS_SLACK: usize = 16;

fuzz_target!(|data: &[u8]| {
    match decode_frame(data) {
        Ok(Decoded::Frame(frame)) => {
            if let Frame::Chat { text, .. } = &frame {
                assert!(text.chars().count() <= MAX_CHAT_CHARS);
            }
            let again = encode_frame(&frame);
            assert!(
                again.len() <= data.len() + DEFAULTS_SLACK,
                "{} bytes re-encode to {}",
                data.len(),
                again.len()
            );
            assert_eq!(decode_frame(again.as_bytes()), Ok(Decoded::Frame(frame)));
        }
        Ok(Decoded::Unknown(t)) => {
            let known = [
                "hello",
                "chat",
                "ack",
                "notice",
                "bye",
                "blog.list",
                "blog.index",
                "blog.get",
                "blog.post",
            ];
            assert!(
                !known.contains(&t.as_str()),
                "known type {t} reported as unknown"
            );
        }
        Err(_) => {}
    }
});
