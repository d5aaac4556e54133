//! What the core hands the runtime to keep a conversation's transcript (ARCHITECTURE.md "Limits, transcripts, shutdown"): one
//! [`TranscriptLine`] per chat message, in an `Effect::Transcribe` that comes before the
//! message is acked (guest) or sent (host), so the runtime can append and flush it first.

use serde::Serialize;

/// One line of a transcript, written as one JSON object per line (`ts`, `from`, `text`,
/// and `room` once rooms exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptLine {
    /// Unix seconds when the host accepted (guest) or sent (host) the message.
    pub ts: u64,
    /// The author's login: the guest's, or the maintainer's for replies.
    pub from: String,
    /// The message as received or sent (untrusted for guests: sanitized when printed).
    pub text: String,
    /// The room the message belongs to; `None` for one-to-one chats (all of them today).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
}
