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
