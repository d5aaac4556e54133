//! The TUI's own view model: focus, selections, scroll, menu, help, input line, attention
//! bookkeeping. The app core's [`State`] stays the truth about requests and conversations;
//! this only remembers how the maintainer is looking at it.
//!
//! [`update`] is the one function that changes a [`TuiState`]: pure, given the core's state
//! and one [`UiEvent`], it returns [`UiAction`]s (commands for the core, the bell, a
//! clipboard copy) for the glue in `mod.rs` to carry out. Every key sequence is tested
//! through it without a terminal. What each key does is in [`intent`], the mouse in
//! [`mouse`], the bookkeeping after every event in [`sync`](mod@sync).

use std::collections::{BTreeMap, BTreeSet};

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use super::input::{self, InputLine};
use super::keys::{self, Intent, KeyContext};
use super::menu::{self, MenuAction, MenuTarget};
use super::peers::Slot;

mod intent;
mod mouse;
mod sync;
use super::{conversation, help, layout, peers, requests, room};
use crate::app::{sanitize_for_terminal, Command, PeerId, RequestStage, State};
use intent::{activate_menu_item, apply, open_menu};
use mouse::mouse;
use sync::sync;

/// The windows that can have the focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Requests,
    Peers,
    Conversation,
    Input,
}

/// Submitted lines kept for ↑/↓ recall (the oldest go first).
pub const HISTORY_LIMIT: usize = 500;

const TAB_ORDER: [Pane; 4] = [Pane::Requests, Pane::Peers, Pane::Conversation, Pane::Input];

/// An open side menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Menu {
    pub target: MenuTarget,
    /// Index of the highlighted item.
    pub cursor: usize,
}

/// A message from the TUI itself (a mistake, a copied link), shown on the notice line until
/// the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// Already sanitized.
    pub text: String,
    /// A mistake (red) rather than information.
    pub error: bool,
}

/// How the maintainer is looking at the core's state.
#[derive(Debug, Clone)]
pub struct TuiState {
    /// Where keys go; the input line by default, so typing just works.
    pub focus: Pane,
    /// The buffer in the conversation window: a conversation, or `None` for the activity log.
    pub shown: Option<PeerId>,
    /// A room shown in the conversation window instead (then `shown` is `None`).
    pub room: Option<String>,
    /// The selected request (issue number); kept by number so arrivals do not move it.
    pub request: Option<u64>,
    /// Entries scrolled up from the newest in the shown buffer (0 = follow new ones).
    pub scroll: usize,
    pub menu: Option<Menu>,
    /// Help overlay open, and its scroll.
    pub help: Option<usize>,
    pub input: InputLine,
    /// Lines submitted, oldest first, for ↑/↓ recall.
    pub history: Vec<String>,
    /// Position while recalling history.
    pub history_pos: Option<usize>,
    pub flash: Option<Flash>,
    /// Terminal size (columns, rows): layout for mouse hits and page size.
    pub size: (u16, u16),
    /// Ring the bell on a new request / a message elsewhere (config `bell`).
    pub bell: bool,
    /// Extra lines on top of the activity log (the demo's URLs).
    pub banner: Vec<String>,
    /// Quit was asked for; a second Ctrl-C forces it.
    pub quitting: bool,
    /// Requests (by peer id: one per request) and conversations seen, for attention.
    known_requests: BTreeSet<PeerId>,
    known_peers: BTreeSet<PeerId>,
    /// Unread counts last seen per conversation: a rise elsewhere rings the bell.
    unread_seen: BTreeMap<PeerId, usize>,
    /// Each room's unread count at the last refresh: a rise rings the bell unless the
    /// activity log (where room lines show) is on screen.
    room_unread_seen: BTreeMap<String, usize>,
    /// Entries in the shown buffer at the last sync, to keep a scrolled view still.
    shown_len: usize,
}

impl TuiState {
    pub fn new(size: (u16, u16), bell: bool, banner: Vec<String>) -> TuiState {
        TuiState {
            focus: Pane::Input,
            shown: None,
            room: None,
            request: None,
            scroll: 0,
            menu: None,
            help: None,
            input: InputLine::default(),
            history: Vec::new(),
            history_pos: None,
            flash: None,
            size,
            bell,
            banner,
            quitting: false,
            known_requests: BTreeSet::new(),
            known_peers: BTreeSet::new(),
            unread_seen: BTreeMap::new(),
            room_unread_seen: BTreeMap::new(),
            shown_len: 0,
        }
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
        });
    }
}

/// An input to the TUI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiEvent {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Paste(String),
    /// The core's state changed (called before each draw).
    Refresh,
}

/// Something for the glue to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiAction {
    /// Hand a command to the core.
    Send(Command),
    /// Ring the terminal bell.
    Bell,
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Second Ctrl-C: restore the terminal and exit now.
    ForceQuit,
}

/// Applies one event; see the module docs.
pub fn update(tui: &mut TuiState, app: &State, event: UiEvent) -> Vec<UiAction> {
    let mut out = Vec::new();
    match event {
        UiEvent::Key(key) => {
            let ctx = KeyContext {
                focus: tui.focus,
                menu_open: tui.menu.is_some(),
                help_open: tui.help.is_some(),
                input_empty: tui.input.text.is_empty(),
                completing_path: tui.input.text.starts_with("file send "),
            };
            if let Some(intent) = keys::resolve(key, ctx) {
                tui.flash = None;
                apply(tui, app, intent, &mut out);
            }
        }
        UiEvent::Mouse(m) => mouse(tui, app, m, &mut out),
        UiEvent::Resize(w, h) => tui.size = (w, h),
        UiEvent::Paste(text) => {
            tui.focus = Pane::Input;
            tui.input.insert_str(&text);
        }
        UiEvent::Refresh => {}
    }
    sync(tui, app, &mut out);
    out
}

fn areas(tui: &TuiState) -> Option<layout::Areas> {
    layout::areas(Rect::new(0, 0, tui.size.0, tui.size.1))
}

/// Half the conversation window's height: what PgUp/PgDn scroll by.
fn page(tui: &TuiState) -> usize {
    areas(tui).map_or(5, |a| {
        (layout::inner(a.conversation).height as usize / 2).max(1)
    })
}

/// Entries in what the conversation window shows (what `scroll` counts in).
fn shown_count(tui: &TuiState, app: &State) -> usize {
    match &tui.room {
        Some(name) => room::entry_count(app, name),
        None => conversation::entry_count(app, tui.shown, &tui.banner),
    }
}

fn show(tui: &mut TuiState, app: &State, buffer: Option<PeerId>) {
    show_slot(tui, app, Slot::Buffer(buffer));
}

fn show_slot(tui: &mut TuiState, app: &State, slot: Slot) {
    let (shown, room) = match slot {
        Slot::Buffer(b) => (b, None),
        Slot::Room(name) => (None, Some(name)),
    };
    if tui.shown != shown || tui.room != room {
        tui.shown = shown;
        tui.room = room;
        tui.scroll = 0;
        tui.shown_len = shown_count(tui, app);
    }
    tui.menu = None;
}

fn scroll_by(tui: &mut TuiState, app: &State, delta: isize) {
    let max = shown_count(tui, app).saturating_sub(1);
    tui.scroll = tui.scroll.saturating_add_signed(delta).min(max);
}

/// Index of the selected request in the queue.
fn request_index(tui: &TuiState, app: &State) -> Option<usize> {
    let q = requests::queue(app);
    tui.request
        .and_then(|n| q.iter().position(|r| r.issue.number == n))
        .or((!q.is_empty()).then_some(0))
}

fn select_request(tui: &mut TuiState, app: &State, index: usize) {
    let q = requests::queue(app);
    if let Some(r) = q.get(index.min(q.len().saturating_sub(1))) {
        tui.request = Some(r.issue.number);
    }
}

fn move_request(tui: &mut TuiState, app: &State, delta: isize) {
    let i = request_index(tui, app).unwrap_or(0);
    select_request(tui, app, i.saturating_add_signed(delta));
}

fn buffer_index(tui: &TuiState, app: &State) -> usize {
    peers::slot_index(app, tui.shown, tui.room.as_deref())
}

fn move_buffer(tui: &mut TuiState, app: &State, delta: isize, wrap: bool) {
    let mut bufs = peers::slots(app);
    let n = bufs.len() as isize;
    let i = buffer_index(tui, app) as isize + delta;
    let i = if wrap {
        i.rem_euclid(n)
    } else {
        i.clamp(0, n - 1)
    };
    show_slot(tui, app, bufs.swap_remove(i as usize));
}
