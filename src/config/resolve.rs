//! [`resolve`]: the config file, the environment and the flags combined into one
//! validated [`Config`], with the defaults of every key and an error naming the fix for
//! each value out of range.

use std::path::PathBuf;
use std::time::Duration;

use crate::app::files::{DEFAULT_MAX_FILE_SIZE, DEFAULT_MIN_FREE_SPACE};
use crate::app::policy::{Closing, RequestPolicy};
use crate::app::{AcceptFiles, FileSettings};
use crate::cli::Overrides;
use crate::forge::RepoName;
use crate::signal::link::{DEFAULT_API, DEFAULT_STUN};

use super::{limits, turn, Config, ConfigError, FileConfig, Secret, TokenSource};

fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "janus")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".janus"))
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
        min_free_space: file.min_free_space.unwrap_or(DEFAULT_MIN_FREE_SPACE),
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
