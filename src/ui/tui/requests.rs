//! The request queue window: issues asking for a chat that are not connected yet (number,
//! user, title, age, stage). [`queue`] decides what is listed (also used for selection by
//! `state`), [`rows`] prepares the text, [`draw`] only puts it on screen.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem};
use ratatui::Frame;

use super::{fmt, layout, theme};
use crate::app::{sanitize_for_terminal, Request, RequestStage, State};

/// Requests in the queue, by issue number: waiting for the maintainer, for a free peer
/// (`limits.max_peers`), for the offer, for the guest's answer, or connecting. Connected ones live in the peers window.
pub fn queue(app: &State) -> Vec<&Request> {
    app.requests
        .values()
        .filter(|r| {
            matches!(
                r.stage,
                RequestStage::Pending
                    | RequestStage::Queued
                    | RequestStage::Preparing
                    | RequestStage::Posting
                    | RequestStage::WaitingForAnswer
                    | RequestStage::Connecting
            )
        })
        .collect()
}

/// How a request's stage reads in the queue, and whether it needs the maintainer. A
/// flow-B request (the guest's page offered) posts an answer, then waits for the page.
fn stage_text(req: &Request) -> (&'static str, bool) {
    let flow_b = req.guest_offer.is_some();
    match &req.stage {
        RequestStage::Posting if flow_b => ("… posting answer", false),
        RequestStage::WaitingForAnswer if flow_b => ("◷ answer posted", false),
        RequestStage::Pending => ("⏸ accept?", true),
        RequestStage::Queued => ("⧗ queued (busy)", false),
        RequestStage::Preparing => ("… preparing", false),
        RequestStage::Posting => ("… posting link", false),
        RequestStage::WaitingForAnswer => ("◷ link posted", false),
        RequestStage::Connecting => ("⇄ connecting", false),
        _ => (req.stage_label(), false),
    }
}

/// One request as shown: every field already sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// Issue number: how the maintainer and the commands name a request.
    pub number: u64,
    /// The issue author's login.
    pub user: String,
    /// The issue title (untrusted, sanitized).
    pub title: String,
    /// Time since the request arrived (`42s`, `5m`).
    pub age: String,
    /// Glyph and words for the stage.
    pub stage: &'static str,
    /// Waiting for the maintainer (manual accept): highlighted.
    pub needs_you: bool,
}

pub fn rows(app: &State, now: u64) -> Vec<RequestRow> {
    queue(app)
        .into_iter()
        .map(|r| {
            let (stage, needs_you) = stage_text(r);
            RequestRow {
                number: r.issue.number,
                user: sanitize_for_terminal(&r.issue.user.login),
                title: sanitize_for_terminal(&r.issue.title),
                age: fmt::age(now.saturating_sub(r.since)),
                stage,
                needs_you,
            }
        })
        .collect()
}

/// Draws the queue; `selected` indexes `rows`.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    rows: &[RequestRow],
    selected: Option<usize>,
    focused: bool,
    manual: bool,
) {
    let mode = if manual { " manual " } else { " auto " };
    let block = Block::bordered()
        .title(format!(" Requests ({}) ", rows.len()))
        .title_bottom(Line::from(Span::styled(mode, theme::dim())).right_aligned())
        .border_style(theme::border(focused));
    let inner = layout::inner(area);
    let width = inner.width as usize;
    if rows.is_empty() {
        let empty = vec![ListItem::new(Span::styled(
            "no requests waiting",
            theme::dim(),
        ))];
        frame.render_widget(List::new(empty).block(block), area);
        return;
    }
    let visible = (inner.height / layout::REQUEST_ROWS).max(1) as usize;
    let offset = selected.map_or(0, |s| layout::list_offset(s, visible));
    let items: Vec<ListItem> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, r)| {
            let head = format!("#{} {}", r.number, r.user);
            let head = format!("{}{:>5}", fmt::fit(&head, width.saturating_sub(5)), r.age);
            let stage_style = if r.needs_you {
                theme::warn()
            } else {
                theme::dim()
            };
            let tail = fmt::truncate(&format!("  {} · {}", r.stage, r.title), width);
            let item = ListItem::new(vec![
                Line::from(head),
                Line::from(Span::styled(tail, stage_style)),
            ]);
            if Some(i) == selected {
                item.style(theme::selected(focused))
            } else {
                item
            }
        })
        .collect();
    frame.render_widget(List::new(items).block(block), area);
}
