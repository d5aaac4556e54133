//! File transfers in the TUI: the rows a conversation shows for its guest's transfers (an
//! offer waiting for `y` / `n`, a progress bar with bytes, rate and time left), the
//! accept / reject keys' target, and path completion for `file send <user> <path>` (Tab):
//! the one place the TUI reads the file system, a directory listing.

use crate::app::files::{Direction, Transfer, TransferState};
use crate::app::{sanitize_for_terminal, PeerId, State};

/// Transfer rows shown under a conversation at most (the newest).
pub const MAX_ROWS: usize = 4;
/// Cells of the progress bar.
const BAR_CELLS: usize = 20;

/// The transfers of conversation `peer_id` worth a row: unfinished ones, newest last.
pub fn shown(app: &State, peer_id: PeerId) -> Vec<&Transfer> {
    let mut all: Vec<&Transfer> = app
        .files
        .in_order()
        .into_iter()
        .filter(|t| t.peer_id == peer_id && !t.state.is_finished())
        .collect();
    let skip = all.len().saturating_sub(MAX_ROWS);
    all.drain(..skip);
    all
}

/// `[#######-------------]`.
pub fn bar(fraction: f64) -> String {
    let full = ((fraction.clamp(0.0, 1.0)) * BAR_CELLS as f64).round() as usize;
    format!("[{}{}]", "#".repeat(full), "-".repeat(BAR_CELLS - full))
}

/// One row for a transfer, sanitized (guests choose names).
pub fn row(t: &Transfer, now: u64) -> String {
    use crate::app::files::human_bytes;
    let arrow = match t.direction {
        Direction::Incoming => "⇣",
        Direction::Outgoing => "⇡",
    };
    let name = sanitize_for_terminal(&t.name);
    match &t.state {
        TransferState::AwaitingConsent => format!(
            "{arrow} {name} ({}) offered · y accept · n reject",
            human_bytes(t.size)
        ),
        TransferState::Active => {
            let mut s = format!(
                "{arrow} {name} {} {} of {}",
                bar(t.fraction()),
                human_bytes(t.bytes),
                human_bytes(t.size)
            );
            if let Some(rate) = t.rate(now) {
                s.push_str(&format!(" · {}/s", human_bytes(rate)));
            }
            if let Some(left) = t.time_left(now) {
                s.push_str(&format!(" · {left} s left"));
            }
            s
        }
        other => format!("{arrow} {name} ({}) {}", human_bytes(t.size), other.label()),
    }
}

/// The oldest offer of this conversation waiting for the maintainer, if any.
pub fn waiting_offer(app: &State, peer_id: PeerId) -> Option<String> {
    app.files
        .in_order()
        .into_iter()
        .find(|t| t.peer_id == peer_id && t.state == TransferState::AwaitingConsent)
        .map(|t| t.id.clone())
}

/// The input line `file send <user> <path…>` with its path completed as far as it is
/// unambiguous (the candidates when several remain), or `None` if the line is not such a
/// command or nothing matches.
pub fn complete(line: &str) -> Option<(String, Vec<String>)> {
    let rest = line.strip_prefix("file send ")?;
    let (user, path) = rest.split_once(' ')?;
    let expanded = match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(tail), Ok(home)) => format!("{home}/{tail}"),
        _ => path.to_string(),
    };
    let (dir, stem) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("./", expanded.as_str()),
    };
    let mut names: Vec<(String, bool)> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            (name.starts_with(stem) && (stem.starts_with('.') || !name.starts_with('.')))
                .then_some((name, is_dir))
        })
        .collect();
    names.sort();
    let first = names.first()?.0.clone();
    let common = names.iter().fold(first, |acc, (n, _)| {
        acc.chars()
            .zip(n.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    });
    let prefix = if path.contains('/') || path.starts_with('~') {
        &expanded[..expanded.len() - stem.len()]
    } else {
        ""
    };
    let mut completed = format!("file send {user} {prefix}{common}");
    if names.len() == 1 && names[0].1 {
        completed.push('/');
    }
    let candidates = if names.len() > 1 {
        names.into_iter().map(|(n, _)| n).take(20).collect()
    } else {
        Vec::new()
    };
    Some((completed, candidates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_completion() {
        assert_eq!(bar(0.5), format!("[{}{}]", "#".repeat(10), "-".repeat(10)));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("report-2025.pdf"), b"x").unwrap();
        std::fs::write(dir.path().join("report-2026.pdf"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("photos")).unwrap();
        let base = dir.path().display();
        let (line, options) = complete(&format!("file send alice {base}/rep")).unwrap();
        assert_eq!(line, format!("file send alice {base}/report-202"));
        assert_eq!(options, vec!["report-2025.pdf", "report-2026.pdf"]);
        let (line, options) = complete(&format!("file send alice {base}/ph")).unwrap();
        assert_eq!(line, format!("file send alice {base}/photos/"));
        assert!(options.is_empty());
        assert!(complete(&format!("file send alice {base}/zzz")).is_none());
        assert!(complete("reply alice hi").is_none());
    }
}
