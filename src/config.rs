//! Configuration: the TOML file (found with `directories`, or `--config`), then the
//! environment (`GH_ACCESS_TOKEN`, `REPO_URL`, `JANUS_API_URL`), then flags.
//! `config.example.toml` documents every key; the `[limits]` table is read in
//! [`limits`]. [`Config::core_settings`] is the one place the core's `Settings` are made.
//!
//! The token comes from `GH_ACCESS_TOKEN`, then the config file's `token`, then
//! `gh auth token` when the GitHub CLI is installed and logged in ([`TokenSource`]). It is
//! never printed or logged; a config file that holds one and is readable by group or others
//! earns a warning with the `chmod` that fixes it.
//!
//! The parts: [`file`] reads the TOML, [`resolve()`] combines and validates,
//! [`token`] finds the token, [`limits`] and [`turn`] read their tables.

use std::path::PathBuf;
use std::time::Duration;

use crate::app::policy::RequestPolicy;
use crate::app::{FileSettings, Limits, Settings};
use crate::cli::Overrides;
use crate::forge::RepoName;
use crate::signal::link::{DEFAULT_API, DEFAULT_STUN};

pub mod file;
pub mod limits;
pub mod resolve;
pub mod token;
pub mod turn;

pub use file::{default_config_path, read_file, FileConfig};
pub use resolve::resolve;
pub use token::{gh_hostname, gh_token, token_file_warning, Secret, TokenSource};

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

#[cfg(test)]
mod tests;
