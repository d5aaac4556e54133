//! The poller's tick (issue #9 item 7): while an offer waits for its answer, the host polls
//! at `poll_interval_waiting` (0.5 s by default) so an answer is picked up fast; when
//! nothing waits it returns to `poll_interval` (2 s). Authorized 304s cost no rate limit,
//! so the fast tick is free while it lasts, and the idle cost stays what it was.

use std::time::Duration;

use tokio::sync::watch;

use crate::app::{RequestStage, State};

/// The tick `state` wants: `waiting` while any request waits for its counterpart (never
/// longer than `idle`), else `idle`.
pub(super) fn wanted(state: &State, idle: Duration, waiting: Duration) -> Duration {
    let any_waiting = state
        .requests
        .values()
        .any(|r| r.stage == RequestStage::WaitingForAnswer);
    if any_waiting {
        waiting.min(idle)
    } else {
        idle
    }
}

/// Tells the poller the tick `state` wants, only when it changes.
pub(super) fn update(
    pace: &watch::Sender<Duration>,
    state: &State,
    idle: Duration,
    waiting: Duration,
) {
    let want = wanted(state, idle, waiting);
    pace.send_if_modified(|now| {
        let changed = *now != want;
        *now = want;
        changed
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{update as step, Event, HostIdentity, Settings};
    use crate::forge::{ForgeEvent, Issue, RepoName};

    const T0: u64 = 1_790_000_000;

    #[test]
    fn fast_while_an_offer_waits_idle_otherwise() {
        let (idle, fast) = (Duration::from_secs(2), Duration::from_millis(500));
        let repo = RepoName::parse("maintainer/demo").unwrap();
        let host = HostIdentity {
            login: "maintainer".into(),
            id: 1,
        };
        let mut s = State::new(host, Settings::new(repo, "https://pages.example/"), T0 - 10);
        assert_eq!(wanted(&s, idle, fast), idle, "nothing waits");
        let issue: Issue = serde_json::from_value(serde_json::json!({
            "id": 70, "number": 7, "title": "chat?", "state": "open",
            "user": {"login": "alice", "id": 42},
            "html_url": "http://forge.test/maintainer/demo/issues/7",
            "created_at": "2026-09-21T14:13:20Z", "updated_at": "2026-09-21T14:13:20Z"
        }))
        .unwrap();
        step(&mut s, T0, Event::Forge(ForgeEvent::IssueSeen(issue)));
        assert_eq!(
            wanted(&s, idle, fast),
            idle,
            "an offer being prepared waits for nothing yet"
        );
        s.requests.get_mut(&7).unwrap().stage = RequestStage::WaitingForAnswer;
        assert_eq!(wanted(&s, idle, fast), fast);
        assert_eq!(
            wanted(&s, Duration::from_millis(200), fast),
            Duration::from_millis(200),
            "never slower than idle"
        );
        s.requests.get_mut(&7).unwrap().stage = RequestStage::Connected;
        assert_eq!(wanted(&s, idle, fast), idle, "back to idle once answered");

        let (tx, mut rx) = watch::channel(idle);
        super::update(&tx, &s, idle, fast);
        assert!(!rx.has_changed().unwrap(), "no change, no wake-up");
        s.requests.get_mut(&7).unwrap().stage = RequestStage::WaitingForAnswer;
        super::update(&tx, &s, idle, fast);
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), fast);
    }
}
