//! The task behind each [`PeerHandle`](super::peer::PeerHandle): owns one peer connection and
//! its `janus` data channel, turns requests into sends and channel traffic into events.
//!
//! One `select!` loop, no shared state. Incoming messages pass the flood guard (`flood.rs`),
//! then `protocol::decode`. Outgoing frames go through a byte-bounded outbox in front of the
//! data channel: 0.21's `send()` would otherwise buffer without bound (ARCHITECTURE.md), so the
//! connection is built with a per-channel send-buffer limit, frames are handed over with the
//! non-blocking `try_send_text`, and what does not fit waits here until SCTP drains
//! (`OnBufferedAmountLow`, or a short backstop tick). A remote that stops reading for long
//! enough to fill the outbox is closed. Memory per peer is thus bounded by
//! `SEND_QUEUE_BYTES` (+ 64 KiB) + [`OUTBOX_LIMIT`] + `SEND_BUFFER_LIMIT`.
//!
//! Every exit path goes through [`Session::finish`], which closes the connection (releasing
//! its sockets: 0.21 does not stop the driver on drop) and emits `Closed` exactly once. When
//! the *remote* ended it (channel or connection closed), [`Session::drain_incoming`] first
//! delivers the messages that came with the close: 0.21 reports the close before them.
//!
//! Connect latency: webrtc 0.21.1's driver loop runs `poll_writes → poll_events → poll_reads
//! → select!`, so packets the core produces while handling an *event* (ICE connected → DTLS
//! ClientHello, DTLS done → SCTP INIT, SCTP up → DCEP OPEN) wait for the next wake, which is
//! the 200 ms ICE tick: three stalls, ~0.6 s on loopback (the phase misalignment described in
//! webrtc-rs/webrtc#901). Any data-channel setter wakes the driver, so while the offerer is
//! connecting the session nudges it every [`NUDGE_INTERVAL`] until the channel opens. The
//! answerer takes the DTLS server role (`peer.rs`), so every one of those steps is the
//! offerer's, which holds the channel from the start. (A browser answerer picks the DTLS
//! client role itself; the host's own step left is then the DCEP OPEN.) The time to the first
//! of those steps, ICE selecting a pair, is set by the ICE settings in `peer.rs`. The offerer
//! logs its connect time at debug level ("answer applied → channel open").

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep_until, Instant};
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::error::Error as WebrtcError;
use webrtc::peer_connection::{PeerConnection, RTCPeerConnectionState, RTCSessionDescription};

use super::file_channel::{FileChannels, FILE_CHANNEL_PREFIX};
use super::flood::{Admission, FloodGuard, FloodLimits, FLOOD_CLOSE_REASON, RATE_PER_SEC};
use super::outbox::Outbox;
use super::peer::{
    has_data_channel, PeerEvent, PeerId, Request, RtcError, CHANNEL_LABEL, SEND_BUFFER_LIMIT,
};
use super::protocol::{self, Decoded, Frame};
use super::reach::{connect_failure, has_relay_candidate, selected_path, PathCell, ReachFacts};
use crate::app::sanitize_for_terminal;

/// Bytes of encoded frames allowed to wait for the data channel (before it opens, or while
/// SCTP is at its limit). Overflow closes the peer: the remote is not reading.
pub(crate) const OUTBOX_LIMIT: usize = 4 * 1024 * 1024;
/// Why a peer whose outbox overflowed is closed (sent in its `bye`, reported in `Closed`).
pub(crate) const SLOW_REMOTE: &str = "the remote is not reading: send buffer full";
/// Offerer: from the answer being applied to the channel opening.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(super::reach::CONNECT_GIVE_UP_SECS);
/// Answerer: from the answer being created to the channel opening. Longer, because the answer
/// first travels back through an issue comment that the offerer has to poll for.
const ANSWERER_CONNECT_TIMEOUT: Duration = Duration::from_secs(120);
/// While the offerer connects, how often the driver is woken (see the module docs).
const NUDGE_INTERVAL: Duration = Duration::from_millis(5);
/// How often the driver is woken while the open channel runs through a relay: 0.21 passes
/// relayed data on at its next wake, which is otherwise its 200 ms tick (every message
/// would wait that long, measured in the NAT lab: BENCHMARKS.md).
const RELAY_NUDGE_INTERVAL: Duration = Duration::from_millis(10);
/// How long the connection may stay `disconnected` before the peer is closed.
const DISCONNECT_GRACE: Duration = Duration::from_secs(15);
/// After the remote closed: how long no further message may arrive before the peer is closed.
/// The messages that trail a close come from the same driver pass (microseconds later); this
/// is slack for a busy runtime.
const CLOSE_DRAIN_QUIET: Duration = Duration::from_millis(50);
/// After the remote closed: the most time spent reading what it sent before.
const CLOSE_DRAIN_LIMIT: Duration = Duration::from_secs(1);
/// How long a close waits for queued frames and the `bye` to be acknowledged.
const BYE_FLUSH_TIMEOUT: Duration = Duration::from_millis(500);
/// Retry interval for the outbox when no `OnBufferedAmountLow` arrives.
const OUTBOX_RETRY: Duration = Duration::from_millis(50);
/// Far-future deadline for a loop with no timer armed.
const IDLE: Duration = Duration::from_secs(3600);

/// Which side of the negotiation this peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Made the offer; `answered` once an answer was applied (only one is accepted).
    Offerer { answered: bool },
    /// Answered an offer; never takes an answer.
    Answerer,
}

/// Receivers fed by the connection's event handler.
pub(crate) struct SessionChannels {
    /// ICE gathering complete (used by `start_*` before the task starts).
    pub(crate) gathered: watch::Receiver<bool>,
    /// Latest connection state.
    pub(crate) state: watch::Receiver<RTCPeerConnectionState>,
    /// Data channels opened by the remote.
    pub(crate) channels: mpsc::Receiver<Arc<dyn DataChannel>>,
}

/// Why the loop ended: the `Closed` reason, and what to do before closing.
struct End {
    /// Reported in `Closed`.
    reason: String,
    /// Say `bye` first (the end is ours and the remote may still be listening).
    bye: bool,
    /// The remote closed the channel or the connection: first read what it sent before (see
    /// [`Session::drain_incoming`]).
    drain: bool,
}

impl End {
    fn quiet(reason: impl Into<String>) -> Option<End> {
        Some(End {
            reason: reason.into(),
            bye: false,
            drain: false,
        })
    }
    fn with_bye(reason: impl Into<String>) -> Option<End> {
        Some(End {
            reason: reason.into(),
            bye: true,
            drain: false,
        })
    }
    fn by_remote(reason: impl Into<String>) -> Option<End> {
        Some(End {
            reason: reason.into(),
            bye: false,
            drain: true,
        })
    }
}

/// State of one peer task.
pub(crate) struct Session {
    /// Echoed on every event.
    id: PeerId,
    /// The connection (sole owner once running); closed explicitly in `finish`.
    pc: Arc<dyn PeerConnection>,
    /// Offerer or answerer (decides whether answers are accepted).
    role: Role,
    /// Where events go. `send().await`: a slow host back-pressures this peer only.
    events: mpsc::Sender<(PeerId, PeerEvent)>,
    /// The `janus` channel: created up front by the offerer, adopted by the answerer.
    channel: Option<Arc<dyn DataChannel>>,
    /// Whether `Open` was seen (sends flow only then).
    open: bool,
    /// Rate limit and drop count for the remote's messages.
    flood: FloodGuard,
    /// Frames waiting for the channel.
    outbox: Outbox,
    /// Bytes of sends still in the command queue, shared with the handles
    /// (`peer::SEND_QUEUE_BYTES`): decreased as each is taken.
    queued: Arc<AtomicUsize>,
    /// Set once the remote description is applied; cleared at `Open`.
    connect_deadline: Option<Instant>,
    /// Offerer: when the answer was applied (the connect time is logged at `Open`).
    answered_at: Option<Instant>,
    /// When the connection went `disconnected`, if it is now.
    disconnected_since: Option<Instant>,
    /// The selected path, set at `Open` for the handles (`reach.rs`).
    path: PathCell,
    /// What the connect-failure diagnosis looks at.
    facts: ReachFacts,
    /// The `file:{id}` channels, expected and running (`file_channel.rs`).
    files: FileChannels,
}

/// The flood limits for the remote's frames. PROTOCOL.md ("Limits and what happens on
/// abuse") limits frames *from a guest*, so they follow who the remote is, not the WebRTC
/// role: the host's remote is a guest whether the host offered (flow A) or answered (flow
/// B). A Rust guest (tests, the demo) has the host as its remote: a busy room legitimately
/// sends it more than 20 frames/s (every other member's messages), so only its bad frames
/// are counted.
fn flood_limits(remote_is_guest: bool) -> FloodLimits {
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

    pub(crate) fn new(
        id: PeerId,
        pc: Arc<dyn PeerConnection>,
        role: Role,
        channel: Option<Arc<dyn DataChannel>>,
        events: mpsc::Sender<(PeerId, PeerEvent)>,
        queued: Arc<AtomicUsize>,
    ) -> Self {
        let now = Instant::now();
        Self {
            files: FileChannels::new(id, events.clone()),
            id,
            pc,
            role,
            events,
            channel,
            open: false,
            flood: FloodGuard::new(
                flood_limits(matches!(role, Role::Offerer { .. })),
                now.into_std(),
            ),
            outbox: Outbox::new(OUTBOX_LIMIT),
            queued,
            // The answerer applied the offer already; the offerer waits for `apply_answer`.
            connect_deadline: (role == Role::Answerer).then(|| now + ANSWERER_CONNECT_TIMEOUT),
            answered_at: None,
            disconnected_since: None,
            path: PathCell::default(),
            facts: ReachFacts::default(),
        }
    }

    /// Shares the path cell with the handles and notes how many relays this peer has.
    pub(crate) fn with_reach(mut self, path: PathCell, relays: usize) -> Self {
        self.path = path;
        self.facts.relays = relays;
        self
    }

    /// Runs until the peer ends, then closes it and emits `Closed`.
    pub(crate) async fn run(
        mut self,
        mut requests: mpsc::Receiver<Request>,
        mut close: mpsc::Receiver<String>,
        signals: SessionChannels,
    ) {
        let SessionChannels {
            mut state,
            mut channels,
            ..
        } = signals;
        let mut state_alive = true;
        let end = loop {
            let channel = self.channel.clone();
            let deadline = self.next_deadline();
            let end = tokio::select! {
                biased;
                reason = close.recv() => match reason {
                    Some(reason) => End::with_bye(reason),
                    None => End::with_bye("closed: every handle was dropped"),
                },
                request = requests.recv() => match request {
                    Some(request) => self.on_request(request).await,
                    None => End::with_bye("closed: every handle was dropped"),
                },
                changed = state.changed(), if state_alive => {
                    if changed.is_ok() {
                        let current = *state.borrow_and_update();
                        self.on_state(current)
                    } else {
                        state_alive = false;
                        None
                    }
                },
                Some(channel) = channels.recv() => {
                    self.adopt(channel).await;
                    None
                },
                event = next_channel_event(channel.as_deref()) => self.on_channel_event(event).await,
                _ = sleep_until(deadline) => self.on_tick().await,
            };
            if let Some(end) = end {
                break end;
            }
        };
        let end = if end.drain {
            self.drain_incoming(end).await
        } else {
            end
        };
        self.finish(end, &mut requests).await;
    }

    /// After the remote closed the channel or the connection, delivers the messages it sent
    /// before, in order, until none has come for [`CLOSE_DRAIN_QUIET`] (at most
    /// [`CLOSE_DRAIN_LIMIT`]). A `bye` among them names the end.
    ///
    /// Needed because 0.21's driver hands the application a channel's *events* before the
    /// *messages* decoded from the same packets (`poll_events` runs before `poll_reads`), so a
    /// `send()` followed at once by `close()` — what a browser does when its guest leaves or
    /// its tab closes — reaches this task as `OnClose` first, then the messages; the connection
    /// state watch, polled before the channel, can overtake them the same way.
    async fn drain_incoming(&mut self, end: End) -> End {
        let Some(channel) = self.channel.clone().filter(|_| self.open) else {
            return end;
        };
        let give_up = Instant::now() + CLOSE_DRAIN_LIMIT;
        loop {
            let quiet = (Instant::now() + CLOSE_DRAIN_QUIET).min(give_up);
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

    fn next_deadline(&self) -> Instant {
        let now = Instant::now();
        let mut deadline = now + IDLE;
        if let Some(at) = self.connect_deadline {
            deadline = deadline.min(at);
        }
        if let Some(since) = self.disconnected_since {
            deadline = deadline.min(since + DISCONNECT_GRACE);
        }
        if self.open && !self.outbox.is_empty() {
            deadline = deadline.min(now + OUTBOX_RETRY);
        }
        if self.nudging() {
            let every = if self.relayed() {
                RELAY_NUDGE_INTERVAL
            } else {
                NUDGE_INTERVAL
            };
            deadline = deadline.min(now + every);
        }
        deadline
    }

    /// Whether the driver needs waking: the offerer is connecting (answer applied, not open),
    /// or the channel runs through a relay, whose data 0.21 hands on only at the driver's
    /// next wake (`reach.rs`, [`RELAY_NUDGE_INTERVAL`]).
    fn nudging(&self) -> bool {
        (!self.open && self.role == (Role::Offerer { answered: true }) && self.channel.is_some())
            || self.relayed()
    }

    /// Whether the open channel runs through a relay.
    fn relayed(&self) -> bool {
        self.open && self.path.0.get() == Some(&crate::app::ConnPath::Relay)
    }

    /// Wakes the driver so it flushes what the core queued (a no-op setter; the low threshold
    /// is set for real when the channel opens).
    async fn nudge(&self) {
        if let Some(channel) = &self.channel {
            let _ = channel.set_buffered_amount_low_threshold(0).await;
        }
    }

    async fn on_request(&mut self, request: Request) -> Option<End> {
        match request {
            Request::ApplyAnswer { sdp, reply } => {
                let outcome = self.apply_answer(sdp).await;
                let _ = reply.send(outcome);
                None
            }
            Request::Send(text) => {
                self.queued.fetch_sub(text.len(), Ordering::AcqRel);
                self.queue(text).await
            }
            Request::Raw(bytes) => {
                match &self.channel {
                    Some(channel) if self.open => {
                        if let Err(e) = channel.try_send(BytesMut::from(&bytes[..])).await {
                            tracing::warn!(peer = self.id, "raw send refused: {e}");
                        }
                    }
                    _ => tracing::warn!(
                        peer = self.id,
                        "raw send before the channel opened; skipped"
                    ),
                }
                None
            }
            Request::Crash => panic!("peer task crash requested by a test"),
            file @ (Request::SendFile(_) | Request::ExpectFile(_) | Request::StopFile(_)) => {
                self.files.on_request(&self.pc, file).await;
                None
            }
            Request::Abort { connection: true } => {
                let _ = self.pc.close().await;
                End::quiet("aborted")
            }
            Request::Abort { connection: false } => {
                if let Some(channel) = &self.channel {
                    let _ = channel.close().await;
                }
                None
            }
        }
    }

    async fn apply_answer(&mut self, sdp: String) -> Result<(), RtcError> {
        if self.role != (Role::Offerer { answered: false }) {
            return Err(RtcError::UnexpectedAnswer);
        }
        let answer = RTCSessionDescription::answer(sdp)
            .map_err(|e| RtcError::InvalidAnswer(e.to_string()))?;
        if !has_data_channel(&answer.sdp) {
            return Err(RtcError::AnswerWithoutDataChannel);
        }
        super::network::note_mdns_candidates(&answer.sdp);
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

    /// Queues an encoded frame and sends what the channel takes now.
    async fn queue(&mut self, text: String) -> Option<End> {
        if !self.outbox.push(text) {
            return End::with_bye(SLOW_REMOTE);
        }
        self.flush().await;
        None
    }

    /// Hands queued frames to the channel until it is empty or SCTP is at its limit.
    async fn flush(&mut self) {
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

    fn on_state(&mut self, state: RTCPeerConnectionState) -> Option<End> {
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

    /// Takes a channel the remote opened if it is the `janus` one we lack; closes others.
    async fn adopt(&mut self, channel: Arc<dyn DataChannel>) {
        let label = channel.label().await.unwrap_or_default();
        if self.channel.is_none() && label == CHANNEL_LABEL {
            self.channel = Some(channel);
        } else if label.starts_with(FILE_CHANNEL_PREFIX) {
            self.files.adopt(&label, channel).await;
        } else {
            tracing::debug!(peer = self.id, label, "closing an unexpected data channel");
            let _ = channel.close().await;
        }
    }

    async fn on_channel_event(&mut self, event: Option<DataChannelEvent>) -> Option<End> {
        match event {
            Some(DataChannelEvent::OnOpen) => {
                if !self.open {
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
                None
            }
            Some(DataChannelEvent::OnMessage(message)) => self.on_message(&message.data).await,
            Some(DataChannelEvent::OnBufferedAmountLow) => {
                self.flush().await;
                None
            }
            Some(DataChannelEvent::OnClose) | None => End::by_remote("the data channel closed"),
            Some(other) => {
                tracing::trace!(peer = self.id, ?other, "data channel event");
                None
            }
        }
    }

    async fn on_message(&mut self, data: &[u8]) -> Option<End> {
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

    async fn on_tick(&mut self) -> Option<End> {
        let now = Instant::now();
        if self.connect_deadline.is_some_and(|at| now >= at) {
            if let Role::Offerer { .. } = self.role {
                let local = self.pc.local_description().await.map(|d| d.sdp);
                self.facts.local_relay = local.is_some_and(|sdp| has_relay_candidate(&sdp));
                return End::quiet(connect_failure(self.facts));
            }
            let limit = ANSWERER_CONNECT_TIMEOUT.as_secs();
            return End::quiet(format!("could not connect within {limit} s"));
        }
        if self
            .disconnected_since
            .is_some_and(|since| now >= since + DISCONNECT_GRACE)
        {
            return End::quiet("the connection was lost");
        }
        if self.nudging() {
            self.nudge().await;
        }
        self.flush().await;
        None
    }

    async fn emit(&self, event: PeerEvent) {
        // A host that dropped its receiver is shutting down; nothing to do about it.
        let _ = self.events.send((self.id, event)).await;
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

    /// Says `bye` if asked and possible, closes the channel and the connection, emits `Closed`.
    async fn finish(mut self, end: End, requests: &mut mpsc::Receiver<Request>) {
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

/// The next event of the channel, or never if there is none yet.
async fn next_channel_event(channel: Option<&dyn DataChannel>) -> Option<DataChannelEvent> {
    match channel {
        Some(channel) => channel.poll().await,
        None => std::future::pending().await,
    }
}
