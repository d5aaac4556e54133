//! What can happen to the host: inputs to [`super::update`].

use crate::forge::ForgeEvent;
use crate::rtc::peer::PeerId;
use crate::rtc::protocol::Frame;

use super::effect::WritePurpose;

/// A maintainer's command, typed in the plain console or the TUI input line
/// (parsed by `ui::commands`, shared by both views).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `list`: show requests and conversations.
    List,
    /// `reply <user> <msg>` or `@<user> <msg>`.
    Reply { user: String, text: String },
    /// `kick <user>`: close the conversation.
    Kick { user: String },
    /// `ban <user>`: kick and refuse the user's requests for the rest of the run.
    Ban { user: String },
    /// `help`.
    Help,
    /// `quit`: close every peer politely and exit.
    Quit,
    /// `accept <issue>`: offer a chat on a request waiting in manual mode (or re-offer an
    /// expired or ended one).
    Accept { issue: u64 },
    /// `decline <issue>`: withdraw or refuse a request politely (no link, or the link
    /// taken down).
    Decline { issue: u64 },
    /// `accept manual` / `accept auto`: whether new requests wait for `accept`.
    SetAcceptMode { manual: bool },
    /// The maintainer has seen this conversation (the TUI sends it when it shows one).
    MarkRead { peer_id: PeerId },
}

/// An input to the core.
#[derive(Debug, Clone)]
pub enum Event {
    /// Time passes (offers expire); sent every second by the host loop.
    Tick,
    /// The poller saw something on the forge.
    Forge(ForgeEvent),
    /// A peer (offerer) was created for a request and its offer token made.
    /// `sid` and `token` come from the runtime because the core draws no random numbers.
    OfferReady {
        peer_id: PeerId,
        issue: u64,
        sid: String,
        token: String,
        expires_at: u64,
    },
    /// Creating the peer or its offer failed.
    OfferFailed {
        peer_id: PeerId,
        issue: u64,
        error: String,
    },
    /// A forge write finished.
    Written {
        purpose: WritePurpose,
        comment_id: Option<u64>,
    },
    /// A forge write failed (after the writer's own retries).
    WriteFailed {
        purpose: WritePurpose,
        error: String,
    },
    /// The data channel to a guest opened.
    PeerOpen { peer_id: PeerId },
    /// A valid frame arrived from a guest.
    PeerFrame { peer_id: PeerId, frame: Frame },
    /// Frames from a guest were dropped (oversized, garbage, flooding).
    PeerDropped {
        peer_id: PeerId,
        reason: String,
        total: u64,
    },
    /// The peer closed (either side, or failure).
    PeerClosed { peer_id: PeerId, reason: String },
    /// Applying the answer SDP to the peer failed.
    AnswerFailed { peer_id: PeerId, error: String },
    /// The maintainer typed a command.
    User(Command),
    /// The forge reported its rate limit (shown in the status line).
    RateLimit(crate::forge::github::RateLimitStatus),
}
