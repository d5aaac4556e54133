//! Unit tests of peer setup: configuration, ICE settings and the bounded send queue.

use std::sync::atomic::Ordering;

use tokio::sync::mpsc;

use super::*;
use crate::rtc::protocol::MAX_FRAME_BYTES;

#[test]
fn defaults_follow_the_design() {
    let cfg = RtcConfig::default();
    assert_eq!(cfg.ice_servers, vec![DEFAULT_STUN.to_string()]);
    assert_eq!(cfg.gather_timeout, Duration::from_secs(3));
    assert!(cfg.bind_addr.is_unspecified());
}

#[test]
fn data_channel_detection_reads_media_lines() {
    assert!(has_data_channel(
        "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    ));
    assert!(!has_data_channel(
        "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=m=application\r\n"
    ));
}

#[tokio::test]
async fn a_handle_to_a_finished_peer_reports_closed() {
    let (requests, requests_rx) = mpsc::channel(1);
    let (close, close_rx) = mpsc::channel(1);
    drop((requests_rx, close_rx));
    let handle = PeerHandle {
        id: 7,
        requests,
        close,
        queued: Default::default(),
        path: Default::default(),
    };
    assert!(handle.is_closed());
    assert_eq!(handle.send(Frame::BlogList), Err(RtcError::Closed));
    assert_eq!(
        handle.apply_answer("v=0".into()).await,
        Err(RtcError::Closed)
    );
    handle.close("already gone");
}

#[tokio::test]
async fn oversized_frames_are_refused_before_queueing() {
    let (requests, _requests_rx) = mpsc::channel(1);
    let (close, _close_rx) = mpsc::channel(1);
    let handle = PeerHandle {
        id: 1,
        requests,
        close,
        queued: Default::default(),
        path: Default::default(),
    };
    let html = "x".repeat(MAX_FRAME_BYTES);
    let frame = Frame::BlogPost {
        slug: "s".into(),
        title: "t".into(),
        date: "d".into(),
        html,
    };
    assert!(matches!(
        handle.send(frame),
        Err(RtcError::FrameTooLarge(_))
    ));
    assert_eq!(handle.send(Frame::BlogList), Ok(()));
    assert_eq!(handle.send(Frame::BlogList), Err(RtcError::QueueFull));
}

/// Rooms: the send queue is bounded by bytes, not by a frame count a burst of small
/// room messages would pass; taking a frame frees its bytes.
#[tokio::test]
async fn the_send_queue_is_bounded_by_bytes() {
    let (requests, mut requests_rx) = mpsc::channel(COMMAND_QUEUE);
    let (close, _close_rx) = mpsc::channel(1);
    let handle = PeerHandle {
        id: 1,
        requests,
        close,
        queued: Default::default(),
        path: Default::default(),
    };
    let chat = |n: usize| Frame::Notice {
        text: "x".repeat(n),
    };
    let big = 60 * 1024;
    let fit = SEND_QUEUE_BYTES / (big + 24);
    for _ in 0..fit {
        assert_eq!(handle.send(chat(big)), Ok(()));
    }
    assert_eq!(handle.send(chat(big)), Err(RtcError::QueueFull));
    let Some(Request::Send(text)) = requests_rx.recv().await else {
        panic!("a send")
    };
    handle.queued.fetch_sub(text.len(), Ordering::AcqRel);
    assert_eq!(handle.send(chat(big)), Ok(()));
    // Many small frames fit where the old count of 64 refused the 65th.
    let (requests, _rx) = mpsc::channel(COMMAND_QUEUE);
    let small = PeerHandle {
        id: 2,
        requests,
        close: handle.close.clone(),
        queued: Default::default(),
        path: Default::default(),
    };
    for _ in 0..1000 {
        assert_eq!(small.send(chat(100)), Ok(()));
    }
}

#[tokio::test]
async fn bad_offers_are_refused_before_binding_sockets() {
    let (events, _rx) = mpsc::channel(1);
    let cfg = RtcConfig {
        ice_servers: vec![],
        ..Default::default()
    };
    let err = start_answerer(&cfg, 1, "hello", events.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, RtcError::InvalidOffer(_)), "{err}");
    let audio_only = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n";
    let err = start_answerer(&cfg, 1, audio_only, events)
        .await
        .unwrap_err();
    assert_eq!(err, RtcError::OfferWithoutDataChannel);
}
