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
use crate::rtc::turn::{self, IceServer};
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
                if let PeerEvent::Open = ev {
                    let path = lock(&forward_handles)
                        .get(&peer_id)
                        .and_then(|e| e.handle.path());
                    if let Some(path) = path {
                        let _ = forward_events.send(Event::PeerPath { peer_id, path }).await;
                    }
                }
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

    /// [`Peers::create_offer_for`] a guest whose login is not known (relay credentials name
    /// `guest`).
    pub fn create_offer(&self, peer_id: PeerId, issue: u64) {
        self.create_offer_for(peer_id, issue, "guest")
    }

    /// Creates an offerer in the background for `guest`; reports `OfferReady` or
    /// `OfferFailed`. With a relay configured, credentials are minted for this offer: the
    /// host's peer gathers relay candidates with them and the token carries them in `ice`.
    pub fn create_offer_for(&self, peer_id: PeerId, issue: u64, guest: &str) {
        let this = self.clone();
        let guest = guest.to_string();
        tokio::spawn(async move {
            let now = super::unix_now();
            let expires_at = now + this.offer_ttl;
            let (rtc, relays) = this.with_relays(&guest, now, expires_at);
            let event = match peer::start_offerer(&rtc, peer_id, this.peer_events.clone()).await {
                Ok((handle, sdp)) => {
                    let sid = token::new_sid();
                    let payload = SignalPayload {
                        sid: sid.clone(),
                        sdp,
                        exp: Some(expires_at),
                    };
                    let token = if relays.is_empty() {
                        token::encode(TokenKind::Offer, &payload)
                    } else {
                        token::encode_with_ice(TokenKind::Offer, &payload, &relays)
                    };
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

    /// The connection settings for one peer with `guest`: with a relay configured, fresh
    /// credentials for it (expiring at `expires_at` at the latest), which the host's peer
    /// gathers relay candidates with; also returned on their own, for an offer's `ice`.
    fn with_relays(&self, guest: &str, now: u64, expires_at: u64) -> (RtcConfig, Vec<IceServer>) {
        let relays: Vec<IceServer> = self
            .rtc
            .turn
            .iter()
            .map(|t| turn::mint(t, guest, now, expires_at))
            .collect();
        let rtc = RtcConfig {
            relays: relays.clone(),
            ..(*self.rtc).clone()
        };
        (rtc, relays)
    }

    /// Flow B: creates an answerer for `guest`'s offer in the background (the remote is
    /// the guest, so the guest flood limits apply); reports `AnswerReady` with an answer
    /// token carrying the guest's `sid`, or `OfferFailed`. The page's offer has no relay
    /// (it has no credentials), so with a relay configured the host's answer brings one:
    /// its relay candidates are reachable from behind the guest's NAT. Answer tokens carry
    /// no credentials.
    pub fn create_answer(
        &self,
        peer_id: PeerId,
        issue: u64,
        guest: &str,
        sid: String,
        offer_sdp: String,
    ) {
        let this = self.clone();
        let guest = guest.to_string();
        tokio::spawn(async move {
            let now = super::unix_now();
            let (rtc, _) = this.with_relays(&guest, now, now + this.offer_ttl);
            let started =
                peer::start_guest_answerer(&rtc, peer_id, &offer_sdp, this.peer_events.clone())
                    .await;
            let event = match started {
                Ok((handle, sdp)) => {
                    let payload = SignalPayload {
                        sid,
                        sdp,
                        exp: None,
                    };
                    let token = token::encode(TokenKind::Answer, &payload);
                    let closing = this.shutting_down.load(Ordering::SeqCst);
                    if closing {
                        handle.close("the maintainer went offline");
                    }
                    lock(&this.handles).insert(peer_id, Entry { handle, closing });
                    Event::AnswerReady {
                        peer_id,
                        issue,
                        token,
                    }
                }
                Err(e) => Event::OfferFailed {
                    peer_id,
                    issue,
                    error: format!("answering the guest's offer: {e}"),
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

    /// With `[turn]`, each offer's token carries credentials minted for its guest, in the
    /// `ice` field, expiring with the offer at the latest.
    #[tokio::test]
    async fn an_offer_carries_relay_credentials_minted_for_its_guest() {
        use crate::rtc::turn::{credential, TurnSecret, TurnSettings};
        let (events, mut rx) = mpsc::channel(8);
        let rtc = RtcConfig {
            ice_servers: vec![],
            bind_addr: std::net::Ipv4Addr::LOCALHOST.into(),
            gather_timeout: Duration::from_millis(300),
            turn: Some(TurnSettings {
                urls: vec!["turn:127.0.0.1:9?transport=udp".into()],
                secret: TurnSecret::new("unit-secret"),
                ttl: 60,
            }),
            ..RtcConfig::default()
        };
        let peers = Peers::new(rtc, events, 600);
        peers.create_offer_for(1, 7, "alice");
        let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let Event::OfferReady {
            token, expires_at, ..
        } = ev
        else {
            panic!("{ev:?}");
        };
        let ice: Vec<IceServer> = token::decode_ice(&token).expect("ice in the token");
        let username = ice[0].username.clone().unwrap();
        let (expiry, login) = username.split_once(':').unwrap();
        assert_eq!(login, "alice");
        assert!(expiry.parse::<u64>().unwrap() <= expires_at);
        assert_eq!(
            ice[0].credential.as_deref(),
            Some(credential(&TurnSecret::new("unit-secret"), &username).as_str())
        );
        peers.close_all("done").await;
    }

    // Paused time: any wait on a timer (a bye's flush timeout, a grace) would advance the
    // clock, so zero elapsed means no timer was waited on, whatever the machine's load.
    #[tokio::test(start_paused = true)]
    async fn close_all_with_no_peer_returns_at_once() {
        let (events, _rx) = mpsc::channel(1);
        let peers = Peers::new(RtcConfig::default(), events, 600);
        let started = tokio::time::Instant::now();
        peers.close_all("bye").await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
