//! The status bar: host login, repository, forge health, rate-limit remaining, age of the
//! last successful poll, and the host's own health (a task restarting, a warning from the
//! runtime: `State::health`). [`model`] prepares the parts, [`draw`] only puts them on
//! screen.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{fmt, theme};
use crate::app::{sanitize_for_terminal, NoticeSeverity, State};

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
    /// The host's own problem, if any (`! the GitHub poller stopped …`), sanitized, and
    /// whether it is an error (red) rather than a warning.
    pub host: Option<(String, bool)>,
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
    let rate = match app.forge.rate {
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
        host: app.health().map(|h| {
            (
                format!("! {}", sanitize_for_terminal(&h.text)),
                h.severity == NoticeSeverity::Error,
            )
        }),
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
    // ` who │ [! host problem │] forge │ rate `: the host's own problem comes before the
    // forge part so a narrow terminal cuts the rate first.
    let who = format!(" {} │ ", m.who);
    let host = m
        .host
        .as_ref()
        .map(|(text, error)| (format!("{text} │ "), *error));
    let forge = format!("{} │ {} ", m.forge, m.rate);
    let mut spans = Vec::new();
    let mut used = 0;
    let mut push = |text: &str, style: Style, spans: &mut Vec<Span<'static>>| {
        let part = fmt::truncate(text, left_room.saturating_sub(used));
        used += fmt::width(&part);
        spans.push(Span::styled(part, style));
    };
    push(&who, Style::new(), &mut spans);
    if let Some((text, error)) = &host {
        let style = if *error {
            theme::error()
        } else {
            theme::warn()
        };
        push(text, style, &mut spans);
    }
    push(&forge, health, &mut spans);
    spans.push(Span::raw(" ".repeat(left_room.saturating_sub(used))));
    spans.push(Span::styled(
        right,
        Style::new().add_modifier(Modifier::BOLD),
    ));
    let line = Line::from(spans);
    frame.render_widget(Paragraph::new(line).style(theme::status_bar()), area);
}
