//! What the host learns about its network, said once per run instead of once per offer.
//!
//! webrtc 0.21 resolves every STUN server again for every offer and logs an ERROR each time
//! it cannot (offline: two lines per offer with the default servers), and logs another for
//! each mDNS `.local` candidate of a browser that it could not resolve. Neither helps a
//! maintainer, and ~290 of them for 100 guests bury what does. So:
//!
//! - [`resolve_stun_servers`] resolves each STUN host itself (bounded, cached for
//!   [`RESOLVE_TTL`]) and hands webrtc IP literals only, so webrtc never resolves and never
//!   logs; a host that does not resolve is left out and named in ONE warning per run, saying
//!   what it means for guests;
//! - [`note_mdns_candidates`] says once per run that guests' browsers hide their addresses
//!   behind mDNS names, and `logging` turns off the per-candidate error of webrtc's ICE agent
//!   (`rtc_ice::agent::agent_proto`).

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a resolution (or a failure to resolve) is trusted before the next offer asks
/// again: a network that comes back is used within a minute.
pub(crate) const RESOLVE_TTL: Duration = Duration::from_secs(60);
/// The most one resolution may take (an unreachable DNS server otherwise holds an offer for
/// the resolver's own timeouts, 5 s and more).
pub(crate) const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);
/// Port of a `stun:` URL without one (RFC 7064).
const STUN_PORT: u16 = 3478;

/// One cached lookup.
#[derive(Clone)]
struct Resolution {
    /// Empty when the host did not resolve.
    addrs: Vec<SocketAddr>,
    at: Instant,
}

/// Lookups by `host:port`, shared by every peer of the run.
fn cache() -> &'static Mutex<HashMap<String, Resolution>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Resolution>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Hosts already warned about in this run.
fn warned() -> &'static Mutex<HashSet<String>> {
    static WARNED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    WARNED.get_or_init(Default::default)
}

/// A `stun:` URL split into host and port; `None` for what this module does not rewrite
/// (webrtc then reports it as before).
fn split_stun_url(url: &str) -> Option<(&str, u16)> {
    let rest = url.strip_prefix("stun:")?;
    let rest = rest.split('?').next().unwrap_or(rest);
    if rest.is_empty() || rest.starts_with('[') || rest.parse::<IpAddr>().is_ok() {
        return None; // empty, or an IP literal: nothing to resolve
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (rest, STUN_PORT),
    };
    if host.is_empty() || host.parse::<IpAddr>().is_ok() {
        return None;
    }
    Some((host, port))
}

/// The STUN URLs to give webrtc for one peer: each named host replaced by its addresses (one
/// IPv4 and one IPv6 at most, as webrtc uses one per family), unresolvable ones left out and
/// warned about once per run, everything else passed through.
pub(crate) async fn resolve_stun_servers(urls: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for url in urls {
        let Some((host, port)) = split_stun_url(url) else {
            out.push(url.clone());
            continue;
        };
        let addrs = resolve(host, port).await;
        let v4 = addrs.iter().find(|a| a.is_ipv4());
        let v6 = addrs.iter().find(|a| a.is_ipv6());
        for addr in v4.into_iter().chain(v6) {
            out.push(format!("stun:{addr}"));
        }
    }
    out
}

/// Resolves `host:port` through the cache; an empty list when it does not resolve.
async fn resolve(host: &str, port: u16) -> Vec<SocketAddr> {
    let key = format!("{host}:{port}");
    let cached = cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .filter(|r| r.at.elapsed() < RESOLVE_TTL)
        .cloned();
    if let Some(hit) = cached {
        return hit.addrs;
    }
    let looked_up = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host(key.clone()));
    let (addrs, failure) = match looked_up.await {
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            let failure = addrs.is_empty().then(|| "no address".to_string());
            (addrs, failure)
        }
        Ok(Err(e)) => (Vec::new(), Some(e.to_string())),
        Err(_) => (
            Vec::new(),
            Some(format!("no answer within {} s", RESOLVE_TIMEOUT.as_secs())),
        ),
    };
    if let Some(why) = failure {
        let first = warned()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone());
        if first {
            tracing::warn!(
                "STUN server {host} unreachable (cannot resolve it: {why}): guests behind NAT may \
                 not connect, as offers carry only this host's local addresses; check the \
                 network or set ice_servers (said once per run)"
            );
        }
    }
    cache().lock().unwrap_or_else(|p| p.into_inner()).insert(
        key,
        Resolution {
            addrs: addrs.clone(),
            at: Instant::now(),
        },
    );
    addrs
}

/// Whether an SDP names an ICE candidate by an mDNS `.local` host name.
pub(crate) fn has_mdns_candidate(sdp: &str) -> bool {
    sdp.lines().any(|line| {
        line.strip_prefix("a=candidate:")
            .and_then(|c| c.split_whitespace().nth(4))
            .is_some_and(|address| address.ends_with(".local"))
    })
}

/// Called with each answer applied: the first one with mDNS candidates in the run gets one
/// warning. (webrtc's own error, one per candidate ten seconds later, is filtered out.)
pub(crate) fn note_mdns_candidates(sdp: &str) {
    static SAID: AtomicBool = AtomicBool::new(false);
    if has_mdns_candidate(sdp) && !SAID.swap(true, Ordering::SeqCst) {
        tracing::warn!(
            "a guest's browser names its addresses only by mDNS (`….local`), which this host \
             can resolve only on the guest's own network: such guests connect through the \
             address their packets come from, and may fail behind a strict NAT unless \
             ice_servers has a STUN server (said once per run)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn stun_urls_are_split_and_literals_passed_through() {
        assert_eq!(
            split_stun_url("stun:stun.l.google.com:19302"),
            Some(("stun.l.google.com", 19302))
        );
        assert_eq!(
            split_stun_url("stun:example.org?transport=udp"),
            Some(("example.org", 3478))
        );
        for literal in [
            "stun:127.0.0.1:9",
            "stun:[::1]:3478",
            "stun:",
            "turn:x:1",
            "stun:h:x",
        ] {
            assert_eq!(split_stun_url(literal), None, "{literal}");
        }
    }

    #[tokio::test]
    async fn unresolvable_servers_are_left_out_and_literals_kept() {
        let urls = vec![
            "stun:nonexistent.invalid:3478".to_string(),
            "stun:127.0.0.1:9".to_string(),
            "stun:localhost:3478".to_string(),
        ];
        let resolved = resolve_stun_servers(&urls).await;
        assert_eq!(resolved[0], "stun:127.0.0.1:9");
        assert!(
            resolved[1..]
                .iter()
                .all(|u| u.contains("127.0.0.1") || u.contains("[::1]")),
            "{resolved:?}"
        );
        assert!(!resolved.iter().any(|u| u.contains("invalid")));
        // Cached: the second time is immediate and the same.
        assert_eq!(resolve_stun_servers(&urls).await, resolved);
    }

    /// Once per run, however many answers carry mDNS candidates.
    #[test]
    fn mdns_candidates_are_noted_once() {
        use std::io::Write;
        #[derive(Clone, Default)]
        struct Captured(Arc<Mutex<Vec<u8>>>);
        impl Write for Captured {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            note_mdns_candidates("a=candidate:1 1 udp 1 127.0.0.1 5 typ host");
            for _ in 0..3 {
                note_mdns_candidates("a=candidate:1 1 udp 1 0b2c-4d.local 5 typ host");
            }
        });
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("WARN") && text.contains("mDNS"), "{text}");
    }

    #[test]
    fn mdns_candidates_are_recognised() {
        let sdp = "v=0\r\na=candidate:1 1 udp 2122260223 0b2c-4d.local 54321 typ host\r\n";
        assert!(has_mdns_candidate(sdp));
        let plain = "a=candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host\r\na=x:y.local";
        assert!(!has_mdns_candidate(plain));
    }
}
