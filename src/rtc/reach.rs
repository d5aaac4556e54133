//! What a peer session knows about its path: which candidate pair ICE selected (direct or
//! relayed, read when the channel opens), the round trip ICE last measured on it (sizes a
//! file sender's window, `send_window.rs`) and, when nothing connects in time, the likely
//! cause in one sentence with its fix ([`connect_failure`]).

use std::sync::{Arc, OnceLock};

use std::time::Duration;

use webrtc::peer_connection::{PeerConnection, RTCIceCandidateType, StatsSelector};

use crate::app::ConnPath;

/// Seconds after the answer was applied before a connection that did not open is given up,
/// with the diagnosis below.
pub(crate) const CONNECT_GIVE_UP_SECS: u64 = 15;

/// Shared between a session and its handles.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathCell(pub(crate) Arc<OnceLock<ConnPath>>);

/// Facts the session gathers for the diagnosis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ReachFacts {
    /// Credentialed relays this peer was given.
    pub relays: usize,
    /// The local SDP carries a relay candidate (the relay allocated for us).
    pub local_relay: bool,
    /// The remote SDP carries a relay candidate (the relay allocated for the guest).
    pub remote_relay: bool,
}

/// Whether an SDP carries a relay candidate.
pub(crate) fn has_relay_candidate(sdp: &str) -> bool {
    sdp.lines()
        .any(|l| l.starts_with("a=candidate:") && l.contains(" typ relay"))
}

/// The path of the selected candidate pair: relayed when either end is a relay candidate.
pub(crate) async fn selected_path(pc: &dyn PeerConnection) -> Option<ConnPath> {
    // Known by the time the channel opens; a few short retries cover a pair reported late.
    for _ in 0..10 {
        if let Some(path) = selected_path_once(pc).await {
            return Some(path);
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    None
}

async fn selected_path_once(pc: &dyn PeerConnection) -> Option<ConnPath> {
    let sctp = pc.sctp().await?;
    let pair = sctp
        .transport()
        .ice_transport()
        .get_selected_candidate_pair()
        .await
        .ok()??;
    let relayed = [pair.local().typ, pair.remote().typ].contains(&RTCIceCandidateType::Relay);
    Some(if relayed {
        ConnPath::Relay
    } else {
        ConnPath::Direct
    })
}

/// The round trip ICE last measured on the selected candidate pair (its connectivity and
/// consent checks), if it measured one.
pub(crate) async fn selected_round_trip(pc: &dyn PeerConnection) -> Option<Duration> {
    let report = pc
        .get_stats(std::time::Instant::now(), StatsSelector::None)
        .await;
    let selected = report.transport()?.selected_candidate_pair_id.clone();
    let seconds = report
        .candidate_pairs()
        .find(|pair| pair.stats.id == selected)?
        .current_round_trip_time;
    (seconds.is_finite() && seconds > 0.0).then(|| Duration::from_secs_f64(seconds.min(60.0)))
}

/// The one-line reason a connection did not open, with the likely cause and its fix.
pub(crate) fn connect_failure(facts: ReachFacts) -> String {
    let head = format!("could not connect within {CONNECT_GIVE_UP_SECS} s");
    if facts.relays == 0 {
        return format!("{head}: no direct path between you and the guest (a strict NAT or firewall on one side) and no relay is configured; fix: set up a TURN relay in [turn] (README, \"When a guest cannot connect\")");
    }
    if !facts.local_relay {
        return format!("{head}: the relay gave Janus no address, so it refused the credentials or cannot be reached over UDP; fix: check that the [turn] secret is coturn's static-auth-secret and run `janus doctor`");
    }
    if !facts.remote_relay {
        return format!("{head}: the guest got no relay address, so UDP to the relay is probably blocked on the guest's network; fix: add a `turn:HOST:PORT?transport=tcp` URL to [turn] urls");
    }
    format!("{head}: even the relay path failed (UDP blocked between a side and the relay?); fix: check the relay's firewall and run `janus doctor`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_names_its_cause_and_fix() {
        let f = |relays, local_relay, remote_relay| {
            connect_failure(ReachFacts {
                relays,
                local_relay,
                remote_relay,
            })
        };
        assert!(f(0, false, false).contains("no relay is configured"));
        assert!(f(1, false, false).contains("refused the credentials"));
        assert!(f(1, true, false).contains("blocked on the guest's network"));
        assert!(f(1, true, true).contains("janus doctor"));
        assert!(has_relay_candidate(
            "v=0\r\na=candidate:1 1 udp 16777215 198.18.0.1 50000 typ relay raddr 0.0.0.0 rport 0\r\n"
        ));
        assert!(!has_relay_candidate(
            "a=candidate:1 1 udp 1 10.0.0.1 5 typ host"
        ));
    }
}
