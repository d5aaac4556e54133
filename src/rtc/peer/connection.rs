//! How a peer connection is built: its ICE servers and settings, the answerer's DTLS role,
//! the per-channel send-buffer limit, and the [`Handler`] that forwards its callbacks.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use webrtc::data_channel::DataChannel;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceGatheringState, RTCIceServer, RTCIceTransportPolicy, RTCPeerConnectionState,
    SettingEngineBuilder,
};

use super::{RtcConfig, RtcError};
use crate::rtc::session::SessionChannels;

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
/// How long ICE waits, from the start of its checks, before it may nominate a pair through a
/// relay. 0.21 defaults to 2 s, to give direct pairs time to succeed first. But ICE is not
/// trickled here: every candidate of both sides is known when checking starts, and a direct
/// pair that will work answers within a few round trips. 500 ms is what 0.21 already gives
/// server-reflexive pairs. In the NAT lab (two symmetric NATs), answer posted → channel open
/// went from 4.1 s to 2.4 s (BENCHMARKS.md, "Across NATs").
pub(crate) const RELAY_ACCEPTANCE_MIN_WAIT: Duration = Duration::from_millis(500);
/// ICE connectivity-check pacing while checking (0.21's default is 200 ms; 50 ms is
/// RFC 8445's Ta). Each check, pairing and nomination step waits for the next tick, so this
/// bounds how soon a pair is selected. After that 0.21 ticks at 200 ms again.
pub(crate) const ICE_CHECK_INTERVAL: Duration = Duration::from_millis(50);
/// Unanswered checks before a pair is given up: 28 × 50 ms keeps 0.21's default budget of
/// 7 × 200 ms = 1.4 s for slow paths.
pub(crate) const ICE_MAX_BINDING_REQUESTS: u16 = 28;
/// Per-channel cap on bytes handed to SCTP but not yet acknowledged (ARCHITECTURE.md "Design
/// decisions, and why": 0.21 buffers without bound unless told). Beyond it frames wait in the session's outbox.
pub(crate) const SEND_BUFFER_LIMIT: usize = 1024 * 1024;

/// Whether an SDP negotiates a data channel at all (an SCTP application section).
pub(crate) fn has_data_channel(sdp: &str) -> bool {
    sdp.lines().any(|line| line.starts_with("m=application"))
}

/// Which description this side creates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Offer,
    Answer,
}

/// Builds the connection and the handler that forwards its callbacks to the session.
///
/// ICE nominates peer-reflexive pairs without waiting, relayed ones after 500 ms, and checks
/// at RFC 8445's pace (see [`PRFLX_ACCEPTANCE_MIN_WAIT`], [`RELAY_ACCEPTANCE_MIN_WAIT`],
/// [`ICE_CHECK_INTERVAL`]): with 0.21's defaults a Chromium
/// answerer took ~1.6 s from answer to open against a host bound to 127.0.0.1, ~0.1 s now.
///
/// The answerer takes the DTLS server role (`a=setup:passive`), so the offerer, which holds
/// the data channel from the start, drives DTLS, SCTP and DCEP. That is what lets the session
/// nudge 0.21's driver past its stalls (see `session/connect.rs`); it costs nothing here because ICE
/// is not trickled, so no handshake can start before the offerer has the answer anyway.
pub(super) async fn build(
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
    let mut ice_servers: Vec<RTCIceServer> =
        crate::rtc::network::resolve_stun_servers(&cfg.ice_servers)
            .await
            .into_iter()
            .map(|url| RTCIceServer {
                urls: vec![url],
                ..Default::default()
            })
            .collect();
    ice_servers.extend(crate::rtc::turn::rtc_servers(&cfg.relays));
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
        .with_relay_acceptance_min_wait(Some(RELAY_ACCEPTANCE_MIN_WAIT))
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
pub(super) async fn gathered_sdp(
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
