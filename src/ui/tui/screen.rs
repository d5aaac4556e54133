//! One frame: asks each window's module for its prepared content and draws it where
//! `layout` says, then the side menu and the help overlay on top. No decisions here beyond
//! "which window goes where"; a terminal below the minimum size gets a clear message.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::input::{self, Notice};
use super::state::{Pane, TuiState};
use super::{conversation, help, layout, menu, peers, requests, room, status, theme};
use crate::app::{sanitize_for_terminal, ActivityKind, PeerState, State};

/// Draws the whole screen for `app` as the maintainer looks at it (`tui`), at time `now`.
pub fn draw(frame: &mut Frame, tui: &TuiState, app: &State, now: u64) {
    let size = frame.area();
    let Some(a) = layout::areas(size) else {
        too_small(frame, size);
        return;
    };
    let request_rows = requests::rows(app, now);
    let selected = tui
        .request
        .and_then(|n| request_rows.iter().position(|r| r.number == n))
        .or((!request_rows.is_empty()).then_some(0));
    requests::draw(
        frame,
        a.requests,
        &request_rows,
        selected,
        tui.focus == Pane::Requests,
        app.manual_accept,
    );

    let peer_rows = peers::rows(app);
    let shown = peers::slot_index(app, tui.shown, tui.room.as_deref());
    peers::draw(frame, a.peers, &peer_rows, shown, tui.focus == Pane::Peers);

    let inner = layout::inner(a.conversation);
    let (width, height) = (inner.width as usize, inner.height as usize);
    let view = match tui.room.as_deref() {
        Some(name) => room::view(app, name, tui.scroll, width, height),
        None => None,
    }
    .unwrap_or_else(|| {
        conversation::view(app, tui.shown, tui.scroll, &tui.banner, width, height, now)
    });
    conversation::draw(
        frame,
        a.conversation,
        &view,
        tui.focus == Pane::Conversation,
    );

    input::draw_notice(frame, a.notice, notice(tui, app).as_ref());
    input::draw_input(
        frame,
        a.input,
        &input_title(tui, app),
        &tui.input,
        tui.focus == Pane::Input && tui.menu.is_none() && tui.help.is_none(),
    );
    status::draw(
        frame,
        a.status,
        &status::model(app, now, tui.quitting || app.quitting),
    );

    if let Some(m) = tui.menu {
        menu::draw(
            frame,
            &a,
            &menu::title(m.target, app),
            &menu::items(m.target, app),
            m.cursor,
        );
    }
    if let Some(scroll) = tui.help {
        help::draw(frame, size, scroll);
    }
}

/// The notice line: the TUI's own message, else the newest activity entry.
fn notice(tui: &TuiState, app: &State) -> Option<Notice> {
    if let Some(f) = &tui.flash {
        return Some(Notice {
            text: f.text.clone(),
            error: f.error,
        });
    }
    let a = app.activity.back()?;
    let first = sanitize_for_terminal(a.text.lines().next().unwrap_or_default());
    let text = match &a.kind {
        ActivityKind::Message { from } => format!("{}: {first}", sanitize_for_terminal(from)),
        ActivityKind::RoomMessage { room, from } => format!(
            "[{}] {}: {first}",
            sanitize_for_terminal(room),
            sanitize_for_terminal(from)
        ),
        ActivityKind::Notice => format!("* {first}"),
        ActivityKind::Error => format!("! {first}"),
        ActivityKind::Info => first,
    };
    Some(Notice {
        text,
        error: a.kind == ActivityKind::Error,
    })
}

/// Where Enter sends the line.
fn input_title(tui: &TuiState, app: &State) -> String {
    if tui.quitting || app.quitting {
        return " quitting: closing conversations… ".into();
    }
    if let Some(room) = tui.room.as_deref().and_then(|name| app.rooms.get(name)) {
        return format!(
            " message to #{} · /help for commands ",
            sanitize_for_terminal(&room.name)
        );
    }
    match tui.shown.and_then(|id| app.conversations.get(&id)) {
        Some(c) if c.state == PeerState::Open => format!(
            " message to {} · /help for commands ",
            sanitize_for_terminal(&c.guest)
        ),
        Some(c) => format!(
            " {} is not connected · commands only (e.g. list, @user msg) ",
            sanitize_for_terminal(&c.guest)
        ),
        None => " command (list, @user msg, kick, ban, accept, help, quit) · ? for keys ".into(),
    }
}

fn too_small(frame: &mut Frame, size: Rect) {
    let text = vec![
        Line::styled("Terminal too small", theme::error()),
        Line::from(format!(
            "{}×{} here; Janus needs at least {}×{}.",
            size.width,
            size.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT
        )),
        Line::from("Enlarge the window, or run with --plain."),
        Line::from("Ctrl-C quits."),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), size);
}
