//! The help overlay (`?` or F1): every key binding, straight from `keys::BINDINGS`.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::keys::BINDINGS;
use super::{fmt, layout, theme};

/// Width of the keys column.
const KEYS: usize = 24;

/// The overlay's text, one entry per line: `(is a heading, text)`.
pub fn lines() -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for (i, (section, bindings)) in BINDINGS.iter().enumerate() {
        if i > 0 {
            out.push((false, String::new()));
        }
        out.push((true, section.to_string()));
        for (keys, what) in bindings.iter() {
            out.push((false, format!("  {}{what}", fmt::fit(keys, KEYS))));
        }
    }
    out
}

/// Draws the overlay scrolled `scroll` lines down.
pub fn draw(frame: &mut Frame, size: Rect, scroll: usize) {
    let area = layout::help_area(size);
    let block = Block::bordered()
        .title(" Keys · Esc closes ")
        .title_bottom(Line::from(Span::styled(" ↑/↓ scroll ", theme::dim())).right_aligned())
        .border_style(theme::border(true));
    let text: Vec<Line> = lines()
        .into_iter()
        .skip(scroll)
        .map(|(heading, text)| {
            if heading {
                Line::from(Span::styled(text, theme::warn()))
            } else {
                Line::from(text)
            }
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(text).block(block), area);
}
