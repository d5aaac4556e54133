//! The plain line console (`--plain`): for pipes, ssh without a full screen, and scripted
//! tests. Prints the core's activity log line by line and reads commands from stdin.
//!
//! Output format (scripts rely on it): chat from a guest `<user>: <text>`; notices
//! `* <text>`; errors `! <text>`; `list`/`help` output as is, continuation lines indented by
//! two spaces. Every line of a notice or an error carries its marker, so no line of a
//! multi-line entry can pass for `<user>: <text>`. Everything untrusted is passed through
//! `sanitize_for_terminal` first.
//!
//! Output goes through [`Output`] (its own thread): rendering never waits for the terminal.
//! Lines the terminal was too slow to take are counted and announced once it reads again.
//! Input lines are read with a bound ([`MAX_INPUT_LINE`]): a longer one is refused and
//! skipped without being held in memory.

use std::io::{self, BufRead};
use std::time::Duration;

use tokio::sync::mpsc;

use super::output::{Output, Refused};
use crate::app::{sanitize_for_terminal, ActivityKind, Command, State};
use crate::host::View;

/// The longest command line accepted (a chat message is at most 4096 characters, up to
/// 16 KiB of UTF-8, plus the command word).
pub const MAX_INPUT_LINE: usize = 16 * 1024 + 256;
/// How long the view waits, when it is dropped (quit), for its last lines to be written.
const FINAL_FLUSH: Duration = Duration::from_secs(1);

/// Prints new activity entries through an [`Output`] (stdout in the binary, a pipe or a
/// buffer in tests).
pub struct PlainView {
    out: Output,
    /// Sequence number of the last entry handled (printed or counted as not shown).
    last_seq: u64,
    /// Lines the terminal did not take since the last announcement.
    not_shown: u64,
}

impl PlainView {
    pub fn new(out: Output) -> Self {
        PlainView {
            out,
            last_seq: 0,
            not_shown: 0,
        }
    }
}

/// Formats one activity entry the way the plain console prints it.
pub fn format_activity(kind: &ActivityKind, text: &str) -> String {
    let marked = |first: &str, rest: &str| {
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(if i == 0 { first } else { rest });
            out.push_str(&sanitize_for_terminal(line));
        }
        if out.is_empty() {
            out.push_str(first);
        }
        out
    };
    match kind {
        ActivityKind::Message { from } => format!(
            "{}: {}",
            sanitize_for_terminal(from),
            sanitize_for_terminal(text)
        ),
        ActivityKind::RoomMessage { room, from } => format!(
            "[{}] {}: {}",
            sanitize_for_terminal(room),
            sanitize_for_terminal(from),
            sanitize_for_terminal(text)
        ),
        ActivityKind::Notice => marked("* ", "* "),
        ActivityKind::Error => marked("! ", "! "),
        ActivityKind::Info => marked("", "  "),
    }
}

impl View for PlainView {
    fn render(&mut self, state: &State) {
        let last = self.last_seq;
        let mut chunk = String::new();
        let mut lines = 0u64;
        if self.not_shown > 0 {
            chunk.push_str(&format!(
                "! {} lines not shown (the terminal was not reading)\n",
                self.not_shown
            ));
        }
        for entry in state.activity.iter().filter(|a| a.seq > last) {
            let text = format_activity(&entry.kind, &entry.text);
            lines += text.lines().count().max(1) as u64;
            chunk.push_str(&text);
            chunk.push('\n');
            self.last_seq = entry.seq;
        }
        if lines == 0 && self.not_shown == 0 {
            return;
        }
        match self.out.try_write(chunk.into_bytes()) {
            Ok(()) => self.not_shown = 0,
            Err(Refused::Full) => self.not_shown += lines,
            Err(Refused::Closed) => {} // `output_closed` tells the host
        }
    }

    fn output_closed(&self) -> bool {
        self.out.is_closed()
    }
}

impl Drop for PlainView {
    fn drop(&mut self) {
        // The last lines (“closing conversations and quitting”) must reach the terminal before
        // the process exits, if it reads at all.
        self.out.flush_within(FINAL_FLUSH);
    }
}

/// One input line, read with a bound.
#[derive(Debug, PartialEq, Eq)]
pub enum InputLine {
    /// A complete line (without its newline); invalid UTF-8 is replaced, not refused.
    Line(String),
    /// A line longer than the bound, skipped up to its newline; its length in bytes.
    TooLong(usize),
    /// End of input.
    End,
}

/// Reads the next line of at most `max` bytes. A longer line is consumed up to and including
/// its newline without being kept: memory stays at `max` whatever comes in.
pub fn read_bounded_line(input: &mut impl BufRead, max: usize) -> io::Result<InputLine> {
    let mut line = Vec::new();
    let mut skipped: Option<usize> = None;
    loop {
        let available = match input.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match skipped {
                Some(n) => InputLine::TooLong(n),
                None if line.is_empty() => InputLine::End,
                None => InputLine::Line(String::from_utf8_lossy(&line).into_owned()),
            });
        }
        let (taken, complete) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        let taken_len = taken.len();
        match &mut skipped {
            Some(n) => *n += taken_len,
            None if line.len() + taken_len > max => skipped = Some(line.len() + taken_len),
            None => line.extend_from_slice(taken),
        }
        if skipped.is_some() {
            line = Vec::new();
        }
        input.consume(complete.unwrap_or(taken_len));
        if complete.is_some() {
            return Ok(match skipped {
                Some(n) => InputLine::TooLong(n),
                None => InputLine::Line(String::from_utf8_lossy(&line).into_owned()),
            });
        }
    }
}

/// Reads commands from stdin on a blocking thread. Parse errors and refused lines are
/// printed through `out` at once; end of input closes the channel, which the host treats
/// as `quit`.
pub fn spawn_stdin_commands(out: Output) -> mpsc::Receiver<Command> {
    spawn_commands(io::BufReader::with_capacity(64 * 1024, io::stdin()), out)
}

/// [`spawn_stdin_commands`] over any input.
pub fn spawn_commands<R: BufRead + Send + 'static>(
    mut input: R,
    out: Output,
) -> mpsc::Receiver<Command> {
    let (tx, rx) = mpsc::channel(64);
    std::thread::spawn(move || loop {
        let line = match read_bounded_line(&mut input, MAX_INPUT_LINE) {
            Ok(InputLine::Line(line)) => line,
            Ok(InputLine::TooLong(n)) => {
                out.line(&format!(
                    "! line too long ({n} bytes, {MAX_INPUT_LINE} bytes max); ignored"
                ));
                continue;
            }
            Ok(InputLine::End) | Err(_) => return,
        };
        match crate::ui::commands::parse(&line) {
            Ok(Some(cmd)) => {
                let quit = cmd == Command::Quit;
                if tx.blocking_send(cmd).is_err() || quit {
                    return;
                }
            }
            Ok(None) => {}
            Err(msg) => out.line(&format!("! {msg}")),
        }
    });
    rx
}

#[cfg(test)]
mod tests;
