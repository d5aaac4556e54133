//! WebRTC peer sessions on the webrtc 0.21 crate (PROTOCOL.md "ICE", "Data channel";
//! ARCHITECTURE.md "Design decisions, and why").
//!
//! [`start_offerer`] and [`start_answerer`] build one peer connection, gather ICE without
//! trickling (bounded by [`RtcConfig::gather_timeout`]) and return the SDP for the signaling
//! token plus a [`PeerHandle`]. Each peer then runs as one tokio task (see `session.rs`) that
//! owns the connection: commands go in through the handle's bounded queue, [`PeerEvent`]s come
//! out on the caller's channel, tagged with the [`PeerId`].
//!
//! Lifecycle: `Open` once the `janus` data channel opens; `Frame` for each valid incoming
//! frame; `Dropped` for each refused one (flood limit, oversized, garbage); `Closed` exactly
//! once, after which the task has closed the connection and released its sockets. Dropping
//! every `PeerHandle` closes the peer too.
//!
//! The parts: this file holds the configuration, the events, the commands and the errors;
//! `handle` the [`PeerHandle`] and the requests it queues for the task; `start` the
//! `start_*` functions, which set a connection up and spawn its task; `connection` how the
//! connection is built (ICE settings, the DTLS role, the send-buffer limit) and the
//! handler that forwards its callbacks.

mod connection;
mod handle;
mod start;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::protocol::Frame;

pub(crate) use connection::{has_data_channel, SEND_BUFFER_LIMIT};
pub use handle::PeerHandle;
pub(crate) use handle::Request;
pub use start::{start_answerer, start_guest_answerer, start_offerer};

/// Identifies one peer session; chosen by the caller and echoed on every event.
pub use crate::app::PeerId;

/// Label of the one data channel the offerer opens (PROTOCOL.md "The channel").
pub const CHANNEL_LABEL: &str = "janus";
/// STUN server used when none is configured (PROTOCOL.md "ICE": public STUN by default).
pub const DEFAULT_STUN: &str = "stun:stun.l.google.com:19302";
/// Commands (sends, closes, answers) that may wait for the peer task; `send` fails fast beyond.
/// A busy room sends bursts (every member's message to every other member), so the queue
/// is long; what bounds its memory is [`SEND_QUEUE_BYTES`].
pub(crate) const COMMAND_QUEUE: usize = 4096;
/// Bytes of encoded frames that may wait in the command queue for the peer task; `send`
/// fails with [`RtcError::QueueFull`] beyond (one frame is always admitted into an empty
/// queue). Per peer, so a slow member of a room fills only its own.
pub(crate) const SEND_QUEUE_BYTES: usize = 4 * 1024 * 1024;

/// How a peer connection is set up.
#[derive(Debug, Clone)]
pub struct RtcConfig {
    /// STUN URLs (`stun:host:port`). Empty means host candidates only, which is what tests and
    /// the local demo use; the default is one public STUN server so NATed peers find their
    /// public address. Never put TURN credentials here: the SDP goes into a public comment.
    pub ice_servers: Vec<String>,
    /// Bound on ICE gathering. The SDP carries whatever was gathered by then, so an
    /// unreachable STUN server cannot hold a token back.
    pub gather_timeout: Duration,
    /// Address the UDP sockets bind to (port chosen by the OS). 0.21 binds explicitly; a
    /// wildcard expands to one socket per non-loopback interface. Tests use 127.0.0.1.
    pub bind_addr: IpAddr,
    /// The host's TURN relay (`[turn]`): the registry mints per-offer credentials from it
    /// into `relays` (see `turn.rs`). Never read by `build` itself.
    pub turn: Option<super::turn::TurnSettings>,
    /// Credentialed relays this peer gathers relay candidates from (minted for one offer,
    /// or taken from an offer token's `ice` by a Rust guest).
    pub relays: Vec<super::turn::IceServer>,
    /// Gather and use relay candidates only (`iceTransportPolicy: "relay"`).
    pub relay_only: bool,
}

impl Default for RtcConfig {
    fn default() -> Self {
        Self {
            ice_servers: vec![DEFAULT_STUN.to_string()],
            gather_timeout: Duration::from_secs(3),
            bind_addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            turn: None,
            relays: Vec::new(),
            relay_only: false,
        }
    }
}

/// What a peer task reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    /// The data channel is open: frames can flow.
    Open,
    /// A valid frame from the remote (`bye` is not forwarded: it becomes `Closed`).
    Frame(Frame),
    /// An incoming message was refused; `total` counts refusals over the session. These
    /// reports are best effort (skipped while the event channel is full); `total` stays exact.
    Dropped { reason: String, total: u64 },
    /// The session is over (sent exactly once); the connection and its sockets are released.
    Closed { reason: String },
    /// A file channel's pump reports (`file_channel.rs`).
    File(crate::app::FileEvent),
}

/// The commands a peer accepts; [`PeerHandle::command`] runs one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerCommand {
    /// Apply the guest's answer SDP (offerer only, once).
    ApplyAnswer(String),
    /// Queue a frame for the remote.
    Send(Frame),
    /// Send `bye` (best effort), then close.
    Close { reason: String },
}

/// Why a peer operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtcError {
    #[error("could not set up the peer connection: {0}")]
    Setup(String),
    #[error("ICE server {0:?} is not a `stun:host[:port]` URL")]
    BadIceServer(String),
    #[error("the offer is not valid SDP: {0}")]
    InvalidOffer(String),
    #[error("the offer has no data channel (no m=application section)")]
    OfferWithoutDataChannel,
    #[error("the offer could not be applied: {0}")]
    OfferRejected(String),
    #[error("the answer is not valid SDP: {0}")]
    InvalidAnswer(String),
    #[error("the answer has no data channel (no m=application section)")]
    AnswerWithoutDataChannel,
    #[error("the answer could not be applied: {0}")]
    AnswerRejected(String),
    #[error("this peer is not waiting for an answer (it answered an offer, or already has one)")]
    UnexpectedAnswer,
    #[error("frame of {0} bytes exceeds the 64 KiB limit")]
    FrameTooLarge(usize),
    #[error("the peer's send queue is full (it is not keeping up)")]
    QueueFull,
    #[error("the peer is closed")]
    Closed,
}

#[cfg(test)]
mod tests;
