//! What the core asks the tasks in `host` to do: outputs of [`super::update`].

use crate::rtc::protocol::Frame;

use super::state::PeerId;
use super::transcript::TranscriptLine;

/// Why a forge write was made, so its result can be routed back to the right request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WritePurpose {
    /// The offer comment (link + marker) for this issue.
    Offer { issue: u64 },
    /// A polite decline to a banned user.
    Decline { issue: u64 },
    /// Scrubbing or expiring a comment; nothing depends on the result but a notice.
    Edit { issue: u64 },
    /// Closing the issue (request policy `close_issue`).
    Close { issue: u64 },
    /// Flow B: the host's answer comment (answer token + marker) for this issue.
    Answer { issue: u64 },
}

impl WritePurpose {
    /// The issue the write is about.
    pub fn issue(&self) -> u64 {
        match self {
            WritePurpose::Offer { issue }
            | WritePurpose::Decline { issue }
            | WritePurpose::Edit { issue }
            | WritePurpose::Close { issue }
            | WritePurpose::Answer { issue } => *issue,
        }
    }
}

/// A side effect for the runtime to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Create an offerer peer; answer with `Event::OfferReady` or `Event::OfferFailed`.
    CreateOffer { peer_id: PeerId, issue: u64 },
    /// Post a comment on an issue; answer with `Event::Written` / `Event::WriteFailed`.
    PostComment {
        issue: u64,
        body: String,
        purpose: WritePurpose,
    },
    /// Edit a comment.
    EditComment {
        comment_id: u64,
        body: String,
        purpose: WritePurpose,
    },
    /// Close an issue (request policy `close_issue`); answered like a comment write.
    CloseIssue { issue: u64 },
    /// Flow B: create an answerer peer for the guest's offer `sdp`; its answer token carries
    /// the guest's `sid`. Answered with `Event::AnswerReady` or `Event::OfferFailed`.
    CreateAnswer {
        peer_id: PeerId,
        issue: u64,
        sid: String,
        sdp: String,
    },
    /// Flow B: replace an issue's body (the guest's offer token taken out once used). A
    /// scrub, journaled like comment edits.
    EditIssueBody {
        issue: u64,
        body: String,
        purpose: WritePurpose,
    },
    /// Apply the guest's answer SDP to the peer.
    ApplyAnswer { peer_id: PeerId, sdp: String },
    /// Send a frame on the peer's data channel.
    Send { peer_id: PeerId, frame: Frame },
    /// Append a chat message to the conversation's transcript (only with
    /// `settings.transcripts`). It comes before the `Send` of the guest's `ack` or of the
    /// host's `chat` in the same effects, so the line is on disk before either goes out.
    Transcribe {
        peer_id: PeerId,
        /// The guest's login (the transcript file is the conversation's).
        login: String,
        line: TranscriptLine,
    },
    /// Send the blog index (read from the blog directory by the runtime).
    SendBlogIndex { peer_id: PeerId },
    /// Send one blog post, or a notice if it does not exist.
    SendBlogPost { peer_id: PeerId, slug: String },
    /// File IO and pumping (`app::files`), carried out by `host::files`.
    File(super::files::FileEffect),
    /// Close the peer (a `bye` with the reason is sent first).
    ClosePeer { peer_id: PeerId, reason: String },
    /// Stop the host: pending writes get a short grace period, then everything shuts down.
    Quit,
}
