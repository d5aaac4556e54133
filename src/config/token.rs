//! The GitHub token: where it came from ([`TokenSource`]), the [`Secret`] that never
//! prints, `gh auth token` as the last resort ([`gh_token`]), and the warning for a config
//! file holding it that others can read ([`token_file_warning`]).

use std::path::{Path, PathBuf};

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
