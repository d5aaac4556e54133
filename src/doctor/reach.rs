//! `janus doctor`'s network checks: each STUN server answers a binding request (the host
//! learns its public address from it), and each TURN URL grants an allocation with freshly
//! minted credentials, per transport. Both are tried the way a real offer does it: a peer
//! connection gathers with only that server, and the candidates it gets back say whether the
//! server works (a server-reflexive one for STUN, a relay one for TURN). webrtc 0.21 allocates
//! over UDP only, so a `?transport=tcp` URL (which browsers use where UDP is blocked) is
//! checked with one allocation over TCP (`turn_tcp.rs`); a `turns:` URL is reported as not
//! checked, with the command that checks it.

use std::time::Duration;

use super::Report;
use crate::config::Config;
use crate::rtc::peer::{self, RtcConfig};
use crate::rtc::turn::{self, TurnTransport, TurnUrl};

/// How long each server gets to answer.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// The candidate types one gathering with `rtc` produced (`host`, `srflx`, `relay`).
async fn gathered(rtc: &RtcConfig) -> Result<Vec<String>, String> {
    let (tx, _rx) = tokio::sync::mpsc::channel(8);
    let (peer, sdp) = peer::start_offerer(rtc, 0, tx)
        .await
        .map_err(|e| e.to_string())?;
    peer.close("doctor");
    Ok(sdp
        .lines()
        .filter(|l| l.starts_with("a=candidate:"))
        .filter_map(|l| l.split(" typ ").nth(1))
        .filter_map(|t| t.split_whitespace().next())
        .map(str::to_string)
        .collect())
}

fn base(cfg: &Config) -> RtcConfig {
    RtcConfig {
        ice_servers: Vec::new(),
        gather_timeout: CHECK_TIMEOUT,
        bind_addr: cfg.rtc_bind.unwrap_or(RtcConfig::default().bind_addr),
        ..RtcConfig::default()
    }
}

/// One line per STUN server, then one per TURN URL.
pub(super) async fn checks(r: &mut Report, cfg: &Config, offline: bool) {
    if cfg.ice_servers.is_empty() {
        r.ok(
            "stun",
            "none configured (host candidates only: fine on one machine or a LAN)",
        );
    }
    for url in &cfg.ice_servers {
        if offline {
            r.skip("stun", format!("{url}: not checked (offline)"));
            continue;
        }
        let rtc = RtcConfig {
            ice_servers: vec![url.clone()],
            ..base(cfg)
        };
        match gathered(&rtc).await {
            Ok(types) if types.iter().any(|t| t == "srflx") => {
                r.ok("stun", format!("{url} answers over UDP (binding request)"))
            }
            Ok(_) => r.warn(
                "stun",
                format!("{url} did not answer a binding request over UDP within {} s", CHECK_TIMEOUT.as_secs()),
                "check the address, or whether this network blocks outgoing UDP; without an answer, guests behind a NAT may not reach you (a [turn] relay helps)",
            ),
            Err(e) => r.fail("stun", format!("{url}: {e}"), "fix ice_servers in the config file"),
        }
    }
    let Some(turn_cfg) = &cfg.turn else {
        r.ok("turn", "no relay configured ([turn]): guests behind strict NATs or firewalls may not connect (README: \"When a guest cannot connect\")");
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for url in &turn_cfg.urls {
        if offline {
            r.skip("turn", format!("{url}: not checked (offline)"));
            continue;
        }
        let Ok(parsed) = TurnUrl::parse(url) else {
            continue; // refused at config load already
        };
        let mut single = turn_cfg.clone();
        single.urls = vec![url.clone()];
        let relay = turn::mint(&single, "janus-doctor", now, now + turn_cfg.ttl);
        if parsed.secure {
            r.skip(
                "turn",
                format!("{url}: not checked (TLS to the relay is not checked by Janus; browsers use it) — try `turnutils_uclient -S {}`", parsed.host),
            );
            continue;
        }
        if parsed.transport == TurnTransport::Tcp {
            let (user, pass) = (
                relay.username.clone().unwrap_or_default(),
                relay.credential.clone().unwrap_or_default(),
            );
            match super::turn_tcp::allocate(&parsed.host, parsed.port, &user, &pass, CHECK_TIMEOUT)
                .await
            {
                Ok(relayed) => r.ok(
                    "turn",
                    format!("{url} grants an allocation with freshly minted credentials (tcp; relayed at {relayed})"),
                ),
                Err(why) => r.fail(
                    "turn",
                    format!("{url} granted no allocation (tcp): {why}"),
                    "check that the secret is the relay's static-auth-secret (coturn: use-auth-secret), that the relay listens on TCP and that its port is open; guests whose networks drop UDP need this one",
                ),
            }
            continue;
        }
        let rtc = RtcConfig {
            relays: vec![relay],
            relay_only: true,
            ..base(cfg)
        };
        match gathered(&rtc).await {
            Ok(types) if types.iter().any(|t| t == "relay") => r.ok(
                "turn",
                format!("{url} grants an allocation with freshly minted credentials (udp)"),
            ),
            Ok(_) => r.fail(
                "turn",
                format!("{url} granted no allocation within {} s (udp)", CHECK_TIMEOUT.as_secs()),
                "check that the secret is the relay's static-auth-secret (coturn: use-auth-secret), that the relay runs and that UDP to its port is open",
            ),
            Err(e) => r.fail("turn", format!("{url}: {e}"), "fix [turn] urls in the config file"),
        }
    }
}
