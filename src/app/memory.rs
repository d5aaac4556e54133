//! Bounded memory (issue #12): on every `Event::Tick`, what the core has finished with is
//! forgotten once it is older than `limits.memory_secs` (ended requests, handled answer
//! comments, used `sid`s, this run's offer `sid`s, re-opens acted upon), and closed
//! conversations beyond `limits.closed_conversations` are evicted, oldest first. Open
//! conversations and active requests are never touched.
//!
//! Forgetting stays safe:
//! - `memory_secs` is at least the offer lifetime (config checks it), so a `sid` is
//!   remembered while its offer could be answered; an expired offer refuses answers by
//!   its `exp` anyway, and an answer must match the request's current, fresh `sid`.
//! - A forgotten request's issue does not come back as a new request when it changes
//!   later: the newest creation time of the forgotten issues is kept
//!   (`PolicyMemory::forgotten_created`), and issues created no later than it are old news.
//!   Likewise for re-opens (`PolicyMemory::forgotten_reopen`).
//! - After that, its author asks again by re-opening the issue or opening a new one.

use super::limits;
use super::policy::unix_of;
use super::state::{PeerState, State};

/// Forgets what is older than `limits.memory_secs` and evicts closed conversations beyond
/// the cap. Called on `Event::Tick`.
pub(super) fn prune(state: &mut State, now: u64) {
    let memory = state.settings.limits.memory_secs;
    let fresh = |at: u64| now < at.saturating_add(memory);
    for req in state.requests.values_mut() {
        if req.stage.is_active() {
            req.settled_at = None;
        } else if req.settled_at.is_none() {
            req.settled_at = Some(now);
        }
    }
    let forgotten: Vec<u64> = state
        .requests
        .values()
        .filter(|r| r.settled_at.is_some_and(|at| !fresh(at)))
        .map(|r| r.issue.number)
        .collect();
    for number in forgotten {
        if let Some(req) = state.requests.remove(&number) {
            let created = unix_of(&req.issue.created_at).unwrap_or(0);
            let mark = &mut state.policy_memory.forgotten_created;
            *mark = Some(mark.map_or(created, |m| m.max(created)));
        }
    }
    state.handled_comments.retain(|_, at| fresh(*at));
    state.used_sids.retain(|_, at| fresh(*at));
    state.policy_memory.offer_sids.retain(|_, at| fresh(*at));
    let mut dropped_reopen = None;
    state.policy_memory.reopens.retain(|_, (reopened, seen)| {
        let keep = fresh(*seen);
        if !keep {
            dropped_reopen = Some(dropped_reopen.map_or(*reopened, |m: i64| m.max(*reopened)));
        }
        keep
    });
    if let Some(at) = dropped_reopen {
        let mark = &mut state.policy_memory.forgotten_reopen;
        *mark = Some(mark.map_or(at, |m| m.max(at)));
    }
    limits::prune(state, now);
    evict_closed_conversations(state);
}

/// Keeps at most `limits.closed_conversations` closed conversations: the oldest go.
fn evict_closed_conversations(state: &mut State) {
    let keep = state.settings.limits.closed_conversations;
    let closed: Vec<_> = state
        .conversations
        .values()
        .filter(|c| c.state == PeerState::Closed)
        .map(|c| c.peer_id)
        .collect();
    let excess = closed.len().saturating_sub(keep);
    for peer_id in closed.into_iter().take(excess) {
        state.conversations.remove(&peer_id);
    }
}
