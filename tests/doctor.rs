//! `janus doctor` and the token sources, by running the real binary against the embedded
//! forge: every check passes on a good setup; each failure names its fix and makes the exit
//! status non-zero; `--offline` reports "not checked"; the token comes from
//! `GH_ACCESS_TOKEN`, the config file or `gh auth token`; a readable token file is flagged;
//! and the token never appears in any output or log, even at `JANUS_LOG=trace`.
//!
//! Each run gets a clean environment: its own HOME, a PATH holding only a fake `gh` (or
//! nothing), and an explicit `--config`, so nothing on the machine leaks in.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::forge::RepoName;

async fn forge() -> LocalForge {
    let cfg = LocalForgeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        guest_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/guest")),
        host_login: "maintainer".into(),
        repo: RepoName::parse("maintainer/demo").unwrap(),
    };
    LocalForge::start(cfg).await.expect("the forge starts")
}

/// A scratch HOME, PATH and config file for one run of the binary.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(config: &str) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        set_mode(&dir.path().join("config.toml"), 0o600);
        Sandbox { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// Puts a fake `gh` on the PATH that prints `token` for `gh auth token` and records its
    /// arguments.
    fn fake_gh(&self, token: &str) {
        let log = self.dir.path().join("gh-args");
        let script = format!(
            "#!/bin/sh\necho \"$@\" > '{}'\nprintf '%s\\n' '{token}'\n",
            log.display()
        );
        let gh = self.dir.path().join("bin/gh");
        std::fs::write(&gh, script).unwrap();
        set_mode(&gh, 0o755);
    }

    fn gh_args(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("gh-args")).unwrap_or_default()
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_janus"));
        cmd.env_clear()
            .env("HOME", self.dir.path())
            .env("PATH", self.dir.path().join("bin"))
            .arg("--config")
            .arg(self.config())
            .args(args)
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs the binary off the async runtime (the forge keeps serving meanwhile).
async fn run(mut cmd: Command) -> (bool, String) {
    let out: Output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn doctor_args<'a>(forge_api: &'a str, pages: &'a str) -> Vec<&'a str> {
    vec![
        "--repo",
        "maintainer/demo",
        "--api-url",
        forge_api,
        "--pages-url",
        pages,
        "doctor",
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_on_a_good_setup_and_never_shows_the_token() {
    let forge = forge().await;
    let token = forge.host_token();
    let (api, pages) = (forge.api_url(), forge.pages_url());
    let sb = Sandbox::new("");
    let env = [("GH_ACCESS_TOKEN", token.as_str()), ("JANUS_LOG", "trace")];
    let (ok, out) = run(sb.command(&doctor_args(&api, &pages), &env)).await;
    assert!(ok, "doctor should pass:\n{out}");
    for needle in [
        "ok    token        found in GH_ACCESS_TOKEN",
        "ok    token valid",
        "signed in as maintainer",
        "ok    access",
        "ok    issues",
        "ok    rate limit",
        "ok    polling",
        "serves the guest page",
        "All checks passed",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    assert!(!out.contains(&token), "the token leaked:\n{out}");
    forge.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failure_names_its_fix_and_fails_the_exit_status() {
    let forge = forge().await;
    let token = forge.host_token();
    let (api, pages) = (forge.api_url(), forge.pages_url());
    let sb = Sandbox::new("");

    let (ok, out) = run(sb.command(
        &doctor_args(&api, &pages),
        &[("GH_ACCESS_TOKEN", "lf_revoked")],
    ))
    .await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("FAIL  token valid")
            && out.contains("fix: the token from GH_ACCESS_TOKEN was rejected"),
        "{out}"
    );
    assert!(
        out.contains("not checked: the token does not work"),
        "{out}"
    );

    let mut args = doctor_args(&api, &pages);
    args[1] = "maintainer/nope";
    let (ok, out) = run(sb.command(&args, &[("GH_ACCESS_TOKEN", &token)])).await;
    assert!(
        !ok && out.contains("FAIL  access")
            && out.contains("fix: check the name (maintainer/nope)"),
        "{out}"
    );

    let missing = format!("{}nothing-here/", forge.web_url());
    let (ok, out) =
        run(sb.command(&doctor_args(&api, &missing), &[("GH_ACCESS_TOKEN", &token)])).await;
    assert!(
        !ok && out.contains("FAIL  pages_url")
            && out.contains("answered 404")
            && out.contains("fix: publish assets/guest/"),
        "{out}"
    );

    let (ok, out) = run(sb.command(&doctor_args(&api, &pages), &[])).await;
    assert!(
        !ok && out.contains("FAIL  token") && out.contains("fix: create a fine-grained token"),
        "{out}"
    );
    assert!(out.contains("check(s) failed"), "{out}");

    let (ok, out) = run(sb.command(
        &["--api-url", &api, "doctor"],
        &[("GH_ACCESS_TOKEN", &token)],
    ))
    .await;
    assert!(
        !ok && out.contains("FAIL  repository")
            && out.contains("REPO_URL")
            && out.contains("FAIL  pages_url"),
        "{out}"
    );
    assert!(!out.contains(&token));
    forge.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_reports_not_checked() {
    let sb = Sandbox::new("");
    let args = [
        "--repo",
        "maintainer/demo",
        "--pages-url",
        "https://example.invalid/janus/",
        "doctor",
        "--offline",
    ];
    let (ok, out) = run(sb.command(&args, &[("GH_ACCESS_TOKEN", "some-token-value")])).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("token valid   not checked (offline)")
            || out.contains("not checked (offline)"),
        "{out}"
    );
    assert!(
        out.contains("https://example.invalid/janus/: not checked (offline)"),
        "{out}"
    );
    assert!(!out.contains("some-token-value"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_sources_config_file_and_gh_in_order() {
    let forge = forge().await;
    let token = forge.host_token();
    let (api, pages) = (forge.api_url(), forge.pages_url());

    // The config file, readable by others: works, and warns with the chmod that fixes it.
    let sb = Sandbox::new(&format!("token = \"{token}\"\n"));
    set_mode(&sb.config(), 0o644);
    let (ok, out) = run(sb.command(&doctor_args(&api, &pages), &[("JANUS_LOG", "trace")])).await;
    assert!(ok, "{out}");
    assert!(out.contains("found in the config file"), "{out}");
    assert!(
        out.contains("warn  config") && out.contains("chmod 600"),
        "{out}"
    );
    assert!(!out.contains(&token), "the token leaked:\n{out}");

    // `gh auth token` when neither the environment nor the file has one.
    let sb = Sandbox::new("");
    sb.fake_gh(&token);
    let (ok, out) = run(sb.command(&doctor_args(&api, &pages), &[])).await;
    assert!(ok, "{out}");
    assert!(out.contains("found in `gh auth token`"), "{out}");
    assert_eq!(sb.gh_args().trim(), "auth token --hostname 127.0.0.1");
    assert!(!out.contains(&token), "{out}");

    // The environment wins over gh.
    let (ok, out) = run(sb.command(
        &doctor_args(&api, &pages),
        &[("GH_ACCESS_TOKEN", "lf_wrong")],
    ))
    .await;
    assert!(
        !ok && out.contains("from GH_ACCESS_TOKEN was rejected"),
        "{out}"
    );
    forge.shutdown().await;
}

/// A whole `janus run --plain` with a guest opening an issue, every log level on: the
/// token appears nowhere in stdout or stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_never_prints_or_logs_the_token() {
    let forge = forge().await;
    let token = forge.host_token();
    let config = format!(
        "token = \"{token}\"\nice_servers = []\ngather_timeout = 0.5\npoll_interval = 0.2\n"
    );
    let sb = Sandbox::new(&config);
    set_mode(&sb.config(), 0o640);
    let args = [
        "--repo",
        "maintainer/demo",
        "--api-url",
        &forge.api_url(),
        "--pages-url",
        &forge.pages_url(),
        "run",
        "--plain",
    ];
    let mut cmd = sb.command(&args, &[("JANUS_LOG", "trace")]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let issue = forge.open_issue("alice", "Can we chat?", "").unwrap();
    // Wait for the link, then ask for a listing and quit.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let client = janus::forge::github::GitHubClient::new(
        &forge.api_url(),
        None,
        RepoName::parse("maintainer/demo").unwrap(),
    )
    .unwrap();
    loop {
        assert!(std::time::Instant::now() < deadline, "no link was posted");
        use janus::forge::Forge;
        if client
            .find_comment(issue.number, "janus:offer")
            .await
            .unwrap()
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stdin.write_all(b"list\nhelp\nquit\n").unwrap();
    drop(stdin);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("chat request #1 from alice"), "{text}");
    assert!(
        text.contains("chmod 600"),
        "the readable token file is flagged: {text}"
    );
    assert!(
        text.len() > 1000,
        "trace logging was on: {} bytes",
        text.len()
    );
    assert!(!text.contains(&token), "the token leaked");
    // Not even a recognisable piece of it.
    assert!(!text.contains(&token[3..20]), "a piece of the token leaked");
    forge.shutdown().await;
}
