//! [`sync`]: after every event, the view model is brought back in line with the core
//! (attention and the bell, read marks, selections and menus whose target went away).

use std::collections::BTreeSet;

use super::*;

/// Keeps the view model consistent with the core after any event: attention (bell),
/// showing a first conversation, read marks, a still view while scrolled up, selections
/// and menus whose target went away (the core evicts old closed conversations and forgets
/// finished requests, so the bookkeeping here forgets them too).
pub(super) fn sync(tui: &mut TuiState, app: &State, out: &mut Vec<UiAction>) {
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
