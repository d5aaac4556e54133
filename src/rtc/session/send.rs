//! The outbox in front of the `janus` channel: frames are handed to SCTP with the
//! non-blocking `try_send_text` until the channel's send buffer is at its limit, and wait
//! here (bounded) until it drains.

use std::time::Duration;

use webrtc::error::Error as WebrtcError;

use super::close::End;
use super::Session;

/// Bytes of encoded frames allowed to wait for the data channel (before it opens, or while
/// SCTP is at its limit). Overflow closes the peer: the remote is not reading.
pub(crate) const OUTBOX_LIMIT: usize = 4 * 1024 * 1024;
/// Why a peer whose outbox overflowed is closed (sent in its `bye`, reported in `Closed`).
pub(crate) const SLOW_REMOTE: &str = "the remote is not reading: send buffer full";
/// Retry interval for the outbox when no `OnBufferedAmountLow` arrives.
pub(super) const OUTBOX_RETRY: Duration = Duration::from_millis(50);

impl Session {
    /// Queues an encoded frame and sends what the channel takes now.
    pub(super) async fn queue(&mut self, text: String) -> Option<End> {
        if !self.outbox.push(text) {
            return End::with_bye(SLOW_REMOTE);
        }
        self.flush().await;
        None
    }

    /// Hands queued frames to the channel until it is empty or SCTP is at its limit.
    pub(super) async fn flush(&mut self) {
        let Some(channel) = self.channel.clone().filter(|_| self.open) else {
            return;
        };
        while let Some(text) = self.outbox.front() {
            match channel.try_send_text(text).await {
                Ok(()) => {}
                // At the limit: wait for OnBufferedAmountLow or the retry tick.
                Err(WebrtcError::ErrSendBufferFull) => return,
                Err(e) => tracing::warn!(peer = self.id, "frame not sent: {e}"),
            }
            self.outbox.pop();
        }
    }
}
