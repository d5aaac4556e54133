//! The runtime's hooks: `Effect::Transcribe` before the ack or the message, runtime
//! notices and task restarts in the activity log and the status bar's health.

use super::*;

fn guest_chat(s: &mut State, now: u64, text: &str) -> Vec<Effect> {
    update(
        s,
        now,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::Chat {
                id: "g1".into(),
                text: text.into(),
                from: None,
                ts: 0,
                room: None,
            },
        },
    )
}

#[test]
fn a_host_reply_is_transcribed_before_it_is_sent() {
    let mut s = connected_alice();
    let fx = update(
        &mut s,
        T0 + 10,
        Event::User(Command::Reply {
            user: "alice".into(),
            text: "hello".into(),
        }),
    );
    match &fx[..] {
        [Effect::Transcribe {
            peer_id: 1,
            login,
            line,
        }, Effect::Send {
            peer_id: 1,
            frame: Frame::Chat { text, .. },
        }] => {
            assert_eq!(login, "alice");
            assert_eq!(
                line,
                &TranscriptLine {
                    ts: T0 + 10,
                    from: "maintainer".into(),
                    text: "hello".into(),
                    room: None
                }
            );
            assert_eq!(text, "hello");
        }
        other => panic!("{other:?}"),
    }
    let json = serde_json::to_value(&TranscriptLine {
        ts: 1,
        from: "a".into(),
        text: "b".into(),
        room: None,
    })
    .unwrap();
    assert_eq!(json, serde_json::json!({"ts": 1, "from": "a", "text": "b"}));
}

#[test]
fn transcripts_off_means_no_transcribe_effect() {
    let mut s = connected_alice();
    s.settings.transcripts = false;
    let fx = guest_chat(&mut s, T0 + 10, "hi");
    assert!(
        matches!(
            &fx[..],
            [Effect::Send {
                frame: Frame::Ack { .. },
                ..
            }]
        ),
        "{fx:?}"
    );
    let fx = update(
        &mut s,
        T0 + 11,
        Event::User(Command::ReplyTo {
            peer_id: 1,
            text: "hi back".into(),
        }),
    );
    assert!(
        matches!(
            &fx[..],
            [Effect::Send {
                frame: Frame::Chat { .. },
                ..
            }]
        ),
        "{fx:?}"
    );
}

#[test]
fn a_refused_message_is_neither_transcribed_nor_acked() {
    let mut s = connected_alice();
    let long = "x".repeat(crate::rtc::protocol::MAX_CHAT_CHARS + 1);
    assert!(guest_chat(&mut s, T0 + 10, &long).is_empty());
    assert!(last_activity(&s)
        .text
        .contains("refused a message from alice"));
    let fx = update(
        &mut s,
        T0 + 11,
        Event::User(Command::ReplyTo {
            peer_id: 1,
            text: long,
        }),
    );
    assert!(
        fx.is_empty(),
        "a reply too long is refused before anything: {fx:?}"
    );
}

#[test]
fn host_notices_go_to_the_activity_log_and_warnings_to_the_status_bar() {
    let mut s = new_state();
    let notice = |text: &str, severity| Event::HostNotice {
        text: text.into(),
        severity,
    };
    update(&mut s, T0, notice("all good", NoticeSeverity::Info));
    assert_eq!(last_activity(&s).kind, ActivityKind::Notice);
    assert_eq!(s.health(), None);
    update(
        &mut s,
        T0 + 1,
        notice("STUN unreachable", NoticeSeverity::Warning),
    );
    assert_eq!(last_activity(&s).kind, ActivityKind::Notice);
    assert_eq!(
        s.health().map(|h| h.text.as_str()),
        Some("STUN unreachable")
    );
    update(
        &mut s,
        T0 + 2,
        notice("3 link edits pending", NoticeSeverity::Error),
    );
    assert_eq!(last_activity(&s).kind, ActivityKind::Error);
    let h = s.health().unwrap();
    assert_eq!(
        (h.text.as_str(), h.severity),
        ("3 link edits pending", NoticeSeverity::Error)
    );
    // A notice leaves the status bar after a while.
    update(&mut s, T0 + 2 + NOTICE_SHOWN_SECS - 1, Event::Tick);
    assert!(s.health().is_some());
    update(&mut s, T0 + 2 + NOTICE_SHOWN_SECS, Event::Tick);
    assert_eq!(s.health(), None);
}

#[test]
fn a_restarted_task_is_one_line_and_stays_in_the_status_bar_until_it_works_again() {
    let mut s = new_state();
    update(
        &mut s,
        T0,
        Event::TaskRestarted {
            task: TASK_POLLER.into(),
            error: "panicked: boom".into(),
            retry_in_secs: 4,
        },
    );
    let line = last_activity(&s);
    assert_eq!(line.kind, ActivityKind::Error);
    assert_eq!(
        line.text,
        "the GitHub poller stopped (panicked: boom); restarting in 4 s"
    );
    assert!(s.health().unwrap().text.contains("GitHub poller stopped"));
    // Ticks do not clear it; only the poller's next success does.
    update(&mut s, T0 + 10_000, Event::Tick);
    assert!(s.health().is_some());
    let seq = last_activity(&s).seq;
    update(&mut s, T0 + 10_001, Event::Forge(ForgeEvent::PollOk));
    assert_eq!(s.health(), None);
    assert!(s
        .activity
        .iter()
        .any(|a| a.seq > seq && a.text.contains("works again")));
    // The writer is cleared by its next finished write; any task by TaskRecovered.
    for task in [TASK_WRITER, "peer 3"] {
        update(
            &mut s,
            T0,
            Event::TaskRestarted {
                task: task.into(),
                error: "x".into(),
                retry_in_secs: 1,
            },
        );
    }
    update(
        &mut s,
        T0 + 1,
        Event::Written {
            purpose: WritePurpose::Edit { issue: 1 },
            comment_id: None,
        },
    );
    assert!(s.health().unwrap().text.contains("peer 3"));
    update(
        &mut s,
        T0 + 2,
        Event::TaskRecovered {
            task: "peer 3".into(),
        },
    );
    assert_eq!(s.health(), None);
}

#[test]
fn help_comes_from_the_core() {
    let mut s = new_state();
    update(&mut s, T0, Event::User(Command::Help));
    assert_eq!(last_activity(&s).text, HELP);
    assert!(HELP.contains("reply <user> <msg>"));
}
