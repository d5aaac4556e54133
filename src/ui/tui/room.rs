//! The room window: a room's scrollback (from `state.rooms`) in the conversation window,
//! titled with the room's members. Built like a conversation ([`conversation::visible_rows`]),
//! every name and text sanitized: guests choose their logins and write the lines.

use super::conversation::{visible_rows, ConversationView, Entry, Tone};
use crate::app::rooms::RoomLine;
use crate::app::{sanitize_for_terminal, State};

fn line_entry(line: &RoomLine, host: &str) -> Entry {
    let (who, tone) = match &line.from {
        Some(from) if from == host => ("you".to_string(), Tone::Host),
        Some(from) => (sanitize_for_terminal(from), Tone::Guest),
        None => ("*".to_string(), Tone::Notice),
    };
    Entry {
        at: Some(line.at),
        who,
        tone,
        lines: vec![sanitize_for_terminal(&line.text)],
        tick: None,
    }
}

/// The members' logins, sanitized, in the order they joined.
pub fn members(app: &State, name: &str) -> Vec<String> {
    app.rooms.get(name).map_or_else(Vec::new, |room| {
        room.members
            .iter()
            .filter_map(|id| app.conversations.get(id))
            .map(|c| sanitize_for_terminal(&c.guest))
            .collect()
    })
}

/// Lines the room has (what `scroll` counts in); 0 for a room that went away.
pub fn entry_count(app: &State, name: &str) -> usize {
    app.rooms.get(name).map_or(0, |r| r.lines.len())
}

/// Builds the window for room `name` scrolled `scroll` lines up; `None` if there is no
/// such room.
pub fn view(
    app: &State,
    name: &str,
    scroll: usize,
    width: usize,
    height: usize,
) -> Option<ConversationView> {
    let room = app.rooms.get(name)?;
    let members = members(app, name);
    let members = if members.is_empty() {
        "no members".to_string()
    } else {
        members.join(", ")
    };
    let title = format!(" #{} · {members} ", sanitize_for_terminal(&room.name));
    let end = room.lines.len().saturating_sub(scroll);
    let host = app.host.login.as_str();
    let entries = room.lines.range(..end).rev().map(|l| line_entry(l, host));
    Some(ConversationView {
        title,
        rows: visible_rows(entries, width, height),
        scrolled: scroll,
    })
}
