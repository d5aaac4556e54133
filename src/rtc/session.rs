//! The task behind each [`PeerHandle`](super::peer::PeerHandle): owns one peer connection and
//! its `janus` data channel, turns requests into sends and channel traffic into events.
//!
//! One `select!` loop, no shared state. Incoming messages pass the flood guard (`flood.rs`),
//! then `protocol::decode`. Outgoing frames go through a byte-bounded outbox in front of the
//! data channel: 0.21's `send()` would otherwise buffer without bound (ARCHITECTURE.md), so the
//! connection is built with a per-channel send-buffer limit, frames are handed over with the
//! non-blocking `try_send_text`, and what does not fit waits (`send`) until SCTP drains
//! (`OnBufferedAmountLow`, or a short backstop tick). A remote that stops reading for long
//! enough to fill the outbox is closed. Memory per peer is thus bounded by
//! `SEND_QUEUE_BYTES` (+ 64 KiB) + [`OUTBOX_LIMIT`] + `SEND_BUFFER_LIMIT`.
//!
//! Every exit path goes through `Session::finish`, which closes the connection (releasing
//! its sockets: 0.21 does not stop the driver on drop) and emits `Closed` exactly once. When
//! the *remote* ended it (channel or connection closed), `Session::drain_incoming` first
//! delivers the messages that came with the close: 0.21 reports the close before them.
//!
//! The parts: `connect` (applying the answer, the channel opening, waking webrtc's driver
//! while it connects or relays, and why), `incoming` (adopting the remote's channels, the
//! flood guard and decoding), `send` (the outbox in front of the channel) and `close` (why
//! the loop ended, reading what came with a remote's close, `bye`, `Closed`). This file
//! holds the state, the `select!` loop, requests and the timer.

mod close;
mod connect;
mod incoming;
mod send;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep_until, Instant};
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::peer_connection::{PeerConnection, RTCPeerConnectionState};

use super::file_channel::FileChannels;
use super::flood::FloodGuard;
use super::outbox::Outbox;
use super::peer::{PeerEvent, PeerId, Request};
use super::reach::{connect_failure, has_relay_candidate, PathCell, ReachFacts};
use close::End;
use connect::{ANSWERER_CONNECT_TIMEOUT, DISCONNECT_GRACE, NUDGE_INTERVAL, RELAY_NUDGE_INTERVAL};
use incoming::flood_limits;
use send::{OUTBOX_LIMIT, OUTBOX_RETRY};

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
    /// Messages read from the `janus` channel: at the remote's close, reading goes on until
    /// this reaches what the connection counted (`close.rs`).
    messages_read: u64,
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

impl Session {
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
            messages_read: 0,
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

    async fn on_channel_event(&mut self, event: Option<DataChannelEvent>) -> Option<End> {
        match event {
            Some(DataChannelEvent::OnOpen) => {
                if !self.open {
                    self.on_open().await;
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
}

/// The next event of the channel, or never if there is none yet.
async fn next_channel_event(channel: Option<&dyn DataChannel>) -> Option<DataChannelEvent> {
    match channel {
        Some(channel) => channel.poll().await,
        None => std::future::pending().await,
    }
}
