//! Where logs go and what they show: stderr by default, a file (`janus.log` in the data
//! directory) while the full-screen console owns the terminal. Both through
//! `tracing-appender`'s non-blocking writer, so a slow stderr or disk never holds the host
//! loop (lines are dropped instead, and counted by the appender).
//!
//! Quiet by default ([`DEFAULT_FILTER`]): warnings of our own, errors of webrtc's, minus the
//! one error webrtc's ICE agent repeats for every mDNS candidate it cannot resolve (`rtc`
//! says that once per run instead, with what it means for guests; see `rtc/network.rs`).
//! `JANUS_LOG` replaces the filter (e.g. `JANUS_LOG=debug`). The token is never logged.

use std::io::IsTerminal;
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};
use tracing_subscriber::EnvFilter;

/// The filter when `JANUS_LOG` is not set. `rtc` as a target prefix also covers the
/// `rtc_*` crates of webrtc 0.21.
pub const DEFAULT_FILTER: &str = "warn,webrtc=error,rtc=error,rtc_ice::agent::agent_proto=off";

/// Installs the global logger: to `file` if given (nowhere if it cannot be opened, never onto
/// a terminal the TUI owns), else to stderr. Keep the guard until exit: dropping it writes
/// out what is still buffered.
pub fn init(file: Option<&Path>) -> Option<WorkerGuard> {
    let Some(path) = file else {
        let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
        let _ = init_with(writer, std::io::stderr().is_terminal());
        return Some(guard);
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("janus.log");
    let opened = Builder::new()
        .rotation(Rotation::NEVER)
        .filename_prefix(name)
        .build(dir);
    match opened {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let _ = init_with(writer, false);
            Some(guard)
        }
        Err(_) => {
            let _ = init_with(std::io::sink, false);
            None
        }
    }
}

/// The logger of [`init`] over any writer (tests capture it in memory).
pub fn init_with<W>(writer: W, ansi: bool) -> Result<(), TryInitError>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_env("JANUS_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(writer)
        .finish()
        .try_init()
}

#[cfg(test)]
mod tests {
    /// While the TUI runs, logs go to `janus.log` (directories created, appended, no colour
    /// codes), through tracing-appender; the guard writes out the buffer when dropped.
    #[test]
    fn the_log_file_is_created_and_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("janus.log");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "an earlier run\n").unwrap();
        let guard = super::init(Some(&path)).expect("the file opens");
        tracing::warn!("a warning for the file");
        tracing::debug!("below the default filter");
        drop(guard);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("an earlier run\n"), "{text}");
        assert!(text.contains("WARN a warning for the file"), "{text}");
        assert!(
            !text.contains("below the default") && !text.contains('\x1b'),
            "{text}"
        );
    }
}
