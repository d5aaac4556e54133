//! The peer registry: creates offerer peers, routes effects to them and their events back
//! to the core as `Event`s. Every event is sent awaited (a full queue delays, never drops),
//! and at quit `close_all` waits, bounded, until each guest's `bye` got out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::Event;
use crate::rtc::peer::{self, PeerEvent, PeerHandle, PeerId, RtcConfig, RtcError};
use crate::rtc::protocol::Frame;
use crate::signal::token::{self, SignalPayload, TokenKind};

/// The longest `close_all` waits, at quit, for every peer's `bye` to be acknowledged and its
/// connection closed (a peer gives up on its own `bye` after 0.5 s; the rest is slack for
/// many peers closing at once on a busy runtime).
pub const CLOSE_ALL_LIMIT: Duration = Duration::from_secs(2);

/// Why a peer whose send queue overflowed is closed (its `bye` says so): it is not taking
/// what it is sent fast enough, and the others must not wait for it.
pub const SEND_QUEUE_FULL: &str =
    "too many messages waiting for you: the connection is closed, please reconnect";

/// One registered peer.
struct Entry {
    handle: PeerHandle,
    /// A close was asked for: no more sends, but it is still waited for at quit until its
    /// task reports `Closed`.
    closing: bool,
}

/// Shared handle to every live peer.
#[derive(Clone)]
pub struct Peers {
    /// std Mutex: held only to insert, look up or remove a handle, never across an await.
    /// A peer stays here until its task reports `Closed`, closing or not.
    handles: Arc<Mutex<HashMap<PeerId, Entry>>>,
    /// How peers gather and bind.
    rtc: Arc<RtcConfig>,
    /// Where peer events go, translated into core events.
    peer_events: mpsc::Sender<(PeerId, PeerEvent)>,
    /// The core's event queue (offer results).
    events: mpsc::Sender<Event>,
    /// Offer lifetime in seconds, written into the token's `exp`.
    offer_ttl: u64,
    /// Set by `close_all`: an offer that completes afterwards is closed at once.
    shutting_down: Arc<AtomicBool>,
}

impl Peers {
    pub fn new(rtc: RtcConfig, events: mpsc::Sender<Event>, offer_ttl: u64) -> Peers {
        let (peer_events, mut rx) = mpsc::channel::<(PeerId, PeerEvent)>(1024);
        let handles: Arc<Mutex<HashMap<PeerId, Entry>>> = Arc::default();
        let forward_events = events.clone();
        let forward_handles = handles.clone();
        tokio::spawn(async move {
            while let Some((peer_id, ev)) = rx.recv().await {
                let closed = matches!(ev, PeerEvent::Closed { .. });
                let event = match ev {
                    PeerEvent::Open => Event::PeerOpen { peer_id },
                    PeerEvent::Frame(frame) => Event::PeerFrame { peer_id, frame },
                    PeerEvent::Dropped { reason, total } => Event::PeerDropped {
                        peer_id,
                        reason,
                        total,
                    },
                    PeerEvent::Closed { reason } => Event::PeerClosed { peer_id, reason },
                    PeerEvent::File(report) => Event::File(report),
                };
                let sent = forward_events.send(event).await;
                if closed {
                    // Only once the core has its `PeerClosed`: `close_all` waits for this.
                    lock(&forward_handles).remove(&peer_id);
                }
                if sent.is_err() {
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
            shutting_down: Arc::default(),
        }
    }

    /// The handle of a peer that is not closing.
    fn handle(&self, peer_id: PeerId) -> Option<PeerHandle> {
        lock(&self.handles)
            .get(&peer_id)
            .filter(|e| !e.closing)
            .map(|e| e.handle.clone())
    }

    /// The handle of a live peer, for its file transfers (`host::files`).
    pub(super) fn live(&self, peer_id: PeerId) -> Option<PeerHandle> {
        self.handle(peer_id)
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
                        let closing = this.shutting_down.load(Ordering::SeqCst);
                        if closing {
                            handle.close("the maintainer went offline");
                        }
                        lock(&this.handles).insert(peer_id, Entry { handle, closing });
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
            // Awaited, not `try_send`: a full queue must delay this event, never lose it (the
            // request would wait for an answer that was already refused).
            let events = self.events.clone();
            tokio::spawn(async move {
                let _ = events
                    .send(Event::AnswerFailed {
                        peer_id,
                        error: "the peer is gone".into(),
                    })
                    .await;
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
            match handle.send(frame) {
                // A member too slow to take what it is sent (a busy room) is told and
                // closed; nobody else waits for it.
                Err(RtcError::QueueFull) => self.close(peer_id, SEND_QUEUE_FULL),
                Err(e) => tracing::debug!(peer_id, "send failed: {e}"),
                Ok(()) => {}
            }
        }
    }

    /// Asks the peer to say `bye` and close; it stays registered (for `close_all` to wait on)
    /// until its task reports `Closed`.
    pub fn close(&self, peer_id: PeerId, reason: &str) {
        let mut handles = lock(&self.handles);
        if let Some(entry) = handles.get_mut(&peer_id).filter(|e| !e.closing) {
            entry.closing = true;
            entry.handle.close(reason);
        }
    }

    /// At quit: closes every peer (each sends `bye`), then waits, at most [`CLOSE_ALL_LIMIT`],
    /// until every peer, including those already closing, has had its `bye` acknowledged and
    /// its connection closed, so the process does not exit before the guests hear of it.
    pub async fn close_all(&self, reason: &str) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let all: Vec<PeerHandle> = {
            let mut handles = lock(&self.handles);
            handles
                .values_mut()
                .map(|entry| {
                    if !entry.closing {
                        entry.closing = true;
                        entry.handle.close(reason);
                    }
                    entry.handle.clone()
                })
                .collect()
        };
        if all.is_empty() {
            return;
        }
        let started = tokio::time::Instant::now();
        // Done when every task has finished closing and the core has each one's `PeerClosed`
        // (the registry drops a peer only then), so the last render shows them gone.
        let waited = tokio::time::timeout(CLOSE_ALL_LIMIT, async {
            futures::future::join_all(all.iter().map(|h| h.closed())).await;
            while all.iter().any(|h| lock(&self.handles).contains_key(&h.id)) {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
        .await;
        match waited {
            Ok(()) => tracing::debug!(
                peers = all.len(),
                took = ?started.elapsed(),
                "every peer closed"
            ),
            Err(_) => {
                let open = all.iter().filter(|h| !h.is_closed()).count();
                tracing::warn!(
                    "{open} of {} guest connections did not finish closing within {} s; \
                     those guests may not have received the goodbye",
                    all.len(),
                    CLOSE_ALL_LIMIT.as_secs()
                );
            }
        }
    }
}

fn lock(handles: &Mutex<HashMap<PeerId, Entry>>) -> MutexGuard<'_, HashMap<PeerId, Entry>> {
    handles.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #12: `AnswerFailed` went out with `try_send`, so a full queue dropped it.
    #[tokio::test]
    async fn a_full_event_queue_delays_events_but_never_drops_them() {
        let (events, mut rx) = mpsc::channel(1);
        let peers = Peers::new(RtcConfig::default(), events.clone(), 600);
        events.send(Event::Tick).await.unwrap(); // the queue is full
        peers.apply_answer(7, "v=0".into());
        peers.apply_answer(8, "v=0".into());
        let mut failed = Vec::new();
        for _ in 0..3 {
            let ev = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .expect("an event")
                .expect("channel open");
            if let Event::AnswerFailed { peer_id, error } = ev {
                assert_eq!(error, "the peer is gone");
                failed.push(peer_id);
            }
        }
        failed.sort();
        assert_eq!(failed, vec![7, 8]);
    }

    #[tokio::test]
    async fn close_all_with_no_peer_returns_at_once() {
        let (events, _rx) = mpsc::channel(1);
        let peers = Peers::new(RtcConfig::default(), events, 600);
        let started = std::time::Instant::now();
        peers.close_all("bye").await;
        assert!(started.elapsed() < Duration::from_millis(50));
    }
}
