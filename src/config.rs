//! Configuration: the TOML file (found with `directories`, or `--config`), then the
//! environment (`GH_ACCESS_TOKEN`, `REPO_URL`, `JANUS_API_URL`), then flags.
//! `config.example.toml` documents every key; the `[limits]` table is read in
//! [`limits`]. [`Config::core_settings`] is the one place the core's `Settings` are made.
//!
//! The token comes from `GH_ACCESS_TOKEN`, then the config file's `token`, then
//! `gh auth token` when the GitHub CLI is installed and logged in ([`TokenSource`]). It is
//! never printed or logged; a config file that holds one and is readable by group or others
//! earns a warning with the `chmod` that fixes it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::app::files::DEFAULT_MAX_FILE_SIZE;
use crate::app::policy::{Closing, RequestPolicy};
use crate::app::{AcceptFiles, FileSettings, Limits, Settings};
use crate::cli::Overrides;
use crate::forge::RepoName;
use crate::signal::link::{DEFAULT_API, DEFAULT_STUN};

pub mod limits;
pub mod turn;

/// The config file as written by the maintainer; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub repo: Option<String>,
    pub token: Option<String>,
    pub api_url: Option<String>,
    pub pages_url: Option<String>,
    pub blog_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub poll_interval: Option<f64>,
    pub poll_interval_waiting: Option<f64>,
    pub offer_ttl: Option<u64>,
    pub backlog: Option<u64>,
    pub ice_servers: Option<Vec<String>>,
    pub gather_timeout: Option<f64>,
    /// Local address WebRTC sockets bind to (default: every interface).
    pub rtc_bind: Option<std::net::IpAddr>,
    pub accept: Option<String>,
    pub bell: Option<bool>,
    /// Only issues with one of these labels are chat requests.
    pub request_labels: Option<Vec<String>>,
    /// Only issues whose title starts with this are chat requests.
    pub title_prefix: Option<String>,
    /// `never` (default), `on-connect` or `on-end`.
    pub close_issue: Option<String>,
    /// Requests per rate-limit window kept for writes.
    pub rate_reserve: Option<u64>,
    /// Keep a transcript of every conversation under `data_dir` (default: yes).
    pub transcripts: Option<bool>,
    /// Keep the presence issue (`janus-presence`) up to date (default: no).
    pub presence: Option<bool>,
    /// Office hours, shown verbatim on the presence issue and the start page.
    pub office_hours: Option<String>,
    /// A TURN relay with ephemeral credentials (`[turn]`).
    pub turn: Option<turn::FileTurn>,
    /// `ask` (default), `auto` or `never`: what happens to a file a guest offers.
    pub accept_files: Option<String>,
    /// Largest file a guest may send, in bytes (default 1 GiB).
    pub max_file_size: Option<u64>,
    /// Bounds on what strangers can make the host do (`[limits]`).
    pub limits: Option<limits::FileLimits>,
}

/// Where the token came from (shown by `janus doctor`; the token itself never is).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenSource {
    /// No token was found.
    #[default]
    None,
    /// The `GH_ACCESS_TOKEN` environment variable.
    Env,
    /// The `token` key of this config file.
    File(PathBuf),
    /// `gh auth token` (the GitHub CLI's login).
    Gh,
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::None => f.write_str("nowhere"),
            TokenSource::Env => f.write_str("GH_ACCESS_TOKEN"),
            TokenSource::File(p) => write!(f, "the config file {}", p.display()),
            TokenSource::Gh => f.write_str("`gh auth token`"),
        }
    }
}

/// The GitHub token; its `Debug` never shows it.
#[derive(Clone, Default)]
pub struct Secret(pub Option<String>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Secret(<redacted>)"
        } else {
            "Secret(None)"
        })
    }
}

/// Everything a run needs, resolved and validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub repo: Option<RepoName>,
    pub token: Secret,
    /// API base without a trailing slash.
    pub api_url: String,
    pub pages_url: Option<String>,
    pub blog_dir: PathBuf,
    pub data_dir: PathBuf,
    pub poll_interval: Duration,
    /// The shorter tick while an offer waits for its answer; at most `poll_interval`.
    pub poll_interval_waiting: Duration,
    /// Seconds an offer stays valid.
    pub offer_ttl: u64,
    /// Seconds before start whose new issues are still served.
    pub backlog: u64,
    pub ice_servers: Vec<String>,
    pub gather_timeout: Duration,
    /// Local address WebRTC sockets bind to; `None`: every non-loopback interface.
    pub rtc_bind: Option<std::net::IpAddr>,
    /// The file that was read, if any.
    pub source: Option<PathBuf>,
    /// `accept = "manual"`: requests wait for the maintainer's `accept` (default: automatic).
    pub manual_accept: bool,
    /// The TUI rings the terminal bell on a new request or an unseen message (default: on).
    pub bell: bool,
    /// Label and title filters and the closing policy.
    pub policy: RequestPolicy,
    /// Requests per rate-limit window kept for writes (polling pauses below it).
    pub rate_reserve: u64,
    /// Transcripts of conversations are kept under `data_dir` (default: on).
    pub transcripts: bool,
    /// The host keeps its presence issue (default: off; `janus demo` turns it on).
    pub presence: bool,
    /// Office hours for the presence issue (verbatim, at most 200 characters).
    pub office_hours: Option<String>,
    /// Per-user, peer and memory bounds (`[limits]`).
    pub limits: Limits,
    /// The relay and its secret (`[turn]`); `None`: no relay.
    pub turn: Option<crate::rtc::turn::TurnSettings>,
    /// `accept_files` and `max_file_size`.
    pub files: FileSettings,
    /// Where the token came from.
    pub token_source: TokenSource,
    /// Things the user should fix but that do not stop a run (printed to stderr).
    pub warnings: Vec<String>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error(
        "the config file {path} is not valid: {reason}\n  (config.example.toml lists every key)"
    )]
    Parse { path: PathBuf, reason: String },
    #[error("{0}")]
    Invalid(String),
}

/// The default config file location (`~/.config/janus/config.toml` on Linux).
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "janus").map(|d| d.config_dir().join("config.toml"))
}

fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "janus")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".janus"))
}

/// Reads the config file (explicit path must exist; the default may be absent).
pub fn read_file(explicit: Option<&Path>) -> Result<(FileConfig, Option<PathBuf>), ConfigError> {
    let (path, must_exist) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_config_path() {
            Some(p) => (p, false),
            None => return Ok((FileConfig::default(), None)),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((FileConfig::default(), None))
        }
        Err(e) => {
            return Err(ConfigError::Read {
                path,
                reason: e.to_string(),
            })
        }
    };
    let file: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.clone(),
        reason: e.message().to_string(),
    })?;
    Ok((file, Some(path)))
}

/// Combines file, environment and flags. `env_token` is `GH_ACCESS_TOKEN`.
pub fn resolve(
    file: FileConfig,
    source: Option<PathBuf>,
    flags: &Overrides,
    env_token: Option<String>,
) -> Result<Config, ConfigError> {
    let repo = match flags.repo.clone().or(file.repo) {
        Some(r) if !r.trim().is_empty() => {
            Some(RepoName::parse(&r).map_err(|e| ConfigError::Invalid(e.to_string()))?)
        }
        _ => None,
    };
    let env_token = env_token.filter(|t| !t.trim().is_empty());
    let file_token = file.token.filter(|t| !t.trim().is_empty());
    let token_source = match (&env_token, &file_token) {
        (Some(_), _) => TokenSource::Env,
        (None, Some(_)) => TokenSource::File(source.clone().unwrap_or_default()),
        (None, None) => TokenSource::None,
    };
    let token = env_token.or(file_token).map(|t| t.trim().to_string());
    let closing = match file.close_issue.as_deref() {
        None => Closing::default(),
        Some(text) => Closing::parse(text).ok_or_else(|| {
            ConfigError::Invalid(format!("close_issue = \"{text}\" is not valid: use \"never\", \"on-connect\" or \"on-end\""))
        })?,
    };
    let title_prefix = file.title_prefix.filter(|p| !p.trim().is_empty());
    let request_labels: Vec<String> = file
        .request_labels
        .unwrap_or_default()
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let api_url = flags
        .api_url
        .clone()
        .or(file.api_url)
        .unwrap_or_else(|| DEFAULT_API.to_string());
    let api_url = api_url.trim_end_matches('/').to_string();
    if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
        return Err(ConfigError::Invalid(format!(
            "api_url `{api_url}` must start with https:// (or http:// for a local forge)"
        )));
    }
    let poll = flags.poll_interval.or(file.poll_interval).unwrap_or(2.0);
    if !(0.1..=3600.0).contains(&poll) {
        return Err(ConfigError::Invalid(format!(
            "poll_interval {poll} is out of range: use 0.1 to 3600 seconds"
        )));
    }
    let waiting = file.poll_interval_waiting.unwrap_or(0.5);
    if !(0.1..=3600.0).contains(&waiting) {
        return Err(ConfigError::Invalid(format!(
            "poll_interval_waiting {waiting} is out of range: use 0.1 to 3600 seconds"
        )));
    }
    let gather = file.gather_timeout.unwrap_or(3.0);
    if !(0.1..=60.0).contains(&gather) {
        return Err(ConfigError::Invalid(format!(
            "gather_timeout {gather} is out of range: use 0.1 to 60 seconds"
        )));
    }
    let manual_accept = match file.accept.as_deref().map(str::trim) {
        None | Some("auto") => false,
        Some("manual") => true,
        Some(other) => {
            return Err(ConfigError::Invalid(format!(
                "accept = \"{other}\" is not valid: use \"auto\" or \"manual\""
            )))
        }
    };
    let accept_files = match file.accept_files.as_deref().map(str::trim) {
        None | Some("ask") => AcceptFiles::Ask,
        Some("auto") => AcceptFiles::Auto,
        Some("never") => AcceptFiles::Never,
        Some(other) => {
            return Err(ConfigError::Invalid(format!(
                "accept_files = \"{other}\" is not valid: use \"ask\", \"auto\" or \"never\""
            )))
        }
    };
    let files = FileSettings {
        accept: accept_files,
        max_size: file.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        can_receive: true,
    };
    let offer_ttl = file.offer_ttl.unwrap_or(600).clamp(30, 7 * 86_400);
    let backlog = file.backlog.unwrap_or(600);
    let limits = limits::resolve(file.limits, offer_ttl, backlog)?;
    let ice_servers = file
        .ice_servers
        .unwrap_or_else(|| DEFAULT_STUN.iter().map(|s| s.to_string()).collect());
    for url in &ice_servers {
        if url.starts_with("stuns:") {
            // webrtc 0.21 does not speak STUN over TLS: every offer would fail.
            return Err(ConfigError::Invalid(format!(
                "ice_servers entry `{url}`: `stuns:` (STUN over TLS) is not supported; use `stun:HOST:PORT`"
            )));
        }
        if !url.starts_with("stun:") {
            return Err(ConfigError::Invalid(format!(
                "ice_servers entry `{url}` is not a STUN url; put a TURN relay in the [turn] table (its credentials are minted per offer)"
            )));
        }
    }
    let mut warnings = Vec::new();
    let turn = turn::resolve(
        file.turn,
        offer_ttl,
        std::env::var(turn::SECRET_ENV).ok(),
        &mut warnings,
    )?;
    Ok(Config {
        repo,
        token: Secret(token),
        api_url,
        pages_url: flags.pages_url.clone().or(file.pages_url),
        blog_dir: flags
            .blog_dir
            .clone()
            .or(file.blog_dir)
            .unwrap_or_else(|| PathBuf::from("blog")),
        data_dir: flags
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(default_data_dir),
        poll_interval: Duration::from_secs_f64(poll),
        poll_interval_waiting: Duration::from_secs_f64(waiting.min(poll)),
        offer_ttl,
        backlog,
        ice_servers,
        gather_timeout: Duration::from_secs_f64(gather),
        rtc_bind: file.rtc_bind,
        source,
        manual_accept,
        bell: file.bell.unwrap_or(true),
        policy: RequestPolicy {
            labels: request_labels,
            title_prefix,
            closing,
        },
        rate_reserve: file
            .rate_reserve
            .unwrap_or(crate::forge::github::DEFAULT_RESERVE),
        transcripts: file.transcripts.unwrap_or(true),
        presence: file.presence.unwrap_or(false),
        office_hours: office_hours(file.office_hours)?,
        limits,
        turn,
        files,
        token_source,
        warnings,
    })
}

/// `office_hours`: trimmed, one line, at most 200 characters (it goes into a public issue).
fn office_hours(text: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(text) = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > 200 || text.chars().any(char::is_control) {
        return Err(ConfigError::Invalid(
            "office_hours must be one line of at most 200 characters, e.g. \"Tue/Thu 14:00–16:00 UTC\"".into(),
        ));
    }
    Ok(Some(text))
}

impl Config {
    /// The core's settings for serving `repo` with the guest page at `pages_url`: the one
    /// place they are made from the configuration (links name the API and ICE servers
    /// only when they differ from the page's defaults).
    pub fn core_settings(&self, repo: RepoName, pages_url: String) -> Settings {
        let default_ice: Vec<String> = DEFAULT_STUN.iter().map(|s| s.to_string()).collect();
        Settings {
            repo,
            pages_url,
            link_api: (self.api_url != DEFAULT_API).then(|| self.api_url.clone()),
            link_ice: (self.ice_servers != default_ice).then(|| self.ice_servers.clone()),
            offer_ttl_secs: self.offer_ttl,
            backlog_secs: self.backlog,
            policy: self.policy.clone(),
            limits: self.limits.clone(),
            transcripts: self.transcripts,
            files: self.files.clone(),
        }
    }
}

/// Loads file, environment and flags, without asking `gh` for a token (`janus demo`
/// needs none).
pub fn load_without_token(flags: &Overrides) -> Result<Config, ConfigError> {
    let (file, source) = read_file(flags.config.as_deref())?;
    resolve(file, source, flags, std::env::var("GH_ACCESS_TOKEN").ok())
}

/// Loads the configuration the way `janus run` does: file, environment and flags, then
/// `gh auth token` when no token was found, and a warning when the config file holding the
/// token is readable by others.
pub fn load(flags: &Overrides) -> Result<Config, ConfigError> {
    let mut cfg = load_without_token(flags)?;
    if let TokenSource::File(path) = &cfg.token_source {
        if let Some(w) = token_file_warning(path) {
            cfg.warnings.push(w);
        }
    }
    if cfg.token.0.is_none() {
        if let Some(token) = gh_token(&cfg.api_url) {
            cfg.token = Secret(Some(token));
            cfg.token_source = TokenSource::Gh;
        }
    }
    Ok(cfg)
}

/// The host `gh` knows the API base by: `github.com` for api.github.com, the server's name
/// for GitHub Enterprise Server (and for anything else that speaks the API).
pub fn gh_hostname(api_url: &str) -> Option<String> {
    let host = url::Url::parse(api_url)
        .ok()?
        .host_str()?
        .to_ascii_lowercase();
    Some(if host == "api.github.com" {
        "github.com".to_string()
    } else {
        host
    })
}

/// `gh auth token --hostname HOST`, if the GitHub CLI is installed and logged in there.
/// Its output is the token: it is kept, never shown.
pub fn gh_token(api_url: &str) -> Option<String> {
    let host = gh_hostname(api_url)?;
    let out = std::process::Command::new("gh")
        .args(["auth", "token", "--hostname", &host])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let token = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !token.is_empty() && !token.contains(char::is_whitespace))
        .then_some(token)
}

/// A warning when `path` (which holds the token) can be read by group or others.
#[cfg(unix)]
pub fn token_file_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "the config file {} holds your GitHub token and can be read by other users (mode {mode:03o}): run `chmod 600 {}`, or use GH_ACCESS_TOKEN instead",
            path.display(),
            path.display()
        )
    })
}

/// A warning when `path` (which holds the token) can be read by others (unix only).
#[cfg(not(unix))]
pub fn token_file_warning(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> FileConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn flags_override_file_and_env_overrides_file_token() {
        let file = parse("repo = \"a/b\"\ntoken = \"file-token\"\npoll_interval = 5.0\n");
        let flags = Overrides {
            repo: Some("https://github.com/c/d".into()),
            ..Default::default()
        };
        let cfg = resolve(file, None, &flags, Some("env-token".into())).unwrap();
        assert_eq!(cfg.repo.unwrap().to_string(), "c/d");
        assert_eq!(cfg.token.0.as_deref(), Some("env-token"));
        assert_eq!(cfg.poll_interval, Duration::from_secs(5));
        assert_eq!(cfg.poll_interval_waiting, Duration::from_millis(500));
        assert_eq!(cfg.api_url, "https://api.github.com");
        assert!(!format!("{:?}", cfg.token).contains("env-token"));
    }

    #[test]
    fn refuses_bad_values_with_the_fix() {
        let bad = |text: &str| {
            resolve(parse(text), None, &Overrides::default(), None)
                .unwrap_err()
                .to_string()
        };
        assert!(bad("repo = \"nope\"").contains("owner/repo"));
        assert!(bad("api_url = \"ftp://x\"").contains("https://"));
        assert!(bad("poll_interval = 0.0").contains("0.1 to 3600"));
        assert!(bad("poll_interval_waiting = 0.01").contains("poll_interval_waiting"));
        let slow = resolve(
            parse("poll_interval = 0.2\npoll_interval_waiting = 5.0\n"),
            None,
            &Overrides::default(),
            None,
        )
        .unwrap();
        assert_eq!(
            slow.poll_interval_waiting,
            Duration::from_millis(200),
            "the waiting tick is never slower than the idle one"
        );
        assert!(bad("ice_servers = [\"turn:x\"]").contains("[turn]"));
        assert!(bad("ice_servers = [\"stuns:x:5349\"]").contains("not supported"));
        assert!(bad("accept = \"sometimes\"").contains("\"manual\""));
        assert!(bad("accept_files = \"maybe\"").contains("\"never\""));
        assert!(toml::from_str::<FileConfig>("unknown_key = 1").is_err());
    }

    #[test]
    fn presence_and_office_hours() {
        let text = "presence = true\noffice_hours = \"  Tue/Thu 14:00–16:00 UTC \"\n";
        let cfg = resolve(parse(text), None, &Overrides::default(), None).unwrap();
        assert!(cfg.presence);
        assert_eq!(cfg.office_hours.as_deref(), Some("Tue/Thu 14:00–16:00 UTC"));
        let long = format!("office_hours = \"{}\"", "x".repeat(201));
        let err = resolve(parse(&long), None, &Overrides::default(), None).unwrap_err();
        assert!(err.to_string().contains("office_hours"), "{err}");
    }

    #[test]
    fn the_example_config_parses() {
        let text = include_str!("../config.example.toml");
        let cfg = resolve(parse(text), None, &Overrides::default(), None).unwrap();
        assert_eq!(cfg.offer_ttl, 600);
        assert_eq!(cfg.backlog, 600);
        assert_eq!(
            cfg.policy,
            RequestPolicy::default(),
            "the example shows the defaults"
        );
        assert_eq!(cfg.rate_reserve, 100);
        assert!(cfg.transcripts);
        assert!(!cfg.presence, "presence is off unless asked for");
        assert_eq!(cfg.office_hours, None);
        assert_eq!(
            cfg.limits,
            Limits::default(),
            "the example shows the defaults"
        );
    }

    #[test]
    fn core_settings_carry_limits_transcripts_and_link_parts() {
        let text = "transcripts = false
offer_ttl = 120
accept_files = \"auto\"
max_file_size = 5000
[limits]
max_peers = 3
";
        let cfg = resolve(parse(text), None, &Overrides::default(), None).unwrap();
        let repo = RepoName::parse("o/r").unwrap();
        let s = cfg.core_settings(repo, "https://pages/".into());
        assert!(!s.transcripts);
        assert_eq!(s.files.accept, AcceptFiles::Auto);
        assert_eq!(s.files.max_size, 5000);
        assert_eq!(s.offer_ttl_secs, 120);
        assert_eq!(s.limits.max_peers, 3);
        assert_eq!(s.limits.memory_secs, 2 * 120 + 600);
        assert_eq!((s.link_api, s.link_ice), (None, None));
        let cfg = resolve(parse("ice_servers = []"), None, &Overrides::default(), None).unwrap();
        let s = cfg.core_settings(RepoName::parse("o/r").unwrap(), String::new());
        assert_eq!(s.link_ice, Some(vec![]));
        assert!(resolve(
            parse(
                "[limits]
max_peers = 0"
            ),
            None,
            &Overrides::default(),
            None
        )
        .unwrap_err()
        .to_string()
        .contains("max_peers"));
    }

    #[test]
    fn request_policy_keys_parse_and_refuse_nonsense() {
        let text = "request_labels = [\"chat\", \"\"]\ntitle_prefix = \"[chat]\"\nclose_issue = \"on-end\"\nrate_reserve = 7\n";
        let cfg = resolve(parse(text), None, &Overrides::default(), None).unwrap();
        assert_eq!(cfg.policy.labels, vec!["chat".to_string()]);
        assert_eq!(cfg.policy.title_prefix.as_deref(), Some("[chat]"));
        assert_eq!(cfg.policy.closing, Closing::OnEnd);
        assert_eq!(cfg.rate_reserve, 7);
        let err = resolve(
            parse("close_issue = \"later\""),
            None,
            &Overrides::default(),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"on-connect\""), "{err}");
    }

    #[test]
    fn token_sources_in_order_and_gh_hosts() {
        let file = || parse("token = \"file-token\"");
        let src = Some(PathBuf::from("/x/config.toml"));
        let cfg = resolve(
            file(),
            src.clone(),
            &Overrides::default(),
            Some("env".into()),
        )
        .unwrap();
        assert_eq!(cfg.token_source, TokenSource::Env);
        let cfg = resolve(
            file(),
            src.clone(),
            &Overrides::default(),
            Some("  ".into()),
        )
        .unwrap();
        assert_eq!(
            cfg.token_source,
            TokenSource::File(PathBuf::from("/x/config.toml"))
        );
        assert_eq!(cfg.token.0.as_deref(), Some("file-token"));
        let cfg = resolve(parse(""), None, &Overrides::default(), None).unwrap();
        assert_eq!((cfg.token_source, cfg.token.0), (TokenSource::None, None));
        assert_eq!(
            gh_hostname("https://api.github.com").as_deref(),
            Some("github.com")
        );
        assert_eq!(
            gh_hostname("https://ghe.corp/api/v3").as_deref(),
            Some("ghe.corp")
        );
        assert_eq!(
            gh_hostname("http://127.0.0.1:8177/api/v3").as_deref(),
            Some("127.0.0.1")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_token_file_is_flagged() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "token = \"x\"").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let w = token_file_warning(&path).expect("a warning");
        assert!(
            w.contains("chmod 600") && w.contains("644") && !w.contains("token = "),
            "{w}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(token_file_warning(&path), None);
    }
}
