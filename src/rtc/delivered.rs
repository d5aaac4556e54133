//! How many messages the connection has received on one data channel, by its statistics:
//! what lets a reader tell, at the remote's close, whether more is still on its way to it.
//!
//! webrtc 0.21 hands a channel's close over before the messages decoded from the same
//! packets, and, when the reader was behind, before those still queued in the connection.
//! Its statistics count a message as it leaves SCTP, before the reader sees it, and SCTP
//! closes a stream only once it gave up every message of it. So at a close, this count is
//! every message the reader will get: it reads on until it has read that many.

use webrtc::data_channel::RTCDataChannelId;
use webrtc::peer_connection::{PeerConnection, StatsSelector};

/// Messages received on channel `id` so far (empty ones included), if the connection
/// reports the channel.
pub(crate) async fn messages_received(
    pc: &dyn PeerConnection,
    id: RTCDataChannelId,
) -> Option<u64> {
    let report = pc
        .get_stats(std::time::Instant::now(), StatsSelector::None)
        .await;
    let stats_id = format!("RTCDataChannel_{id}");
    let received = report
        .data_channels()
        .find(|channel| channel.stats.id == stats_id)
        .map(|channel| u64::from(channel.messages_received));
    received
}
