//! Connecting: applying the answer, the connection's state, the channel opening, and waking
//! webrtc's driver while the offerer connects or the channel runs through a relay.
//!
//! Connect latency: webrtc 0.21.1's driver loop runs `poll_writes → poll_events → poll_reads
//! → select!`, so packets the core produces while handling an *event* (ICE connected → DTLS
//! ClientHello, DTLS done → SCTP INIT, SCTP up → DCEP OPEN) wait for the next wake, which is
//! the 200 ms ICE tick: three stalls, ~0.6 s on loopback (the phase misalignment described in
//! webrtc-rs/webrtc#901). Any data-channel setter wakes the driver, so while the offerer is
//! connecting the session nudges it every [`NUDGE_INTERVAL`] until the channel opens. The
//! answerer takes the DTLS server role (`peer/connection.rs`), so every one of those steps is
//! the offerer's, which holds the channel from the start. (A browser answerer picks the DTLS
//! client role itself; the host's own step left is then the DCEP OPEN.) The time to the first
//! of those steps, ICE selecting a pair, is set by the ICE settings in `peer/connection.rs`.
//! The offerer logs its connect time at debug level ("answer applied → channel open").

use std::time::Duration;

use tokio::time::Instant;
use webrtc::peer_connection::{RTCPeerConnectionState, RTCSessionDescription};

use super::close::End;
use super::{Role, Session};
use crate::rtc::peer::PeerEvent;
use crate::rtc::peer::{has_data_channel, RtcError, SEND_BUFFER_LIMIT};
use crate::rtc::reach::{has_relay_candidate, selected_path};

/// Offerer: from the answer being applied to the channel opening.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(crate::rtc::reach::CONNECT_GIVE_UP_SECS);
/// Answerer: from the answer being created to the channel opening. Longer, because the answer
/// first travels back through an issue comment that the offerer has to poll for.
pub(super) const ANSWERER_CONNECT_TIMEOUT: Duration = Duration::from_secs(120);
/// While the offerer connects, how often the driver is woken (see the module docs).
pub(super) const NUDGE_INTERVAL: Duration = Duration::from_millis(5);
/// How often the driver is woken while the open channel runs through a relay: 0.21 passes
/// relayed data on at its next wake, which is otherwise its 200 ms tick (every message
/// would wait that long, measured in the NAT lab: BENCHMARKS.md).
pub(super) const RELAY_NUDGE_INTERVAL: Duration = Duration::from_millis(10);
/// How long the connection may stay `disconnected` before the peer is closed.
pub(super) const DISCONNECT_GRACE: Duration = Duration::from_secs(15);

impl Session {
    pub(super) async fn apply_answer(&mut self, sdp: String) -> Result<(), RtcError> {
        if self.role != (Role::Offerer { answered: false }) {
            return Err(RtcError::UnexpectedAnswer);
        }
        let answer = RTCSessionDescription::answer(sdp)
            .map_err(|e| RtcError::InvalidAnswer(e.to_string()))?;
        if !has_data_channel(&answer.sdp) {
            return Err(RtcError::AnswerWithoutDataChannel);
        }
        crate::rtc::network::note_mdns_candidates(&answer.sdp);
        self.facts.remote_relay = has_relay_candidate(&answer.sdp);
        self.pc
            .set_remote_description(answer)
            .await
            .map_err(|e| RtcError::AnswerRejected(e.to_string()))?;
        let now = Instant::now();
        self.role = Role::Offerer { answered: true };
        self.connect_deadline = Some(now + CONNECT_TIMEOUT);
        self.answered_at = Some(now);
        Ok(())
    }

    pub(super) fn on_state(&mut self, state: RTCPeerConnectionState) -> Option<End> {
        match state {
            RTCPeerConnectionState::Failed => End::by_remote("the connection failed (ICE or DTLS)"),
            RTCPeerConnectionState::Closed => End::by_remote("the connection closed"),
            RTCPeerConnectionState::Disconnected => {
                self.disconnected_since.get_or_insert_with(Instant::now);
                None
            }
            RTCPeerConnectionState::Connected => {
                self.disconnected_since = None;
                None
            }
            _ => None,
        }
    }

    /// The `janus` channel opened: notes the path ICE selected and the connect time, sets the
    /// channel's buffer thresholds, emits `Open` and sends what waited.
    pub(super) async fn on_open(&mut self) {
        self.open = true;
        self.connect_deadline = None;
        if let Some(path) = selected_path(self.pc.as_ref()).await {
            let _ = self.path.0.set(path);
        }
        if let Some(at) = self.answered_at {
            let took = at.elapsed();
            tracing::debug!(peer = self.id, ?took, "answer applied → channel open");
        }
        if let Some(channel) = &self.channel {
            let _ = channel
                .set_buffered_amount_high_threshold(SEND_BUFFER_LIMIT as u32)
                .await;
            let _ = channel
                .set_buffered_amount_low_threshold((SEND_BUFFER_LIMIT / 2) as u32)
                .await;
        }
        self.emit(PeerEvent::Open).await;
        self.flush().await;
    }

    /// Whether the driver needs waking: the offerer is connecting (answer applied, not open),
    /// or the channel runs through a relay, whose data 0.21 hands on only at the driver's
    /// next wake (`reach.rs`, [`RELAY_NUDGE_INTERVAL`]).
    pub(super) fn nudging(&self) -> bool {
        (!self.open && self.role == (Role::Offerer { answered: true }) && self.channel.is_some())
            || self.relayed()
    }

    /// Whether the open channel runs through a relay.
    pub(super) fn relayed(&self) -> bool {
        self.open && self.path.0.get() == Some(&crate::app::ConnPath::Relay)
    }

    /// Wakes the driver so it flushes what the core queued (a no-op setter; the low threshold
    /// is set for real when the channel opens).
    pub(super) async fn nudge(&self) {
        if let Some(channel) = &self.channel {
            let _ = channel.set_buffered_amount_low_threshold(0).await;
        }
    }
}
