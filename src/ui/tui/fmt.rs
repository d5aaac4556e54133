//! Text helpers for the TUI: display width, truncation, padding, wrapping, clock and age.
//! Pure functions on strings that were already sanitized (`app::sanitize_for_terminal`);
//! widths are terminal cells (`unicode-width`), so CJK and emoji line up.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Terminal cells `s` occupies.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` truncated or padded with spaces to exactly `cells` cells.
pub fn fit(s: &str, cells: usize) -> String {
    let mut out = truncate(s, cells);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// Splits `s` into rows of at most `cells` cells, breaking at spaces when a word fits and
/// inside words otherwise. Always returns at least one (possibly empty) row.
pub fn wrap(s: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut used = 0;
    for word in s.split_inclusive(' ') {
        let w = width(word);
        let trimmed = width(word.trim_end_matches(' '));
        if used > 0 && used + trimmed > cells {
            rows.push(std::mem::take(&mut row).trim_end().to_string());
            used = 0;
        }
        if w <= cells - used || trimmed <= cells - used {
            row.push_str(word);
            used += w;
            continue;
        }
        // A word longer than a row: break it by characters.
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > cells {
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            row.push(c);
            used += cw;
        }
    }
    rows.push(row.trim_end().to_string());
    rows
}

/// `HH:MM` (UTC) of a unix time; the core's timestamps are UTC seconds.
pub fn clock(unix: u64) -> String {
    let secs = unix % 86_400;
    format!("{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

/// A short age: `42s`, `5m`, `3h`, `2d`.
pub fn age(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_and_fits_by_cells() {
        assert_eq!(truncate("hello", 10), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("日本語です", 5), "日本…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(width(&fit("日本語です", 5)), 5);
    }

    #[test]
    fn wraps_at_spaces_and_inside_long_words() {
        assert_eq!(
            wrap("the quick brown fox", 10),
            vec!["the quick", "brown fox"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 5), vec![""]);
        assert!(wrap("a very long line of text that goes on", 7)
            .iter()
            .all(|r| width(r) <= 7));
    }

    #[test]
    fn clocks_and_ages() {
        assert_eq!(clock(3600 * 13 + 60 * 7 + 5), "13:07");
        assert_eq!(
            (age(5), age(125), age(7200), age(200_000)),
            ("5s".into(), "2m".into(), "2h".into(), "2d".into())
        );
    }
}
