//! The conversation window: the shown guest's messages (timestamps, delivery ticks from
//! `ack`, notices) or the activity log, with scrollback. Only what is visible is built:
//! [`visible_rows`] walks back from the newest entry until the window is full, so 10 000
//! lines cost the same as 20. [`view`] prepares everything, [`draw`] only puts it on screen.

use std::collections::VecDeque;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line as TextLine, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::{fmt, theme};
use crate::app::PeerId;
use crate::app::{
    sanitize_for_terminal, Activity, ActivityKind, ConnPath, Line, LineKind, PeerState, State,
};

/// Who an entry is from, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Guest,
    Host,
    Notice,
    Error,
    Info,
}

/// One message or notice, sanitized, before wrapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Unix seconds; `None` for the banner.
    pub at: Option<u64>,
    /// Author label (`carol`, `you`, `*`, `!`), sanitized: guests choose their names.
    pub who: String,
    /// Colours the author and, for notices and errors, the text.
    pub tone: Tone,
    /// One or more lines (only `list`/`help` output has several).
    pub lines: Vec<String>,
    /// Host messages: delivered (`ack` received) or not yet.
    pub tick: Option<bool>,
}

fn line_entry(line: &Line, guest: &str) -> Entry {
    let (who, tone, tick) = match &line.kind {
        LineKind::Guest => (sanitize_for_terminal(guest), Tone::Guest, None),
        LineKind::Host { delivered, .. } => ("you".to_string(), Tone::Host, Some(*delivered)),
        LineKind::Notice => ("*".to_string(), Tone::Notice, None),
    };
    Entry {
        at: Some(line.at),
        who,
        tone,
        lines: vec![sanitize_for_terminal(&line.text)],
        tick,
    }
}

fn activity_entry(a: &Activity) -> Entry {
    let (who, tone) = match &a.kind {
        ActivityKind::Message { from } => (sanitize_for_terminal(from), Tone::Guest),
        ActivityKind::RoomMessage { room, from } => (
            format!(
                "[{}] {}",
                sanitize_for_terminal(room),
                sanitize_for_terminal(from)
            ),
            Tone::Guest,
        ),
        ActivityKind::Notice => ("*".to_string(), Tone::Notice),
        ActivityKind::Error => ("!".to_string(), Tone::Error),
        ActivityKind::Info => (String::new(), Tone::Info),
    };
    let lines = match a.kind {
        ActivityKind::Message { .. } | ActivityKind::RoomMessage { .. } => {
            vec![sanitize_for_terminal(&a.text)]
        }
        _ => a.text.lines().map(sanitize_for_terminal).collect(),
    };
    Entry {
        at: Some(a.at),
        who,
        tone,
        lines,
        tick: None,
    }
}

/// One screen row: the first row of an entry carries time and author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `(time, "who: ")` on an entry's first row; `None` on continuation rows.
    pub head: Option<(String, String)>,
    /// Blank cells before `text` (continuation rows line up under the first row's text).
    pub indent: usize,
    /// This row's slice of the wrapped text.
    pub text: String,
    pub tone: Tone,
    /// Set on an entry's last row.
    pub tick: Option<bool>,
}

/// The rows that fill a window of `width`×`height`, newest at the bottom, from entries
/// given newest first. Stops reading entries once the window is full.
pub fn visible_rows(entries: impl Iterator<Item = Entry>, width: usize, height: usize) -> Vec<Row> {
    let mut rows_rev: Vec<Row> = Vec::with_capacity(height + 8);
    for e in entries {
        if rows_rev.len() >= height {
            break;
        }
        let time = e.at.map(fmt::clock).unwrap_or_default();
        let sep = if matches!(e.tone, Tone::Guest | Tone::Host) {
            ": "
        } else {
            " "
        };
        let max_indent = (width / 2).max(10).min(width.saturating_sub(1));
        let who = fmt::truncate(
            &e.who,
            max_indent.saturating_sub(time.len() + 1 + sep.len()),
        );
        let head_w = if time.is_empty() { 0 } else { time.len() + 1 }
            + fmt::width(&who)
            + if who.is_empty() { 0 } else { sep.len() };
        let indent = head_w.min(max_indent);
        let mut entry_rows = Vec::new();
        for (li, line) in e.lines.iter().enumerate() {
            for (wi, text) in fmt::wrap(line, width.saturating_sub(indent).max(1))
                .into_iter()
                .enumerate()
            {
                let head = (li == 0 && wi == 0).then(|| {
                    (
                        time.clone(),
                        if who.is_empty() {
                            String::new()
                        } else {
                            format!("{who}{sep}")
                        },
                    )
                });
                let row_indent = if head.is_some() {
                    indent.saturating_sub(head_w)
                } else {
                    indent
                };
                entry_rows.push(Row {
                    head,
                    indent: row_indent,
                    text,
                    tone: e.tone,
                    tick: None,
                });
            }
        }
        if let Some(last) = entry_rows.last_mut() {
            last.tick = e.tick;
        }
        rows_rev.extend(entry_rows.into_iter().rev());
    }
    rows_rev.truncate(height);
    rows_rev.reverse();
    rows_rev
}

/// Everything the window shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationView {
    /// Guest, issue, state and verification code (or "Activity").
    pub title: String,
    /// Exactly the rows that fit, oldest first.
    pub rows: Vec<Row>,
    /// Entries scrolled up from the newest (0 = following).
    pub scrolled: usize,
}

/// Entries of a conversation, newest first, skipping the `scroll` newest.
fn conversation_entries<'a>(
    lines: &'a VecDeque<Line>,
    guest: &'a str,
    scroll: usize,
) -> impl Iterator<Item = Entry> + 'a {
    let end = lines.len().saturating_sub(scroll);
    lines.range(..end).rev().map(move |l| line_entry(l, guest))
}

/// Number of entries the shown buffer has (what `scroll` counts in).
pub fn entry_count(app: &State, shown: Option<PeerId>, banner: &[String]) -> usize {
    match shown.and_then(|id| app.conversations.get(&id)) {
        Some(c) => c.lines.len(),
        None => app.activity.len() + banner_entries(app, banner).len(),
    }
}

/// The lines on top of the activity log: who we are, plus the caller's banner (demo URLs).
fn banner_entries(app: &State, banner: &[String]) -> Vec<Entry> {
    let intro = format!(
        "Janus: serving chat requests on {} as {}. Press ? for the key map.",
        app.settings.repo, app.host.login
    );
    std::iter::once(intro)
        .chain(banner.iter().cloned())
        .map(|l| Entry {
            at: None,
            who: String::new(),
            tone: Tone::Info,
            lines: vec![sanitize_for_terminal(&l)],
            tick: None,
        })
        .collect()
}

/// Builds the window for buffer `shown` scrolled `scroll` entries up, in `width`×`height`
/// (`now` for the transfers' rates).
pub fn view(
    app: &State,
    shown: Option<PeerId>,
    scroll: usize,
    banner: &[String],
    width: usize,
    height: usize,
    now: u64,
) -> ConversationView {
    match shown.and_then(|id| app.conversations.get(&id)) {
        Some(c) => {
            let state = match c.state {
                PeerState::Connecting => "connecting",
                PeerState::Open => "open",
                PeerState::Closed => "closed",
            };
            let code = c
                .verify_code
                .as_deref()
                .map(|v| format!(" · code {v}"))
                .unwrap_or_default();
            // The path taken: "direct" or "via relay".
            let path = match c.reach.path {
                Some(ConnPath::Relay) => " · via relay",
                Some(ConnPath::Direct) => " · direct",
                None => "",
            };
            let title = format!(
                " {} · #{} · {state}{path}{code} ",
                sanitize_for_terminal(&c.guest),
                c.issue
            );
            // The guest's file transfers sit under the messages: offers with their keys,
            // progress bars.
            let transfers: Vec<Row> = super::files::shown(app, c.peer_id)
                .into_iter()
                .map(|t| Row {
                    head: None,
                    indent: 0,
                    text: fmt::truncate(&super::files::row(t, now), width),
                    tone: Tone::Info,
                    tick: None,
                })
                .collect();
            let mut rows = visible_rows(
                conversation_entries(&c.lines, &c.guest, scroll),
                width,
                height.saturating_sub(transfers.len()),
            );
            rows.extend(transfers);
            ConversationView {
                title,
                rows,
                scrolled: scroll,
            }
        }
        None => {
            let newest_first = ActivityNewestFirst {
                activity: &app.activity,
                banner: banner_entries(app, banner),
                next: 0,
            };
            let rows = visible_rows(newest_first.skip(scroll), width, height);
            ConversationView {
                title: " Activity ".into(),
                rows,
                scrolled: scroll,
            }
        }
    }
}

/// Walks the activity log newest first, then the banner (its oldest "entries").
struct ActivityNewestFirst<'a> {
    activity: &'a VecDeque<Activity>,
    banner: Vec<Entry>,
    next: usize,
}

impl Iterator for ActivityNewestFirst<'_> {
    type Item = Entry;
    fn next(&mut self) -> Option<Entry> {
        let i = self.next;
        self.next += 1;
        let n = self.activity.len();
        if i < n {
            return Some(activity_entry(&self.activity[n - 1 - i]));
        }
        let b = i - n;
        let len = self.banner.len();
        (b < len).then(|| self.banner[len - 1 - b].clone())
    }

    fn nth(&mut self, skip: usize) -> Option<Entry> {
        self.next += skip;
        self.next()
    }
}

fn tone_style(tone: Tone) -> Style {
    match tone {
        Tone::Guest => theme::guest(),
        Tone::Host => theme::host(),
        Tone::Notice | Tone::Info => theme::dim(),
        Tone::Error => theme::error(),
    }
}

/// Draws the window.
pub fn draw(frame: &mut Frame, area: Rect, view: &ConversationView, focused: bool) {
    let mut block = Block::bordered()
        .title(view.title.as_str())
        .border_style(theme::border(focused));
    if view.scrolled > 0 {
        block = block.title_bottom(
            TextLine::from(Span::styled(
                format!(" ↑ {} newer · End follows ", view.scrolled),
                theme::warn(),
            ))
            .right_aligned(),
        );
    }
    let lines: Vec<TextLine> = view
        .rows
        .iter()
        .map(|r| {
            let mut spans = Vec::with_capacity(5);
            if let Some((time, who)) = &r.head {
                if !time.is_empty() {
                    spans.push(Span::styled(format!("{time} "), theme::dim()));
                }
                spans.push(Span::styled(who.clone(), tone_style(r.tone)));
            }
            spans.push(Span::raw(" ".repeat(r.indent)));
            let text_style = match r.tone {
                Tone::Notice | Tone::Info => theme::dim(),
                Tone::Error => theme::error(),
                _ => Style::new(),
            };
            spans.push(Span::styled(r.text.clone(), text_style));
            match r.tick {
                Some(true) => spans.push(Span::styled(" ✓", theme::good())),
                Some(false) => spans.push(Span::styled(" ·", theme::dim())),
                None => {}
            }
            TextLine::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
