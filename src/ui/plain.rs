//! The plain line console (`--plain`): for pipes, ssh without a full screen, and scripted
//! tests. Prints the core's activity log line by line and reads commands from stdin.
//!
//! Output format (scripts rely on it): chat from a guest `<user>: <text>`; notices
//! `* <text>`; errors `! <text>`; `list`/`help` output as is. Everything untrusted is passed
//! through `sanitize_for_terminal` first.

use std::io::{BufRead, Write};

use tokio::sync::mpsc;

use crate::app::{sanitize_for_terminal, ActivityKind, Command, State};
use crate::host::View;

/// Prints new activity entries to a writer (stdout in the binary, a buffer in tests).
pub struct PlainView<W: Write + Send> {
    out: W,
    /// Sequence number of the last entry printed.
    last_seq: u64,
}

impl<W: Write + Send> PlainView<W> {
    pub fn new(out: W) -> Self {
        PlainView { out, last_seq: 0 }
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Formats one activity entry the way the plain console prints it.
pub fn format_activity(kind: &ActivityKind, text: &str) -> String {
    let lines = || {
        text.lines()
            .map(sanitize_for_terminal)
            .collect::<Vec<_>>()
            .join("\n")
    };
    match kind {
        ActivityKind::Message { from } => format!(
            "{}: {}",
            sanitize_for_terminal(from),
            sanitize_for_terminal(text)
        ),
        ActivityKind::Notice => format!("* {}", lines()),
        ActivityKind::Error => format!("! {}", lines()),
        ActivityKind::Info => lines(),
    }
}

impl<W: Write + Send> View for PlainView<W> {
    fn render(&mut self, state: &State) {
        let last = self.last_seq;
        for entry in state.activity.iter().filter(|a| a.seq > last) {
            let _ = writeln!(self.out, "{}", format_activity(&entry.kind, &entry.text));
            self.last_seq = entry.seq;
        }
        let _ = self.out.flush();
    }
}

/// Reads commands from stdin on a blocking thread. Parse errors are printed at once;
/// end of input closes the channel, which the host treats as `quit`.
pub fn spawn_stdin_commands() -> mpsc::Receiver<Command> {
    let (tx, rx) = mpsc::channel(64);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            match crate::ui::commands::parse(&line) {
                Ok(Some(cmd)) => {
                    let quit = cmd == Command::Quit;
                    if tx.blocking_send(cmd).is_err() || quit {
                        return;
                    }
                }
                Ok(None) => {}
                Err(msg) => println!("! {msg}"),
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_cannot_reach_the_terminal_raw() {
        let line = format_activity(
            &ActivityKind::Message {
                from: "ev\x1bil".into(),
            },
            "hi\x1b]0;owned\x07\nmaintainer: fake",
        );
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        assert_eq!(line.lines().count(), 1);
        assert!(line.starts_with("ev\\u{1b}il: hi"));
        let notice = format_activity(&ActivityKind::Notice, "chat request #1 from x: \x1b[2J");
        assert!(notice.starts_with("* ") && !notice.contains('\x1b'));
    }
}
