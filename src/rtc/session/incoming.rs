//! What the remote sends: the data channels it opens (the `janus` one or a `file:{id}`, the
//! rest closed) and its messages, through the flood guard (`flood.rs`) and
//! `protocol::decode`, into events.

use std::sync::Arc;

use tokio::time::Instant;
use webrtc::data_channel::DataChannel;

use super::close::End;
use super::Session;
use crate::app::sanitize_for_terminal;
use crate::rtc::file_channel::FILE_CHANNEL_PREFIX;
use crate::rtc::flood::{Admission, FloodGuard, FloodLimits, FLOOD_CLOSE_REASON, RATE_PER_SEC};
use crate::rtc::peer::{PeerEvent, CHANNEL_LABEL};
use crate::rtc::protocol::{self, Decoded, Frame};

/// The flood limits for the remote's frames. PROTOCOL.md ("Limits and what happens on
/// abuse") limits frames *from a guest*, so they follow who the remote is, not the WebRTC
/// role: the host's remote is a guest whether the host offered (flow A) or answered (flow
/// B). A Rust guest (tests, the demo) has the host as its remote: a busy room legitimately
/// sends it more than 20 frames/s (every other member's messages), so only its bad frames
/// are counted.
pub(super) fn flood_limits(remote_is_guest: bool) -> FloodLimits {
    if remote_is_guest {
        FloodLimits::default()
    } else {
        FloodLimits {
            rate_per_sec: u32::MAX / 1000,
            burst: u32::MAX / 1000,
            ..FloodLimits::default()
        }
    }
}

impl Session {
    /// Sets whose frames the flood guard limits (see [`flood_limits`]); by default the
    /// offerer's remote is a guest and the answerer's is the host.
    pub(crate) fn set_remote_is_guest(&mut self, remote_is_guest: bool) {
        self.flood = FloodGuard::new(flood_limits(remote_is_guest), Instant::now().into_std());
    }

    /// Takes a channel the remote opened if it is the `janus` one we lack; closes others.
    pub(super) async fn adopt(&mut self, channel: Arc<dyn DataChannel>) {
        let label = channel.label().await.unwrap_or_default();
        if self.channel.is_none() && label == CHANNEL_LABEL {
            self.channel = Some(channel);
        } else if label.starts_with(FILE_CHANNEL_PREFIX) {
            self.files.adopt(&self.pc, &label, channel).await;
        } else {
            tracing::debug!(peer = self.id, label, "closing an unexpected data channel");
            let _ = channel.close().await;
        }
    }

    pub(super) async fn on_message(&mut self, data: &[u8]) -> Option<End> {
        self.messages_read += 1;
        match self.flood.on_frame(Instant::now().into_std()) {
            Admission::Accept => {}
            Admission::Drop { total } => {
                self.report_drop(format!("more than {RATE_PER_SEC} frames/s"), total);
                return None;
            }
            Admission::Close { .. } => return End::with_bye(FLOOD_CLOSE_REASON),
        }
        match protocol::decode(data) {
            Ok(Decoded::Frame(Frame::Bye { reason })) if reason.is_empty() => {
                End::quiet("the remote said bye")
            }
            Ok(Decoded::Frame(Frame::Bye { reason })) => End::quiet(format!(
                "the remote said bye: {}",
                guest_text_on_one_line(&reason)
            )),
            Ok(Decoded::Frame(frame)) => {
                self.emit(PeerEvent::Frame(frame)).await;
                None
            }
            Ok(Decoded::Unknown(t)) => {
                tracing::trace!(peer = self.id, t, "ignoring a frame of unknown type");
                None
            }
            Err(refusal) => match self.flood.on_bad_frame() {
                Admission::Drop { total } => {
                    self.report_drop(refusal.to_string(), total);
                    None
                }
                Admission::Close { .. } | Admission::Accept => End::with_bye(FLOOD_CLOSE_REASON),
            },
        }
    }

    /// Drop reports are lossy on purpose (the count in the next one catches up): a flood must
    /// not turn into a flood of events the host has to wait for.
    fn report_drop(&self, reason: String, total: u64) {
        // Refusals may quote what the remote sent (a JSON error's snippet).
        let reason = guest_text_on_one_line(&reason);
        tracing::debug!(peer = self.id, total, "dropped an incoming frame: {reason}");
        let _ = self
            .events
            .try_send((self.id, PeerEvent::Dropped { reason, total }));
    }
}

/// Most characters of a remote's text (a `bye` reason) carried into an event.
const REMOTE_TEXT_CHARS: usize = 200;

/// The remote's text as one neutralised line: newlines and control characters made visible
/// (`app::sanitize_for_terminal`), cut to [`REMOTE_TEXT_CHARS`]. A `bye` reason ends up in a
/// console notice; with a newline it could otherwise print a line of the guest's choosing.
pub(crate) fn guest_text_on_one_line(text: &str) -> String {
    let mut line = sanitize_for_terminal(text);
    if let Some((cut, _)) = line.char_indices().nth(REMOTE_TEXT_CHARS) {
        line.truncate(cut);
        line.push('…');
    }
    line
}
