//! How a session ends: why its loop stopped ([`End`]), reading what the remote sent with its
//! close, the `bye`, and closing the channel and the connection before `Closed`.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};
use webrtc::data_channel::DataChannelEvent;

use super::Session;
use crate::rtc::delivered::messages_received;
use crate::rtc::peer::{PeerEvent, Request};
use crate::rtc::protocol::{self, Frame};

/// After the remote closed, when the connection does not report how many messages it
/// received: how long no further message may arrive before the peer is closed.
const CLOSE_DRAIN_QUIET: Duration = Duration::from_millis(50);
/// After the remote closed: the most time spent reading what it sent before.
const CLOSE_DRAIN_LIMIT: Duration = Duration::from_secs(2);
/// How long a close waits for queued frames and the `bye` to be acknowledged.
const BYE_FLUSH_TIMEOUT: Duration = Duration::from_millis(500);

/// Why the loop ended: the `Closed` reason, and what to do before closing.
pub(super) struct End {
    /// Reported in `Closed`.
    pub(super) reason: String,
    /// Say `bye` first (the end is ours and the remote may still be listening).
    pub(super) bye: bool,
    /// The remote closed the channel or the connection: first read what it sent before (see
    /// [`Session::drain_incoming`]).
    pub(super) drain: bool,
}

impl End {
    pub(super) fn quiet(reason: impl Into<String>) -> Option<End> {
        Some(End {
            reason: reason.into(),
            bye: false,
            drain: false,
        })
    }
    pub(super) fn with_bye(reason: impl Into<String>) -> Option<End> {
        Some(End {
            reason: reason.into(),
            bye: true,
            drain: false,
        })
    }
    pub(super) fn by_remote(reason: impl Into<String>) -> Option<End> {
        Some(End {
            reason: reason.into(),
            bye: false,
            drain: true,
        })
    }
}

impl Session {
    /// After the remote closed the channel or the connection, delivers the messages it sent
    /// before, in order, until this task has read as many as the connection counted on the
    /// channel (`delivered.rs`; at most [`CLOSE_DRAIN_LIMIT`], and until a pause of
    /// [`CLOSE_DRAIN_QUIET`] if the connection does not say). A `bye` among them names the end.
    ///
    /// Needed because 0.21's driver hands the application a channel's *events* before the
    /// *messages* decoded from the same packets (`poll_events` runs before `poll_reads`), so a
    /// `send()` followed at once by `close()` — what a browser does when its guest leaves or
    /// its tab closes — reaches this task as `OnClose` first, then the messages; the connection
    /// state watch, polled before the channel, can overtake them the same way.
    pub(super) async fn drain_incoming(&mut self, end: End) -> End {
        let Some(channel) = self.channel.clone().filter(|_| self.open) else {
            return end;
        };
        let counted = messages_received(self.pc.as_ref(), channel.id()).await;
        let give_up = Instant::now() + CLOSE_DRAIN_LIMIT;
        loop {
            let quiet = match counted {
                Some(n) if self.messages_read >= n => return end,
                Some(_) => give_up,
                None => (Instant::now() + CLOSE_DRAIN_QUIET).min(give_up),
            };
            let event = tokio::select! {
                event = channel.poll() => event,
                _ = sleep_until(quiet) => return end,
            };
            match event {
                Some(DataChannelEvent::OnMessage(message)) => {
                    if let Some(ended) = self.on_message(&message.data).await {
                        // The remote's own `bye` (or a flood) says more than "closed"; there is
                        // no one left to say `bye` to.
                        return End {
                            bye: false,
                            drain: false,
                            ..ended
                        };
                    }
                }
                Some(other) => tracing::trace!(peer = self.id, ?other, "event after the close"),
                None => return end,
            }
        }
    }

    /// Says `bye` if asked and possible, closes the channel and the connection, emits `Closed`.
    pub(super) async fn finish(mut self, end: End, requests: &mut mpsc::Receiver<Request>) {
        tracing::debug!(peer = self.id, reason = end.reason, "closing the peer");
        if end.bye && self.open {
            // Frames queued before the close go first (a kick's notice, say), then the bye.
            while let Ok(request) = requests.try_recv() {
                if let Request::Send(text) = request {
                    self.outbox.push(text);
                }
            }
            self.outbox.push_anyway(protocol::encode(&Frame::Bye {
                reason: end.reason.clone(),
            }));
            let _ = tokio::time::timeout(BYE_FLUSH_TIMEOUT, self.drain()).await;
        }
        if let Some(channel) = &self.channel {
            let _ = channel.close().await;
        }
        if let Err(e) = self.pc.close().await {
            tracing::debug!(peer = self.id, "closing the connection: {e}");
        }
        requests.close();
        self.emit(PeerEvent::Closed { reason: end.reason }).await;
    }

    /// Sends the whole outbox and waits until SCTP has it acknowledged.
    async fn drain(&mut self) {
        loop {
            self.flush().await;
            let outstanding = match &self.channel {
                Some(channel) => channel.outstanding_bytes().await.unwrap_or(0),
                None => 0,
            };
            if self.outbox.is_empty() && outstanding == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
