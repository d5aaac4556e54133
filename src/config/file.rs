//! The config file itself: [`FileConfig`] is the TOML as the maintainer wrote it (every
//! key optional, unknown keys refused), [`read_file`] finds and parses it (an explicit
//! `--config` path must exist; the default location may be absent).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{limits, turn, ConfigError};

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
    /// Free space received files always leave on the data directory's disk, in bytes
    /// (default 1 GiB).
    pub min_free_space: Option<u64>,
    /// Bounds on what strangers can make the host do (`[limits]`).
    pub limits: Option<limits::FileLimits>,
}

/// The default config file location (`~/.config/janus/config.toml` on Linux).
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "janus").map(|d| d.config_dir().join("config.toml"))
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
