//! WebRTC peer sessions on the webrtc crate and the data-channel protocol (PROTOCOL.md "Data channel").
//!
//! - [`protocol`]: the frames of the `janus` data channel, their limits, strict decoding;
//! - [`flood`]: the pure per-peer flood limit (token bucket + drop count);
//! - `outbox`: the byte-bounded queue of frames waiting for the data channel;
//! - `delivered`: how many messages the connection received on a channel (read at a close);
//! - `network`: STUN servers resolved once per run, mDNS candidates noted once (quiet logs);
//! - [`peer`]: the public API — [`start_offerer`], [`start_answerer`], [`PeerHandle`],
//!   [`PeerEvent`] — over one tokio task per peer (`session`); `peer/start.rs` sets a
//!   connection up, `peer/handle.rs` queues requests into its task, `peer/connection.rs`
//!   builds it (ICE settings, DTLS role, callbacks);
//! - `session`: that task — its `select!` loop (`session.rs`), connecting and waking
//!   webrtc's driver (`session/connect.rs`), the remote's channels and messages
//!   (`session/incoming.rs`), the outbox (`session/send.rs`), the end (`session/close.rs`);
//! - [`turn`]: the TURN relay's settings and per-offer ephemeral credentials;
//! - [`file_channel`]: the bytes of one file transfer on its own `file:{id}` channel;
//! - [`send_window`]: how far a file sender runs ahead of the receiver (pure).
mod delivered;
pub mod file_channel;
pub mod flood;
mod network;
mod outbox;
pub mod peer;
pub mod protocol;
mod reach;
pub mod send_window;
mod session;
pub mod turn;

pub use peer::{
    start_answerer, start_offerer, PeerCommand, PeerEvent, PeerHandle, PeerId, RtcConfig, RtcError,
};
