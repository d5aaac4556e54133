//! The peers window: the activity log, then each guest (name, connection state, unread
//! count, verified mark). [`buffers`] is the order Alt-digits and Ctrl-N/P follow (also
//! used by `state`), [`rows`] prepares the text, [`draw`] only puts it on screen.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem};
use ratatui::Frame;

use super::{fmt, layout, theme};
use crate::app::PeerId;
use crate::app::{sanitize_for_terminal, PeerState, State};

/// What the conversation window can show, in list order: `None` is the activity log
/// (notices, errors, `list`/`help` output), then every conversation in the order it began.
pub fn buffers(app: &State) -> Vec<Option<PeerId>> {
    std::iter::once(None)
        .chain(app.conversations.keys().map(|id| Some(*id)))
        .collect()
}

/// A line of the peers window, in list order: the buffers, then every room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    Buffer(Option<PeerId>),
    Room(String),
}

/// Everything the peers window lists, in its order (what ↑/↓ there and Ctrl-N/P walk).
pub fn slots(app: &State) -> Vec<Slot> {
    buffers(app)
        .into_iter()
        .map(Slot::Buffer)
        .chain(app.rooms.keys().cloned().map(Slot::Room))
        .collect()
}

/// The index in [`slots`] of what is shown (conversation, activity log or `room`).
pub fn slot_index(app: &State, shown: Option<PeerId>, room: Option<&str>) -> usize {
    let want = match room {
        Some(name) => Slot::Room(name.to_string()),
        None => Slot::Buffer(shown),
    };
    slots(app).iter().position(|s| *s == want).unwrap_or(0)
}

/// How a connection state reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Activity,
    Connecting,
    Open,
    Closed,
    /// A room (listed after the guests; its lines show in its own window and the log).
    Room,
}

/// One line of the peers window; text already sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRow {
    /// `0`…`9` for Alt-digit, blank beyond.
    pub key: String,
    /// The guest's login, sanitized.
    pub name: String,
    /// `joining`, `open`, `closed` (empty for the activity log).
    pub state: &'static str,
    pub tone: Tone,
    /// Guest messages not yet seen: the badge.
    pub unread: usize,
    /// The conversation has a verification code (both DTLS fingerprints known, answer by
    /// the issue author): shown as ✓.
    pub verified: bool,
}

pub fn rows(app: &State) -> Vec<PeerRow> {
    buffers(app)
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let key = if i <= 9 {
                i.to_string()
            } else {
                " ".to_string()
            };
            match b.and_then(|id| app.conversations.get(&id)) {
                None => PeerRow {
                    key,
                    name: "activity".into(),
                    state: "",
                    tone: Tone::Activity,
                    unread: 0,
                    verified: false,
                },
                Some(c) => {
                    let (state, tone) = match c.state {
                        PeerState::Connecting => ("joining", Tone::Connecting),
                        PeerState::Open => ("open", Tone::Open),
                        PeerState::Closed => ("closed", Tone::Closed),
                    };
                    PeerRow {
                        key,
                        name: sanitize_for_terminal(&c.guest),
                        state,
                        tone,
                        unread: c.unread,
                        verified: c.verify_code.is_some(),
                    }
                }
            }
        })
        .chain(app.rooms.values().map(|room| PeerRow {
            key: " ".into(),
            name: format!(
                "#{} ({})",
                sanitize_for_terminal(&room.name),
                room.members.len()
            ),
            state: "room",
            tone: Tone::Room,
            unread: room.unread,
            verified: false,
        }))
        .enumerate()
        .map(|(i, row)| PeerRow {
            // Rooms take Alt-digits after the guests, like conversations.
            key: if i <= 9 { i.to_string() } else { " ".into() },
            ..row
        })
        .collect()
}

/// Cells kept for the unread badge, so the columns line up.
const BADGE: usize = 5;

fn tone_style(tone: Tone) -> Style {
    match tone {
        Tone::Activity => theme::dim(),
        Tone::Connecting => theme::warn(),
        Tone::Open => theme::good(),
        Tone::Closed => theme::dim(),
        Tone::Room => theme::warn(),
    }
}

/// Draws the list; `shown` indexes `rows` (the buffer on screen).
pub fn draw(frame: &mut Frame, area: Rect, rows: &[PeerRow], shown: usize, focused: bool) {
    let open = rows.iter().filter(|r| r.tone == Tone::Open).count();
    let block = Block::bordered()
        .title(format!(" Peers ({open} open) "))
        .border_style(theme::border(focused));
    let inner = layout::inner(area);
    let width = inner.width as usize;
    let visible = inner.height.max(1) as usize;
    let offset = layout::list_offset(shown, visible);
    let items: Vec<ListItem> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, r)| {
            let mark = if r.verified { " ✓" } else { "" };
            let badge = if r.unread > 0 {
                format!(" {} ", r.unread.min(999))
            } else {
                String::new()
            };
            let name_cells = width.saturating_sub(2 + 8 + BADGE);
            let line = Line::from(vec![
                Span::raw(format!("{} ", r.key)),
                Span::raw(fmt::fit(&format!("{}{mark}", r.name), name_cells)),
                Span::styled(format!(" {:<7}", r.state), tone_style(r.tone)),
                Span::raw(" ".repeat(BADGE.saturating_sub(fmt::width(&badge)))),
                Span::styled(badge, theme::badge()),
            ]);
            let item = ListItem::new(line);
            if i == shown {
                item.style(theme::selected(focused))
            } else {
                item
            }
        })
        .collect();
    frame.render_widget(List::new(items).block(block), area);
}
