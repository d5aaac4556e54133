//! The maintainer's `file …` commands: `file send`, `file accept`, `file reject`,
//! `file cancel` and `files`. Called only from `commands`.

use crate::rtc::protocol::Frame;

use super::effect::Effect;
use super::file_rules::{consent, is_open, send, transcribe};
use super::files::*;
use super::state::*;

/// `file send <user> <path>` (or the TUI's send-file entry for one conversation).
pub(super) fn command_send(
    state: &mut State,
    now: u64,
    peer_id: Option<PeerId>,
    user: &str,
    path: String,
    fx: &mut Vec<Effect>,
) {
    let peer = match peer_id {
        Some(id) => state
            .conversations
            .get(&id)
            .filter(|c| c.state == PeerState::Open),
        None => state
            .conversation_with(user)
            .filter(|c| c.state == PeerState::Open),
    };
    let Some(conv) = peer else {
        state.log(
            now,
            ActivityKind::Error,
            format!("no open conversation with {user}: `list` shows who is connected"),
        );
        return;
    };
    let (peer_id, login) = (conv.peer_id, conv.guest.clone());
    if !state.files.guests_with_files.contains(&peer_id) {
        state.log(
            now,
            ActivityKind::Error,
            format!("{login}'s page does not take files (it did not announce `files`)"),
        );
        return;
    }
    if state.files.open_on(peer_id) >= MAX_OPEN_TRANSFERS_PER_PEER {
        state.log(now, ActivityKind::Error, format!("{login} already has {MAX_OPEN_TRANSFERS_PER_PEER} transfers open; wait for one to finish"));
        return;
    }
    state.log(
        now,
        ActivityKind::Notice,
        format!("reading {path} to offer it to {login}…"),
    );
    fx.push(Effect::File(FileEffect::Prepare { peer_id, path }));
}

/// `file accept <id>`.
pub(super) fn command_accept(state: &mut State, now: u64, id: &str, fx: &mut Vec<Effect>) {
    match state.files.transfers.get(id).map(|t| t.state.clone()) {
        Some(TransferState::AwaitingConsent) => {
            let name = state.files.transfers[id].name.clone();
            state.log(now, ActivityKind::Notice, format!("accepted {name}"));
            consent(state, now, id, fx)
        }
        Some(other) => state.log(
            now,
            ActivityKind::Error,
            format!("{id} is not waiting for your accept ({})", other.label()),
        ),
        None => state.log(
            now,
            ActivityKind::Error,
            format!("no transfer {id}: `files` lists them"),
        ),
    }
}

/// `file reject <id>`.
pub(super) fn command_reject(state: &mut State, now: u64, id: &str, fx: &mut Vec<Effect>) {
    let host = state.host.login.clone();
    let Some(t) = state
        .files
        .transfers
        .get_mut(id)
        .filter(|t| t.state == TransferState::AwaitingConsent)
    else {
        return state.log(
            now,
            ActivityKind::Error,
            format!("{id} is not an offer waiting for your answer: `files` lists them"),
        );
    };
    t.state = TransferState::Rejected("by you".into());
    t.updated = now;
    let (peer_id, name) = (t.peer_id, t.name.clone());
    send(
        fx,
        peer_id,
        Frame::FileReject {
            id: id.to_string(),
            reason: "the maintainer declined the file".into(),
        },
    );
    state.log(now, ActivityKind::Notice, format!("rejected {name}"));
    transcribe(
        state,
        now,
        peer_id,
        &host,
        format!("file rejected: {name}"),
        fx,
    );
}

/// `file cancel <id>`.
pub(super) fn command_cancel(state: &mut State, now: u64, id: &str, fx: &mut Vec<Effect>) {
    let host = state.host.login.clone();
    let Some(t) = state
        .files
        .transfers
        .get_mut(id)
        .filter(|t| !t.state.is_finished())
    else {
        return state.log(
            now,
            ActivityKind::Error,
            format!("no unfinished transfer {id}: `files` lists them"),
        );
    };
    t.state = TransferState::Cancelled("by you".into());
    t.updated = now;
    let (peer_id, name) = (t.peer_id, t.name.clone());
    let part = (t.direction == Direction::Incoming)
        .then(|| t.path.take())
        .flatten();
    fx.push(Effect::File(FileEffect::Stop {
        peer_id,
        id: id.to_string(),
    }));
    if let Some(part) = part {
        fx.push(Effect::File(FileEffect::Discard { part }));
    }
    if is_open(state, peer_id) {
        send(
            fx,
            peer_id,
            Frame::FileCancel {
                id: id.to_string(),
                reason: "the maintainer cancelled it".into(),
            },
        );
    }
    state.log(now, ActivityKind::Notice, format!("cancelled {name}"));
    transcribe(
        state,
        now,
        peer_id,
        &host,
        format!("file cancelled: {name}"),
        fx,
    );
}

/// `files`: one line per transfer, oldest first.
pub(super) fn command_list(state: &mut State, now: u64) {
    let lines: Vec<String> = state
        .files
        .in_order()
        .iter()
        .map(|t| t.summary(now))
        .collect();
    if lines.is_empty() {
        state.log(
            now,
            ActivityKind::Info,
            "no file transfers yet: `file send <user> <path>` offers one",
        );
    }
    for line in lines {
        state.log(now, ActivityKind::Info, line);
    }
}
