//! The whole process, stopped by a signal: SIGTERM, SIGINT and SIGHUP in the plain console
//! behave like `quit` (live links taken down by editing, `bye` to every guest, exit 0).

mod common;
#[path = "support/host_process.rs"]
mod host_process;

use std::time::Duration;

use common::*;
use host_process::{connect, forge, next_event, HostProcess};
use janus::rtc::peer::PeerEvent;
use janus::rtc::protocol::Frame;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_takes_links_down_says_bye_to_guests_and_exits_0() {
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start(&forge, data.path(), "");
    let alice = guest(&forge, "alice");
    let bob = guest(&forge, "bob");
    let (_issue, _offer, _peer, mut alice_events) = connect(&alice, 1).await;
    host.wait_line("alice connected");
    // Bob's link is live (posted, not answered) when the signal comes.
    let bob_issue = bob.open_issue("me too").await;
    let bob_offer = bob
        .wait_comment(bob_issue, |c| c.body.contains("janus1.o."))
        .await;

    host.signal("TERM");
    let status = host.wait_exit(Duration::from_secs(20));
    assert_eq!(status, Some(0), "{}", host.output());

    // The guest heard the goodbye before the connection went away.
    let mut saw_bye = None;
    loop {
        match next_event(&mut alice_events).await {
            PeerEvent::Frame(Frame::Bye { reason }) => saw_bye = Some(reason),
            // The session reports the remote's bye as the reason it closed.
            PeerEvent::Closed { reason } => {
                saw_bye = saw_bye.or(reason
                    .strip_prefix("the remote said bye: ")
                    .map(String::from));
                break;
            }
            _ => {}
        }
    }
    assert!(
        saw_bye.as_deref().is_some_and(|r| r.contains("offline")),
        "bye: {saw_bye:?}"
    );
    // The live link was taken down before the process ended (the forge outlives it).
    let edited = bob
        .comments(bob_issue)
        .await
        .into_iter()
        .find(|c| c.id == bob_offer.id)
        .expect("offer comment still there");
    assert!(
        !edited.body.contains("janus1.o."),
        "token left in the comment after SIGTERM: {}",
        edited.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_and_sighup_run_the_same_orderly_shutdown() {
    let forge = forge().await;
    for (n, signal) in ["INT", "HUP"].into_iter().enumerate() {
        let data = tempfile::tempdir().unwrap();
        let mut host = HostProcess::start(&forge, data.path(), "");
        let carol = guest(&forge, &format!("carol{n}"));
        let issue = carol.open_issue("a question").await;
        let offer = carol
            .wait_comment(issue, |c| c.body.contains("janus1.o."))
            .await;
        host.signal(signal);
        assert_eq!(
            host.wait_exit(Duration::from_secs(20)),
            Some(0),
            "SIG{signal}: {}",
            host.output()
        );
        let after = carol
            .comments(issue)
            .await
            .into_iter()
            .find(|c| c.id == offer.id)
            .unwrap();
        assert!(
            !after.body.contains("janus1.o."),
            "SIG{signal}: {}",
            after.body
        );
    }
}

/// GitHub down at quit: the edits that take tokens out of comments cannot be made. The
/// console says so, Janus still exits 0, and the next start makes them first: the guest's
/// answer comment (which no restart clean-up of the host's own comments would touch) loses
/// its token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_edits_left_at_quit_are_finished_by_the_next_start() {
    use janus::forge::local::{Fault, FaultRule};
    let forge = forge().await;
    let data = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start(&forge, data.path(), "");
    let alice = guest(&forge, "alice");
    forge.inject(
        FaultRule::new(Fault::Status(502))
            .method("PATCH")
            .times(u32::MAX),
    );
    let (issue, _offer, _peer, _events) = connect(&alice, 1).await;
    host.wait_line("alice connected");
    host.type_line("quit");
    assert_eq!(
        host.wait_exit(Duration::from_secs(40)),
        Some(0),
        "{}",
        host.output()
    );
    assert!(
        host.output().contains("next start finishes them"),
        "the console says edits are pending: {}",
        host.output()
    );
    let answer = |comments: &[janus::forge::Comment]| {
        comments
            .iter()
            .find(|c| c.user.login == "alice" && c.body.contains("janus1.a."))
            .cloned()
    };
    let left = answer(&alice.comments(issue).await).expect("the answer still carries its token");

    forge.clear_faults();
    let _next = HostProcess::start(&forge, data.path(), "");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let comments = alice.comments(issue).await;
        let now = comments
            .iter()
            .find(|c| c.id == left.id)
            .expect("comment kept");
        if !now.body.contains("janus1.") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the next start did not scrub the answer: {}",
            now.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
