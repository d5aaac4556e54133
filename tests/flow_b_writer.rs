//! Flow B's writes against the embedded forge: one answer comment per `sid`, also when a
//! new writer (a restarted host) is asked to post it again; the scrub of a guest's issue
//! body is journaled like comment scrubs, so a writer stopped mid-way leaves it for the
//! next one.

mod common;
mod forge_support;

use std::time::Duration;

use forge_support::forge;
use janus::app::{Effect, Event, WritePurpose};
use janus::forge::local::{Fault, FaultRule};
use janus::forge::Forge;
use janus::host::journal::journal_path;
use janus::host::{Writer, WriterConfig};
use tokio::sync::mpsc;

async fn next_event(rx: &mut mpsc::Receiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("the writer reports in time")
        .expect("the writer is alive")
}

#[tokio::test]
async fn one_answer_per_sid_across_writers_and_issue_body_scrubs_survive_a_stop() {
    let forge = forge().await;
    let client = std::sync::Arc::new(forge_support::host_client(&forge));
    client.current_user().await.unwrap();
    let issue = forge
        .open_issue(
            "alice",
            "Chat request",
            "Hi!\n\njanus1.o.SECRET\n\n<!-- janus:guest-offer sid=00112233aabbccdd -->",
        )
        .unwrap()
        .number;
    let answer = Effect::PostComment {
        issue,
        body: "answer janus1.a.X\n\n<!-- janus:answer sid=00112233aabbccdd -->".into(),
        purpose: WritePurpose::Answer { issue },
    };
    let (tx, mut rx) = mpsc::channel(16);
    let first = Writer::spawn(client.clone(), tx);
    first.submit(answer.clone());
    assert!(matches!(
        next_event(&mut rx).await,
        Event::Written {
            purpose: WritePurpose::Answer { .. },
            comment_id: Some(_)
        }
    ));
    first.drain(Duration::from_secs(5)).await;

    // A restarted host asked to answer the same sid: refused, nothing posted.
    let (tx, mut rx) = mpsc::channel(16);
    let second = Writer::spawn(client.clone(), tx);
    second.submit(answer);
    match next_event(&mut rx).await {
        Event::WriteFailed {
            purpose: WritePurpose::Answer { .. },
            error,
        } => {
            assert!(error.contains("already answered"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    second.drain(Duration::from_secs(5)).await;
    let guest = common::guest(&forge, "bob");
    let answers = guest
        .comments(issue)
        .await
        .into_iter()
        .filter(|c| {
            c.body
                .contains("<!-- janus:answer sid=00112233aabbccdd -->")
        })
        .count();
    assert_eq!(answers, 1);

    // The issue-body scrub fails for now and the writer is stopped: it stays journaled…
    let dir = tempfile::tempdir().unwrap();
    let journal = journal_path(dir.path());
    forge.inject(
        FaultRule::new(Fault::Status(502))
            .method("PATCH")
            .times(1000),
    );
    let config = || WriterConfig {
        backoff: Duration::from_millis(100),
        journal: Some(journal.clone()),
        ..WriterConfig::default()
    };
    let (tx, _rx) = mpsc::channel(16);
    let third = Writer::spawn_with(client.clone(), tx, config());
    third.submit(Effect::EditIssueBody {
        issue,
        body: "Hi!\n\n_The chat offer that was here has been used and removed by Janus._".into(),
        purpose: WritePurpose::Edit { issue },
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(third.drain(Duration::from_millis(100)).await, 1);
    assert!(client
        .issue(issue)
        .await
        .unwrap()
        .body
        .unwrap()
        .contains("SECRET"));

    // …and the next writer (a restart) makes it first.
    forge.clear_faults();
    let (tx, _rx) = mpsc::channel(16);
    let fourth = Writer::spawn_with(client.clone(), tx, config());
    assert_eq!(fourth.drain(Duration::from_secs(10)).await, 0);
    let body = client.issue(issue).await.unwrap().body.unwrap();
    assert!(
        !body.contains("SECRET") && body.starts_with("Hi!"),
        "{body}"
    );
}
