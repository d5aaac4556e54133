//! TURN relays with ephemeral credentials (the TURN REST scheme that coturn's
//! `use-auth-secret` speaks).
//!
//! The host holds a TURN server's long-term shared secret ([`TurnSecret`]); for each offer it
//! mints credentials that expire with the offer ([`mint`]): `username = "{expiry}:{login}"`,
//! `credential = base64(HMAC-SHA1(secret, username))`. They travel in the offer token's `ice`
//! field in the shape of the browser's `RTCIceServer` ([`IceServer`]), so the guest page can
//! hand them to `RTCPeerConnection` as they are, and the host's own peer uses the same relay
//! for its candidates. The secret itself never leaves this module: its `Debug` is redacted
//! and nothing here formats it. Pure code: no IO, no clock (`now` is an argument).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;

/// The long-term secret shared with the TURN server. Never printed: `Debug` is redacted and
/// there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct TurnSecret(String);

impl TurnSecret {
    /// Wraps a secret read from a file or the environment (surrounding whitespace, such as
    /// the newline a file ends with, is not part of it).
    pub fn new(secret: &str) -> Self {
        Self(secret.trim().to_string())
    }

    /// Whether nothing is left once whitespace is trimmed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for TurnSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TurnSecret(<redacted>)")
    }
}

/// The host's relay settings (`[turn]` in the config file, validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnSettings {
    /// `turn:`/`turns:` URLs of one TURN server (one per transport, typically UDP and TCP).
    pub urls: Vec<String>,
    /// coturn's `static-auth-secret`.
    pub secret: TurnSecret,
    /// Seconds minted credentials live; never beyond the offer's own expiry.
    pub ttl: u64,
}

/// One ICE server in the shape of the browser's `RTCIceServer` (the token's `ice` field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    /// The server's URLs (`turn:host:port?transport=udp`, …).
    pub urls: Vec<String>,
    /// `{expiry unix seconds}:{guest login}` for a minted relay credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `base64(HMAC-SHA1(secret, username))`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// The TURN REST username for a credential expiring at `expiry` (unix seconds) for `login`.
pub fn username(expiry: u64, login: &str) -> String {
    format!("{expiry}:{login}")
}

/// The TURN REST credential for `username`: base64 of HMAC-SHA1 keyed with the secret.
pub fn credential(secret: &TurnSecret, username: &str) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret.0.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(username.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Fresh credentials for one offer to `login`, made at `now`: they expire after the
/// configured ttl, and never after the offer itself (`offer_exp`).
pub fn mint(turn: &TurnSettings, login: &str, now: u64, offer_exp: u64) -> IceServer {
    let expiry = now.saturating_add(turn.ttl).min(offer_exp);
    let username = username(expiry, login);
    let credential = credential(&turn.secret, &username);
    IceServer {
        urls: turn.urls.clone(),
        username: Some(username),
        credential: Some(credential),
    }
}

/// The relays as webrtc 0.21 takes them. It allocates over UDP only (it skips `turns:` and
/// `?transport=tcp` with a warning each time), so only those URLs are handed over; the page
/// uses them all.
pub(crate) fn rtc_servers(relays: &[IceServer]) -> Vec<webrtc::peer_connection::RTCIceServer> {
    relays
        .iter()
        .filter_map(|relay| {
            let urls: Vec<String> = relay
                .urls
                .iter()
                .filter(|u| {
                    TurnUrl::parse(u).is_ok_and(|t| !t.secure && t.transport == TurnTransport::Udp)
                })
                .cloned()
                .collect();
            (!urls.is_empty()).then(|| webrtc::peer_connection::RTCIceServer {
                urls,
                username: relay.username.clone().unwrap_or_default(),
                credential: relay.credential.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// Transport a TURN URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnTransport {
    Udp,
    Tcp,
}

impl std::fmt::Display for TurnTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TurnTransport::Udp => "udp",
            TurnTransport::Tcp => "tcp",
        })
    }
}

/// A TURN URL taken apart (RFC 7065): `turn[s]:host[:port][?transport=udp|tcp]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnUrl {
    /// `turns:` (TLS).
    pub secure: bool,
    /// Host name or IP literal (brackets removed from IPv6).
    pub host: String,
    /// 3478 by default, 5349 for `turns:`.
    pub port: u16,
    /// UDP by default for `turn:`, TCP for `turns:`.
    pub transport: TurnTransport,
}

impl TurnUrl {
    /// Parses one URL; the error says what is wrong and how it should look.
    pub fn parse(url: &str) -> Result<TurnUrl, String> {
        let shape = "write it as `turn:HOST:PORT?transport=udp` (or `transport=tcp`)";
        let (secure, rest) = if let Some(rest) = url.strip_prefix("turns:") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("turn:") {
            (false, rest)
        } else {
            return Err(format!("`{url}` is not a TURN URL: {shape}"));
        };
        let (authority, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let transport = match query {
            None => {
                if secure {
                    TurnTransport::Tcp
                } else {
                    TurnTransport::Udp
                }
            }
            Some("transport=udp") => TurnTransport::Udp,
            Some("transport=tcp") => TurnTransport::Tcp,
            Some(other) => {
                return Err(format!(
                    "`{url}` has `?{other}`: the only query a TURN URL takes is `transport=udp` or `transport=tcp`"
                ))
            }
        };
        let (host, port) = split_host_port(authority);
        if host.is_empty() || authority.starts_with("//") {
            return Err(format!("`{url}` names no host: {shape}"));
        }
        let port = match port {
            None => {
                if secure {
                    5349
                } else {
                    3478
                }
            }
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("`{url}` has no valid port (1 to 65535): {shape}"))?,
        };
        Ok(TurnUrl {
            secure,
            host: host.to_string(),
            port,
            transport,
        })
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if let Some(rest) = authority.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => ("", None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_follow_the_turn_rest_scheme() {
        // RFC 2202 test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?").
        let secret = TurnSecret::new("Jefe\n");
        assert_eq!(
            credential(&secret, "what do ya want for nothing?"),
            STANDARD.encode(hex::decode("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79").unwrap())
        );
        let turn = TurnSettings {
            urls: vec!["turn:198.18.0.1:3478?transport=udp".into()],
            secret,
            ttl: 300,
        };
        let ice = mint(&turn, "alice", 1_000, 10_000);
        assert_eq!(ice.username.as_deref(), Some("1300:alice"));
        assert_eq!(ice.credential, Some(credential(&turn.secret, "1300:alice")));
        // Never past the offer's own expiry.
        let ice = mint(&turn, "alice", 1_000, 1_100);
        assert_eq!(ice.username.as_deref(), Some("1100:alice"));
        let json = serde_json::to_string(&ice).unwrap();
        assert!(json.contains("\"urls\":[\"turn:198.18.0.1:3478?transport=udp\"]"));
        assert!(!format!("{turn:?}").contains("Jefe"));
    }

    #[test]
    fn turn_urls_parse_and_refuse_with_the_fix() {
        let u = TurnUrl::parse("turn:turn.example.org:3478?transport=tcp").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.transport, u.secure),
            ("turn.example.org", 3478, TurnTransport::Tcp, false)
        );
        let u = TurnUrl::parse("turn:198.18.0.1").unwrap();
        assert_eq!((u.port, u.transport), (3478, TurnTransport::Udp));
        let u = TurnUrl::parse("turns:[2001:db8::1]:443").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("2001:db8::1", 443));
        for bad in ["turn:", "turn::3478", "turn:?transport=udp", "turn://x"] {
            let err = TurnUrl::parse(bad).unwrap_err();
            assert!(err.contains("no host"), "{bad}: {err}");
        }
        assert!(TurnUrl::parse("stun:x").unwrap_err().contains("not a TURN"));
        assert!(TurnUrl::parse("turn:x:0").unwrap_err().contains("port"));
        assert!(TurnUrl::parse("turn:x?transport=sctp")
            .unwrap_err()
            .contains("transport=udp"));
    }
}
