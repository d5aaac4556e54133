//! Integration tests of `janus::rtc` over real UDP on loopback: an offerer and an answerer in
//! one process, no ICE servers, sockets bound to 127.0.0.1.
//!
//! Every test is bounded by `tokio::time::timeout`, so a broken connection fails the test
//! instead of hanging it. The connect time (answer applied → channel open) is printed, not
//! asserted: timing goals are benchmarks (BENCHMARKS.md). See it with `-- --nocapture`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use janus::rtc::protocol::{Frame, MAX_CHAT_CHARS};
use janus::rtc::{
    start_answerer, start_offerer, PeerEvent, PeerHandle, PeerId, RtcConfig, RtcError,
};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;

/// Bound on each whole test.
const TEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on waiting for any one expected event.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

type Events = mpsc::Receiver<(PeerId, PeerEvent)>;

fn loopback() -> RtcConfig {
    RtcConfig {
        ice_servers: vec![],
        gather_timeout: Duration::from_secs(3),
        bind_addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ..RtcConfig::default()
    }
}

fn chat(id: &str, text: &str) -> Frame {
    Frame::Chat {
        id: id.into(),
        text: text.into(),
        from: None,
        ts: 0,
        room: None,
    }
}

/// Both ends of a connected pair, with the time from `apply_answer` to the offerer's `Open`.
struct Pair {
    host: PeerHandle,
    host_events: Events,
    guest: PeerHandle,
    guest_events: Events,
    connect_time: Duration,
}

async fn connect() -> Pair {
    connect_with_host_on(None).await
}

/// [`connect`], with the host peer (its task and driver) on `host_runtime` if given.
async fn connect_with_host_on(host_runtime: Option<&Handle>) -> Pair {
    let cfg = loopback();
    let (host_tx, mut host_events) = mpsc::channel(1024);
    let (guest_tx, mut guest_events) = mpsc::channel(1024);
    let start_host = {
        let cfg = cfg.clone();
        async move { start_offerer(&cfg, 1, host_tx).await }
    };
    let started = match host_runtime {
        Some(runtime) => runtime.spawn(start_host).await.expect("host task"),
        None => start_host.await,
    };
    let (host, offer) = started.expect("offer");
    assert!(
        offer.contains("m=application"),
        "offer has a data channel:\n{offer}"
    );
    assert!(
        offer.contains("127.0.0.1"),
        "offer carries the loopback candidate:\n{offer}"
    );
    let (guest, answer) = start_answerer(&cfg, 2, &offer, guest_tx)
        .await
        .expect("answer");
    let started = Instant::now();
    host.apply_answer(answer).await.expect("apply answer");
    expect(&mut host_events, 1, |e| *e == PeerEvent::Open).await;
    let connect_time = started.elapsed();
    expect(&mut guest_events, 2, |e| *e == PeerEvent::Open).await;
    println!("apply_answer → Open (loopback): {connect_time:?}");
    Pair {
        host,
        host_events,
        guest,
        guest_events,
        connect_time,
    }
}

/// Next event from `events`, which must come from `peer` within [`EVENT_TIMEOUT`].
async fn next(events: &mut Events, peer: PeerId) -> PeerEvent {
    let (from, event) = timeout(EVENT_TIMEOUT, events.recv())
        .await
        .unwrap_or_else(|_| panic!("no event from peer {peer} within {EVENT_TIMEOUT:?}"))
        .expect("events channel open");
    assert_eq!(from, peer);
    event
}

/// Waits for the event `wanted` accepts, skipping others; returns it.
async fn expect(
    events: &mut Events,
    peer: PeerId,
    wanted: impl Fn(&PeerEvent) -> bool,
) -> PeerEvent {
    loop {
        let event = next(events, peer).await;
        if wanted(&event) {
            return event;
        }
    }
}

async fn closed_reason(events: &mut Events, peer: PeerId) -> String {
    match expect(events, peer, |e| matches!(e, PeerEvent::Closed { .. })).await {
        PeerEvent::Closed { reason } => reason,
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_and_chats_both_ways() {
    timeout(TEST_TIMEOUT, async {
        let mut p = connect().await;
        assert!(p.connect_time < EVENT_TIMEOUT);
        p.host.send(chat("h1", "hello guest")).unwrap();
        p.guest.send(chat("g1", "hello host ✓")).unwrap();
        assert_eq!(
            next(&mut p.guest_events, 2).await,
            PeerEvent::Frame(chat("h1", "hello guest"))
        );
        assert_eq!(
            next(&mut p.host_events, 1).await,
            PeerEvent::Frame(chat("g1", "hello host ✓"))
        );
        p.host.close("done");
        assert_eq!(closed_reason(&mut p.host_events, 1).await, "done");
        assert_eq!(
            closed_reason(&mut p.guest_events, 2).await,
            "the remote said bye: done"
        );
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_oversized_frames_are_dropped_and_the_peer_lives_on() {
    timeout(TEST_TIMEOUT, async {
        let mut p = connect().await;
        let too_long = format!(
            r#"{{"t":"chat","id":"x","text":"{}"}}"#,
            "a".repeat(MAX_CHAT_CHARS + 1)
        );
        p.guest.send_raw_for_tests(b"not json".to_vec()).unwrap();
        p.guest.send_raw_for_tests(vec![0xff, 0xfe, 0x00]).unwrap();
        p.guest.send_raw_for_tests(too_long.into_bytes()).unwrap();
        p.guest
            .send_raw_for_tests(br#"{"t":"chat","id":5}"#.to_vec())
            .unwrap();
        // Unknown types are ignored silently (forward compatible), not dropped.
        p.guest
            .send_raw_for_tests(br#"{"t":"file.later","size":1}"#.to_vec())
            .unwrap();
        // Over 64 KiB: the SCTP layer refuses it at the sender (both ends advertise
        // max-message-size 65536); if it ever arrived, the host would drop it as too large.
        let oversized = format!(
            r#"{{"t":"chat","id":"big","text":"{}"}}"#,
            "b".repeat(70 * 1024)
        );
        p.guest.send_raw_for_tests(oversized.into_bytes()).unwrap();
        p.guest.send(chat("g2", "still here")).unwrap();

        let mut drops = Vec::new();
        loop {
            match next(&mut p.host_events, 1).await {
                PeerEvent::Dropped { reason, total } => drops.push((reason, total)),
                PeerEvent::Frame(frame) => {
                    assert_eq!(frame, chat("g2", "still here"));
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        println!("drops seen by the host: {drops:#?}");
        assert!(drops.len() == 4 || drops.len() == 5, "{drops:?}");
        assert_eq!(
            drops.iter().map(|d| d.1).collect::<Vec<_>>(),
            (1..=drops.len() as u64).collect::<Vec<_>>()
        );
        assert!(drops[0].0.contains("JSON"), "{}", drops[0].0);
        assert!(drops[1].0.contains("UTF-8"), "{}", drops[1].0);
        assert!(drops[2].0.contains("4096"), "{}", drops[2].0);
        assert!(drops[3].0.contains("malformed"), "{}", drops[3].0);
        if let Some(extra) = drops.get(4) {
            assert!(extra.0.contains("64 KiB"), "{}", extra.0);
        }

        // Both directions still work.
        p.host.send(chat("h2", "and so am I")).unwrap();
        assert_eq!(
            next(&mut p.guest_events, 2).await,
            PeerEvent::Frame(chat("h2", "and so am I"))
        );
        assert!(!p.host.is_closed() && !p.guest.is_closed());
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_closes_the_peer_with_reason_flooding() {
    timeout(TEST_TIMEOUT, async {
        let mut p = connect().await;
        let mut sent = 0;
        'flood: for i in 0..1000 {
            loop {
                match p.guest.send(chat(&i.to_string(), "spam")) {
                    Ok(()) => break,
                    Err(RtcError::QueueFull) => tokio::time::sleep(Duration::from_millis(1)).await,
                    Err(RtcError::Closed) => break 'flood,
                    Err(e) => panic!("{e}"),
                }
            }
            sent += 1;
        }
        let mut delivered = 0;
        let mut last_total = 0;
        let reason = loop {
            match next(&mut p.host_events, 1).await {
                PeerEvent::Frame(_) => delivered += 1,
                PeerEvent::Dropped { total, .. } => last_total = total,
                PeerEvent::Closed { reason } => break reason,
                PeerEvent::Open => panic!("second Open"),
                PeerEvent::File(_) => panic!("no file was sent"),
            }
        };
        println!("flood: {sent} sent, {delivered} delivered, last drop report #{last_total}");
        assert_eq!(reason, "flooding");
        assert!(delivered >= 40, "the burst is delivered");
        assert_eq!(
            closed_reason(&mut p.guest_events, 2).await,
            "the remote said bye: flooding"
        );
        // The flooded host is gone for good.
        assert_eq!(p.host.send(chat("late", "x")), Err(RtcError::Closed));
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_sends_queued_frames_then_bye_and_both_sides_see_closed_once() {
    timeout(TEST_TIMEOUT, async {
        let mut p = connect().await;
        p.host
            .send(Frame::Notice {
                text: "you were kicked".into(),
            })
            .unwrap();
        p.host.close("kicked");
        p.host.close("second close is ignored");
        assert_eq!(
            next(&mut p.guest_events, 2).await,
            PeerEvent::Frame(Frame::Notice {
                text: "you were kicked".into()
            })
        );
        assert_eq!(
            next(&mut p.guest_events, 2).await,
            PeerEvent::Closed {
                reason: "the remote said bye: kicked".into()
            }
        );
        assert_eq!(
            next(&mut p.host_events, 1).await,
            PeerEvent::Closed {
                reason: "kicked".into()
            }
        );
        // Exactly once: after Closed the task is gone and the channels end.
        drop((p.host, p.guest));
        assert_eq!(
            timeout(EVENT_TIMEOUT, p.host_events.recv())
                .await
                .expect("ends"),
            None
        );
        assert_eq!(
            timeout(EVENT_TIMEOUT, p.guest_events.recv())
                .await
                .expect("ends"),
            None
        );
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_handle_closes_the_peer() {
    timeout(TEST_TIMEOUT, async {
        let mut p = connect().await;
        let clone = p.guest.clone();
        drop(p.guest);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!clone.is_closed(), "a clone keeps the peer alive");
        drop(clone);
        assert_eq!(
            closed_reason(&mut p.guest_events, 2).await,
            "closed: every handle was dropped"
        );
        let host_reason = closed_reason(&mut p.host_events, 1).await;
        assert!(
            host_reason.starts_with("the remote said bye"),
            "{host_reason}"
        );
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_answers_are_errors_and_the_offer_still_works_after() {
    timeout(TEST_TIMEOUT, async {
        let cfg = loopback();
        let (host_tx, mut host_events) = mpsc::channel(64);
        let (guest_tx, mut guest_events) = mpsc::channel(64);
        let (host, offer) = start_offerer(&cfg, 1, host_tx).await.unwrap();

        let err = host.apply_answer("this is not SDP".into()).await.unwrap_err();
        assert!(matches!(err, RtcError::InvalidAnswer(_)), "{err:?}");
        assert!(err.to_string().starts_with("the answer is not valid SDP"), "{err}");
        assert!(host.apply_answer(String::new()).await.is_err());
        let no_data = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n";
        assert_eq!(host.apply_answer(no_data.into()).await, Err(RtcError::AnswerWithoutDataChannel));

        let err = start_answerer(&cfg, 9, "v=0\r\ngarbage", guest_tx.clone()).await.unwrap_err();
        assert!(matches!(err, RtcError::InvalidOffer(_)), "{err:?}");

        // The real answer still connects; a second answer, or one given to the answerer, is refused.
        let (guest, answer) = start_answerer(&cfg, 2, &offer, guest_tx).await.unwrap();
        assert_eq!(guest.apply_answer(answer.clone()).await, Err(RtcError::UnexpectedAnswer));
        host.apply_answer(answer.clone()).await.unwrap();
        assert_eq!(host.apply_answer(answer).await, Err(RtcError::UnexpectedAnswer));
        expect(&mut host_events, 1, |e| *e == PeerEvent::Open).await;
        expect(&mut guest_events, 2, |e| *e == PeerEvent::Open).await;
        host.close("bye");
        closed_reason(&mut host_events, 1).await;
        closed_reason(&mut guest_events, 2).await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswering_stun_server_cannot_hold_the_offer_back() {
    timeout(TEST_TIMEOUT, async {
        // Nothing listens on loopback port 9 (discard): gathering waits in vain for srflx.
        let cfg = RtcConfig {
            ice_servers: vec!["stun:127.0.0.1:9".into()],
            gather_timeout: Duration::from_millis(500),
            ..loopback()
        };
        let (tx, _rx) = mpsc::channel(8);
        let started = Instant::now();
        let (host, offer) = start_offerer(&cfg, 1, tx)
            .await
            .expect("offer despite STUN");
        let took = started.elapsed();
        println!("offer with an unanswering STUN server took {took:?}");
        assert!(took < Duration::from_secs(3), "{took:?}");
        assert!(
            offer.contains("typ host"),
            "host candidate present:\n{offer}"
        );
        host.close("done");

        let bad = RtcConfig {
            ice_servers: vec!["stun.example.org".into()],
            ..loopback()
        };
        let (tx, _rx) = mpsc::channel(8);
        let err = start_offerer(&bad, 2, tx).await.map(|_| ()).unwrap_err();
        assert_eq!(err, RtcError::BadIceServer("stun.example.org".into()));
        let bad = RtcConfig {
            ice_servers: vec!["stun:".into()],
            ..loopback()
        };
        let (tx, _rx) = mpsc::channel(8);
        let err = start_offerer(&bad, 3, tx).await.map(|_| ()).unwrap_err();
        assert!(matches!(err, RtcError::Setup(_)), "{err:?}");
    })
    .await
    .expect("test timed out");
}

/// A single-threaded tokio runtime on its own thread: a peer started on it can be stalled
/// (`stall`) like a host whose runtime is busy, so packets pile up in its socket.
struct SideRuntime {
    /// Where to spawn onto it.
    handle: Handle,
    /// Dropped to stop the runtime.
    _stop: oneshot::Sender<()>,
}

impl SideRuntime {
    fn start() -> SideRuntime {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let _ = stopped.await;
            })
        });
        SideRuntime {
            handle,
            _stop: stop,
        }
    }

    /// Blocks the runtime's only thread for `time`: nothing on it runs, its sockets fill.
    /// Returns once the block has begun (a spawned task may otherwise start late, after what
    /// it should hold back already ran).
    fn stall(&self, time: Duration) {
        let (began, begun) = std::sync::mpsc::channel();
        self.handle.spawn(async move {
            let _ = began.send(());
            std::thread::sleep(time)
        });
        begun
            .recv_timeout(Duration::from_secs(10))
            .expect("the stall began");
    }
}

/// What a browser does when its guest leaves: `send(chat)`, `send(bye)`, then
/// `RTCDataChannel.close()` at once. Chromium puts the last DATA and the stream reset in one
/// packet, and 0.21 reports a channel's close before the messages that came with it; every
/// message must still arrive, in order, before `Closed`. A stalled host runtime makes the two
/// packets of the Rust guest arrive together the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_right_before_a_channel_close_arrive_before_closed() {
    timeout(TEST_TIMEOUT, async {
        let host_runtime = SideRuntime::start();
        let mut p = connect_with_host_on(Some(&host_runtime.handle)).await;
        host_runtime.stall(Duration::from_millis(200));
        p.guest.send(chat("g1", "one last thing")).unwrap();
        p.guest
            .send_raw_for_tests(br#"{"t":"bye","reason":"guest left"}"#.to_vec())
            .unwrap();
        // Unlike Chromium, 0.21 lets a close() overtake sends queued in the same driver pass
        // (they are then lost at the sender): let these reach the wire first.
        tokio::time::sleep(Duration::from_millis(20)).await;
        p.guest.abort_for_tests(false).unwrap();
        assert_eq!(
            next(&mut p.host_events, 1).await,
            PeerEvent::Frame(chat("g1", "one last thing"))
        );
        assert_eq!(
            next(&mut p.host_events, 1).await,
            PeerEvent::Closed {
                reason: "the remote said bye: guest left".into()
            }
        );
    })
    .await
    .expect("test timed out");
}

/// The same when the whole connection goes at once (a browser tab closing): the last chat and
/// the `bye` sent just before still arrive, in order, before `Closed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_right_before_the_connection_closes_arrive_before_closed() {
    timeout(TEST_TIMEOUT, async {
        let mut p = connect().await;
        p.guest.send(chat("g1", "typed as the tab closed")).unwrap();
        p.guest
            .send_raw_for_tests(br#"{"t":"bye","reason":"tab closed"}"#.to_vec())
            .unwrap();
        p.guest.abort_for_tests(true).unwrap();
        assert_eq!(
            next(&mut p.host_events, 1).await,
            PeerEvent::Frame(chat("g1", "typed as the tab closed"))
        );
        assert_eq!(
            next(&mut p.host_events, 1).await,
            PeerEvent::Closed {
                reason: "the remote said bye: tab closed".into()
            }
        );
    })
    .await
    .expect("test timed out");
}

/// Supervision: a peer task that crashes still ends with `Closed` (a reason saying so), so
/// the host frees the guest's slot instead of keeping a conversation that never ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_peer_task_is_reported_closed() {
    timeout(TEST_TIMEOUT, async {
        let mut pair = connect().await;
        pair.host.crash_for_tests().expect("queued");
        loop {
            match timeout(EVENT_TIMEOUT, pair.host_events.recv()).await {
                Ok(Some((1, PeerEvent::Closed { reason }))) => {
                    assert!(reason.contains("crashed"), "{reason}");
                    break;
                }
                Ok(Some(_)) => continue,
                other => panic!("no Closed after a crash: {other:?}"),
            }
        }
        assert!(pair.host.is_closed());
    })
    .await
    .expect("test finished in time");
}
