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

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use webrtc::data_channel::{DataChannel, RTCDataChannelInit};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceGatheringState, RTCIceServer, RTCIceTransportPolicy, RTCPeerConnectionState,
    RTCSessionDescription, SettingEngineBuilder,
};

use super::protocol::{self, Frame, MAX_FRAME_BYTES};
use super::session::{Role, Session, SessionChannels};

/// Identifies one peer session; chosen by the caller and echoed on every event.
pub use crate::app::PeerId;

/// Label of the one data channel the offerer opens (PROTOCOL.md "The channel").
pub const CHANNEL_LABEL: &str = "janus";
/// STUN server used when none is configured (PROTOCOL.md "ICE": public STUN by default).
pub const DEFAULT_STUN: &str = "stun:stun.l.google.com:19302";
/// How long ICE waits, from the start of checks, before it may nominate a pair whose remote
/// candidate is peer-reflexive (learnt from the peer's own check, not from its SDP). 0.21
/// defaults to 1 s. ICE is not trickled here, so every candidate the remote has is in its SDP
/// from the start and no better pair can turn up later; a prflx pair is simply the path the
/// peer's packets really take: a browser's mDNS `.local` name the host cannot resolve, a NAT
/// the host's STUN view does not match, or a host bound to 127.0.0.1 (the demo) while
/// Chromium never offers a loopback candidate. Waiting costs more than the second itself:
/// a browser answerer is the DTLS client, starts its handshake as soon as its own check
/// succeeds, and 0.21 drops DTLS until its side has selected a pair, so the ClientHello
/// lands on the browser's next exponential retransmit.
pub(crate) const PRFLX_ACCEPTANCE_MIN_WAIT: Duration = Duration::ZERO;
/// ICE connectivity-check pacing while checking (0.21's default is 200 ms; 50 ms is
/// RFC 8445's Ta). Each check, pairing and nomination step waits for the next tick, so this
/// bounds how soon a pair is selected. After that 0.21 ticks at 200 ms again.
pub(crate) const ICE_CHECK_INTERVAL: Duration = Duration::from_millis(50);
/// Unanswered checks before a pair is given up: 28 × 50 ms keeps 0.21's default budget of
/// 7 × 200 ms = 1.4 s for slow paths.
pub(crate) const ICE_MAX_BINDING_REQUESTS: u16 = 28;
/// Commands (sends, closes, answers) that may wait for the peer task; `send` fails fast beyond.
/// A busy room sends bursts (every member's message to every other member), so the queue
/// is long; what bounds its memory is [`SEND_QUEUE_BYTES`].
pub(crate) const COMMAND_QUEUE: usize = 4096;
/// Bytes of encoded frames that may wait in the command queue for the peer task; `send`
/// fails with [`RtcError::QueueFull`] beyond (one frame is always admitted into an empty
/// queue). Per peer, so a slow member of a room fills only its own.
pub(crate) const SEND_QUEUE_BYTES: usize = 4 * 1024 * 1024;
/// Per-channel cap on bytes handed to SCTP but not yet acknowledged (ARCHITECTURE.md "Design
/// decisions, and why": 0.21 buffers without bound unless told). Beyond it frames wait in the session's outbox.
pub(crate) const SEND_BUFFER_LIMIT: usize = 1024 * 1024;

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

/// Requests from handles to the peer task.
#[derive(Debug)]
pub(crate) enum Request {
    /// Apply an answer and report the outcome.
    ApplyAnswer {
        sdp: String,
        reply: oneshot::Sender<Result<(), RtcError>>,
    },
    /// An encoded frame, already checked against the size limit.
    Send(String),
    /// Test hook: bytes sent as one binary message, unchecked.
    Raw(Vec<u8>),
    /// Test hook: close the data channel now (and the whole connection if `connection`), with
    /// no `bye` and no wait for acknowledgements, as a browser does on `RTCDataChannel.close()`
    /// right after `send()`, or when its tab closes.
    Abort { connection: bool },
    /// Test hook: the peer task panics, as a bug in it would.
    Crash,
    /// Open `file:{id}` and send a file on it (`file_channel.rs`).
    SendFile(super::file_channel::FileSource),
    /// Take the remote's `file:{id}` channel when it opens, into this `.part`.
    ExpectFile(super::file_channel::FileSink),
    /// Stop the transfer with this id.
    StopFile(String),
}

/// Cheap, cloneable access to one peer task. When the last clone is dropped the peer closes.
#[derive(Debug, Clone)]
pub struct PeerHandle {
    /// The id events from this peer carry.
    pub id: PeerId,
    /// Bounded queue into the task: a peer that stops draining makes `send` fail fast instead
    /// of growing memory.
    requests: mpsc::Sender<Request>,
    /// Separate one-slot queue for `close`, so a close is never refused because the request
    /// queue is full. The task drains queued sends before its `bye`, keeping their order.
    close: mpsc::Sender<String>,
    /// Bytes of `Send` requests queued and not yet taken by the task (bounded by
    /// [`SEND_QUEUE_BYTES`]); the task subtracts what it takes.
    queued: Arc<AtomicUsize>,
    /// The path ICE selected, set by the task when the channel opens.
    path: super::reach::PathCell,
}

impl PeerHandle {
    /// Applies the answer SDP from the guest. Errors say why (not SDP, no data channel,
    /// refused by the connection, not expected); a failed answer leaves the peer waiting for
    /// another. Keep draining the events channel meanwhile: the task may be waiting on it.
    pub async fn apply_answer(&self, sdp: String) -> Result<(), RtcError> {
        let (reply, outcome) = oneshot::channel();
        self.requests
            .send(Request::ApplyAnswer { sdp, reply })
            .await
            .map_err(|_| RtcError::Closed)?;
        outcome.await.map_err(|_| RtcError::Closed)?
    }

    /// Queues a frame without waiting. Frames queued before `Open` go out once it opens.
    pub fn send(&self, frame: Frame) -> Result<(), RtcError> {
        let text = protocol::encode(&frame);
        if text.len() > MAX_FRAME_BYTES {
            return Err(RtcError::FrameTooLarge(text.len()));
        }
        let len = text.len();
        let queued = self.queued.load(Ordering::Acquire);
        if queued > 0 && queued + len > SEND_QUEUE_BYTES {
            return Err(RtcError::QueueFull);
        }
        self.queued.fetch_add(len, Ordering::AcqRel);
        let sent = self.enqueue(Request::Send(text));
        if sent.is_err() {
            self.queued.fetch_sub(len, Ordering::AcqRel);
        }
        sent
    }

    /// Asks the peer to send `bye` with this reason (best effort) and close. Idempotent.
    pub fn close(&self, reason: &str) {
        // Full means a close is already pending; closed means the peer is gone. Both are fine.
        let _ = self.close.try_send(reason.to_string());
    }

    /// Runs one [`PeerCommand`].
    pub async fn command(&self, command: PeerCommand) -> Result<(), RtcError> {
        match command {
            PeerCommand::ApplyAnswer(sdp) => self.apply_answer(sdp).await,
            PeerCommand::Send(frame) => self.send(frame),
            PeerCommand::Close { reason } => {
                self.close(&reason);
                Ok(())
            }
        }
    }

    /// The path the connection took (direct or relay); `None` before `Open`.
    pub fn path(&self) -> Option<crate::app::ConnPath> {
        self.path.0.get().copied()
    }

    /// Whether the peer task has ended (after `Closed` was emitted or is being emitted).
    pub fn is_closed(&self) -> bool {
        self.requests.is_closed()
    }

    /// Waits until the peer task has finished closing: its `bye` acknowledged (or given up
    /// on after `BYE_FLUSH_TIMEOUT`), the channel and the connection closed. Bound it.
    pub async fn closed(&self) {
        self.requests.closed().await
    }

    /// Test hook: sends `bytes` as one binary message with no encoding or size check, to
    /// exercise the remote's refusal paths. Not part of the API.
    #[doc(hidden)]
    pub fn send_raw_for_tests(&self, bytes: Vec<u8>) -> Result<(), RtcError> {
        self.enqueue(Request::Raw(bytes))
    }

    /// Test hook: after what is already queued, closes the data channel at once (and the whole
    /// connection if `connection`), with no `bye` and no wait for acknowledgements, as a browser
    /// does. Exercises the remote's handling of messages that arrive with the close. Not part
    /// of the API.
    #[doc(hidden)]
    pub fn abort_for_tests(&self, connection: bool) -> Result<(), RtcError> {
        self.enqueue(Request::Abort { connection })
    }

    /// Test hook: makes the peer task panic, to exercise its supervision (the peer is then
    /// reported `Closed`). Not part of the API.
    #[doc(hidden)]
    pub fn crash_for_tests(&self) -> Result<(), RtcError> {
        self.enqueue(Request::Crash)
    }

    pub(super) fn enqueue(&self, request: Request) -> Result<(), RtcError> {
        self.requests.try_send(request).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => RtcError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => RtcError::Closed,
        })
    }
}

/// Creates the offering side: opens the `janus` channel, gathers ICE, returns the offer SDP.
pub async fn start_offerer(
    cfg: &RtcConfig,
    id: PeerId,
    events: mpsc::Sender<(PeerId, PeerEvent)>,
) -> Result<(PeerHandle, String), RtcError> {
    let (pc, mut signals) = build(cfg, Side::Offer).await?;
    let guard = CloseUnlessDisarmed::new(&pc);
    let relays = cfg.relays.len();
    let init = RTCDataChannelInit {
        ordered: true,
        ..Default::default()
    };
    let channel = pc
        .create_data_channel(CHANNEL_LABEL, Some(init))
        .await
        .map_err(|e| RtcError::Setup(format!("creating the data channel: {e}")))?;
    let offer = pc
        .create_offer(None)
        .await
        .map_err(|e| RtcError::Setup(format!("creating the offer: {e}")))?;
    pc.set_local_description(offer)
        .await
        .map_err(|e| RtcError::Setup(format!("applying the offer locally: {e}")))?;
    let sdp = gathered_sdp(pc.as_ref(), &mut signals.gathered, cfg.gather_timeout).await?;
    guard.disarm();
    let role = Role::Offerer { answered: false };
    let handle = spawn(id, pc, role, true, Some(channel), signals, events, relays);
    Ok((handle, sdp))
}

/// Creates the answering side for `offer_sdp`, gathers ICE, returns the answer SDP. The
/// remote's `janus` channel is adopted when it opens.
pub async fn start_answerer(
    cfg: &RtcConfig,
    id: PeerId,
    offer_sdp: &str,
    events: mpsc::Sender<(PeerId, PeerEvent)>,
) -> Result<(PeerHandle, String), RtcError> {
    answer(cfg, id, offer_sdp, events, false).await
}

/// [`start_answerer`] for the host in flow B: the remote that made the offer is a guest, so
/// its frames get the guest flood limits (PROTOCOL.md "Limits and what happens on abuse"),
/// whatever the WebRTC roles.
pub async fn start_guest_answerer(
    cfg: &RtcConfig,
    id: PeerId,
    offer_sdp: &str,
    events: mpsc::Sender<(PeerId, PeerEvent)>,
) -> Result<(PeerHandle, String), RtcError> {
    answer(cfg, id, offer_sdp, events, true).await
}

async fn answer(
    cfg: &RtcConfig,
    id: PeerId,
    offer_sdp: &str,
    events: mpsc::Sender<(PeerId, PeerEvent)>,
    remote_is_guest: bool,
) -> Result<(PeerHandle, String), RtcError> {
    // Refuse bad input before binding any socket.
    let offer = RTCSessionDescription::offer(offer_sdp.to_string())
        .map_err(|e| RtcError::InvalidOffer(e.to_string()))?;
    if !has_data_channel(offer_sdp) {
        return Err(RtcError::OfferWithoutDataChannel);
    }
    let (pc, mut signals) = build(cfg, Side::Answer).await?;
    let guard = CloseUnlessDisarmed::new(&pc);
    pc.set_remote_description(offer)
        .await
        .map_err(|e| RtcError::OfferRejected(e.to_string()))?;
    let answer = pc
        .create_answer(None)
        .await
        .map_err(|e| RtcError::OfferRejected(format!("creating the answer: {e}")))?;
    pc.set_local_description(answer)
        .await
        .map_err(|e| RtcError::Setup(format!("applying the answer locally: {e}")))?;
    let sdp = gathered_sdp(pc.as_ref(), &mut signals.gathered, cfg.gather_timeout).await?;
    guard.disarm();
    let relays = cfg.relays.len();
    let handle = spawn(
        id,
        pc,
        Role::Answerer,
        remote_is_guest,
        None,
        signals,
        events,
        relays,
    );
    Ok((handle, sdp))
}

/// Closes a connection being set up unless setup completes: on an error, and also when the
/// caller drops the `start_*` future midway. 0.21 neither stops its driver nor releases its
/// sockets when a connection is merely dropped.
struct CloseUnlessDisarmed {
    /// A second reference to the connection under construction.
    pc: Arc<dyn PeerConnection>,
    /// Cleared once the session task owns the connection (it closes it itself).
    armed: bool,
}

impl CloseUnlessDisarmed {
    fn new(pc: &Arc<dyn PeerConnection>) -> Self {
        Self {
            pc: pc.clone(),
            armed: true,
        }
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for CloseUnlessDisarmed {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // `Drop` cannot await: close on the runtime (absent only if it is shutting down,
        // which stops every task and socket anyway).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let pc = self.pc.clone();
            runtime.spawn(async move {
                let _ = pc.close().await;
            });
        }
    }
}

/// Whether an SDP negotiates a data channel at all (an SCTP application section).
pub(crate) fn has_data_channel(sdp: &str) -> bool {
    sdp.lines().any(|line| line.starts_with("m=application"))
}

/// Which description this side creates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Offer,
    Answer,
}

/// Builds the connection and the handler that forwards its callbacks to the session.
///
/// ICE nominates peer-reflexive pairs without waiting and checks at RFC 8445's pace (see
/// [`PRFLX_ACCEPTANCE_MIN_WAIT`], [`ICE_CHECK_INTERVAL`]): with 0.21's defaults a Chromium
/// answerer took ~1.6 s from answer to open against a host bound to 127.0.0.1, ~0.1 s now.
///
/// The answerer takes the DTLS server role (`a=setup:passive`), so the offerer, which holds
/// the data channel from the start, drives DTLS, SCTP and DCEP. That is what lets the session
/// nudge 0.21's driver past its stalls (see `session.rs`); it costs nothing here because ICE
/// is not trickled, so no handshake can start before the offerer has the answer anyway.
async fn build(
    cfg: &RtcConfig,
    side: Side,
) -> Result<(Arc<dyn PeerConnection>, SessionChannels), RtcError> {
    // webrtc 0.21 skips `stuns:`, and TURN servers need credentials, which go in `relays`;
    // refuse both here with a clear message rather than gather nothing.
    if let Some(bad) = cfg.ice_servers.iter().find(|url| !url.starts_with("stun:")) {
        return Err(RtcError::BadIceServer(bad.clone()));
    }
    // Named hosts become IP literals here, so webrtc neither resolves them for every offer
    // nor logs an error each time it cannot (`network.rs`).
    let mut ice_servers: Vec<RTCIceServer> = super::network::resolve_stun_servers(&cfg.ice_servers)
        .await
        .into_iter()
        .map(|url| RTCIceServer {
            urls: vec![url],
            ..Default::default()
        })
        .collect();
    ice_servers.extend(super::turn::rtc_servers(&cfg.relays));
    let (gathered_tx, gathered) = watch::channel(false);
    let (state_tx, state) = watch::channel(RTCPeerConnectionState::New);
    let (channel_tx, channels) = mpsc::channel(CHANNEL_ANNOUNCE_QUEUE);
    let handler = Handler {
        gathered: gathered_tx,
        state: state_tx,
        channels: channel_tx,
    };
    let mut settings = SettingEngineBuilder::new()
        .with_prflx_acceptance_min_wait(Some(PRFLX_ACCEPTANCE_MIN_WAIT))
        .with_ice_connection_attempts(Some(ICE_CHECK_INTERVAL), Some(ICE_MAX_BINDING_REQUESTS));
    if side == Side::Answer {
        // `RTCDtlsRole` is not re-exported by webrtc 0.21 (it lives in `rtc`, not a direct
        // dependency); it is serde-deserializable, so it is built from its wire name.
        let server = serde_json::from_str("\"server\"")
            .map_err(|e| RtcError::Setup(format!("DTLS role: {e}")))?;
        settings = settings.with_answering_dtls_role(server);
    }
    let mut configuration = RTCConfigurationBuilder::new().with_ice_servers(ice_servers);
    if cfg.relay_only {
        configuration = configuration.with_ice_transport_policy(RTCIceTransportPolicy::Relay);
    }
    let pc = PeerConnectionBuilder::new()
        .with_setting_engine(settings.build())
        .with_configuration(configuration.build())
        .with_handler(Arc::new(handler))
        .with_udp_addrs(vec![SocketAddr::new(cfg.bind_addr, 0)])
        .with_data_channel_send_buffer_limit(SEND_BUFFER_LIMIT)
        .build()
        .await
        .map_err(|e| RtcError::Setup(e.to_string()))?;
    Ok((
        Arc::new(pc),
        SessionChannels {
            gathered,
            state,
            channels,
        },
    ))
}

/// Waits for ICE gathering to complete, or `timeout`, then reads the local SDP (which then
/// carries every candidate gathered so far).
async fn gathered_sdp(
    pc: &dyn PeerConnection,
    gathered: &mut watch::Receiver<bool>,
    timeout: Duration,
) -> Result<String, RtcError> {
    let done = tokio::time::timeout(timeout, async {
        gathered.wait_for(|done| *done).await.map(|_| ())
    })
    .await;
    if done.is_err() {
        tracing::debug!(
            ?timeout,
            "ICE gathering still running; using the candidates gathered so far"
        );
    }
    pc.local_description()
        .await
        .map(|desc| desc.sdp)
        .ok_or_else(|| RtcError::Setup("no local description after ICE gathering".into()))
}

fn spawn(
    id: PeerId,
    pc: Arc<dyn PeerConnection>,
    role: Role,
    remote_is_guest: bool,
    channel: Option<Arc<dyn DataChannel>>,
    signals: SessionChannels,
    events: mpsc::Sender<(PeerId, PeerEvent)>,
    relays: usize,
) -> PeerHandle {
    let (requests, requests_rx) = mpsc::channel(COMMAND_QUEUE);
    let (close, close_rx) = mpsc::channel(1);
    let queued = Arc::new(AtomicUsize::new(0));
    let path = super::reach::PathCell::default();
    let mut session = Session::new(id, pc, role, channel, events.clone(), queued.clone())
        .with_reach(path.clone(), relays);
    session.set_remote_is_guest(remote_is_guest);
    let task = tokio::spawn(session.run(requests_rx, close_rx, signals));
    // Supervision: a peer task that crashes cannot be restarted (its connection is gone
    // with it), but it must still end with `Closed`, so the core frees the guest's slot
    // and says so instead of showing a conversation that never ends.
    tokio::spawn(async move {
        if let Err(e) = task.await {
            if e.is_panic() {
                tracing::error!(peer_id = id, "the peer task crashed");
                let reason = "the connection's task crashed (a bug in Janus; please report it); the guest can ask again".to_string();
                let _ = events.send((id, PeerEvent::Closed { reason })).await;
            }
        }
    });
    PeerHandle {
        id,
        requests,
        close,
        queued,
        path,
    }
}

/// Remote-opened channels waiting for the task; beyond this, extra channels are refused.
const CHANNEL_ANNOUNCE_QUEUE: usize = 4;

/// Forwards the driver's callbacks to the session without ever blocking the driver (its
/// callbacks run on the task that also drives ICE, DTLS and SCTP timers).
struct Handler {
    /// Flips to `true` when ICE gathering completes; `start_*` waits on it.
    gathered: watch::Sender<bool>,
    /// Latest connection state; only the latest matters (failed, disconnected, …).
    state: watch::Sender<RTCPeerConnectionState>,
    /// Data channels the remote opened; bounded so a remote opening channels in a loop
    /// cannot grow memory (extras are dropped and logged).
    channels: mpsc::Sender<Arc<dyn DataChannel>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.send_replace(true);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!(%state, "peer connection state");
        self.state.send_replace(state);
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        if self.channels.try_send(channel).is_err() {
            tracing::warn!("remote opened more data channels than expected; ignoring one");
        }
    }
}

#[cfg(test)]
mod tests;
