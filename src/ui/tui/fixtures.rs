//! Test fixtures: app states with requests and conversations built directly (the core's
//! fields are public), key helpers, and a TestBackend render that returns the screen as
//! text lines so snapshots stay readable.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::state::{update, TuiState, UiAction, UiEvent};
use crate::app::{
    Conversation, HostIdentity, Line, LineKind, PeerId, PeerState, Request, RequestStage, Settings,
    State,
};
use crate::forge::github::RateLimitStatus;
use crate::forge::{Issue, RepoName};

/// 09:15 UTC.
pub const NOW: u64 = 1_789_981_200 + 15 * 60;

pub fn empty_state() -> State {
    let settings = Settings::new(
        RepoName::parse("maintainer/demo").unwrap(),
        "http://127.0.0.1:8177/guest/",
    );
    let mut s = State::new(
        HostIdentity {
            login: "maintainer".into(),
            id: 1,
        },
        settings,
        NOW - 3600,
    );
    s.last_poll_ok = Some(NOW - 2);
    s.forge.rate = Some(RateLimitStatus {
        limit: 5000,
        remaining: 4987,
        reset: NOW + 1800,
    });
    s
}

/// An issue as the forge would send it (built from JSON, so new optional fields of
/// `forge::Issue` need no change here).
pub fn issue(number: u64, login: &str, id: u64, title: &str) -> Issue {
    serde_json::from_value(serde_json::json!({
        "id": 1000 + number,
        "number": number,
        "title": title,
        "user": { "login": login, "id": id, "type": "User" },
        "state": "open",
        "html_url": format!("http://127.0.0.1:8177/maintainer/demo/issues/{number}"),
        "created_at": "2026-09-21T09:00:00Z",
        "updated_at": "2026-09-21T09:00:00Z",
        "author_association": "NONE",
    }))
    .expect("a valid issue")
}

pub fn add_request(
    s: &mut State,
    number: u64,
    login: &str,
    title: &str,
    stage: RequestStage,
    since: u64,
) -> PeerId {
    let peer_id = s.next_peer_id;
    s.next_peer_id += 1;
    let link = (stage == RequestStage::WaitingForAnswer)
        .then(|| format!("http://127.0.0.1:8177/guest/#offer=janus1.o.x&issue={number}"));
    s.requests.insert(
        number,
        Request {
            issue: issue(number, login, 100 + number, title),
            stage,
            peer_id,
            sid: "0123456789abcdef".into(),
            expires_at: NOW + 600,
            offer_comment_id: None,
            answer_comment_id: None,
            since,
            link,
            offer_fingerprint: None,
            settled_at: None,
            guest_offer: None,
        },
    );
    peer_id
}

pub fn guest(at: u64, text: &str) -> Line {
    Line {
        at,
        kind: LineKind::Guest,
        text: text.into(),
    }
}

pub fn host(at: u64, text: &str, delivered: bool) -> Line {
    Line {
        at,
        kind: LineKind::Host {
            id: format!("h{at}"),
            delivered,
        },
        text: text.into(),
    }
}

pub fn notice(at: u64, text: &str) -> Line {
    Line {
        at,
        kind: LineKind::Notice,
        text: text.into(),
    }
}

/// A connected request plus its conversation holding `lines`.
pub fn add_conversation(
    s: &mut State,
    number: u64,
    login: &str,
    state: PeerState,
    lines: Vec<Line>,
    unread: usize,
) -> PeerId {
    let peer_id = add_request(s, number, login, "chat", RequestStage::Connected, NOW - 300);
    s.conversations.insert(
        peer_id,
        Conversation {
            peer_id,
            guest: login.into(),
            guest_id: 100 + number,
            issue: number,
            state,
            bytes: lines.iter().map(Line::weight).sum(),
            lines: lines.into(),
            unread,
            dropped: 0,
            verify_code: Some("3fa-9c1".into()),
            reach: Default::default(),
        },
    );
    peer_id
}

/// Renders one frame at `width`×`height` and returns its rows as text (trailing spaces
/// trimmed).
pub fn render(tui: &TuiState, app: &State, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| super::screen::draw(f, tui, app, NOW))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..height)
        .map(|y| {
            let mut row = String::new();
            let mut skip = 0;
            for x in 0..width {
                let sym = buffer[(x, y)].symbol();
                // Wide characters occupy two cells; the second holds an empty symbol.
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
                row.push_str(sym);
            }
            row.trim_end().to_string()
        })
        .collect()
}

pub fn key(code: KeyCode) -> UiEvent {
    UiEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> UiEvent {
    UiEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn alt(c: char) -> UiEvent {
    UiEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

/// Feeds events one by one; returns every action produced.
pub fn feed(
    tui: &mut TuiState,
    app: &State,
    events: impl IntoIterator<Item = UiEvent>,
) -> Vec<UiAction> {
    events
        .into_iter()
        .flat_map(|e| update(tui, app, e))
        .collect()
}

/// Types `text` and presses Enter.
pub fn type_line(tui: &mut TuiState, app: &State, text: &str) -> Vec<UiAction> {
    let keys: Vec<UiEvent> = text
        .chars()
        .map(|c| key(KeyCode::Char(c)))
        .chain([key(KeyCode::Enter)])
        .collect();
    feed(tui, app, keys)
}

pub fn tui(width: u16, height: u16) -> TuiState {
    TuiState::new((width, height), true, Vec::new())
}
