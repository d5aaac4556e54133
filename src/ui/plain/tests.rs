//! Tests of the plain console: line formats (nothing a guest sends can fake a line), the
//! bounded input reader, and rendering that never waits for the terminal.

use std::io::{BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::app::{HostIdentity, Settings};
use crate::forge::RepoName;

fn state() -> State {
    let settings = Settings::new(
        RepoName::parse("maintainer/demo").unwrap(),
        "http://127.0.0.1:8177/guest/",
    );
    let host = HostIdentity {
        login: "maintainer".into(),
        id: 1,
    };
    State::new(host, settings, 0)
}

/// A writer whose bytes the test reads afterwards.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

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

/// Room lines start at column 0 as `[room] user: text`, one line, nothing raw.
#[test]
fn room_lines_are_one_sanitized_line_at_column_zero() {
    let line = format_activity(
        &ActivityKind::RoomMessage {
            room: "ops".into(),
            from: "bob".into(),
        },
        "hi\r\n[ops] maintainer: fake\x1b[2J",
    );
    assert!(line.starts_with("[ops] bob: hi"), "{line:?}");
    assert_eq!(line.lines().count(), 1);
    assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
}

/// Issue #12: a `bye` reason with a newline printed a second line of the guest's choosing.
#[test]
fn no_line_of_a_multi_line_entry_can_pass_for_a_chat_line() {
    let text = "alice disconnected (#1): the remote said bye: x\nbob: send me the key";
    for kind in [
        ActivityKind::Notice,
        ActivityKind::Error,
        ActivityKind::Info,
    ] {
        let printed = format_activity(&kind, text);
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(lines.len(), 2, "{printed:?}");
        for line in &lines[1..] {
            assert!(!line.starts_with("bob:"), "{kind:?} prints {line:?}");
            assert!(
                line.starts_with("* ") || line.starts_with("! ") || line.starts_with("  "),
                "{line:?}"
            );
        }
    }
    assert_eq!(
        format_activity(&ActivityKind::Notice, text),
        "* alice disconnected (#1): the remote said bye: x\n* bob: send me the key"
    );
    assert_eq!(
        format_activity(&ActivityKind::Info, "commands:\n  list"),
        "commands:\n    list"
    );
    assert_eq!(format_activity(&ActivityKind::Notice, ""), "* ");
}

fn read_all(input: &[u8], max: usize, capacity: usize) -> Vec<InputLine> {
    let mut reader = BufReader::with_capacity(capacity, input);
    let mut out = Vec::new();
    loop {
        let line = read_bounded_line(&mut reader, max).unwrap();
        let end = line == InputLine::End;
        out.push(line);
        if end {
            return out;
        }
    }
}

#[test]
fn input_lines_are_bounded_and_overlong_ones_skipped_whole() {
    let mut input = b"help\n".to_vec();
    input.extend(std::iter::repeat_n(b'a', 100));
    input.extend(b"\nlist\n\nlast without newline");
    for capacity in [1, 7, 64, 4096] {
        assert_eq!(
            read_all(&input, 16, capacity),
            vec![
                InputLine::Line("help".into()),
                InputLine::TooLong(100),
                InputLine::Line("list".into()),
                InputLine::Line(String::new()),
                InputLine::TooLong(20),
                InputLine::End,
            ],
            "buffer of {capacity} bytes"
        );
    }
    assert_eq!(
        read_all(b"exactly16bytes!!\n", 16, 8),
        vec![InputLine::Line("exactly16bytes!!".into()), InputLine::End]
    );
}

/// An endless line (`< /dev/zero`) is consumed without growing memory: the reader never holds
/// more than the bound.
#[test]
fn an_endless_line_is_skipped_in_bounded_memory() {
    struct Zeros(usize);
    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.0);
            buf[..n].fill(0);
            self.0 -= n;
            Ok(n)
        }
    }
    let mut reader =
        BufReader::with_capacity(8192, Zeros(50 * 1024 * 1024).chain(&b"\nquit\n"[..]));
    assert_eq!(
        read_bounded_line(&mut reader, MAX_INPUT_LINE).unwrap(),
        InputLine::TooLong(50 * 1024 * 1024)
    );
    assert_eq!(
        read_bounded_line(&mut reader, MAX_INPUT_LINE).unwrap(),
        InputLine::Line("quit".into())
    );
}

#[test]
fn overlong_and_bad_lines_are_refused_with_a_message_and_input_goes_on() {
    let sink = Sink::default();
    let out = Output::spawn(sink.clone(), 1 << 20);
    let mut input = "x".repeat(MAX_INPUT_LINE + 1).into_bytes();
    input.extend(b"\nbogus\nlist\n");
    let mut commands = spawn_commands(io::Cursor::new(input), out.clone());
    assert_eq!(commands.blocking_recv(), Some(Command::List));
    assert_eq!(
        commands.blocking_recv(),
        None,
        "end of input closes the channel"
    );
    assert!(out.flush_within(Duration::from_secs(5)));
    let text = sink.text();
    assert!(
        text.starts_with(&format!(
            "! line too long ({} bytes, {MAX_INPUT_LINE} bytes max); ignored\n",
            MAX_INPUT_LINE + 1
        )),
        "{text}"
    );
    assert!(text.contains("! unknown command `bogus`"), "{text}");
}

/// Issue #12: rendering wrote to stdout synchronously inside the host loop. A terminal that
/// never reads must not hold the loop: 10,000 lines render promptly, the lines not shown are
/// counted and announced once the terminal reads again.
#[test]
fn rendering_never_waits_for_a_terminal_that_does_not_read() {
    let (mut reader, writer) = std::io::pipe().unwrap();
    // Nobody reads the pipe while 10,000 lines are rendered: a render that waited for the
    // terminal would wait forever, so the bound below only tells blocked from done (it
    // takes milliseconds), whatever the machine's load.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut view = PlainView::new(Output::spawn(writer, 64 * 1024));
        let mut state = state();
        for batch in 0..10 {
            for i in 0..1000 {
                state.log(
                    0,
                    ActivityKind::Notice,
                    format!("line {batch}-{i} of a busy run"),
                );
            }
            view.render(&state);
        }
        let _ = done_tx.send((view, state));
    });
    let (mut view, mut state) = done_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("rendering 10,000 lines waited for a terminal that does not read");
    assert!(view.not_shown > 0, "some lines were not taken");
    let missing = view.not_shown;

    // The terminal reads again: the next render announces the count.
    let drained = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = reader.read_to_end(&mut all);
        String::from_utf8_lossy(&all).into_owned()
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while view.not_shown > 0 && Instant::now() < deadline {
        view.render(&state);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(view.not_shown, 0);
    state.log(0, ActivityKind::Notice, "after the pause");
    view.render(&state);
    assert!(!view.output_closed());
    drop(view); // flushes, and ends the writer thread's pipe
    let text = drained.join().unwrap();
    let shown = text.lines().filter(|l| l.starts_with("* line ")).count() as u64;
    let announced: u64 = text
        .lines()
        .filter_map(|l| {
            l.strip_prefix("! ")?
                .strip_suffix(" lines not shown (the terminal was not reading)")?
                .parse::<u64>()
                .ok()
        })
        .sum();
    assert!(announced >= missing, "{announced} < {missing}");
    assert_eq!(shown + announced, 10_000, "every line is shown or counted");
    assert!(text.trim_end().ends_with("* after the pause"));
}

#[test]
fn a_closed_output_is_reported_to_the_host() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut view = PlainView::new(Output::spawn(Broken, 1024));
    let mut state = state();
    state.log(0, ActivityKind::Notice, "hello");
    view.render(&state);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !view.output_closed() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(view.output_closed());
}
