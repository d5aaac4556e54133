//! The peer registry: creates offerer peers, routes effects to them and their events back
//! to the core as `Event`s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use crate::app::Event;
use crate::rtc::peer::{self, PeerEvent, PeerHandle, PeerId, RtcConfig};
use crate::rtc::protocol::Frame;
use crate::signal::token::{self, SignalPayload, TokenKind};

/// Shared handle to every live peer.
#[derive(Clone)]
pub struct Peers {
    /// std Mutex: held only to insert, look up or remove a handle, never across an await.
    handles: Arc<Mutex<HashMap<PeerId, PeerHandle>>>,
    /// How peers gather and bind.
    rtc: Arc<RtcConfig>,
    /// Where peer events go, translated into core events.
    peer_events: mpsc::Sender<(PeerId, PeerEvent)>,
    /// The core's event queue (offer results).
    events: mpsc::Sender<Event>,
    /// Offer lifetime in seconds, written into the token's `exp`.
    offer_ttl: u64,
}

impl Peers {
    pub fn new(rtc: RtcConfig, events: mpsc::Sender<Event>, offer_ttl: u64) -> Peers {
        let (peer_events, mut rx) = mpsc::channel::<(PeerId, PeerEvent)>(1024);
        let handles: Arc<Mutex<HashMap<PeerId, PeerHandle>>> = Arc::default();
        let forward_events = events.clone();
        let forward_handles = handles.clone();
        tokio::spawn(async move {
            while let Some((peer_id, ev)) = rx.recv().await {
                let event = match ev {
                    PeerEvent::Open => Event::PeerOpen { peer_id },
                    PeerEvent::Frame(frame) => Event::PeerFrame { peer_id, frame },
                    PeerEvent::Dropped { reason, total } => Event::PeerDropped {
                        peer_id,
                        reason,
                        total,
                    },
                    PeerEvent::Closed { reason } => {
                        forward_handles
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .remove(&peer_id);
                        Event::PeerClosed { peer_id, reason }
                    }
                };
                if forward_events.send(event).await.is_err() {
                    break;
                }
            }
        });
        Peers {
            handles,
            rtc: Arc::new(rtc),
            peer_events,
            events,
            offer_ttl,
        }
    }

    fn handle(&self, peer_id: PeerId) -> Option<PeerHandle> {
        self.handles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&peer_id)
            .cloned()
    }

    /// Creates an offerer in the background; reports `OfferReady` or `OfferFailed`.
    pub fn create_offer(&self, peer_id: PeerId, issue: u64) {
        let this = self.clone();
        tokio::spawn(async move {
            let event =
                match peer::start_offerer(&this.rtc, peer_id, this.peer_events.clone()).await {
                    Ok((handle, sdp)) => {
                        let sid = token::new_sid();
                        let expires_at = super::unix_now() + this.offer_ttl;
                        let payload = SignalPayload {
                            sid: sid.clone(),
                            sdp,
                            exp: Some(expires_at),
                        };
                        let token = token::encode(TokenKind::Offer, &payload);
                        this.handles
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(peer_id, handle);
                        Event::OfferReady {
                            peer_id,
                            issue,
                            sid,
                            token,
                            expires_at,
                        }
                    }
                    Err(e) => Event::OfferFailed {
                        peer_id,
                        issue,
                        error: e.to_string(),
                    },
                };
            let _ = this.events.send(event).await;
        });
    }

    pub fn apply_answer(&self, peer_id: PeerId, sdp: String) {
        let Some(handle) = self.handle(peer_id) else {
            let _ = self.events.try_send(Event::AnswerFailed {
                peer_id,
                error: "the peer is gone".into(),
            });
            return;
        };
        let events = self.events.clone();
        tokio::spawn(async move {
            if let Err(e) = handle.apply_answer(sdp).await {
                let _ = events
                    .send(Event::AnswerFailed {
                        peer_id,
                        error: e.to_string(),
                    })
                    .await;
            }
        });
    }

    pub fn send(&self, peer_id: PeerId, frame: Frame) {
        if let Some(handle) = self.handle(peer_id) {
            if let Err(e) = handle.send(frame) {
                tracing::debug!(peer_id, "send failed: {e}");
            }
        }
    }

    pub fn close(&self, peer_id: PeerId, reason: &str) {
        let handle = self
            .handles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&peer_id);
        if let Some(handle) = handle {
            handle.close(reason);
        }
    }

    /// Closes every peer (sending `bye`) and gives them a moment to flush.
    pub async fn close_all(&self, reason: &str) {
        let all: Vec<PeerHandle> = self
            .handles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .map(|(_, h)| h)
            .collect();
        let had_any = !all.is_empty();
        for handle in all {
            handle.close(reason);
        }
        if had_any {
            tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        }
    }
}
