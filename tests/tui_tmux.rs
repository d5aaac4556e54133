//! The full-screen console in a real terminal: runs the `janus` binary as
//! `janus demo --guest-bot --listen 127.0.0.1:0` inside a detached tmux session (its own
//! server socket), waits for the scripted guest's conversation, types a reply with
//! `send-keys`, reads the screen with `capture-pane` and sees the bot's echo, then quits
//! with Ctrl-C and checks the process exits cleanly. Every wait is bounded; the tmux server
//! is killed by a drop guard. Skipped, saying so, only when tmux is not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of our own (`-S socket`), killed on drop.
struct Tmux {
    socket: PathBuf,
    /// Where the binary logs (its data dir), shown when a wait fails.
    log: PathBuf,
}

const SESSION: &str = "janus-tui-test";

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", SESSION]).stdout)
            .into_owned()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success(), "send-keys {keys:?}");
    }

    fn type_text(&self, text: &str) {
        assert!(self
            .run(&["send-keys", "-t", SESSION, "-l", text])
            .status
            .success());
    }

    fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["display-message", "-p", "-t", SESSION, format])
                .stdout,
        )
        .trim()
        .to_string()
    }

    /// Polls the screen until it contains `needle`, for at most `within`.
    fn wait_for(&self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let screen = self.capture();
            if screen.contains(needle) {
                return screen;
            }
            if Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(&self.log).unwrap_or_else(|e| format!("(no log: {e})"));
                panic!("timed out after {within:?} waiting for {needle:?}.\n--- screen\n{screen}\n--- janus.log\n{log}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_installed() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

#[test]
fn tui_under_tmux_chats_with_the_guest_bot() {
    if !tmux_installed() {
        eprintln!("SKIPPED tui_under_tmux_chats_with_the_guest_bot: tmux is not installed (apt-get install tmux; ./scripts/test installs it)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux {
        socket: dir.path().join("tmux.sock"),
        log: dir.path().join("data").join("janus.log"),
    };
    let command = format!(
        // The shell records janus's exit status in a file: tmux 3.3's `pane_dead_status`
        // is sometimes left blank when the pane's process exits quickly.
        "JANUS_LOG=info {} demo --guest-bot --listen 127.0.0.1:0 --data-dir {}; echo $? > {}",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_janus"))),
        shell_quote(&dir.path().join("data")),
        shell_quote(&dir.path().join("exit-status"))
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        SESSION,
        "-x",
        "160",
        "-y",
        "40",
        "-c",
        env!("CARGO_MANIFEST_DIR"),
        &command,
        ";",
        "set-option",
        "-t",
        SESSION,
        "remain-on-exit",
        "on",
    ]);
    assert!(
        started.status.success(),
        "tmux new-session: {}",
        String::from_utf8_lossy(&started.stderr)
    );

    // The TUI is up, then the bot connects and says hello.
    tmux.wait_for("Requests (", Duration::from_secs(30));
    tmux.wait_for("I'm the Janus demo bot", Duration::from_secs(60));
    let screen = tmux.capture();
    assert!(
        screen.contains("1 bot"),
        "the bot is in the peers pane:\n{screen}"
    );

    // Show its conversation (Alt-1), type a reply, see the echo.
    tmux.send(&["M-1"]);
    tmux.type_text("hello from tmux");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("bot heard: hello from tmux", Duration::from_secs(30));
    assert!(
        screen.contains("you: hello from tmux"),
        "our own line is shown:\n{screen}"
    );
    assert!(
        !screen.contains("WARN") && !screen.contains("ERROR"),
        "no log line reached the screen:\n{screen}"
    );

    // Ctrl-C quits politely; the process ends on its own with status 0 and the screen is
    // given back (the alternate screen is left).
    tmux.send(&["C-c"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while tmux.display("#{pane_dead}") != "1" {
        assert!(
            Instant::now() < deadline,
            "janus did not exit after Ctrl-C:\n{}",
            tmux.capture()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("exit-status"))
            .unwrap_or_default()
            .trim(),
        "0",
        "exit status; screen:\n{}",
        tmux.capture()
    );
    let after = tmux.capture();
    assert!(
        !after.contains("Requests ("),
        "the TUI is gone from the screen after exit:\n{after}"
    );
}

/// Closing the terminal (the window goes away, SIGHUP) ends janus instead of leaving it
/// behind: crossterm's reader never returns on a dead terminal, so the console must not
/// wait for it when it quits.
#[test]
fn closing_the_terminal_ends_janus() {
    if !tmux_installed() {
        eprintln!("SKIPPED closing_the_terminal_ends_janus: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux {
        socket: dir.path().join("tmux.sock"),
        log: dir.path().join("data").join("janus.log"),
    };
    let command = format!(
        "exec {} demo --listen 127.0.0.1:0 --data-dir {}",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_janus"))),
        shell_quote(&dir.path().join("data"))
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        SESSION,
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(
        started.status.success(),
        "tmux new-session: {}",
        String::from_utf8_lossy(&started.stderr)
    );
    tmux.wait_for("Requests (", Duration::from_secs(30));
    let pid = tmux.display("#{pane_pid}");
    let proc_dir = Path::new("/proc").join(&pid);
    assert!(
        !pid.is_empty() && proc_dir.exists(),
        "janus runs as pid {pid:?}"
    );
    let killed = tmux.run(&["kill-server"]);
    assert!(killed.status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    while proc_dir.exists() {
        let state = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
        if state.split_whitespace().nth(2) == Some("Z") {
            break; // exited; only the zombie entry is left until its parent reaps it
        }
        assert!(
            Instant::now() < deadline,
            "janus (pid {pid}) still runs after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
