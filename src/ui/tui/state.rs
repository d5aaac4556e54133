//! The TUI's own view model: focus, selections, scroll, menu, help, input line, attention
//! bookkeeping. The app core's [`State`] stays the truth about requests and conversations;
//! this only remembers how the maintainer is looking at it.
//!
//! [`update`] is the one function that changes a [`TuiState`]: pure, given the core's state
//! and one [`UiEvent`], it returns [`UiAction`]s (commands for the core, the bell, a
//! clipboard copy) for the glue in `mod.rs` to carry out. Every key sequence is tested
//! through it without a terminal.

use std::collections::{BTreeMap, BTreeSet};

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use super::input::{self, InputLine};
use super::keys::{self, Intent, KeyContext};
use super::menu::{self, MenuAction, MenuTarget};
use super::peers::Slot;

mod mouse;
use super::{conversation, help, layout, peers, requests, room};
use crate::app::{sanitize_for_terminal, Command, PeerId, RequestStage, State};
use mouse::mouse;

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

fn open_menu(tui: &mut TuiState, app: &State) {
    let target = match tui.focus {
        Pane::Requests => request_index(tui, app)
            .map(|i| MenuTarget::Request(requests::queue(app)[i].issue.number)),
        _ => tui.shown.map(MenuTarget::Peer),
    };
    match target {
        Some(t) if !menu::items(t, app).is_empty() => {
            tui.menu = Some(Menu {
                target: t,
                cursor: 0,
            })
        }
        _ => tui.say(
            "nothing selected for a menu: pick a guest or a request first",
            true,
        ),
    }
}

fn activate_menu_item(tui: &mut TuiState, app: &State, index: usize, out: &mut Vec<UiAction>) {
    let Some(menu) = tui.menu.take() else { return };
    let Some(item) = menu::items(menu.target, app).into_iter().nth(index) else {
        return;
    };
    match item.action {
        MenuAction::Accept(issue) => out.push(UiAction::Send(Command::Accept { issue })),
        MenuAction::Decline(issue) => out.push(UiAction::Send(Command::Decline { issue })),
        MenuAction::KickPeer(peer_id) => out.push(UiAction::Send(Command::KickPeer { peer_id })),
        MenuAction::BanPeer(peer_id) => out.push(UiAction::Send(Command::BanPeer { peer_id })),
        MenuAction::BanUser(user) => out.push(UiAction::Send(Command::Ban { user })),
        MenuAction::InviteToRoom { name, peer_id } => {
            out.push(UiAction::Send(Command::RoomInvitePeer { name, peer_id }))
        }
        MenuAction::RemoveFromRoom { name, peer_id } => {
            out.push(UiAction::Send(Command::RoomRemovePeer { name, peer_id }))
        }
        MenuAction::SendFile(peer_id) => {
            if let Some(c) = app.conversations.get(&peer_id) {
                tui.input.set(&format!("file send {} ", c.guest));
                tui.focus = Pane::Input;
                tui.say("type the file's path (Tab completes), then Enter", false);
            }
        }
        MenuAction::ShowUrl(url) => tui.say(sanitize_for_terminal(&url), false),
        MenuAction::Copy { what, text } => {
            tui.say(
                format!(
                    "copied the {what} to the clipboard (OSC 52): {}",
                    sanitize_for_terminal(&text)
                ),
                false,
            );
            out.push(UiAction::Copy(text));
        }
    }
}

fn apply(tui: &mut TuiState, app: &State, intent: Intent, out: &mut Vec<UiAction>) {
    use Intent::*;
    match intent {
        Quit if tui.quitting => out.push(UiAction::ForceQuit),
        Quit => {
            tui.quitting = true;
            out.push(UiAction::Send(Command::Quit));
        }
        NextPane | PrevPane => {
            let i = TAB_ORDER.iter().position(|p| *p == tui.focus).unwrap_or(0);
            let step = if intent == NextPane {
                1
            } else {
                TAB_ORDER.len() - 1
            };
            tui.focus = TAB_ORDER[(i + step) % TAB_ORDER.len()];
            tui.menu = None;
        }
        ShowBuffer(n) => match peers::slots(app).into_iter().nth(n) {
            Some(slot) => show_slot(tui, app, slot),
            None => tui.say(format!("there is no conversation {n}"), true),
        },
        NextBuffer => move_buffer(tui, app, 1, true),
        PrevBuffer => move_buffer(tui, app, -1, true),
        PageUp => scroll_by(tui, app, page(tui) as isize),
        PageDown => scroll_by(tui, app, -(page(tui) as isize)),
        Help => tui.help = Some(0),
        Close => {
            if tui.help.take().is_none() && tui.menu.take().is_none() {
                tui.focus = Pane::Input;
            }
        }
        Up | Down | Top | Bottom => {
            let delta: isize = match intent {
                Up => -1,
                Down => 1,
                Top => isize::MIN / 2,
                _ => isize::MAX / 2,
            };
            if let Some(scroll) = tui.help.as_mut() {
                *scroll = scroll
                    .saturating_add_signed(delta)
                    .min(help::lines().len().saturating_sub(1));
            } else if let Some(menu) = tui.menu.as_mut() {
                let n = menu::items(menu.target, app).len().max(1);
                menu.cursor = menu.cursor.saturating_add_signed(delta).min(n - 1);
            } else {
                match tui.focus {
                    Pane::Requests => move_request(tui, app, delta),
                    Pane::Peers => move_buffer(tui, app, delta, false),
                    // Up is older: the scroll offset grows.
                    Pane::Conversation => scroll_by(tui, app, -delta),
                    Pane::Input => {}
                }
            }
        }
        Activate => {
            if let Some(menu) = tui.menu {
                activate_menu_item(tui, app, menu.cursor, out);
                return;
            }
            match tui.focus {
                Pane::Requests => match request_index(tui, app).map(|i| requests::queue(app)[i]) {
                    Some(r) if r.stage == RequestStage::Pending => {
                        out.push(UiAction::Send(Command::Accept {
                            issue: r.issue.number,
                        }))
                    }
                    Some(_) => open_menu(tui, app),
                    None => {}
                },
                _ => tui.focus = Pane::Input,
            }
        }
        OpenMenu => open_menu(tui, app),
        Accept | Decline => match request_index(tui, app)
            .map(|i| requests::queue(app)[i].issue.number)
        {
            Some(issue) if intent == Accept => out.push(UiAction::Send(Command::Accept { issue })),
            Some(issue) => out.push(UiAction::Send(Command::Decline { issue })),
            None => tui.say("no request selected", true),
        },
        AcceptFile | RejectFile => {
            match tui.shown.and_then(|p| super::files::waiting_offer(app, p)) {
                Some(id) if intent == AcceptFile => {
                    out.push(UiAction::Send(Command::FileAccept { id }))
                }
                Some(id) => out.push(UiAction::Send(Command::FileReject { id })),
                None => tui.say("no file offer waiting in this conversation", true),
            }
        }
        CompletePath => match super::files::complete(&tui.input.text) {
            Some((line, options)) => {
                tui.input.set(&line);
                if !options.is_empty() {
                    let shown: Vec<String> =
                        options.iter().map(|o| sanitize_for_terminal(o)).collect();
                    tui.say(shown.join("  "), false);
                }
            }
            None => tui.say("no file matches that path", true),
        },
        FocusInput => tui.focus = Pane::Input,
        StartCommand => {
            tui.focus = Pane::Input;
            if tui.input.text.is_empty() {
                tui.input.insert('/');
            }
        }
        Hotkey(c) => {
            if let Some(menu) = tui.menu {
                match menu::items(menu.target, app)
                    .iter()
                    .position(|it| it.key == c)
                {
                    Some(i) => activate_menu_item(tui, app, i, out),
                    None if c == 'q' => tui.menu = None,
                    None => {}
                }
            }
        }
        Insert(c) => tui.input.insert(c),
        Backspace => tui.input.backspace(),
        Delete => tui.input.delete(),
        Left => tui.input.left(),
        Right => tui.input.right(),
        Home => tui.input.home(),
        End => tui.input.end(),
        ClearLine => tui.input = InputLine::default(),
        DeleteWord => tui.input.delete_word(),
        HistoryPrev | HistoryNext => recall(tui, intent == HistoryPrev),
        Submit => submit(tui, app, out),
    }
}

fn recall(tui: &mut TuiState, older: bool) {
    let n = tui.history.len();
    if n == 0 {
        return;
    }
    tui.history_pos = match (tui.history_pos, older) {
        (None, true) => Some(n - 1),
        (None, false) => None,
        (Some(p), true) => Some(p.saturating_sub(1)),
        (Some(p), false) if p + 1 < n => Some(p + 1),
        (Some(_), false) => None,
    };
    match tui.history_pos {
        Some(p) => {
            let line = tui.history[p].clone();
            tui.input.set(&line);
        }
        None => tui.input = InputLine::default(),
    }
}

fn submit(tui: &mut TuiState, app: &State, out: &mut Vec<UiAction>) {
    let line = tui.input.text.clone();
    if line.trim().is_empty() {
        return;
    }
    let shown = tui.shown.filter(|id| app.conversations.contains_key(id));
    let request = request_index(tui, app).map(|i| requests::queue(app)[i].issue.number);
    let room = tui
        .room
        .as_deref()
        .filter(|name| app.rooms.contains_key(*name));
    match input::interpret_in(&line, shown, room, request) {
        Ok(submitted) => {
            tui.input.take();
            if tui.history.last() != Some(&line) {
                tui.history.push(line);
                if tui.history.len() > HISTORY_LIMIT {
                    tui.history.remove(0);
                }
            }
            tui.history_pos = None;
            if let Some(s) = submitted {
                if s.show_activity {
                    show(tui, app, None);
                }
                if s.command == Command::Quit {
                    tui.quitting = true;
                }
                out.push(UiAction::Send(s.command));
            }
        }
        // Keep the line so the mistake can be fixed.
        Err(e) => tui.say(e, true),
    }
}

/// Keeps the view model consistent with the core after any event: attention (bell),
/// showing a first conversation, read marks, a still view while scrolled up, selections
/// and menus whose target went away (the core evicts old closed conversations and forgets
/// finished requests, so the bookkeeping here forgets them too).
fn sync(tui: &mut TuiState, app: &State, out: &mut Vec<UiAction>) {
    let mut ring = false;
    if tui
        .shown
        .is_some_and(|id| !app.conversations.contains_key(&id))
    {
        show(tui, app, None);
    }
    if tui
        .room
        .as_ref()
        .is_some_and(|name| !app.rooms.contains_key(name))
    {
        show(tui, app, None);
    }
    tui.known_peers
        .retain(|id| app.conversations.contains_key(id));
    tui.unread_seen
        .retain(|id, _| app.conversations.contains_key(id));
    let live_requests: BTreeSet<PeerId> = app.requests.values().map(|r| r.peer_id).collect();
    tui.known_requests.retain(|id| live_requests.contains(id));
    for r in app.requests.values() {
        if tui.known_requests.insert(r.peer_id)
            && matches!(r.stage, RequestStage::Pending | RequestStage::Preparing)
        {
            ring = true;
        }
    }
    for c in app.conversations.values() {
        if tui.known_peers.insert(c.peer_id)
            && tui.shown.is_none()
            && tui.room.is_none()
            && tui.input.text.is_empty()
        {
            // Nothing else to look at: show the first guest who arrives.
            show(tui, app, Some(c.peer_id));
        }
        let before = tui.unread_seen.insert(c.peer_id, c.unread).unwrap_or(0);
        if c.unread > before && tui.shown != Some(c.peer_id) {
            ring = true;
        }
    }
    tui.room_unread_seen
        .retain(|name, _| app.rooms.contains_key(name));
    for room in app.rooms.values() {
        let before = tui
            .room_unread_seen
            .insert(room.name.clone(), room.unread)
            .unwrap_or(0);
        let on_screen = match &tui.room {
            Some(name) => *name == room.name,
            None => tui.shown.is_none(),
        };
        if room.unread > 0 && on_screen {
            // The room's window, or the activity log (room lines go there too), is shown.
            out.push(UiAction::Send(Command::MarkRoomRead {
                name: room.name.clone(),
            }));
        } else if room.unread > before {
            ring = true;
        }
    }
    if let Some(c) = tui.shown.and_then(|id| app.conversations.get(&id)) {
        if c.unread > 0 {
            out.push(UiAction::Send(Command::MarkRead { peer_id: c.peer_id }));
        }
    }
    let len = shown_count(tui, app);
    if tui.scroll > 0 && len > tui.shown_len {
        tui.scroll += len - tui.shown_len;
    }
    tui.scroll = tui.scroll.min(len.saturating_sub(1));
    tui.shown_len = len;
    if tui
        .request
        .is_some_and(|n| !requests::queue(app).iter().any(|r| r.issue.number == n))
    {
        tui.request = None;
    }
    if let Some(menu) = tui.menu.as_mut() {
        let n = menu::items(menu.target, app).len();
        if n == 0 {
            tui.menu = None;
        } else {
            menu.cursor = menu.cursor.min(n - 1);
        }
    }
    if ring && tui.bell {
        out.push(UiAction::Bell);
    }
}
