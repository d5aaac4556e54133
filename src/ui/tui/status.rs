//! The status bar: host login, repository, forge health, rate-limit remaining, age of the
//! last successful poll. [`model`] prepares the parts, [`draw`] only puts them on screen.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{fmt, theme};
use crate::app::{sanitize_for_terminal, State};

/// How healthy the forge looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Not polled successfully yet, or polling paused (rate limit reserve, backoff).
    Unknown,
    Ok,
    /// The last poll failed.
    Failing,
}

/// The parts of the status bar, already formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusModel {
    /// `login@owner/repo`.
    pub who: String,
    pub health: Health,
    /// `forge ok · polled 2s ago`, or the error.
    pub forge: String,
    /// `rate 4990/5000`, or `rate ?` until the forge reports it.
    pub rate: String,
    /// Shown while quitting, instead of the help hint.
    pub quitting: bool,
}

pub fn model(app: &State, now: u64, quitting: bool) -> StatusModel {
    let polled = app
        .last_poll_ok
        .map(|t| format!("polled {} ago", fmt::age(now.saturating_sub(t))));
    let (health, forge) = match (
        app.forge.paused_until.filter(|until| *until > now),
        &app.last_poll_error,
        polled,
    ) {
        (Some(until), ..) => {
            let why = app
                .forge
                .pause_reason
                .as_deref()
                .map(sanitize_for_terminal)
                .unwrap_or_default();
            (
                Health::Unknown,
                format!("forge paused {}: {why}", fmt::age(until - now)),
            )
        }
        (None, Some(e), polled) => {
            let when = polled
                .map(|p| format!(" (last ok: {p})"))
                .unwrap_or_default();
            (
                Health::Failing,
                format!("forge: {}{when}", sanitize_for_terminal(e)),
            )
        }
        (None, None, Some(p)) => (Health::Ok, format!("forge ok · {p}")),
        (None, None, None) => (Health::Unknown, "forge: first poll…".to_string()),
    };
    let rate = match app.rate_limit {
        Some(r) => format!("rate {}/{}", r.remaining, r.limit),
        None => "rate ?".to_string(),
    };
    StatusModel {
        who: format!(
            "{}@{}",
            sanitize_for_terminal(&app.host.login),
            app.settings.repo
        ),
        health,
        forge,
        rate,
        quitting,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, m: &StatusModel) {
    let health = match m.health {
        Health::Ok => theme::good(),
        Health::Unknown => theme::warn(),
        Health::Failing => theme::error(),
    };
    let right = if m.quitting {
        " quitting… "
    } else {
        " ? help "
    };
    let left_room = (area.width as usize).saturating_sub(fmt::width(right));
    let left = format!(" {} │ {} │ {} ", m.who, m.forge, m.rate);
    let left = fmt::fit(&left, left_room);
    // Colour the forge part by health; the rest plain.
    let split = fmt::width(&format!(" {} │ ", m.who)).min(fmt::width(&left));
    let (a, b) = split_at_cells(&left, split);
    let line = Line::from(vec![
        Span::raw(a),
        Span::styled(b, health),
        Span::styled(right, Style::new().add_modifier(Modifier::BOLD)),
    ]);
    frame.render_widget(Paragraph::new(line).style(theme::status_bar()), area);
}

/// Splits `s` after `cells` cells.
fn split_at_cells(s: &str, cells: usize) -> (String, String) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        if used >= cells {
            return (s[..i].to_string(), s[i..].to_string());
        }
        used += fmt::width(c.encode_utf8(&mut [0; 4]));
    }
    (s.to_string(), String::new())
}
