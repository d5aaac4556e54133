//! The `[limits]` table of the config file: bounds on what strangers can make the host do
//! and on what it keeps in memory (`app::limits::Limits`). Every key is optional; the
//! defaults are far above what one maintainer meets, and each value is checked against a
//! range with an error that names the fix.

use serde::Deserialize;

use crate::app::Limits;

use super::ConfigError;

/// `[limits]` as written; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLimits {
    /// Chat requests one user may hold at once.
    pub offers_per_user: Option<usize>,
    /// Seconds between a user's offers when they ask again.
    pub rerequest_cooldown: Option<u64>,
    /// Peers (links posted and chats) alive at once.
    pub max_peers: Option<usize>,
    /// Closed conversations kept in memory.
    pub closed_conversations: Option<usize>,
    /// Scrollback per conversation, in bytes.
    pub scrollback_bytes: Option<usize>,
    /// Seconds finished requests, seen comments and used `sid`s are remembered.
    pub memory: Option<u64>,
}

/// One key checked against its range.
fn within<T: PartialOrd + Copy + std::fmt::Display>(
    key: &str,
    value: Option<T>,
    default: T,
    range: std::ops::RangeInclusive<T>,
    unit: &str,
) -> Result<T, ConfigError> {
    let v = value.unwrap_or(default);
    if range.contains(&v) {
        Ok(v)
    } else {
        Err(ConfigError::Invalid(format!(
            "[limits] {key} = {v} is out of range: use {} to {}{unit}",
            range.start(),
            range.end()
        )))
    }
}

/// The limits from the file, with the defaults for missing keys. `memory` defaults to
/// twice the offer lifetime plus the backlog, and may not be shorter than the offer
/// lifetime (an offer's `sid` must be remembered while it can be answered).
pub fn resolve(
    file: Option<FileLimits>,
    offer_ttl: u64,
    backlog: u64,
) -> Result<Limits, ConfigError> {
    let file = file.unwrap_or_default();
    let d = Limits::default();
    let memory_default = offer_ttl.saturating_mul(2).saturating_add(backlog);
    let memory = file.memory.unwrap_or(memory_default);
    if memory < offer_ttl || memory > 30 * 86_400 {
        return Err(ConfigError::Invalid(format!(
            "[limits] memory = {memory} is out of range: use offer_ttl ({offer_ttl}) to 2592000 seconds, so a link is remembered while it can be answered"
        )));
    }
    Ok(Limits {
        offers_per_user: within(
            "offers_per_user",
            file.offers_per_user,
            d.offers_per_user,
            1..=100,
            "",
        )?,
        rerequest_cooldown_secs: within(
            "rerequest_cooldown",
            file.rerequest_cooldown,
            d.rerequest_cooldown_secs,
            0..=86_400,
            " seconds",
        )?,
        max_peers: within("max_peers", file.max_peers, d.max_peers, 1..=10_000, "")?,
        closed_conversations: within(
            "closed_conversations",
            file.closed_conversations,
            d.closed_conversations,
            0..=10_000,
            "",
        )?,
        scrollback_bytes: within(
            "scrollback_bytes",
            file.scrollback_bytes,
            d.scrollback_bytes,
            65_536..=1 << 30,
            " bytes",
        )?,
        memory_secs: memory,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(text: &str) -> Result<Limits, ConfigError> {
        #[derive(Deserialize)]
        struct Wrap {
            limits: Option<FileLimits>,
        }
        let w: Wrap = toml::from_str(text).unwrap();
        resolve(w.limits, 600, 600)
    }

    #[test]
    fn defaults_and_every_key() {
        assert_eq!(limits("").unwrap(), Limits::default());
        let l = limits(
            "[limits]\noffers_per_user = 3\nrerequest_cooldown = 5\nmax_peers = 7\nclosed_conversations = 0\nscrollback_bytes = 70000\nmemory = 900\n",
        )
        .unwrap();
        assert_eq!(
            l,
            Limits {
                offers_per_user: 3,
                rerequest_cooldown_secs: 5,
                max_peers: 7,
                closed_conversations: 0,
                scrollback_bytes: 70_000,
                memory_secs: 900,
            }
        );
        assert_eq!(resolve(None, 30, 0).unwrap().memory_secs, 60);
    }

    #[test]
    fn refuses_nonsense_with_the_fix() {
        let err = |t: &str| limits(t).unwrap_err().to_string();
        assert!(err("[limits]\noffers_per_user = 0").contains("use 1 to 100"));
        assert!(err("[limits]\nmax_peers = 0").contains("max_peers"));
        assert!(err("[limits]\nscrollback_bytes = 10").contains("65536"));
        assert!(err("[limits]\nmemory = 60").contains("offer_ttl (600)"));
        assert!(
            toml::from_str::<toml::Value>("[limits]\nfoo = 1").is_ok_and(|v| v
                .get("limits")
                .cloned()
                .unwrap()
                .try_into::<FileLimits>()
                .is_err())
        );
    }
}
