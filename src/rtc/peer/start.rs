//! The `start_*` functions: each sets one connection up (refusing bad input before any
//! socket is bound), gathers ICE, and spawns the session task that owns it from then on.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, RTCDataChannelInit};
use webrtc::peer_connection::{PeerConnection, RTCSessionDescription};

use super::connection::{build, gathered_sdp, has_data_channel, Side};
use super::{PeerEvent, PeerHandle, PeerId, RtcConfig, RtcError, CHANNEL_LABEL, COMMAND_QUEUE};
use crate::rtc::session::{Role, Session, SessionChannels};

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
    let set_up = SetUp {
        pc,
        role: Role::Offerer { answered: false },
        remote_is_guest: true,
        channel: Some(channel),
        signals,
        relays,
    };
    let handle = spawn(id, set_up, events);
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
    let set_up = SetUp {
        pc,
        role: Role::Answerer,
        remote_is_guest,
        channel: None,
        signals,
        relays,
    };
    let handle = spawn(id, set_up, events);
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

/// A connection `start_*` has set up, ready for its session task.
struct SetUp {
    /// The connection; the task owns (and closes) it from now on.
    pc: Arc<dyn PeerConnection>,
    /// Offerer or answerer.
    role: Role,
    /// Whether the remote's frames get the guest flood limits (see `session/incoming.rs`).
    remote_is_guest: bool,
    /// The `janus` channel, if this side created it (the offerer); the answerer adopts the
    /// remote's.
    channel: Option<Arc<dyn DataChannel>>,
    /// The receivers fed by the connection's handler.
    signals: SessionChannels,
    /// How many credentialed relays this peer gathers from (for the connect diagnosis).
    relays: usize,
}

/// Starts the session task for `set_up` (and its supervisor), returns the handle to it.
fn spawn(id: PeerId, set_up: SetUp, events: mpsc::Sender<(PeerId, PeerEvent)>) -> PeerHandle {
    let SetUp {
        pc,
        role,
        remote_is_guest,
        channel,
        signals,
        relays,
    } = set_up;
    let (requests, requests_rx) = mpsc::channel(COMMAND_QUEUE);
    let (close, close_rx) = mpsc::channel(1);
    let queued = Arc::new(AtomicUsize::new(0));
    let path = crate::rtc::reach::PathCell::default();
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
