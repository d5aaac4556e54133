//! What of the file transfers outlives a run (PROTOCOL.md "Files", resume): the unfinished
//! ones, so that a guest who reconnects after the maintainer restarted Janus still resumes
//! from the offset instead of starting again (and a `.part` is never orphaned).
//!
//! After every file event the core compares the unfinished set with what it last asked to
//! keep and, when it changed, asks the runtime to keep the new set
//! (`FileEffect::Remember`; `host/files.rs` writes it next to the received files). At start
//! the runtime hands it back (`FileEvent::Restored`): each comes back `Interrupted`, on no
//! connection, and resumes as any interrupted transfer does when its guest reconnects.

use super::effect::Effect;
use super::files::*;
use super::state::State;

/// Transfers restored at start, at most (the file the runtime reads is bounded too): no more
/// can be unfinished at once.
pub const MAX_RESTORED: usize = MAX_OPEN_TRANSFERS;

/// An unfinished transfer as it is kept across runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumable {
    pub id: String,
    pub direction: Direction,
    pub login: String,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// Outgoing: the local file. Incoming: the `.part` (none before the first byte could
    /// be written: such a transfer is not kept).
    pub path: String,
    /// What the receiver held when last known (shown; the resume asks afresh).
    pub bytes: u64,
    /// Unix seconds when it was first offered.
    pub since: u64,
    /// Unix seconds of its last change (an interrupted one is given up a week after it).
    pub updated: u64,
}

/// The transfers worth keeping: unfinished, past the maintainer's consent, and with a
/// path (an incoming one before its `.part` exists has nothing to resume).
pub fn resumable(files: &Files) -> Vec<Resumable> {
    files
        .in_order()
        .into_iter()
        .filter(|t| !t.state.is_finished() && t.state != TransferState::AwaitingConsent)
        .filter_map(|t| {
            Some(Resumable {
                id: t.id.clone(),
                direction: t.direction,
                login: t.login.clone(),
                name: t.name.clone(),
                size: t.size,
                sha256: t.sha256.clone(),
                path: t.path.clone()?,
                bytes: t.bytes,
                since: t.since,
                updated: t.updated,
            })
        })
        .collect()
}

/// Asks the runtime to keep the unfinished set if it changed since it last asked (which
/// transfers, and where their bytes are; not their progress).
pub(super) fn remember_if_changed(state: &mut State, fx: &mut Vec<Effect>) {
    let now_kept = resumable(&state.files);
    let key: Vec<(String, String)> = now_kept
        .iter()
        .map(|r| (r.id.clone(), r.path.clone()))
        .collect();
    if key == state.files.remembered {
        return;
    }
    state.files.remembered = key;
    fx.push(Effect::File(FileEffect::Remember {
        transfers: now_kept,
    }));
}

/// The transfers an earlier run kept: each comes back interrupted, on no connection
/// (`peer_id` 0 is never a connection's), unless one with its id exists already.
pub(super) fn restore(state: &mut State, now: u64, kept: Vec<Resumable>) {
    let mut restored = 0;
    for r in kept.into_iter().take(MAX_RESTORED) {
        if state.files.transfers.contains_key(&r.id)
            || state.files.open_with(&r.login) >= MAX_OPEN_TRANSFERS_PER_LOGIN
        {
            continue;
        }
        let t = Transfer {
            id: r.id.clone(),
            direction: r.direction,
            login: r.login,
            peer_id: 0,
            name: r.name,
            size: r.size,
            sha256: r.sha256,
            path: Some(r.path),
            bytes: r.bytes.min(r.size),
            flow_since: None,
            state: TransferState::Interrupted,
            since: r.since,
            updated: r.updated.min(now),
        };
        state.files.transfers.insert(r.id, t);
        restored += 1;
    }
    if restored > 0 {
        state.log(
            now,
            super::state::ActivityKind::Notice,
            format!(
                "{restored} unfinished file transfer(s) from the last run: each resumes when its guest reconnects (`files` lists them)"
            ),
        );
    }
    state.files.remembered = resumable(&state.files)
        .into_iter()
        .map(|r| (r.id, r.path))
        .collect();
}
