//! The binary as a user runs it: `quit` exits 0 on its own, and configuration mistakes
//! give errors that name the fix and never echo the token.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_janus");

/// Runs the binary with `stdin` text and a clean environment; kills it after `limit`.
fn run(args: &[&str], stdin: &str, limit: Duration) -> (Option<i32>, String) {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("janus starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    (
        status,
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn demo_plain_console_answers_help_and_quits_with_status_0() {
    let (status, out) = run(
        &["demo", "--plain", "--listen", "127.0.0.1:0"],
        "help\nbogus\nquit\n",
        Duration::from_secs(30),
    );
    assert_eq!(status, Some(0), "{out}");
    assert!(out.contains("Open http://127.0.0.1:"), "{out}");
    // Without --data-dir the demo still takes guests' files, into a scratch folder it names.
    assert!(out.contains("files guests send: /"), "{out}");
    assert!(out.contains("reply <user> <msg>"), "help printed: {out}");
    assert!(out.contains("! unknown command `bogus`"), "{out}");
}

#[test]
fn run_without_repository_says_how_to_set_it() {
    let (status, out) = run(&["run", "--plain"], "", Duration::from_secs(10));
    assert_ne!(status, Some(0));
    assert!(
        out.contains("no repository configured") && out.contains("REPO_URL"),
        "{out}"
    );
}

#[test]
fn bad_repository_name_is_refused_clearly() {
    let (status, out) = run(
        &["run", "--plain", "--repo", "not a repo"],
        "",
        Duration::from_secs(10),
    );
    assert_ne!(status, Some(0));
    assert!(out.contains("is not a repository name"), "{out}");
}

#[test]
fn the_token_is_never_echoed_even_when_the_forge_is_unreachable() {
    let secret = "ghp_THISISASECRETTOKEN0123456789abcdefXYZ";
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "run",
            "--plain",
            "--repo",
            "octo/janus",
            "--api-url",
            "http://127.0.0.1:9",
            "--pages-url",
            "http://127.0.0.1:9/guest/",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("GH_ACCESS_TOKEN", secret)
        .env("JANUS_LOG", "trace")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success());
    assert!(all.contains("could not reach the forge"), "{all}");
    assert!(
        !all.contains(secret) && !all.contains("THISISASECRET"),
        "token leaked: {all}"
    );
}

/// `janus demo --plain` with its stdin and stdout piped and a clean environment.
fn spawn_demo(home: &std::path::Path) -> std::process::Child {
    Command::new(BIN)
        .args(["demo", "--plain", "--listen", "127.0.0.1:0"])
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("janus starts")
}

/// Peak resident memory of a running process, in KiB (`VmHWM` in /proc/PID/status).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// Issue #12: `janus demo --plain < /dev/zero` grew to 24 GB. A 50 MB line is refused with
/// one message, skipped without being held, and the next command still works.
#[test]
fn an_overlong_input_line_is_refused_in_bounded_memory() {
    use std::io::{BufRead, BufReader};
    let home = tempfile::tempdir().unwrap();
    let mut child = spawn_demo(home.path());
    let pid = child.id();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |needle: &str, seen: &mut Vec<String>| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) {
                let hit = line.contains(needle);
                seen.push(line);
                if hit {
                    return;
                }
            }
        }
        panic!("no {needle:?} within 30 s; saw {seen:#?}");
    };
    let mut seen = Vec::new();
    wait_for("Type `help`", &mut seen);
    let before = peak_rss_kib(pid);

    let mut stdin = child.stdin.take().unwrap();
    let megabyte = vec![b'a'; 1024 * 1024];
    for _ in 0..50 {
        stdin.write_all(&megabyte).unwrap();
    }
    stdin.write_all(b"\nhelp\n").unwrap();
    wait_for("line too long", &mut seen);
    wait_for("reply <user> <msg>", &mut seen);
    let after = peak_rss_kib(pid);
    stdin.write_all(b"quit\n").unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "quit ends it");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let refusal = seen.iter().find(|l| l.contains("line too long")).unwrap();
    assert_eq!(
        refusal,
        "! line too long (52428800 bytes, 16640 bytes max); ignored"
    );
    println!("peak RSS: {before} KiB before the 50 MB line, {after} KiB after");
    assert!(
        after < 200 * 1024 && after - before < 16 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );
}

/// Issue #12: `janus run --plain | head` kept serving after the pipe closed. Rust ignores
/// SIGPIPE, so writes fail with EPIPE (or, idle, stdout polls as closed): janus quits in
/// order, status 0, although its stdin stays open.
#[test]
fn a_closed_stdout_ends_janus_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let mut shell = Command::new("bash")
        .arg("-c")
        .arg(r#"set -o pipefail; "$0" demo --plain --listen 127.0.0.1:0 | head -1"#)
        .arg(BIN)
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped()) // kept open: end of input must not be what ends it
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = shell.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = shell.kill();
            panic!("janus still running 20 s after its stdout closed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = start.elapsed();
    let out = shell.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("ended {took:?} after start");
    assert!(stdout.starts_with("Janus demo"), "{stdout}");
    assert_eq!(status.code(), Some(0), "janus's status; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
