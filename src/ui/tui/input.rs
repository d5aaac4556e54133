//! The input line: editing ([`InputLine`]), what a submitted line means ([`interpret`]),
//! and its two windows, the notice line above it and the input box ([`draw_notice`],
//! [`draw_input`]).
//!
//! What Enter does with a line (documented in the help overlay and docs/TUI.md):
//! - `/cmd …` is a command (`/list`, `/kick alice`, `/accept 7`…; any alias `--plain` knows);
//!   `/say text` sends `text` as a message; `//text` sends `/text`;
//! - `@user text` and lines starting with a console command word (`list`, `reply`, `kick`,
//!   `ban`, `help`, `quit`, `accept`, `decline`) are parsed exactly as `--plain` does, by the
//!   shared parser `ui::commands::parse`;
//! - `kick`/`ban` without a user act on the shown conversation, `accept`/`decline` without
//!   a number on the selected request;
//! - anything else is a message to the conversation that is shown: addressed by its
//!   [`PeerId`], so it reaches that very conversation even when an older or newer one has
//!   the same login (typed `@user`/`reply user` go by login, as in `--plain`).
//!   While a room is shown, such a message goes to the room (`Command::RoomSay`).

use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthChar;

use super::{fmt, theme};
use crate::app::{Command, PeerId};
use crate::ui::commands;

/// Words that make a typed line a console command, as in `--plain` (short aliases such as
/// `r` or `ls` need the `/`, so that "r u there?" stays a message).
pub const COMMAND_WORDS: &[&str] = &[
    "list", "reply", "kick", "ban", "help", "quit", "accept", "decline", "room", "rooms",
];

/// The text being typed and the cursor (a char index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputLine {
    pub text: String,
    /// In chars, not bytes, so editing never splits a UTF-8 sequence.
    pub cursor: usize,
}

impl InputLine {
    fn byte(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(b, _)| b)
    }

    fn chars(&self) -> usize {
        self.text.chars().count()
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// Inserts pasted text with control characters (and newlines) turned into spaces.
    pub fn insert_str(&mut self, s: &str) {
        for c in s.chars() {
            self.insert(if c.is_control() { ' ' } else { c });
        }
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.chars() {
            let at = self.byte(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.chars());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.chars();
    }

    /// Ctrl-W: deletes the word before the cursor (and the spaces after it).
    pub fn delete_word(&mut self) {
        let chars: Vec<char> = self.text.chars().collect();
        let mut start = self.cursor;
        while start > 0 && chars[start - 1] == ' ' {
            start -= 1;
        }
        while start > 0 && chars[start - 1] != ' ' {
            start -= 1;
        }
        let (a, b) = (self.byte(start), self.byte(self.cursor));
        self.text.replace_range(a..b, "");
        self.cursor = start;
    }

    /// Replaces the text (history recall), cursor at the end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.end();
    }

    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }
}

/// What a submitted line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub command: Command,
    /// `list`/`help` print into the activity log: show it.
    pub show_activity: bool,
}

/// [`interpret_in`] with no room shown (the tests' shorthand).
#[cfg(test)]
pub fn interpret(
    line: &str,
    shown: Option<PeerId>,
    request: Option<u64>,
) -> Result<Option<Submitted>, String> {
    interpret_in(line, shown, None, request)
}

/// Interprets a submitted line (see the module docs). `shown` is the shown conversation,
/// `room` the shown room (a message then goes there as `RoomSay`), `request` the
/// selected request. `Ok(None)` for a blank line; `Err` explains.
pub fn interpret_in(
    line: &str,
    shown: Option<PeerId>,
    room: Option<&str>,
    request: Option<u64>,
) -> Result<Option<Submitted>, String> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let message = |text: &str| -> Result<Option<Submitted>, String> {
        if text.trim().is_empty() {
            return Err("nothing to send".into());
        }
        if let Some(name) = room {
            let command = Command::RoomSay {
                name: name.to_string(),
                text: text.to_string(),
            };
            return Ok(Some(Submitted {
                command,
                show_activity: false,
            }));
        }
        match shown {
            Some(peer_id) => Ok(Some(Submitted { command: Command::ReplyTo { peer_id, text: text.to_string() }, show_activity: false })),
            None => Err("no conversation is shown: pick one with Alt-1…9 or Ctrl-N, or type @user message (? for help)".into()),
        }
    };
    if let Some(rest) = trimmed.strip_prefix("//") {
        return message(&format!("/{rest}"));
    }
    if let Some(rest) = trimmed.strip_prefix('/') {
        if rest == "say" || rest.starts_with("say ") {
            return message(rest[3..].trim_start());
        }
        return command(rest, shown, request);
    }
    let first = trimmed.split_whitespace().next().unwrap_or_default();
    if trimmed.starts_with('@') || COMMAND_WORDS.contains(&first) {
        return command(trimmed, shown, request);
    }
    message(trimmed)
}

fn command(
    text: &str,
    shown: Option<PeerId>,
    request: Option<u64>,
) -> Result<Option<Submitted>, String> {
    let text = text.trim();
    let on_shown = |command| {
        Ok(Some(Submitted {
            command,
            show_activity: false,
        }))
    };
    let completed = match (text, shown, request) {
        ("kick", Some(peer_id), _) => return on_shown(Command::KickPeer { peer_id }),
        ("ban", Some(peer_id), _) => return on_shown(Command::BanPeer { peer_id }),
        ("accept" | "decline", _, Some(n)) => format!("{text} {n}"),
        _ => text.to_string(),
    };
    Ok(commands::parse(&completed)?.map(|command| {
        let show_activity = matches!(command, Command::List | Command::Help);
        Submitted {
            command,
            show_activity,
        }
    }))
}

/// The slice of `text` that fits `cells` with the cursor visible, and the cursor's column.
pub fn window(text: &str, cursor: usize, cells: usize) -> (String, usize) {
    let chars: Vec<char> = text.chars().collect();
    let cells = cells.max(1);
    let w = |c: &char| c.width().unwrap_or(0);
    // Walk back from the cursor until the room (minus one cell for the cursor) is used.
    let mut start = cursor.min(chars.len());
    let mut used = 0;
    while start > 0 && used + w(&chars[start - 1]) < cells {
        used += w(&chars[start - 1]);
        start -= 1;
    }
    let mut shown = String::new();
    let mut total = 0;
    for c in &chars[start..] {
        if total + w(c) > cells {
            break;
        }
        shown.push(*c);
        total += w(c);
    }
    (shown, used)
}

/// The notice line: a message from the TUI, or the newest entry of the activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Already sanitized.
    pub text: String,
    /// Drawn in red: something the maintainer should read.
    pub error: bool,
}

pub fn draw_notice(frame: &mut Frame, area: Rect, notice: Option<&Notice>) {
    let Some(n) = notice else { return };
    let style = if n.error {
        theme::error()
    } else {
        theme::dim()
    };
    frame.render_widget(
        Paragraph::new(Span::styled(
            fmt::truncate(&n.text, area.width as usize),
            style,
        )),
        area,
    );
}

/// The input box: `title` says where Enter goes.
pub fn draw_input(frame: &mut Frame, area: Rect, title: &str, input: &InputLine, focused: bool) {
    let block = Block::bordered()
        .title(title)
        .border_style(theme::border(focused));
    let room = area.width.saturating_sub(4) as usize;
    let (shown, cursor) = window(&input.text, input.cursor, room);
    let line = Line::from(vec![Span::styled("> ", theme::dim()), Span::raw(shown)]);
    frame.render_widget(Paragraph::new(line).block(block), area);
    if focused {
        frame.set_cursor_position(Position {
            x: area.x + 3 + cursor as u16,
            y: area.y + 1,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(user: &str, text: &str) -> Option<Submitted> {
        Some(Submitted {
            command: Command::Reply {
                user: user.into(),
                text: text.into(),
            },
            show_activity: false,
        })
    }

    /// Alice's conversation, as shown.
    const ALICE: Option<PeerId> = Some(3);

    fn reply_to(peer_id: PeerId, text: &str) -> Option<Submitted> {
        Some(Submitted {
            command: Command::ReplyTo {
                peer_id,
                text: text.into(),
            },
            show_activity: false,
        })
    }

    #[test]
    fn plain_text_goes_to_the_shown_conversation() {
        assert_eq!(
            interpret("hello there", ALICE, None),
            Ok(reply_to(3, "hello there"))
        );
        assert_eq!(
            interpret("r u there?", ALICE, None),
            Ok(reply_to(3, "r u there?"))
        );
        assert!(interpret("hello", None, None)
            .unwrap_err()
            .contains("no conversation is shown"));
        assert_eq!(interpret("   ", ALICE, None), Ok(None));
    }

    #[test]
    fn slash_commands_seed_words_and_escapes() {
        let list = Some(Submitted {
            command: Command::List,
            show_activity: true,
        });
        assert_eq!(interpret("/list", None, None), Ok(list.clone()));
        assert_eq!(interpret("/ls", None, None), Ok(list.clone()));
        assert_eq!(interpret("list", ALICE, None), Ok(list));
        assert_eq!(interpret("@bob hi", ALICE, None), Ok(reply("bob", "hi")));
        assert_eq!(
            interpret("reply bob hi", None, None),
            Ok(reply("bob", "hi"))
        );
        assert_eq!(
            interpret("/say list of things", ALICE, None),
            Ok(reply_to(3, "list of things"))
        );
        assert_eq!(interpret("//shrug", ALICE, None), Ok(reply_to(3, "/shrug")));
        assert!(interpret("list now", ALICE, None)
            .unwrap_err()
            .contains("no arguments"));
        assert!(interpret("/frob", None, None)
            .unwrap_err()
            .contains("unknown command"));
    }

    #[test]
    fn bare_kick_ban_accept_decline_use_the_selection() {
        let cmd = |c| {
            Ok(Some(Submitted {
                command: c,
                show_activity: false,
            }))
        };
        assert_eq!(
            interpret("kick", ALICE, None),
            cmd(Command::KickPeer { peer_id: 3 })
        );
        assert_eq!(
            interpret("/ban", ALICE, None),
            cmd(Command::BanPeer { peer_id: 3 })
        );
        assert_eq!(
            interpret("kick bob", ALICE, None),
            cmd(Command::Kick { user: "bob".into() }),
            "a typed login goes by login"
        );
        assert_eq!(
            interpret("accept", None, Some(7)),
            cmd(Command::Accept { issue: 7 })
        );
        assert_eq!(
            interpret("decline", None, Some(7)),
            cmd(Command::Decline { issue: 7 })
        );
        assert!(interpret("kick", None, None).unwrap_err().contains("usage"));
        // Room commands, typed as in `--plain` (one parser).
        assert_eq!(
            interpret("room say ops hello", ALICE, None),
            cmd(Command::RoomSay {
                name: "ops".into(),
                text: "hello".into()
            })
        );
        assert_eq!(interpret("/rooms", ALICE, None), cmd(Command::Rooms));
    }

    #[test]
    fn editing_and_windowing() {
        let mut l = InputLine::default();
        l.insert_str("héllo wörld");
        l.delete_word();
        assert_eq!(l.text, "héllo ");
        l.home();
        l.delete();
        l.insert('H');
        assert_eq!((l.text.as_str(), l.cursor), ("Héllo ", 1));
        l.end();
        l.backspace();
        assert_eq!(l.text, "Héllo");
        l.insert_str("\n\x1b!");
        assert_eq!(l.text, "Héllo  !");
        assert_eq!(window("abcdefghij", 10, 5), ("ghij".to_string(), 4));
        assert_eq!(window("abcdefghij", 0, 5), ("abcde".to_string(), 0));
    }
}
