//! Signals: SIGINT, SIGTERM and SIGHUP run the same orderly shutdown as `quit`, in both
//! consoles (links taken down by editing, `bye` to every guest, exit 0).
//!
//! The first signal asks the core to quit. Shutdown is bounded, but a maintainer who presses
//! Ctrl-C twice means "now": the second signal ends the process at once with status 130,
//! saying that the next start finishes the link edits left over (they are journaled).

use tokio::sync::mpsc;

use crate::app::Command;

/// Spawns the watcher: the first of SIGINT / SIGTERM / SIGHUP sends [`Command::Quit`] to
/// `commands`; a second one calls `before_exit` (the TUI restores the terminal) and exits
/// the process.
pub fn quit_on_signals(commands: mpsc::Sender<Command>, before_exit: fn()) {
    tokio::spawn(async move {
        let Some(mut signals) = Signals::register() else {
            return;
        };
        let first = signals.next().await;
        tracing::info!("{first}: shutting down");
        let _ = commands.send(Command::Quit).await;
        let again = signals.next().await;
        before_exit();
        eprintln!(
            "janus: {again} again: exiting now; link edits still pending are finished by the next start"
        );
        std::process::exit(130);
    });
}

/// The shutdown signals, registered once (so none of them kills the process by default
/// while shutdown runs).
struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn register() -> Option<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Some(Signals {
            int: signal(SignalKind::interrupt()).ok()?,
            term: signal(SignalKind::terminate()).ok()?,
            hup: signal(SignalKind::hangup()).ok()?,
        })
    }

    #[cfg(not(unix))]
    fn register() -> Option<Signals> {
        Some(Signals {})
    }

    /// Waits for the next one and names it.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.int.recv() => "SIGINT",
                _ = self.term.recv() => "SIGTERM",
                _ = self.hup.recv() => "SIGHUP",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// Merges the plain console's stdin commands with the signal watcher: the returned
/// receiver yields typed commands, then `Quit` when stdin ends or a signal arrives.
pub fn plain_commands(mut stdin: mpsc::Receiver<Command>) -> mpsc::Receiver<Command> {
    let (tx, rx) = mpsc::channel(64);
    quit_on_signals(tx.clone(), || {});
    tokio::spawn(async move {
        while let Some(cmd) = stdin.recv().await {
            if tx.send(cmd).await.is_err() {
                return;
            }
        }
        // End of input means quit (the signal watcher holds a sender, so say it).
        let _ = tx.send(Command::Quit).await;
    });
    rx
}
