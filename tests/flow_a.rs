//! Integration: the host against the embedded forge over loopback, with a Rust guest peer
//! (webrtc crate, answerer). Full flow A, a message each way, a blog post, and the
//! impersonation and replay refusals (PROTOCOL.md "Signaling", "Roles and trust at a glance").

mod common;

use std::time::{Duration, Instant};

use common::*;
use janus::app::Command;
use janus::rtc::peer::{self, PeerEvent};
use janus::rtc::protocol::Frame;
use janus::signal::token::{self, SignalPayload, TokenKind};
use tokio::sync::mpsc;

async fn next_frame(events: &mut mpsc::Receiver<(u64, PeerEvent)>, what: &str) -> PeerEvent {
    match tokio::time::timeout(Duration::from_secs(20), events.recv()).await {
        Ok(Some((_, ev))) => ev,
        other => panic!("no peer event while waiting for {what}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_a_chat_and_blog_with_impersonation_and_replay_refused() {
    let mut h = start_harness(600).await;
    let alice = guest(&h.forge, "alice");
    let mallory = guest(&h.forge, "mallory");

    let issue = alice.open_issue("Can we talk about the roadmap?").await;
    h.expect_line(&format!("chat request #{issue} from alice"))
        .await;

    // The host posts the link; it carries a verifiable offer token and the hidden marker.
    let offer_comment = alice
        .wait_comment(issue, |c| c.body.contains("janus1.o."))
        .await;
    assert_eq!(offer_comment.user.login, "maintainer");
    assert_eq!(offer_comment.author_association, "OWNER");
    assert!(offer_comment.body.contains("<!-- janus:offer sid="));
    let link = offer_link(&offer_comment.body);
    assert_eq!(link.issue, issue);
    assert_eq!(link.ice, Some(vec![]));
    let offer = token::decode(&link.offer).expect("valid offer");
    assert_eq!(offer.kind, TokenKind::Offer);

    // Alice's browser stand-in: a Rust answerer.
    let (guest_tx, mut guest_events) = mpsc::channel(64);
    let (guest_peer, answer_sdp) =
        peer::start_answerer(&rtc_loopback(), 900, &offer.payload.sdp, guest_tx)
            .await
            .expect("answer");
    let answer = token::encode(
        TokenKind::Answer,
        &SignalPayload {
            sid: offer.payload.sid.clone(),
            sdp: answer_sdp,
            exp: None,
        },
    );

    // Mallory posts alice's answer first: ignored and reported.
    mallory
        .client
        .post_comment(issue, &format!("my answer: {answer}"))
        .await
        .unwrap();
    h.expect_line("ignored answer from mallory").await;

    let posted = Instant::now();
    let answer_comment = alice.client.post_comment(issue, &answer).await.unwrap();
    assert!(matches!(
        next_frame(&mut guest_events, "open").await,
        PeerEvent::Open
    ));
    println!(
        "answer comment posted → data channel open: {:?}",
        posted.elapsed()
    );
    match next_frame(&mut guest_events, "hello").await {
        PeerEvent::Frame(Frame::Hello {
            v: 1, host, guest, ..
        }) => assert_eq!((host.as_str(), guest.as_str()), ("maintainer", "alice")),
        other => panic!("expected hello, got {other:?}"),
    }
    h.expect_line("alice connected").await;

    // Guest → host.
    guest_peer
        .send(Frame::Chat {
            id: "g1".into(),
            text: "hi from alice".into(),
            from: None,
            ts: 1,
            room: None,
        })
        .unwrap();
    h.expect_line("alice: hi from alice").await;
    assert!(
        matches!(next_frame(&mut guest_events, "ack").await, PeerEvent::Frame(Frame::Ack { id }) if id == "g1")
    );

    // Host → guest.
    h.commands
        .send(Command::Reply {
            user: "alice".into(),
            text: "hello alice".into(),
        })
        .await
        .unwrap();
    match next_frame(&mut guest_events, "reply").await {
        PeerEvent::Frame(Frame::Chat { text, from, .. }) => assert_eq!(
            (text.as_str(), from.as_deref()),
            ("hello alice", Some("maintainer"))
        ),
        other => panic!("expected chat, got {other:?}"),
    }

    // The blog over the same channel.
    guest_peer.send(Frame::BlogList).unwrap();
    let slug = match next_frame(&mut guest_events, "blog index").await {
        PeerEvent::Frame(Frame::BlogIndex { posts }) => {
            posts.first().expect("a sample post").slug.clone()
        }
        other => panic!("expected blog.index, got {other:?}"),
    };
    guest_peer
        .send(Frame::BlogGet { slug: slug.clone() })
        .unwrap();
    match next_frame(&mut guest_events, "blog post").await {
        PeerEvent::Frame(Frame::BlogPost { slug: s, html, .. }) => {
            assert_eq!(s, slug);
            assert!(html.contains("<h") && !html.contains("<script"), "{html}");
        }
        other => panic!("expected blog.post, got {other:?}"),
    }

    // Both signaling comments get scrubbed (they carried IP addresses); the writer does it
    // in the background, so wait for it (bounded).
    let (offer_id, answer_id) = (offer_comment.id, answer_comment.id);
    alice
        .wait_comment(issue, |c| {
            c.id == offer_id && !c.body.contains("janus1.") && c.body.contains("link was used")
        })
        .await;
    alice
        .wait_comment(issue, |c| c.id == answer_id && !c.body.contains("janus1."))
        .await;

    // Replaying the used answer is refused.
    alice.client.post_comment(issue, &answer).await.unwrap();
    h.expect_line("already used").await;

    // quit ends the host on its own.
    h.commands.send(Command::Quit).await.unwrap();
    let result = tokio::time::timeout(Duration::from_secs(15), h.host)
        .await
        .expect("host quits")
        .expect("no panic");
    result.expect("host ran cleanly");
    match next_frame(&mut guest_events, "close").await {
        PeerEvent::Frame(Frame::Bye { .. }) | PeerEvent::Closed { .. } => {}
        other => panic!("expected bye/closed, got {other:?}"),
    }
}
