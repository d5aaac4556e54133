//! The TUI's frames go through the output thread (issue #12: rendering blocked the event
//! loop). A terminal that stops reading costs frames, never time, and the first frame after
//! it reads again is a full redraw on a cleared screen, so the screen is never left corrupt.

use std::io::Read;
use std::time::{Duration, Instant};

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::draw_through;
use crate::ui::output::Output;

#[test]
fn frames_a_terminal_does_not_take_are_redrawn_whole_later() {
    let (mut reader, writer) = std::io::pipe().unwrap();
    let output = Output::spawn(writer, 16 * 1024);
    let backend = CrosstermBackend::new(output.writer());
    let viewport = Viewport::Fixed(Rect::new(0, 0, 80, 24));
    let mut terminal = Terminal::with_options(backend, TerminalOptions { viewport }).unwrap();
    let started = Instant::now();
    for i in 0..1000 {
        draw_through(&mut terminal, &output, |frame| {
            let text = format!("frame {i} ").repeat(150);
            frame.render_widget(Paragraph::new(text), frame.area());
        });
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "1000 frames took {took:?}");
    assert!(
        output.was_refused(),
        "the pipe is full: frames were refused"
    );

    let screen = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = reader.read_to_end(&mut all);
        all
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        draw_through(&mut terminal, &output, |frame| {
            frame.render_widget(Paragraph::new("FINAL FRAME"), frame.area()); // two runs of cells
        });
        if output.flush_within(Duration::from_secs(1)) && !output.was_refused() {
            break;
        }
        assert!(Instant::now() < deadline, "the terminal reads again");
    }
    drop(terminal);
    drop(output);
    let bytes = screen.join().unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let clear = text
        .rfind("\x1b[2J")
        .expect("a full clear after the refusals");
    assert!(
        text[clear..].contains("FINAL") && text[clear..].contains("FRAME"),
        "the last frame is drawn after the last clear: {:?}",
        &text[clear..(clear + 600).min(text.len())]
    );
}
