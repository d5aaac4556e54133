//! Mouse events for [`super::update`]: clicks select a pane or an item (a right click opens
//! its menu), the wheel scrolls or moves the selection.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::super::{layout, menu, peers, requests};
use super::*;

pub(super) fn mouse(tui: &mut TuiState, app: &State, m: MouseEvent, out: &mut Vec<UiAction>) {
    let Some(a) = areas(tui) else { return };
    let (x, y) = (m.column, m.row);
    match m.kind {
        MouseEventKind::Down(button) => {
            if tui.help.take().is_some() {
                return;
            }
            if let Some(menu) = tui.menu {
                let area = layout::menu_area(&a, menu::items(menu.target, app).len());
                if layout::contains(layout::inner(area), x, y) {
                    activate_menu_item(tui, app, (y - area.y - 1) as usize, out);
                }
                tui.menu = None;
                return;
            }
            if layout::contains(a.requests, x, y) {
                tui.focus = Pane::Requests;
                let inner = layout::inner(a.requests);
                let visible = (inner.height / layout::REQUEST_ROWS).max(1) as usize;
                let offset = request_index(tui, app).map_or(0, |s| layout::list_offset(s, visible));
                if y >= inner.y {
                    let i = offset + ((y - inner.y) / layout::REQUEST_ROWS) as usize;
                    if i < requests::queue(app).len() {
                        select_request(tui, app, i);
                    }
                }
            } else if layout::contains(a.peers, x, y) {
                tui.focus = Pane::Peers;
                let inner = layout::inner(a.peers);
                let offset =
                    layout::list_offset(buffer_index(tui, app), inner.height.max(1) as usize);
                if y >= inner.y {
                    if let Some(slot) = peers::slots(app)
                        .into_iter()
                        .nth(offset + (y - inner.y) as usize)
                    {
                        show_slot(tui, app, slot);
                    }
                }
            } else if layout::contains(a.conversation, x, y) {
                tui.focus = Pane::Conversation;
            } else if layout::contains(a.input, x, y) {
                tui.focus = Pane::Input;
            }
            if button == MouseButton::Right && tui.focus != Pane::Input {
                open_menu(tui, app);
            }
        }
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let delta = if m.kind == MouseEventKind::ScrollUp {
                -1
            } else {
                1
            };
            if layout::contains(a.conversation, x, y) {
                scroll_by(tui, app, -3 * delta);
            } else if layout::contains(a.requests, x, y) {
                move_request(tui, app, delta);
            } else if layout::contains(a.peers, x, y) {
                move_buffer(tui, app, delta, false);
            }
        }
        _ => {}
    }
}
