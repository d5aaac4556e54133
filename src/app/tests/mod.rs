//! Unit tests of the app core: no IO, no clock. Shared fixtures here; flow A and its
//! refusals in `flow`, the maintainer's commands and conversations in `commands`, commands
//! addressed by peer in `addressing`, the limits in `limits`, memory bounded by age in
//! `memory`, the runtime's hooks (transcripts, notices, restarts) in `hooks`, flow B (the
//! guest offers, the host answers) in `flow_b`.

mod addressing;
mod commands;
mod file_memory;
mod files;
mod flow;
mod flow_b;
mod hooks;
mod limits;
mod memory;
mod reach;
mod rooms;

use super::*;
use crate::forge::{Comment, ForgeEvent, Issue, RepoName, User};
use crate::rtc::protocol::Frame;
use crate::signal::token::{self, SignalPayload, TokenKind};

const T0: u64 = 1_790_000_000;
const SID: &str = "0123456789abcdef";
const ANSWER_SDP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=setup:active\r\n";

fn user(login: &str, id: u64) -> User {
    User {
        login: login.into(),
        id,
        kind: "User".into(),
    }
}

fn rfc3339(unix: u64) -> String {
    crate::clock::format_rfc3339(unix as i64)
}

fn issue(number: u64, author: User, created: u64) -> Issue {
    Issue {
        id: 1000 + number,
        number,
        title: format!("issue {number}"),
        body: None,
        user: author,
        state: "open".into(),
        html_url: format!("http://forge/o/r/issues/{number}"),
        created_at: rfc3339(created),
        updated_at: rfc3339(created),
        pull_request: None,
        author_association: "NONE".into(),
        labels: Vec::new(),
        state_reason: None,
        reopened_at: None,
    }
}

fn comment(id: u64, issue: u64, author: User, body: &str) -> Comment {
    Comment {
        id,
        html_url: format!("http://forge/o/r/issues/{issue}#issuecomment-{id}"),
        issue_url: format!("http://forge/api/v3/repos/o/r/issues/{issue}"),
        body: body.into(),
        user: author,
        created_at: rfc3339(T0),
        updated_at: rfc3339(T0),
        author_association: "NONE".into(),
    }
}

fn answer(sid: &str) -> String {
    token::encode(
        TokenKind::Answer,
        &SignalPayload {
            sid: sid.into(),
            sdp: ANSWER_SDP.into(),
            exp: None,
        },
    )
}

fn new_state() -> State {
    let settings = Settings {
        repo: RepoName::parse("o/r").unwrap(),
        pages_url: "http://pages/guest/".into(),
        link_api: Some("http://forge/api/v3".into()),
        link_ice: Some(vec![]),
        offer_ttl_secs: 600,
        backlog_secs: 600,
        policy: Default::default(),
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

fn offer_token() -> String {
    let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=setup:actpass\r\n";
    token::encode(
        TokenKind::Offer,
        &SignalPayload {
            sid: SID.into(),
            sdp: sdp.into(),
            exp: Some(T0 + 600),
        },
    )
}

/// Drives flow A up to "waiting for the answer" on issue 7 by alice (id 42); peer 1.
fn waiting_for_alice() -> State {
    let mut s = new_state();
    let fx = issue_seen(&mut s, T0, issue(7, user("alice", 42), T0));
    assert_eq!(
        fx,
        vec![Effect::CreateOffer {
            peer_id: 1,
            issue: 7
        }]
    );
    let fx = update(
        &mut s,
        T0,
        Event::OfferReady {
            peer_id: 1,
            issue: 7,
            sid: SID.into(),
            token: offer_token(),
            expires_at: T0 + 600,
        },
    );
    match &fx[..] {
        [Effect::PostComment {
            issue: 7,
            body,
            purpose: WritePurpose::Offer { issue: 7 },
        }] => {
            assert!(body.contains("@alice"));
            assert!(body.contains(&format!("http://pages/guest/#offer={}", offer_token())));
            assert!(body.contains("&issue=7"));
            assert!(body.contains("<!-- janus:offer sid=0123456789abcdef -->"));
        }
        other => panic!("unexpected effects {other:?}"),
    }
    update(
        &mut s,
        T0,
        Event::Written {
            purpose: WritePurpose::Offer { issue: 7 },
            comment_id: Some(500),
        },
    );
    assert_eq!(s.requests[&7].stage, RequestStage::WaitingForAnswer);
    s
}

fn connected_alice() -> State {
    let mut s = waiting_for_alice();
    let fx = comment_seen(
        &mut s,
        T0 + 5,
        comment(600, 7, user("alice", 42), &answer(SID)),
    );
    assert_eq!(
        fx,
        vec![Effect::ApplyAnswer {
            peer_id: 1,
            sdp: ANSWER_SDP.into()
        }]
    );
    let fx = update(&mut s, T0 + 6, Event::PeerOpen { peer_id: 1 });
    assert!(
        matches!(&fx[0], Effect::Send { peer_id: 1, frame: Frame::Hello { v: 1, guest, .. } } if guest == "alice")
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::EditComment { comment_id: 500, body, .. } if !body.contains("janus1."))));
    assert!(fx.iter().any(|e| matches!(e, Effect::EditComment { comment_id: 600, body, .. } if !body.contains("janus1."))));
    s
}

/// The forge reports `issue` at `at`: what the core does with it.
fn issue_seen(s: &mut State, at: u64, issue: Issue) -> Vec<Effect> {
    update(s, at, Event::Forge(ForgeEvent::IssueSeen(issue)))
}

/// The forge reports `comment` at `at`: what the core does with it.
fn comment_seen(s: &mut State, at: u64, comment: Comment) -> Vec<Effect> {
    update(s, at, Event::Forge(ForgeEvent::CommentSeen(comment)))
}

/// The maintainer switches to manual accept at `T0`.
fn accept_manually(s: &mut State) -> Vec<Effect> {
    update(s, T0, Event::User(Command::SetAcceptMode { manual: true }))
}

fn last_activity(s: &State) -> &Activity {
    s.activity.back().expect("some activity")
}
