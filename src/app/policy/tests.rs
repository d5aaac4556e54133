//! Unit tests of the request policy through `update`: filters, backlog, re-opens, closing,
//! offer expiry, leftovers of an earlier run, and the forge status. No IO, no clock.

use super::*;
use crate::app::{update, Event, HostIdentity, RequestStage, Settings};
use crate::forge::{ForgeEvent, Label, RepoName, User};
use crate::rtc::protocol::Frame;
use crate::signal::token::{self, SignalPayload, TokenKind};

mod closing;

const T0: u64 = 1_790_000_000;
const SID: &str = "0123456789abcdef";

fn rfc3339(unix: u64) -> String {
    crate::clock::format_rfc3339(unix as i64)
}

fn alice() -> User {
    User {
        login: "alice".into(),
        id: 42,
        kind: "User".into(),
    }
}

fn issue(number: u64, title: &str, labels: &[&str], created: u64) -> Issue {
    Issue {
        id: 1000 + number,
        number,
        title: title.into(),
        body: None,
        user: alice(),
        state: "open".into(),
        html_url: format!("http://forge/o/r/issues/{number}"),
        created_at: rfc3339(created),
        updated_at: rfc3339(created),
        pull_request: None,
        author_association: "NONE".into(),
        labels: labels
            .iter()
            .map(|l| Label {
                name: l.to_string(),
            })
            .collect(),
        state_reason: None,
        reopened_at: None,
    }
}

fn reopened(mut i: Issue, at: u64) -> Issue {
    i.state_reason = Some(crate::forge::StateReason::Reopened);
    i.reopened_at = Some(at as i64);
    i.updated_at = rfc3339(at);
    i
}

fn state_with(policy: RequestPolicy) -> State {
    let settings = Settings {
        repo: RepoName::parse("o/r").unwrap(),
        pages_url: "http://pages/guest/".into(),
        link_api: None,
        link_ice: Some(vec![]),
        offer_ttl_secs: 300,
        backlog_secs: 600,
        policy,
        limits: Default::default(),
        transcripts: true,
        files: Default::default(),
    };
    State::new(
        HostIdentity {
            login: "maintainer".into(),
            id: 1,
        },
        settings,
        T0,
    )
}

fn seen(s: &mut State, now: u64, i: Issue) -> Vec<Effect> {
    update(s, now, Event::Forge(ForgeEvent::IssueSeen(i)))
}

fn creates_offer(fx: &[Effect]) -> bool {
    fx.iter().any(|e| matches!(e, Effect::CreateOffer { .. }))
}

fn offer_token() -> String {
    let sdp = "v=0\r\na=setup:actpass\r\n";
    token::encode(
        TokenKind::Offer,
        &SignalPayload {
            sid: SID.into(),
            sdp: sdp.into(),
            exp: Some(T0 + 300),
        },
    )
}

fn answer_token() -> String {
    let sdp = "v=0\r\na=setup:active\r\n";
    token::encode(
        TokenKind::Answer,
        &SignalPayload {
            sid: SID.into(),
            sdp: sdp.into(),
            exp: None,
        },
    )
}

fn comment(id: u64, issue: u64, user: User, body: &str) -> Comment {
    Comment {
        id,
        html_url: String::new(),
        issue_url: format!("http://forge/api/v3/repos/o/r/issues/{issue}"),
        body: body.into(),
        user,
        created_at: rfc3339(T0),
        updated_at: rfc3339(T0),
        author_association: "NONE".into(),
    }
}

/// Drives issue 7 to a connected chat (peer 1, offer comment 500, answer comment 600).
fn connected(s: &mut State) -> Vec<Effect> {
    assert!(creates_offer(&seen(s, T0, issue(7, "hi", &[], T0))));
    update(
        s,
        T0,
        Event::OfferReady {
            peer_id: 1,
            issue: 7,
            sid: SID.into(),
            token: offer_token(),
            expires_at: T0 + 300,
        },
    );
    update(
        s,
        T0,
        Event::Written {
            purpose: WritePurpose::Offer { issue: 7 },
            comment_id: Some(500),
        },
    );
    let fx = update(
        s,
        T0 + 5,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            600,
            7,
            alice(),
            &answer_token(),
        ))),
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::ApplyAnswer { .. })));
    update(s, T0 + 6, Event::PeerOpen { peer_id: 1 })
}

#[test]
fn closing_policy_parses_its_three_values() {
    for c in [Closing::Never, Closing::OnConnect, Closing::OnEnd] {
        assert_eq!(Closing::parse(c.as_str()), Some(c));
    }
    assert_eq!(Closing::parse("sometimes"), None);
    assert_eq!(Closing::default(), Closing::Never, "documented default");
}

#[test]
fn label_filter_keeps_only_labelled_issues() {
    let mut s = state_with(RequestPolicy {
        labels: vec!["Chat".into(), "live".into()],
        ..Default::default()
    });
    assert!(seen(&mut s, T0, issue(1, "no label", &[], T0)).is_empty());
    assert!(seen(&mut s, T0, issue(2, "a bug", &["bug"], T0)).is_empty());
    assert!(creates_offer(&seen(
        &mut s,
        T0,
        issue(3, "let's talk", &["bug", "chat"], T0)
    )));
    // Labelled later, while still within the window: a request then.
    assert!(creates_offer(&seen(
        &mut s,
        T0 + 9,
        issue(1, "no label", &["LIVE"], T0)
    )));
    assert!(
        matches_filters(&RequestPolicy::default(), &issue(9, "x", &[], T0)),
        "no filter: all"
    );
}

#[test]
fn title_prefix_filter_is_case_insensitive() {
    let mut s = state_with(RequestPolicy {
        title_prefix: Some("[chat]".into()),
        ..Default::default()
    });
    assert!(seen(&mut s, T0, issue(1, "Crash on start", &[], T0)).is_empty());
    assert!(creates_offer(&seen(
        &mut s,
        T0,
        issue(2, "  [Chat] roadmap?", &[], T0)
    )));
    assert!(
        seen(&mut s, T0, issue(3, "[ch", &[], T0)).is_empty(),
        "shorter than the prefix"
    );
    let both = RequestPolicy {
        labels: vec!["chat".into()],
        title_prefix: Some("[chat]".into()),
        ..Default::default()
    };
    assert!(
        !matches_filters(&both, &issue(4, "[chat] x", &[], T0)),
        "both filters must pass"
    );
    assert!(matches_filters(&both, &issue(4, "[chat] x", &["chat"], T0)));
}

#[test]
fn an_issue_opened_from_a_start_link_passes_the_filters() {
    let mut s = state_with(RequestPolicy {
        labels: vec!["chat".into()],
        title_prefix: Some("[chat]".into()),
        ..Default::default()
    });
    let mut flow_b = issue(5, "Chat request", &[], T0);
    flow_b.body =
        Some("Hi!\n\njanus1.o.AAAA\n\n<!-- janus:guest-offer sid=00112233aabbccdd -->".into());
    assert_eq!(
        classify_issue(&mut s, T0, &flow_b),
        IssueDecision::NewRequest { reopened: false }
    );
    let mut lookalike = issue(6, "Chat request", &[], T0);
    lookalike.body = Some("janus1.o.AAAA without the page's marker".into());
    assert_eq!(
        classify_issue(&mut s, T0, &lookalike),
        IssueDecision::Ignore,
        "an offer alone is no start-link issue"
    );
}

#[test]
fn backlog_window_is_configurable() {
    let mut s = state_with(RequestPolicy::default());
    s.settings.backlog_secs = 60;
    assert!(seen(&mut s, T0, issue(1, "old", &[], T0 - 61)).is_empty());
    assert!(creates_offer(&seen(
        &mut s,
        T0,
        issue(2, "recent", &[], T0 - 60)
    )));
    s.settings.backlog_secs = 0;
    assert!(seen(&mut s, T0, issue(3, "before start", &[], T0 - 1)).is_empty());
}

#[test]
fn a_reopen_while_running_is_a_new_request_once() {
    let mut s = state_with(RequestPolicy::default());
    let old = issue(5, "old bug", &[], T0 - 86_400);
    assert!(
        seen(&mut s, T0, old.clone()).is_empty(),
        "an old issue is not a request"
    );
    // Re-opened long ago, commented now: still not a request.
    assert!(seen(&mut s, T0 + 10, reopened(old.clone(), T0 - 7200)).is_empty());
    let fx = seen(&mut s, T0 + 20, reopened(old.clone(), T0 + 15));
    assert!(creates_offer(&fx), "re-opened while running: {fx:?}");
    assert!(s.activity.iter().any(|a| a.text.contains("re-opened")));
    // The same re-open seen again (an edit, a comment) is no new request.
    let mut again = reopened(old.clone(), T0 + 15);
    again.updated_at = rfc3339(T0 + 30);
    assert!(seen(&mut s, T0 + 30, again).is_empty());
}

#[test]
fn a_reopen_after_an_ended_chat_replaces_the_old_request() {
    let mut s = state_with(RequestPolicy::default());
    connected(&mut s);
    update(
        &mut s,
        T0 + 50,
        Event::PeerClosed {
            peer_id: 1,
            reason: "bye".into(),
        },
    );
    assert_eq!(s.requests[&7].stage, RequestStage::Ended);
    assert!(
        seen(&mut s, T0 + 60, issue(7, "hi", &[], T0)).is_empty(),
        "an edit is not a request"
    );
    let fx = seen(&mut s, T0 + 70, reopened(issue(7, "hi", &[], T0), T0 + 65));
    assert_eq!(
        fx,
        vec![Effect::CreateOffer {
            peer_id: 2,
            issue: 7
        }]
    );
    assert_eq!(s.requests[&7].stage, RequestStage::Preparing);
}

#[test]
fn a_reopen_during_an_active_request_changes_nothing() {
    let mut s = state_with(RequestPolicy::default());
    seen(&mut s, T0, issue(7, "hi", &[], T0));
    assert!(seen(&mut s, T0 + 5, reopened(issue(7, "hi", &[], T0), T0 + 4)).is_empty());
    assert_eq!(s.requests[&7].peer_id, 1);
}

#[test]
fn a_banned_user_reopening_gets_a_polite_decline_and_no_link() {
    let mut s = state_with(RequestPolicy::default());
    update(
        &mut s,
        T0,
        Event::User(crate::app::Command::Ban {
            user: "alice".into(),
        }),
    );
    let fx = seen(
        &mut s,
        T0 + 5,
        reopened(issue(3, "let me in", &[], T0 - 9000), T0 + 4),
    );
    match &fx[..] {
        [Effect::PostComment {
            body,
            purpose: WritePurpose::Decline { issue: 3 },
            ..
        }] => {
            assert!(
                body.contains("@alice") && !body.contains("janus1."),
                "{body}"
            );
        }
        other => panic!("expected one decline, got {other:?}"),
    }
}

#[test]
fn offer_lifetime_comes_from_the_settings() {
    let mut s = state_with(RequestPolicy::default());
    seen(&mut s, T0, issue(7, "hi", &[], T0));
    // The runtime computes expires_at from offer_ttl_secs (300 here); the core enforces it.
    let ttl = s.settings.offer_ttl_secs;
    update(
        &mut s,
        T0,
        Event::OfferReady {
            peer_id: 1,
            issue: 7,
            sid: SID.into(),
            token: offer_token(),
            expires_at: T0 + ttl,
        },
    );
    update(
        &mut s,
        T0,
        Event::Written {
            purpose: WritePurpose::Offer { issue: 7 },
            comment_id: Some(500),
        },
    );
    assert!(update(&mut s, T0 + 300, Event::Tick).is_empty());
    assert!(!update(&mut s, T0 + 301, Event::Tick).is_empty());
    assert_eq!(s.requests[&7].stage, RequestStage::Expired);
}

#[test]
fn offers_left_by_an_earlier_run_are_taken_down() {
    let mut s = state_with(RequestPolicy::default());
    let host = User {
        login: "maintainer".into(),
        id: 1,
        kind: "User".into(),
    };
    let old_sid = "feedfacefeedface";
    let live = format!("Hi @alice! [Open the chat](http://pages/#offer=janus1.o.abc)\n\n<!-- janus:offer sid={old_sid} -->");
    let fx = update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            900,
            4,
            host.clone(),
            &live,
        ))),
    );
    match &fx[..] {
        [Effect::EditComment {
            comment_id: 900,
            body,
            purpose: WritePurpose::Edit { issue: 4 },
        }] => {
            assert!(
                !body.contains("janus1.") && body.contains(&format!("sid={old_sid}")),
                "{body}"
            );
        }
        other => panic!("expected the old link edited away, got {other:?}"),
    }
    // Already taken down, someone else's comment, or this run's own offer: left alone.
    let done = restart_expired_body(old_sid);
    assert!(update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::CommentSeen(comment(
            900,
            4,
            host.clone(),
            &done
        )))
    )
    .is_empty());
    assert!(update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::CommentSeen(comment(901, 4, alice(), &live)))
    )
    .is_empty());
    seen(&mut s, T0, issue(7, "hi", &[], T0));
    update(
        &mut s,
        T0,
        Event::OfferReady {
            peer_id: 1,
            issue: 7,
            sid: SID.into(),
            token: offer_token(),
            expires_at: T0 + 300,
        },
    );
    let ours = format!("link janus1.o.xyz <!-- janus:offer sid={SID} -->");
    assert!(update(
        &mut s,
        T0,
        Event::Forge(ForgeEvent::CommentSeen(comment(902, 7, host, &ours)))
    )
    .is_empty());
    assert_eq!(offer_sid("x <!-- janus:offer sid=ab12 -->"), Some("ab12"));
    assert_eq!(offer_sid("<!-- janus:offer sid= -->"), None);
}

#[test]
fn forge_status_reaches_the_state() {
    let mut s = state_with(RequestPolicy::default());
    let rate = crate::forge::RateLimitStatus {
        limit: 5000,
        remaining: 4000,
        reset: T0 + 60,
    };
    let status = ForgeStatus {
        rate: Some(rate),
        counted_requests: 3,
        not_modified: 40,
        paused_until: Some(T0 + 60),
        pause_reason: Some("rate limited".into()),
    };
    assert!(update(&mut s, T0, Event::Forge(ForgeEvent::Status(status.clone()))).is_empty());
    assert_eq!(s.forge, status);
    // A later status without a rate limit keeps the last one known.
    let later = ForgeStatus {
        rate: None,
        ..status
    };
    update(&mut s, T0 + 1, Event::Forge(ForgeEvent::Status(later)));
    assert_eq!(s.forge.rate, Some(rate));
}
