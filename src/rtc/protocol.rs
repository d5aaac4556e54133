//! Data-channel protocol v1 (PROTOCOL.md "Data channel"): the frames, their limits, and strict decoding.
//!
//! Pure code: no IO. Every frame is a UTF-8 JSON object with a type field `t`. Decoding never
//! panics; it says why a frame was refused so the peer task can count and report it.

use serde::{Deserialize, Serialize};

/// Protocol version announced in `hello`.
pub const PROTOCOL_VERSION: u32 = 1;
/// Frames larger than this are dropped unread.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Longest chat text, in characters (not bytes).
pub const MAX_CHAT_CHARS: usize = 4096;
/// Features this host announces in `hello`.
pub const FEATURES: &[&str] = &["chat", "blog", "rooms", "files"];

/// One blog post as listed in `blog.index`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostSummary {
    pub slug: String,
    pub title: String,
    pub date: String,
    pub summary: String,
}

/// A frame on the `janus` data channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum Frame {
    /// First frame after open, each way. `host` and `guest` are the host's own (a guest's
    /// `hello` has neither: empty here, and left out on the wire when empty).
    #[serde(rename = "hello")]
    Hello {
        v: u32,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        host: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        guest: String,
        #[serde(default)]
        features: Vec<String>,
    },
    /// Both directions. `from` is set by the host on frames it sends.
    #[serde(rename = "chat")]
    Chat {
        id: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default)]
        ts: u64,
        /// The room this message belongs to (feature `rooms`, PROTOCOL.md "Rooms"); `None` is the
        /// private conversation with the host.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room: Option<String>,
    },
    /// Receipt of a `chat` with this id.
    #[serde(rename = "ack")]
    Ack { id: String },
    /// host→guest system line.
    #[serde(rename = "notice")]
    Notice { text: String },
    /// Orderly close.
    #[serde(rename = "bye")]
    Bye {
        #[serde(default)]
        reason: String,
    },
    /// guest→host: ask for the blog index.
    #[serde(rename = "blog.list")]
    BlogList,
    /// host→guest: the index, newest first.
    #[serde(rename = "blog.index")]
    BlogIndex { posts: Vec<PostSummary> },
    /// guest→host: ask for one post.
    #[serde(rename = "blog.get")]
    BlogGet { slug: String },
    /// host→guest: you are now in `room`; `members` are every member's login, you included.
    #[serde(rename = "room.joined")]
    RoomJoined { room: String, members: Vec<String> },
    /// host→guest: `login` joined (`joined`) or left `room`.
    #[serde(rename = "room.member")]
    RoomMember {
        room: String,
        login: String,
        joined: bool,
    },
    /// host→guest: you are no longer in `room`.
    #[serde(rename = "room.left")]
    RoomLeft { room: String, reason: String },
    /// sender→receiver: "may I send this?" (feature `files`, PROTOCOL.md "Files").
    #[serde(rename = "file.offer")]
    FileOffer {
        id: String,
        name: String,
        size: u64,
        sha256: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mime: Option<String>,
    },
    /// receiver→sender: yes, send from byte `offset`.
    #[serde(rename = "file.accept")]
    FileAccept { id: String, offset: u64 },
    /// receiver→sender: no.
    #[serde(rename = "file.reject")]
    FileReject {
        id: String,
        #[serde(default)]
        reason: String,
    },
    /// Either side: stop a transfer in progress.
    #[serde(rename = "file.cancel")]
    FileCancel {
        id: String,
        #[serde(default)]
        reason: String,
    },
    /// receiver→sender: every byte arrived and the whole file's SHA-256 matched.
    #[serde(rename = "file.done")]
    FileDone { id: String, sha256: String },
    /// receiver→sender: the bytes arrived but the hash did not match; the copy is gone.
    #[serde(rename = "file.fail")]
    FileFail {
        id: String,
        #[serde(default)]
        reason: String,
    },
    /// host→guest: one post as sanitized HTML.
    #[serde(rename = "blog.post")]
    BlogPost {
        slug: String,
        title: String,
        date: String,
        html: String,
    },
}

/// Why an incoming frame was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {0} bytes exceeds the 64 KiB limit")]
    TooLarge(usize),
    #[error("frame is not UTF-8")]
    NotUtf8,
    #[error("frame is not a JSON object with a string field `t`: {0}")]
    BadJson(String),
    #[error("`{t}` frame is malformed: {reason}")]
    BadFields { t: String, reason: String },
    #[error("chat text of {0} characters exceeds the 4096-character limit")]
    TextTooLong(usize),
}

/// Result of decoding one incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A frame this host understands.
    Frame(Frame),
    /// A well-formed frame with a `t` this version does not know: ignored (forward compatible).
    Unknown(String),
}

/// Decodes one data-channel message, enforcing the limits of §4.
pub fn decode(bytes: &[u8]) -> Result<Decoded, FrameError> {
    if bytes.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge(bytes.len()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| FrameError::NotUtf8)?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| FrameError::BadJson(e.to_string()))?;
    let t = match value.get("t").and_then(|t| t.as_str()) {
        Some(t) => t.to_string(),
        None => return Err(FrameError::BadJson("missing `t`".into())),
    };
    const KNOWN: &[&str] = &[
        "hello",
        "chat",
        "ack",
        "notice",
        "bye",
        "blog.list",
        "blog.index",
        "blog.get",
        "blog.post",
        "room.joined",
        "room.member",
        "room.left",
        "file.offer",
        "file.accept",
        "file.reject",
        "file.cancel",
        "file.done",
        "file.fail",
    ];
    if !KNOWN.contains(&t.as_str()) {
        return Ok(Decoded::Unknown(t));
    }
    let frame: Frame = serde_json::from_value(value).map_err(|e| FrameError::BadFields {
        t: t.clone(),
        reason: e.to_string(),
    })?;
    if let Frame::Chat { text, .. } = &frame {
        let chars = text.chars().count();
        if chars > MAX_CHAT_CHARS {
            return Err(FrameError::TextTooLong(chars));
        }
    }
    if let Some(reason) = file_frame_problem(&frame) {
        return Err(FrameError::BadFields { t, reason });
    }
    Ok(Decoded::Frame(frame))
}

/// Longest file name in a `file.offer`, in bytes (a common file-system limit).
pub const MAX_FILE_NAME_BYTES: usize = 255;
/// Longest free-text `reason` or `mime` in a file frame, in bytes.
pub const MAX_FILE_TEXT_BYTES: usize = 512;

/// Whether `id` is a transfer id: exactly 16 lowercase hex digits.
pub fn is_file_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `hash` is a SHA-256 in lowercase hex (64 digits).
pub fn is_sha256_hex(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What makes a file frame malformed, if anything: the id's form, the hash's form, the
/// lengths of its texts. (Whether a *name* is safe is the core's decision: it refuses such
/// an offer with a `file.reject` that says why.)
fn file_frame_problem(frame: &Frame) -> Option<String> {
    let (id, texts): (&str, Vec<&str>) = match frame {
        Frame::FileOffer {
            id,
            name,
            sha256,
            mime,
            ..
        } => {
            if !is_sha256_hex(sha256) {
                return Some("`sha256` is not 64 lowercase hex digits".into());
            }
            if name.len() > MAX_FILE_NAME_BYTES {
                return Some(format!("`name` is longer than {MAX_FILE_NAME_BYTES} bytes"));
            }
            (id, mime.as_deref().into_iter().collect())
        }
        Frame::FileAccept { id, .. } => (id, vec![]),
        Frame::FileReject { id, reason }
        | Frame::FileCancel { id, reason }
        | Frame::FileFail { id, reason } => (id, vec![reason.as_str()]),
        Frame::FileDone { id, sha256 } => {
            if !is_sha256_hex(sha256) {
                return Some("`sha256` is not 64 lowercase hex digits".into());
            }
            (id, vec![])
        }
        _ => return None,
    };
    if !is_file_id(id) {
        return Some("`id` is not 16 lowercase hex digits".into());
    }
    if texts.iter().any(|t| t.len() > MAX_FILE_TEXT_BYTES) {
        return Some(format!(
            "a text field is longer than {MAX_FILE_TEXT_BYTES} bytes"
        ));
    }
    None
}

/// Encodes a frame as the JSON text sent on the channel.
pub fn encode(frame: &Frame) -> String {
    // Serializing these plain structs cannot fail.
    serde_json::to_string(frame)
        .unwrap_or_else(|_| String::from("{\"t\":\"bye\",\"reason\":\"encoding\"}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_with_wire_names() {
        let frames = vec![
            Frame::Hello {
                v: 1,
                host: "h".into(),
                guest: "g".into(),
                features: vec!["chat".into()],
            },
            Frame::Chat {
                id: "1".into(),
                text: "hi".into(),
                from: Some("h".into()),
                ts: 5,
                room: None,
            },
            Frame::Ack { id: "1".into() },
            Frame::Notice { text: "n".into() },
            Frame::Bye { reason: "r".into() },
            Frame::BlogList,
            Frame::BlogIndex {
                posts: vec![PostSummary {
                    slug: "s".into(),
                    title: "t".into(),
                    date: "d".into(),
                    summary: "x".into(),
                }],
            },
            Frame::BlogGet { slug: "s".into() },
            Frame::BlogPost {
                slug: "s".into(),
                title: "t".into(),
                date: "d".into(),
                html: "<p>x</p>".into(),
            },
        ];
        for frame in frames {
            let text = encode(&frame);
            assert_eq!(decode(text.as_bytes()), Ok(Decoded::Frame(frame)));
        }
        assert_eq!(encode(&Frame::BlogList), r#"{"t":"blog.list"}"#);
    }

    #[test]
    fn refuses_bad_frames_with_reasons() {
        assert_eq!(
            decode(&vec![b' '; MAX_FRAME_BYTES + 1]),
            Err(FrameError::TooLarge(MAX_FRAME_BYTES + 1))
        );
        assert_eq!(decode(&[0xff, 0xfe]), Err(FrameError::NotUtf8));
        assert!(matches!(decode(b"not json"), Err(FrameError::BadJson(_))));
        assert!(matches!(decode(b"[1,2]"), Err(FrameError::BadJson(_))));
        assert!(matches!(decode(br#"{"t":5}"#), Err(FrameError::BadJson(_))));
        assert!(matches!(
            decode(br#"{"t":"chat","id":1}"#),
            Err(FrameError::BadFields { .. })
        ));
        let long = format!(
            r#"{{"t":"chat","id":"1","text":"{}"}}"#,
            "é".repeat(MAX_CHAT_CHARS + 1)
        );
        assert_eq!(
            decode(long.as_bytes()),
            Err(FrameError::TextTooLong(MAX_CHAT_CHARS + 1))
        );
        let max = format!(
            r#"{{"t":"chat","id":"1","text":"{}"}}"#,
            "é".repeat(MAX_CHAT_CHARS)
        );
        assert!(matches!(
            decode(max.as_bytes()),
            Ok(Decoded::Frame(Frame::Chat { .. }))
        ));
    }

    #[test]
    fn unknown_types_are_ignored_not_errors() {
        assert_eq!(
            decode(br#"{"t":"file.later","x":1}"#),
            Ok(Decoded::Unknown("file.later".into()))
        );
    }

    #[test]
    fn a_guest_hello_needs_no_host_or_guest() {
        assert_eq!(
            decode(br#"{"t":"hello","v":1,"features":["files"]}"#),
            Ok(Decoded::Frame(Frame::Hello {
                v: 1,
                host: String::new(),
                guest: String::new(),
                features: vec!["files".into()],
            }))
        );
        let guest_hello = Frame::Hello {
            v: 1,
            host: String::new(),
            guest: String::new(),
            features: vec![],
        };
        assert_eq!(encode(&guest_hello), r#"{"t":"hello","v":1,"features":[]}"#);
    }

    #[test]
    fn file_frames_round_trip_and_bad_ones_are_refused() {
        let hash = "ab".repeat(32);
        let frames = vec![
            Frame::FileOffer {
                id: "0123456789abcdef".into(),
                name: "a.txt".into(),
                size: 3,
                sha256: hash.clone(),
                mime: Some("text/plain".into()),
            },
            Frame::FileAccept {
                id: "0123456789abcdef".into(),
                offset: 2,
            },
            Frame::FileReject {
                id: "0123456789abcdef".into(),
                reason: "no".into(),
            },
            Frame::FileCancel {
                id: "0123456789abcdef".into(),
                reason: "stop".into(),
            },
            Frame::FileDone {
                id: "0123456789abcdef".into(),
                sha256: hash.clone(),
            },
            Frame::FileFail {
                id: "0123456789abcdef".into(),
                reason: "hash".into(),
            },
        ];
        for frame in frames {
            let text = encode(&frame);
            assert_eq!(decode(text.as_bytes()), Ok(Decoded::Frame(frame)));
        }
        let bad = [
            format!(r#"{{"t":"file.offer","id":"XYZ","name":"a","size":1,"sha256":"{hash}"}}"#),
            r#"{"t":"file.offer","id":"0123456789abcdef","name":"a","size":1,"sha256":"00"}"#
                .to_string(),
            format!(
                r#"{{"t":"file.offer","id":"0123456789abcdef","name":"a","size":-1,"sha256":"{hash}"}}"#
            ),
            format!(
                r#"{{"t":"file.offer","id":"0123456789abcdef","name":"{}","size":1,"sha256":"{hash}"}}"#,
                "n".repeat(MAX_FILE_NAME_BYTES + 1)
            ),
            r#"{"t":"file.accept","id":"0123456789ABCDEF","offset":0}"#.to_string(),
            r#"{"t":"file.accept","id":"0123456789abcdef"}"#.to_string(),
        ];
        for text in bad {
            assert!(
                matches!(decode(text.as_bytes()), Err(FrameError::BadFields { .. })),
                "{text}"
            );
        }
    }
}
