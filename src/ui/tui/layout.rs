//! Where each window goes, as a pure function of the terminal size. Drawing and mouse hit
//! testing both use it, so a click lands on what is drawn there.
//!
//! ```text
//! ┌ requests ──────┐┌ conversation ─────────────────────┐
//! │                ││                                   │
//! └────────────────┘│                                   │
//! ┌ peers ─────────┐│                                   │
//! │                ││                                   │
//! └────────────────┘└───────────────────────────────────┘
//!  notice line (latest event or error)
//! ┌ input ────────────────────────────────────────────────┐
//! └───────────────────────────────────────────────────────┘
//!  status bar
//! ```

use ratatui::layout::{Constraint, Layout, Rect};

/// Smallest terminal the full layout fits in; below it a message asks for more room.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Width of the side menu.
const MENU_WIDTH: u16 = 30;

/// The rectangles of the main screen (each pane's border included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Top left: the request queue.
    pub requests: Rect,
    /// Bottom left: activity log and guests.
    pub peers: Rect,
    /// Right: the shown buffer (the side menu overlays its right edge).
    pub conversation: Rect,
    /// One row above the input: the newest event or the TUI's own message.
    pub notice: Rect,
    /// Three rows: bordered input line.
    pub input: Rect,
    /// Last row: the status bar.
    pub status: Rect,
}

/// The layout for a terminal of `size`, or `None` when it is too small.
pub fn areas(size: Rect) -> Option<Areas> {
    if size.width < MIN_WIDTH || size.height < MIN_HEIGHT {
        return None;
    }
    let [main, notice, input, status] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(1),
    ])
    .areas(size);
    let side = (size.width / 3).clamp(26, 40);
    let [left, conversation] =
        Layout::horizontal([Constraint::Length(side), Constraint::Min(20)]).areas(main);
    let [requests, peers] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(left);
    Some(Areas {
        requests,
        peers,
        conversation,
        notice,
        input,
        status,
    })
}

/// The inside of a bordered pane.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// The side menu: along the right edge of the conversation pane, tall enough for `items`.
pub fn menu_area(a: &Areas, items: usize) -> Rect {
    let c = a.conversation;
    let width = MENU_WIDTH.min(c.width);
    let height = (items as u16 + 2).min(c.height);
    Rect {
        x: c.x + c.width - width,
        y: c.y,
        width,
        height,
    }
}

/// The help overlay: centred, most of the screen.
pub fn help_area(size: Rect) -> Rect {
    let width = size.width.saturating_sub(4).min(76);
    let height = size.height.saturating_sub(2);
    Rect {
        x: size.x + (size.width - width) / 2,
        y: size.y + (size.height - height) / 2,
        width,
        height,
    }
}

/// First item shown in a list of `visible` slots so that `selected` is in view.
pub fn list_offset(selected: usize, visible: usize) -> usize {
    (selected + 1).saturating_sub(visible.max(1))
}

/// Rows per request in the queue (number/user/age, then stage and title).
pub const REQUEST_ROWS: u16 = 2;

/// Whether a point lies inside a rectangle.
pub fn contains(r: Rect, column: u16, row: u16) -> bool {
    column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_screen_and_refuses_tiny_terminals() {
        assert!(areas(Rect::new(0, 0, 40, 12)).is_none());
        let a = areas(Rect::new(0, 0, 100, 30)).unwrap();
        assert_eq!(a.status, Rect::new(0, 29, 100, 1));
        assert_eq!(a.input.height, 3);
        assert_eq!(a.requests.x, 0);
        assert_eq!(a.conversation.x, a.requests.width);
        assert_eq!(a.requests.height + a.peers.height, a.conversation.height);
        let m = menu_area(&a, 5);
        assert_eq!((m.x + m.width, m.height), (100, 7));
    }

    #[test]
    fn list_offset_keeps_the_selection_visible() {
        assert_eq!(list_offset(0, 5), 0);
        assert_eq!(list_offset(4, 5), 0);
        assert_eq!(list_offset(5, 5), 1);
        assert_eq!(list_offset(49, 10), 40);
    }
}
