//! Integration: flow B against the embedded forge (PROTOCOL.md "Flow B, step by step"). A Rust offerer
//! stands in for the guest page: it opens an issue whose body carries its offer, the host
//! answers once in a comment, the guest connects, chat goes both ways, and both tokens are
//! scrubbed (the guest's own words stay). Then each bad input of the issue: an offer
//! commented by another account, a replayed offer, an expired one, a banned user's, a
//! malformed token, and a 65,536-character body; each is refused with a console notice and
//! the chat in progress goes on.

mod common;

use std::time::Duration;

use common::*;
use janus::app::Command;
use janus::forge::Forge;
use janus::rtc::peer::{self, PeerEvent};
use janus::rtc::protocol::Frame;
use janus::signal::token::{self, SignalPayload, TokenKind};
use tokio::sync::mpsc;

async fn next_event(events: &mut mpsc::Receiver<(u64, PeerEvent)>, what: &str) -> PeerEvent {
    match tokio::time::timeout(Duration::from_secs(20), events.recv()).await {
        Ok(Some((_, ev))) => ev,
        other => panic!("no peer event while waiting for {what}: {other:?}"),
    }
}

fn offer_token(sid: &str, sdp: &str, exp: u64) -> String {
    token::encode(
        TokenKind::Offer,
        &SignalPayload {
            sid: sid.into(),
            sdp: sdp.into(),
            exp: Some(exp),
        },
    )
}

fn offer_body(token: &str, sid: &str) -> String {
    format!(
        "I would like to chat with the maintainer.\n\n{token}\n\n<!-- janus:guest-offer sid={sid} -->"
    )
}

async fn issue_body(g: &Guest, number: u64) -> String {
    g.client
        .issue(number)
        .await
        .unwrap()
        .body
        .unwrap_or_default()
}

/// Waits until `pred` holds for the body of issue `number`.
async fn wait_body(g: &Guest, number: u64, pred: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = issue_body(g, number).await;
        if pred(&body) {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "issue #{number}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_b_chat_with_scrubs_and_every_bad_input_refused() {
    let mut h = start_harness(600).await;
    let alice = guest(&h.forge, "alice");
    let mallory = guest(&h.forge, "mallory");
    let now = janus::clock::unix_now();

    // The page's stand-in: an offerer with a fresh sid, its token in a new issue.
    let (tx, mut events) = mpsc::channel(64);
    let (page, sdp) = peer::start_offerer(&rtc_loopback(), 901, tx).await.unwrap();
    let sid = token::new_sid();
    let offer = offer_token(&sid, &sdp, now + 300);
    let body = offer_body(&offer, &sid);
    let issue = alice
        .client
        .create_issue("Chat request", &body)
        .await
        .unwrap();
    h.expect_line(&format!("#{}: alice started a chat", issue.number))
        .await;

    // One answer comment, by the maintainer, with the marker and an answer for our sid.
    let marker = format!("<!-- janus:answer sid={sid} -->");
    let answer = alice
        .wait_comment(issue.number, |c| c.body.contains(&marker))
        .await;
    assert_eq!(answer.author_association, "OWNER");
    let raw = token::find_tokens(&answer.body)[0].to_string();
    let decoded = token::decode(&raw).unwrap();
    assert_eq!(
        (decoded.kind, decoded.payload.sid.as_str()),
        (TokenKind::Answer, sid.as_str())
    );
    page.apply_answer(decoded.payload.sdp).await.unwrap();
    assert!(matches!(
        next_event(&mut events, "open").await,
        PeerEvent::Open
    ));
    assert!(matches!(
        next_event(&mut events, "hello").await,
        PeerEvent::Frame(Frame::Hello { .. })
    ));
    let connected = h.expect_line("alice connected").await;
    assert!(connected.contains("verification code"), "{connected}");

    page.send(Frame::Chat {
        id: "b1".into(),
        text: "hi from flow B".into(),
        from: None,
        ts: 1,
        room: None,
    })
    .unwrap();
    h.expect_line("alice: hi from flow B").await;
    h.commands
        .send(Command::Reply {
            user: "alice".into(),
            text: "hello from the host".into(),
        })
        .await
        .unwrap();
    loop {
        match next_event(&mut events, "the host's chat").await {
            PeerEvent::Frame(Frame::Chat { text, .. }) => {
                assert_eq!(text, "hello from the host");
                break;
            }
            PeerEvent::Frame(_) => continue,
            other => panic!("expected chat, got {other:?}"),
        }
    }

    // Scrubs: the guest's words and the markers stay, the tokens go.
    let scrubbed = wait_body(&alice, issue.number, |b| !b.contains("janus1.o.")).await;
    assert!(scrubbed.contains("I would like to chat with the maintainer."));
    assert!(scrubbed.contains(&format!("<!-- janus:guest-offer sid={sid} -->")));
    let used = alice
        .wait_comment(issue.number, |c| {
            c.id == answer.id && !c.body.contains("janus1.a.")
        })
        .await;
    assert!(used.body.contains(&marker));
    let answers = alice
        .comments(issue.number)
        .await
        .into_iter()
        .filter(|c| c.body.contains("<!-- janus:answer sid="))
        .count();
    assert_eq!(answers, 1, "one answer comment per sid");

    // Bad input 1: mallory comments alice's offer on alice's issue.
    mallory
        .client
        .post_comment(issue.number, &body)
        .await
        .unwrap();
    h.expect_line("refused the chat offer from mallory").await;

    // 2: the same offer again in a new issue (a replay).
    let replay = alice.client.create_issue("Again", &body).await.unwrap();
    h.expect_line(&format!("refused the chat offer in #{}", replay.number))
        .await;
    assert!(h.seen.iter().any(|l| l.contains("replay")), "{:#?}", h.seen);

    // 3: an expired offer.
    let carol = guest(&h.forge, "carol");
    let old = token::new_sid();
    carol
        .client
        .create_issue("Old", &offer_body(&offer_token(&old, &sdp, now - 5), &old))
        .await
        .unwrap();
    h.expect_line("from carol: the offer has expired").await;

    // 4: a banned user.
    h.commands
        .send(Command::Ban {
            user: "dave".into(),
        })
        .await
        .unwrap();
    let dave = guest(&h.forge, "dave");
    let ds = token::new_sid();
    let banned = dave
        .client
        .create_issue("Hi", &offer_body(&offer_token(&ds, &sdp, now + 300), &ds))
        .await
        .unwrap();
    h.expect_line(&format!(
        "declined request #{} from banned dave",
        banned.number
    ))
    .await;

    // 5: a malformed token, and 6: a 65,536-character body around one.
    let erin = guest(&h.forge, "erin");
    erin.client
        .create_issue(
            "Broken",
            "Chat?\n\njanus1.o.AAAA-not-deflate\n\n<!-- janus:guest-offer sid=0011223344556677 -->",
        )
        .await
        .unwrap();
    h.expect_line("from erin: the offer cannot be read").await;
    let frank = guest(&h.forge, "frank");
    let mut huge = String::from("Chat? janus1.o.AAAA ");
    huge.push_str(&"x".repeat(65_536 - huge.len()));
    assert_eq!(huge.chars().count(), 65_536);
    frank.client.create_issue("Huge", &huge).await.unwrap();
    h.expect_line("from frank: the offer cannot be read").await;

    // 7: an offer edited into an issue that already was a request (here by a collaborator;
    // GitHub does not say who edited a body, so no edit counts).
    let trent = guest(&h.forge, "trent");
    h.forge.add_collaborator("trent").unwrap();
    let es = token::new_sid();
    trent
        .client
        .edit_issue_body(
            replay.number,
            &offer_body(&offer_token(&es, &sdp, now + 300), &es),
        )
        .await
        .unwrap();
    h.expect_line(&format!(
        "ignored a chat offer edited into #{}",
        replay.number
    ))
    .await;

    // Nothing else broke: the chat goes on.
    page.send(Frame::Chat {
        id: "b2".into(),
        text: "still here".into(),
        from: None,
        ts: 2,
        room: None,
    })
    .unwrap();
    h.expect_line("alice: still here").await;
    let _ = h.forge.repo();
}
