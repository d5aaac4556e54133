//! `Peers::close_all` at quit (issue #12): it used to find no peer at all (the core's
//! `ClosePeer` effects had already unregistered them) and return at once, so the process
//! could end before any `bye` got out. Now it returns only once every peer, closing already
//! or not, has finished closing and the core has its `PeerClosed`. The host's `Peers` runs on
//! its own runtime, torn down right after `close_all` returns as `main` ends the process;
//! five Rust guests (webrtc 0.21 answerers on loopback) must each still receive the `bye`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use janus::app::Event;
use janus::host::Peers;
use janus::rtc::{start_answerer, PeerEvent, PeerHandle, RtcConfig};
use janus::signal::token;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;
use tokio::time::timeout;

const GUESTS: u64 = 5;
const REASON: &str = "the maintainer went offline";

fn loopback() -> RtcConfig {
    RtcConfig {
        ice_servers: vec![],
        gather_timeout: Duration::from_secs(3),
        bind_addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ..RtcConfig::default()
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The next core event the host's peers report, within 10 s.
fn next_event(host: &Runtime, events: &mut mpsc::Receiver<Event>) -> Event {
    host.block_on(async { timeout(Duration::from_secs(10), events.recv()).await })
        .expect("a host event within 10 s")
        .expect("events open")
}

#[test]
fn every_guest_hears_bye_before_the_host_runtime_ends() {
    let host = runtime();
    let guests = runtime();
    let (events_tx, mut events) = mpsc::channel(1024);
    let peers = {
        let _inside = host.enter();
        Peers::new(loopback(), events_tx, 600)
    };
    {
        let _inside = host.enter();
        for id in 1..=GUESTS {
            peers.create_offer(id, id);
        }
    }
    let (guest_tx, mut guest_events) = mpsc::channel(1024);
    let mut handles: Vec<PeerHandle> = Vec::new();
    let mut offers = 0;
    while offers < GUESTS {
        let Event::OfferReady { peer_id, token, .. } = next_event(&host, &mut events) else {
            continue;
        };
        offers += 1;
        let offer = token::decode(&token).expect("a valid offer token");
        let (guest, answer) = guests
            .block_on(start_answerer(
                &loopback(),
                100 + peer_id,
                &offer.payload.sdp,
                guest_tx.clone(),
            ))
            .expect("answer");
        handles.push(guest);
        let _inside = host.enter();
        peers.apply_answer(peer_id, answer);
    }
    let mut open = 0;
    while open < GUESTS {
        match next_event(&host, &mut events) {
            Event::PeerOpen { .. } => open += 1,
            Event::AnswerFailed { error, .. } => panic!("answer refused: {error}"),
            _ => {}
        }
    }

    // What the core does at quit: a `ClosePeer` for every conversation, then `close_all`.
    {
        let _inside = host.enter();
        for id in 1..=GUESTS {
            peers.close(id, REASON);
        }
    }
    let started = Instant::now();
    host.block_on(peers.close_all(REASON));
    let took = started.elapsed();
    println!("close_all with {GUESTS} guests took {took:?}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
    let mut closed = 0;
    while let Ok(event) = events.try_recv() {
        if matches!(event, Event::PeerClosed { .. }) {
            closed += 1;
        }
    }
    assert_eq!(
        closed, GUESTS,
        "every host peer closed before close_all returned"
    );
    // The process ends here: nothing of the host runs any more.
    host.shutdown_background();

    let mut heard = Vec::new();
    guests.block_on(async {
        while (heard.len() as u64) < GUESTS {
            let (id, event) = timeout(Duration::from_secs(3), guest_events.recv())
                .await
                .unwrap_or_else(|_| panic!("only {heard:?} heard the bye"))
                .expect("guest events open");
            if let PeerEvent::Closed { reason } = event {
                assert_eq!(
                    reason,
                    format!("the remote said bye: {REASON}"),
                    "guest {id}"
                );
                heard.push(id);
            }
        }
    });
    heard.sort();
    assert_eq!(heard, (101..=100 + GUESTS).collect::<Vec<_>>());
    for guest in &handles {
        assert!(guest.is_closed());
    }
}
