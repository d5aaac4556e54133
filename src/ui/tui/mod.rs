//! The full-screen console (ratatui + crossterm): request queue, peers, one conversation
//! at a time, input line, status bar, side menu and help overlay.
//!
//! Shape (ARCHITECTURE.md "The picture": views render the core's state and turn keys into events):
//! - [`state`]: the TUI's own view model and its one pure `update` function;
//! - [`keys`]: the key map; `layout` and the window modules (`requests`, `peers`,
//!   `conversation`, `input`, `status`, `menu`, `help`) prepare text and draw it;
//!   [`screen::draw`] composes a frame;
//! - this file: the terminal (raw mode, alternate screen, mouse, bracketed paste), a
//!   reader thread for input, [`TuiView`] (the host's `View`), and [`run`] for `main`.
//!
//! Frames are written by the output thread (`ui::output`), never by the host loop; a frame the
//! terminal did not take makes the next one a full redraw.
//!
//! The terminal is restored when the view is dropped (quit), on Ctrl-C (a key in raw mode:
//! it asks the core to quit; twice exits at once), on SIGINT/SIGTERM/SIGHUP (quit), and on
//! panic (a hook restores before the message prints). Logs never go to the screen: `main`
//! routes tracing to a file while the TUI runs.

mod conversation;
mod files;
mod fmt;
mod help;
mod input;
pub mod keys;
mod layout;
mod menu;
mod peers;
mod requests;
mod room;
pub mod screen;
pub mod state;
mod status;
mod theme;

#[cfg(test)]
mod file_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod key_tests;
#[cfg(test)]
mod output_tests;
#[cfg(test)]
mod room_tests;
#[cfg(test)]
mod snapshot_tests;

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::clipboard::CopyToClipboard;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event as TermEvent,
};
use crossterm::terminal::{enable_raw_mode, EnterAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::{Command, HostIdentity, State};
use crate::host::{self, HostSetup, TerminalEvent, View};
use crate::ui::output::{Output, OutputWriter};
pub use state::{update, TuiState, UiAction, UiEvent};

/// How the TUI behaves (from the config file and the subcommand).
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    /// Ring the terminal bell on a new request or a message in another conversation.
    pub bell: bool,
    /// Lines shown on top of the activity log (the demo puts its URLs there).
    pub banner: Vec<String>,
}

/// Whether this process has the terminal in raw mode / the alternate screen right now, so
/// the panic hook and `Drop` restore it exactly once.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Leaves raw mode and the alternate screen if we entered them. Idempotent. Writes to stdout
/// directly: callers stop the output thread first (`Output::stop_within`), except the panic
/// hook, which cannot wait.
///
/// `ratatui::try_restore` does the raw mode and alternate screen part. `ratatui::init` is not
/// used: it builds a terminal that writes to stdout synchronously (this one writes through
/// the output thread, so drawing never blocks the host loop), and its panic hook, which comes
/// only with it, undoes neither mouse capture nor bracketed paste.
fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = crossterm::execute!(
            io::stdout(),
            DisableMouseCapture,
            DisableBracketedPaste,
            crossterm::cursor::Show
        );
        let _ = ratatui::try_restore();
    }
}

/// A panic inside the TUI must not leave the terminal raw: restore first, then let the
/// previous hook (color-eyre's) print the report on a sane screen.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
}

/// Reads terminal input on its own thread (crossterm's reader blocks) and forwards it to
/// the host loop; stops when told or when the loop is gone.
fn spawn_reader(
    tx: mpsc::Sender<TerminalEvent>,
    stop: Arc<AtomicBool>,
) -> io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("tui-input".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match crossterm::event::poll(Duration::from_millis(100)) {
                    Ok(true) => match crossterm::event::read() {
                        Ok(ev) => {
                            if tx.blocking_send(ev).is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::warn!("reading the terminal failed: {e}");
                            break;
                        }
                    },
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!("polling the terminal failed: {e}");
                        break;
                    }
                }
            }
        })
}

/// The full-screen console as a host `View`.
pub struct TuiView {
    /// Draws through the output thread (`ui::output`): a frame the terminal did not take is
    /// noticed (`Output::take_refused`) and the next one is drawn whole.
    terminal: Terminal<CrosstermBackend<OutputWriter>>,
    /// The output thread itself, stopped before the terminal is restored.
    output: Output,
    tui: TuiState,
    /// Terminal input, handed to the host loop once (`take_input`).
    input: Option<mpsc::Receiver<TerminalEvent>>,
    /// The host's command channel: commands that arise while drawing (read marks) go here.
    commands: mpsc::Sender<Command>,
    /// Tells the reader thread to stop; it is joined on drop so it reads nothing after.
    stop: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl TuiView {
    /// Takes over the terminal. `commands` is the host's command channel.
    pub fn start(options: TuiOptions, commands: mpsc::Sender<Command>) -> io::Result<TuiView> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let setup = (|| {
            crossterm::execute!(
                io::stdout(),
                EnterAlternateScreen,
                EnableMouseCapture,
                EnableBracketedPaste
            )?;
            let output = Output::stdout();
            let terminal = Terminal::new(CrosstermBackend::new(output.writer()))?;
            let size = terminal.size()?;
            Ok::<_, io::Error>((terminal, output, size))
        })();
        let (terminal, output, size) = setup.inspect_err(|_| restore_terminal())?;
        let (tx, rx) = mpsc::channel(256);
        let stop = Arc::new(AtomicBool::new(false));
        let reader = spawn_reader(tx, stop.clone()).inspect_err(|_| restore_terminal())?;
        Ok(TuiView {
            terminal,
            output,
            tui: TuiState::new((size.width, size.height), options.bell, options.banner),
            input: Some(rx),
            commands,
            stop,
            reader: Some(reader),
        })
    }

    /// Carries out the TUI's actions; returns the commands for the core.
    fn perform(&mut self, actions: Vec<UiAction>) -> Vec<Command> {
        let mut commands = Vec::new();
        for action in actions {
            match action {
                UiAction::Send(c) => commands.push(c),
                UiAction::Bell => self.write_raw("\x07"),
                UiAction::Copy(text) => {
                    // OSC 52: the terminal puts the text on the clipboard (also over ssh).
                    let out = self.terminal.backend_mut();
                    let _ = crossterm::execute!(out, CopyToClipboard::to_clipboard_from(text));
                }
                UiAction::ForceQuit => {
                    self.output.stop_within(Duration::from_millis(100));
                    restore_terminal();
                    eprintln!("janus: quit without waiting (second Ctrl-C)");
                    std::process::exit(130);
                }
            }
        }
        commands
    }

    /// Writes control sequences the screen buffer does not model (the bell).
    fn write_raw(&mut self, s: &str) {
        let out = self.terminal.backend_mut();
        let _ = out.write_all(s.as_bytes()).and_then(|_| out.flush());
    }
}

impl View for TuiView {
    fn render(&mut self, app: &State) {
        let actions = update(&mut self.tui, app, UiEvent::Refresh);
        for command in self.perform(actions) {
            // Best effort: a read mark lost to a full queue is sent again on the next draw.
            let _ = self.commands.try_send(command);
        }
        let now = host::unix_now();
        let tui = &self.tui;
        draw_through(&mut self.terminal, &self.output, |frame| {
            screen::draw(frame, tui, app, now)
        });
    }

    fn take_input(&mut self) -> Option<mpsc::Receiver<TerminalEvent>> {
        self.input.take()
    }

    fn output_closed(&self) -> bool {
        self.output.is_closed()
    }

    fn on_input(&mut self, app: &State, input: TerminalEvent) -> Vec<Command> {
        let event = match input {
            TermEvent::Key(k) => UiEvent::Key(k),
            TermEvent::Mouse(m) => UiEvent::Mouse(m),
            TermEvent::Resize(w, h) => UiEvent::Resize(w, h),
            TermEvent::Paste(s) => UiEvent::Paste(s),
            TermEvent::FocusGained | TermEvent::FocusLost => return Vec::new(),
        };
        let actions = update(&mut self.tui, app, event);
        self.perform(actions)
    }
}

impl Drop for TuiView {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(reader) = self.reader.take() {
            // The reader notices `stop` within one 100 ms poll. When the terminal is gone
            // (window closed, SIGHUP) crossterm's poll never returns, so wait a little and
            // then leave the thread behind: the process is about to exit, and a join here
            // would hang it forever.
            let deadline = std::time::Instant::now() + Duration::from_millis(500);
            while !reader.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if reader.is_finished() {
                let _ = reader.join();
            }
        }
        // The last frame first, then the restore, never the other way round.
        self.output.stop_within(Duration::from_millis(500));
        restore_terminal();
    }
}

/// Draws one frame through the output thread. If output was refused since the last frame (the
/// terminal was not reading), the screen shows an older frame than ratatui believes, so this
/// frame starts from a cleared screen and is drawn whole; it never waits for the terminal.
///
/// Not `Terminal::clear`: it first asks the terminal for the cursor position, which writes to
/// stdout directly and waits up to 2 s for a terminal that is, here, not reading. Instead the
/// screen is cleared through the output thread, and an empty frame makes ratatui's idea of the
/// screen blank too, so the next frame is written whole. A refusal on the way just repeats this.
fn draw_through<F>(terminal: &mut Terminal<CrosstermBackend<OutputWriter>>, output: &Output, f: F)
where
    F: FnOnce(&mut ratatui::Frame),
{
    if output.take_refused() {
        use ratatui::backend::{Backend, ClearType};
        let backend = terminal.backend_mut();
        let _ = backend.clear_region(ClearType::All);
        let _ = Backend::flush(backend);
        let _ = terminal.draw(|_| {});
    }
    if let Err(e) = terminal.draw(f) {
        tracing::warn!("drawing the screen failed: {e}");
    }
}

/// Runs the host with the full-screen console until `quit`. `startup` commands are applied
/// before anything else (e.g. `accept manual` from the config file).
pub async fn run(
    setup: HostSetup,
    identity: HostIdentity,
    options: TuiOptions,
    startup: Vec<Command>,
) -> Result<()> {
    let (tx, rx) = mpsc::channel(64);
    // SIGINT, SIGTERM and SIGHUP quit like `quit` (raw mode turns the Ctrl-C key into a key
    // press, but a signal from elsewhere must still end the run cleanly); a second one
    // exits at once, with the terminal restored first.
    host::signals::quit_on_signals(tx.clone(), restore_terminal);
    let view = TuiView::start(options, tx)
        .wrap_err("cannot open the full-screen console (is this a terminal?); try --plain")?;
    host::run_with(setup, identity, Box::new(view), rx, startup).await
}
