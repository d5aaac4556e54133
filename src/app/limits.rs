//! Limits on what strangers can make the host do (issue #12): live requests per user, a
//! cooldown between re-requests, concurrent peers, and the per-user rate of the polite
//! comments that say so. Pure rules called from `requests` and `update`; the numbers come
//! from the `[limits]` table of the config file (`config.example.toml` documents each).
//!
//! - A user holds at most `offers_per_user` requests that are pending, queued, or have a
//!   peer (preparing, posting, waiting for the answer, connecting, connected); more issues
//!   by the same user get no link ([`RequestStage::OverLimit`]).
//! - "Comment again for a new link" (and a re-open) starts a new offer only
//!   `rerequest_cooldown_secs` after the user's previous one started.
//! - At most `max_peers` peers exist at once; beyond, new requests wait
//!   ([`RequestStage::Queued`]) and are served, oldest first, as soon as a slot frees.
//! - Each of these is said once in the console per request, and to the user in at most one
//!   polite comment (no token) per offer lifetime, however many issues they open.

use std::collections::HashMap;

use super::effect::{Effect, WritePurpose};
use super::state::{ActivityKind, RequestStage, State};

/// The configurable bounds (`[limits]` in the config file). The defaults are far above
/// what one maintainer meets in normal use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Requests one user may hold at once (pending, queued or with a peer).
    pub offers_per_user: usize,
    /// Seconds after a user's offer started before a re-request gets a new one.
    pub rerequest_cooldown_secs: u64,
    /// Peers alive at once; beyond, requests queue until one ends.
    pub max_peers: usize,
    /// Closed conversations kept in memory (oldest evicted first; open ones never are).
    pub closed_conversations: usize,
    /// Bytes of scrollback kept per conversation (oldest lines dropped first).
    pub scrollback_bytes: usize,
    /// Seconds the core remembers what it has finished with (ended requests, seen answer
    /// comments, used `sid`s, re-opens). At least the offer lifetime, so an offer's `sid`
    /// is remembered for as long as it could be answered.
    pub memory_secs: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            offers_per_user: 2,
            rerequest_cooldown_secs: 60,
            max_peers: 100,
            closed_conversations: 50,
            scrollback_bytes: 1 << 20,
            memory_secs: 2 * 600 + 600,
        }
    }
}

/// What the per-user limits remember (part of `State`), pruned by age.
#[derive(Debug, Clone, Default)]
pub struct LimitMemory {
    /// Per user id, unix seconds when their latest offer was started (for the cooldown).
    pub last_offer: HashMap<u64, u64>,
    /// Per user id, unix seconds of the last polite limit comment posted to them.
    pub last_notice: HashMap<u64, u64>,
}

/// Stages that hold a peer (and so a slot of `max_peers`).
pub fn holds_peer(stage: RequestStage) -> bool {
    matches!(
        stage,
        RequestStage::Preparing
            | RequestStage::Posting
            | RequestStage::WaitingForAnswer
            | RequestStage::Connecting
            | RequestStage::Connected
    )
}

/// Requests the user (by id) holds: pending, queued or with a peer.
pub fn outstanding(state: &State, user_id: u64) -> usize {
    state
        .requests
        .values()
        .filter(|r| r.issue.user.id == user_id && r.stage.is_active())
        .count()
}

/// Peers alive now.
pub fn peers_in_use(state: &State) -> usize {
    state
        .requests
        .values()
        .filter(|r| holds_peer(r.stage))
        .count()
}

/// Seconds left of the user's re-request cooldown; `None` when a new offer may start.
pub fn cooldown_left(state: &State, now: u64, user_id: u64) -> Option<u64> {
    let started = *state.limits_memory.last_offer.get(&user_id)?;
    let ready = started.saturating_add(state.settings.limits.rerequest_cooldown_secs);
    (now < ready).then(|| ready - now)
}

/// Posts `body` on `issue` unless this user already got a limit comment within the offer
/// lifetime: one polite comment, never one per issue.
pub fn polite_comment(
    state: &mut State,
    now: u64,
    user_id: u64,
    issue: u64,
    body: String,
    fx: &mut Vec<Effect>,
) {
    let window = state.settings.offer_ttl_secs.max(1);
    let recent = state
        .limits_memory
        .last_notice
        .get(&user_id)
        .is_some_and(|at| now < at.saturating_add(window));
    if recent {
        return;
    }
    state.limits_memory.last_notice.insert(user_id, now);
    fx.push(Effect::PostComment {
        issue,
        body,
        purpose: WritePurpose::Decline { issue },
    });
}

/// Starts queued requests, oldest first, while peers are free.
pub fn serve_queue(state: &mut State, now: u64, fx: &mut Vec<Effect>) {
    let mut free = state
        .settings
        .limits
        .max_peers
        .saturating_sub(peers_in_use(state));
    if free == 0 {
        return;
    }
    let mut queued: Vec<(u64, u64)> = state
        .requests
        .values()
        .filter(|r| r.stage == RequestStage::Queued)
        .map(|r| (r.since, r.issue.number))
        .collect();
    queued.sort_unstable();
    for (_, issue) in queued {
        if free == 0 {
            break;
        }
        let Some(req) = state.requests.get_mut(&issue) else {
            continue;
        };
        req.stage = RequestStage::Preparing;
        let (peer_id, login, user_id) =
            (req.peer_id, req.issue.user.login.clone(), req.issue.user.id);
        state.limits_memory.last_offer.insert(user_id, now);
        state.log(
            now,
            ActivityKind::Notice,
            format!("a peer is free: preparing the link for #{issue} from {login}"),
        );
        if let Some(req) = state.requests.get(&issue) {
            fx.push(super::flow_b::create_peer(req));
        }
        let _ = peer_id;
        free -= 1;
    }
}

/// Forgets per-user times older than anything they still decide (on `Event::Tick`).
pub fn prune(state: &mut State, now: u64) {
    let cooldown = state.settings.limits.rerequest_cooldown_secs;
    let window = state.settings.offer_ttl_secs;
    let memory = &mut state.limits_memory;
    memory
        .last_offer
        .retain(|_, at| now < at.saturating_add(cooldown));
    memory
        .last_notice
        .retain(|_, at| now < at.saturating_add(window));
}
