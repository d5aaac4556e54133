//! Configuration: the TOML file (found with `directories`, or `--config`), then the
//! environment (`GH_ACCESS_TOKEN`, `REPO_URL`, `JANUS_API_URL`), then flags.
//! `config.example.toml` documents every key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::cli::Overrides;
use crate::forge::RepoName;
use crate::signal::link::{DEFAULT_API, DEFAULT_STUN};

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
    pub offer_ttl: Option<u64>,
    pub backlog: Option<u64>,
    pub ice_servers: Option<Vec<String>>,
    pub gather_timeout: Option<f64>,
    pub accept: Option<String>,
    pub bell: Option<bool>,
}

/// The GitHub token; its `Debug` never shows it.
#[derive(Clone, Default)]
pub struct Secret(pub Option<String>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Secret(<redacted>)" } else { "Secret(None)" })
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
    /// Seconds an offer stays valid.
    pub offer_ttl: u64,
    /// Seconds before start whose new issues are still served.
    pub backlog: u64,
    pub ice_servers: Vec<String>,
    pub gather_timeout: Duration,
    /// The file that was read, if any.
    pub source: Option<PathBuf>,
    /// `accept = "manual"`: requests wait for the maintainer's `accept` (default: automatic).
    pub manual_accept: bool,
    /// The TUI rings the terminal bell on a new request or an unseen message (default: on).
    pub bell: bool,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("the config file {path} is not valid: {reason}\n  (config.example.toml lists every key)")]
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
        Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => return Ok((FileConfig::default(), None)),
        Err(e) => return Err(ConfigError::Read { path, reason: e.to_string() }),
    };
    let file: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.clone(), reason: e.message().to_string() })?;
    Ok((file, Some(path)))
}

/// Combines file, environment and flags. `env_token` is `GH_ACCESS_TOKEN`.
pub fn resolve(file: FileConfig, source: Option<PathBuf>, flags: &Overrides, env_token: Option<String>) -> Result<Config, ConfigError> {
    let repo = match flags.repo.clone().or(file.repo) {
        Some(r) if !r.trim().is_empty() => Some(RepoName::parse(&r).map_err(|e| ConfigError::Invalid(e.to_string()))?),
        _ => None,
    };
    let token = env_token.filter(|t| !t.trim().is_empty()).or(file.token).map(|t| t.trim().to_string());
    let api_url = flags.api_url.clone().or(file.api_url).unwrap_or_else(|| DEFAULT_API.to_string());
    let api_url = api_url.trim_end_matches('/').to_string();
    if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
        return Err(ConfigError::Invalid(format!("api_url `{api_url}` must start with https:// (or http:// for a local forge)")));
    }
    let poll = flags.poll_interval.or(file.poll_interval).unwrap_or(2.0);
    if !(0.1..=3600.0).contains(&poll) {
        return Err(ConfigError::Invalid(format!("poll_interval {poll} is out of range: use 0.1 to 3600 seconds")));
    }
    let gather = file.gather_timeout.unwrap_or(3.0);
    if !(0.1..=60.0).contains(&gather) {
        return Err(ConfigError::Invalid(format!("gather_timeout {gather} is out of range: use 0.1 to 60 seconds")));
    }
    let manual_accept = match file.accept.as_deref().map(str::trim) {
        None | Some("auto") => false,
        Some("manual") => true,
        Some(other) => return Err(ConfigError::Invalid(format!("accept = \"{other}\" is not valid: use \"auto\" or \"manual\""))),
    };
    let ice_servers = file.ice_servers.unwrap_or_else(|| DEFAULT_STUN.iter().map(|s| s.to_string()).collect());
    for url in &ice_servers {
        if !(url.starts_with("stun:") || url.starts_with("stuns:")) {
            return Err(ConfigError::Invalid(format!(
                "ice_servers entry `{url}` is not a STUN url; TURN credentials must never go into a public comment"
            )));
        }
    }
    Ok(Config {
        repo,
        token: Secret(token),
        api_url,
        pages_url: flags.pages_url.clone().or(file.pages_url),
        blog_dir: flags.blog_dir.clone().or(file.blog_dir).unwrap_or_else(|| PathBuf::from("blog")),
        data_dir: flags.data_dir.clone().or(file.data_dir).unwrap_or_else(default_data_dir),
        poll_interval: Duration::from_secs_f64(poll),
        offer_ttl: file.offer_ttl.unwrap_or(600).clamp(30, 7 * 86_400),
        backlog: file.backlog.unwrap_or(600),
        ice_servers,
        gather_timeout: Duration::from_secs_f64(gather),
        source,
        manual_accept,
        bell: file.bell.unwrap_or(true),
    })
}

/// Loads the configuration the way `janus run` does.
pub fn load(flags: &Overrides) -> Result<Config, ConfigError> {
    let (file, source) = read_file(flags.config.as_deref())?;
    resolve(file, source, flags, std::env::var("GH_ACCESS_TOKEN").ok())
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
        let flags = Overrides { repo: Some("https://github.com/c/d".into()), ..Default::default() };
        let cfg = resolve(file, None, &flags, Some("env-token".into())).unwrap();
        assert_eq!(cfg.repo.unwrap().to_string(), "c/d");
        assert_eq!(cfg.token.0.as_deref(), Some("env-token"));
        assert_eq!(cfg.poll_interval, Duration::from_secs(5));
        assert_eq!(cfg.api_url, "https://api.github.com");
        assert!(!format!("{:?}", cfg.token).contains("env-token"));
    }

    #[test]
    fn refuses_bad_values_with_the_fix() {
        let bad = |text: &str| resolve(parse(text), None, &Overrides::default(), None).unwrap_err().to_string();
        assert!(bad("repo = \"nope\"").contains("owner/repo"));
        assert!(bad("api_url = \"ftp://x\"").contains("https://"));
        assert!(bad("poll_interval = 0.0").contains("0.1 to 3600"));
        assert!(bad("ice_servers = [\"turn:x\"]").contains("TURN"));
        assert!(bad("accept = \"sometimes\"").contains("\"manual\""));
        assert!(toml::from_str::<FileConfig>("unknown_key = 1").is_err());
    }

    #[test]
    fn the_example_config_parses() {
        let text = include_str!("../config.example.toml");
        let cfg = resolve(parse(text), None, &Overrides::default(), None).unwrap();
        assert_eq!(cfg.offer_ttl, 600);
    }
}
