//! The `[turn]` table of the config file: a TURN relay for guests (and hosts) behind
//! networks where no direct path exists. The long-term secret comes from
//! `JANUS_TURN_SECRET` or from `secret_file`; it is read here, checked, and wrapped in a
//! [`TurnSecret`] that never prints. A secret file that others can read is refused (anyone
//! with that secret can mint relay credentials for ever).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rtc::turn::{TurnSecret, TurnSettings, TurnUrl};

use super::ConfigError;

/// The environment variable that may hold the TURN secret instead of `secret_file`.
pub const SECRET_ENV: &str = "JANUS_TURN_SECRET";
/// Default lifetime of minted credentials, in seconds (also the default offer lifetime).
pub const DEFAULT_TTL: u64 = 600;

/// `[turn]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTurn {
    /// `turn:` / `turns:` URLs of the relay (one per transport).
    pub urls: Option<Vec<String>>,
    /// A file holding coturn's `static-auth-secret` (mode 600).
    pub secret_file: Option<PathBuf>,
    /// Seconds the minted credentials live (capped at the offer lifetime).
    pub ttl: Option<u64>,
}

/// Validates `[turn]`; `None` when the table is absent. `env_secret` is
/// `JANUS_TURN_SECRET`; it wins over `secret_file`. The ttl is capped at `offer_ttl`, with a
/// warning pushed to `warnings`.
pub fn resolve(
    file: Option<FileTurn>,
    offer_ttl: u64,
    env_secret: Option<String>,
    warnings: &mut Vec<String>,
) -> Result<Option<TurnSettings>, ConfigError> {
    let Some(file) = file else {
        return Ok(None);
    };
    let invalid = |text: String| ConfigError::Invalid(format!("[turn] {text}"));
    let urls = file.urls.unwrap_or_default();
    if urls.is_empty() {
        return Err(invalid(
            "has no `urls`: add e.g. urls = [\"turn:turn.example.org:3478?transport=udp\"], or remove the [turn] table".into(),
        ));
    }
    for url in &urls {
        TurnUrl::parse(url).map_err(|e| invalid(format!("urls: {e}")))?;
    }
    let secret = match env_secret.filter(|s| !s.trim().is_empty()) {
        Some(s) => TurnSecret::new(&s),
        None => match &file.secret_file {
            Some(path) => read_secret_file(path).map_err(invalid)?,
            None => {
                return Err(invalid(format!(
                    "needs the relay's shared secret: set secret_file = \"/etc/janus/turn-secret\" (a file of mode 600 holding coturn's static-auth-secret) or the environment variable {SECRET_ENV}"
                )))
            }
        },
    };
    let ttl = file.ttl.unwrap_or(DEFAULT_TTL);
    if ttl == 0 {
        return Err(invalid(
            "ttl = 0 would mint credentials that are already expired: use the offer lifetime (e.g. ttl = 600) or remove the key".into(),
        ));
    }
    let ttl = if ttl > offer_ttl {
        warnings.push(format!(
            "[turn] ttl = {ttl} is longer than offer_ttl = {offer_ttl}: relay credentials expire with the offer, after {offer_ttl} s"
        ));
        offer_ttl
    } else {
        ttl
    };
    Ok(Some(TurnSettings { urls, secret, ttl }))
}

/// Reads a secret file: it must be readable, not empty, and readable by its owner only.
/// Errors name the file and the fix, never the content.
fn read_secret_file(path: &Path) -> Result<TurnSecret, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("cannot read secret_file {shown}: {e}; check the path and that the user running Janus may read it")
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        if mode & 0o077 != 0 {
            return Err(format!(
                "secret_file {shown} can be read by other users (mode {mode:03o}): run `chmod 600 {shown}` (anyone holding this secret can use your relay)"
            ));
        }
    }
    let secret = TurnSecret::new(&text);
    if secret.is_empty() {
        return Err(format!(
            "secret_file {shown} is empty: put coturn's static-auth-secret in it"
        ));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> FileTurn {
        toml::from_str(text).unwrap()
    }

    fn err(turn: FileTurn, env: Option<&str>) -> String {
        resolve(Some(turn), 600, env.map(String::from), &mut Vec::new())
            .unwrap_err()
            .to_string()
    }

    #[cfg(unix)]
    #[test]
    fn turn_table_is_checked_and_the_secret_never_shows() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("turn-secret");
        std::fs::write(&path, "s3cr3t-value\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let body = |extra: &str| {
            format!(
                "urls = [\"turn:198.18.0.1:3478?transport=udp\"]\nsecret_file = {:?}\n{extra}",
                path.display().to_string()
            )
        };
        let e = err(file(&body("")), None);
        assert!(e.contains("chmod 600") && !e.contains("s3cr3t"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut warnings = Vec::new();
        let turn = resolve(Some(file(&body("ttl = 900"))), 600, None, &mut warnings)
            .unwrap()
            .unwrap();
        assert_eq!(turn.secret, TurnSecret::new("s3cr3t-value"));
        assert_eq!(turn.ttl, 600, "capped at the offer lifetime");
        assert!(warnings[0].contains("offer_ttl") && !warnings[0].contains("s3cr3t"));
        assert!(!format!("{turn:?}").contains("s3cr3t"));
        assert!(err(file(&body("ttl = 0")), None).contains("ttl = 0"));
        // The environment wins over the file.
        let turn = resolve(
            Some(file(&body(""))),
            600,
            Some("env".into()),
            &mut warnings,
        )
        .unwrap()
        .unwrap();
        assert_eq!(turn.secret, TurnSecret::new("env"));
        let missing = dir.path().join("absent");
        let e = err(
            file(&format!(
                "urls = [\"turn:x\"]\nsecret_file = {:?}",
                missing.display().to_string()
            )),
            None,
        );
        assert!(e.contains("cannot read secret_file"), "{e}");
    }

    #[test]
    fn urls_and_secret_are_required() {
        assert!(err(file("urls = [\"turn:\"]"), Some("x")).contains("no host"));
        assert!(err(file("urls = []"), Some("x")).contains("no `urls`"));
        assert!(err(file("urls = [\"turn:x\"]"), None).contains(SECRET_ENV));
        assert!(toml::from_str::<FileTurn>("secret = \"inline\"").is_err());
        assert_eq!(resolve(None, 600, None, &mut Vec::new()).unwrap(), None);
    }
}

#[cfg(test)]
mod example_tests {
    /// The commented `[turn]` table of config.example.toml, uncommented, is valid.
    #[test]
    fn the_example_turn_table_parses_once_uncommented() {
        let text = include_str!("../../config.example.toml");
        let table: String = text
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.starts_with("urls = [\"turn:") || l.starts_with("ttl = "))
            .map(|l| format!("{l}\n"))
            .collect();
        let file: super::FileTurn = toml::from_str(&table).unwrap();
        let turn = super::resolve(Some(file), 600, Some("x".into()), &mut Vec::new())
            .unwrap()
            .unwrap();
        assert_eq!(turn.urls.len(), 2);
        assert_eq!(turn.ttl, 600);
        let limits = text.find("\n[limits]").unwrap();
        assert!(
            text.find("# [turn]").unwrap() < limits,
            "[limits] stays last"
        );
    }
}
