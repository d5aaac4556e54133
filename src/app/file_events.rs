//! The runtime's reports on file transfers (`FileEvent`: hashed, opened, progress, sent,
//! received, saved, ended) and what each means for the transfer. Called only from
//! `update`; the frames and commands are in `file_rules.rs` and `file_commands.rs`.

use crate::rtc::protocol::Frame;

use super::effect::Effect;
use super::file_rules::{is_open, send, transcribe};
use super::files::*;
use super::state::*;

/// A report of the runtime's.
pub(super) fn event(state: &mut State, now: u64, ev: FileEvent, fx: &mut Vec<Effect>) {
    on_event(state, now, ev, fx);
    state.files.prune();
}

fn on_event(state: &mut State, now: u64, ev: FileEvent, fx: &mut Vec<Effect>) {
    match ev {
        FileEvent::Prepared {
            peer_id,
            id,
            path,
            name,
            size,
            sha256,
        } => {
            let Some(login) = state
                .conversations
                .get(&peer_id)
                .filter(|c| c.state == PeerState::Open)
                .map(|c| c.guest.clone())
            else {
                state.log(
                    now,
                    ActivityKind::Error,
                    format!("not sending {name}: the guest left"),
                );
                return;
            };
            state.files.transfers.insert(
                id.clone(),
                Transfer {
                    id: id.clone(),
                    direction: Direction::Outgoing,
                    login: login.clone(),
                    peer_id,
                    name: name.clone(),
                    size,
                    sha256: sha256.clone(),
                    path: Some(path),
                    bytes: 0,
                    flow_since: None,
                    state: TransferState::Offered,
                    since: now,
                    updated: now,
                },
            );
            send(
                fx,
                peer_id,
                Frame::FileOffer {
                    id: id.clone(),
                    name: name.clone(),
                    size,
                    sha256: sha256.clone(),
                    mime: None,
                },
            );
            let host = state.host.login.clone();
            state.log(
                now,
                ActivityKind::Notice,
                format!("offered {name} ({}) to {login} as {id}", human_bytes(size)),
            );
            transcribe(
                state,
                now,
                peer_id,
                &host,
                format!("file offered: {name} ({size} bytes, sha256 {sha256})"),
                fx,
            );
        }
        FileEvent::PrepareFailed { path, error } => {
            state.log(
                now,
                ActivityKind::Error,
                format!("cannot send {path}: {error}"),
            );
        }
        FileEvent::ReceiverReady { id, part, offset } => {
            let Some(t) = state
                .files
                .transfers
                .get_mut(&id)
                .filter(|t| t.state == TransferState::Opening)
            else {
                return;
            };
            t.state = TransferState::Active;
            t.path = Some(part);
            t.bytes = offset;
            t.flow_since = Some((now, offset));
            t.updated = now;
            let peer_id = t.peer_id;
            send(fx, peer_id, Frame::FileAccept { id, offset });
        }
        FileEvent::Progress { id, bytes } => {
            if let Some(t) = state
                .files
                .transfers
                .get_mut(&id)
                .filter(|t| t.state == TransferState::Active)
            {
                t.bytes = bytes.min(t.size);
            }
        }
        FileEvent::Sent { id } => {
            if let Some(t) = state
                .files
                .transfers
                .get_mut(&id)
                .filter(|t| t.state == TransferState::Active)
            {
                t.bytes = t.size;
                t.state = TransferState::Verifying;
                t.updated = now;
            }
        }
        FileEvent::Received { id, sha256 } => received(state, now, id, sha256, fx),
        FileEvent::Saved { id, path } => {
            let Some(t) = state.files.transfers.get_mut(&id) else {
                return;
            };
            t.state = TransferState::Done;
            t.path = Some(path.clone());
            t.updated = now;
            let (peer_id, login, name, sha) =
                (t.peer_id, t.login.clone(), t.name.clone(), t.sha256.clone());
            send(
                fx,
                peer_id,
                Frame::FileDone {
                    id,
                    sha256: sha.clone(),
                },
            );
            let host = state.host.login.clone();
            state.log(
                now,
                ActivityKind::Notice,
                format!("received {name} from {login}: saved as {path} (SHA-256 {sha} matched)"),
            );
            transcribe(
                state,
                now,
                peer_id,
                &host,
                format!("file done: {name} sha256 {sha}"),
                fx,
            );
        }
        FileEvent::Ended {
            id,
            bytes,
            error,
            keep,
        } => ended(state, now, id, bytes, error, keep, fx),
        FileEvent::Restored { transfers } => super::file_memory::restore(state, now, transfers),
    }
}

/// Every byte of an incoming file is in; the hash decides.
fn received(state: &mut State, now: u64, id: String, sha256: String, fx: &mut Vec<Effect>) {
    let Some(t) = state
        .files
        .transfers
        .get_mut(&id)
        .filter(|t| t.state == TransferState::Active)
    else {
        return;
    };
    t.bytes = t.size;
    t.updated = now;
    let (peer_id, login, name, part) = (
        t.peer_id,
        t.login.clone(),
        t.name.clone(),
        t.path.clone().unwrap_or_default(),
    );
    if sha256 == t.sha256 {
        t.state = TransferState::Verifying;
        fx.push(Effect::File(FileEffect::Save {
            id,
            login,
            name,
            part,
        }));
        return;
    }
    let reason = format!(
        "SHA-256 mismatch: announced {}, received {sha256}",
        t.sha256
    );
    t.state = TransferState::Failed(reason.clone());
    t.path = None;
    fx.push(Effect::File(FileEffect::Discard { part }));
    send(
        fx,
        peer_id,
        Frame::FileFail {
            id,
            reason: reason.clone(),
        },
    );
    let host = state.host.login.clone();
    state.log(
        now,
        ActivityKind::Error,
        format!("{name} from {login} was discarded: {reason}"),
    );
    transcribe(
        state,
        now,
        peer_id,
        &host,
        format!("file failed: {name}: {reason}"),
        fx,
    );
}

/// A pump ended before the end.
fn ended(
    state: &mut State,
    now: u64,
    id: String,
    bytes: u64,
    error: String,
    keep: bool,
    fx: &mut Vec<Effect>,
) {
    let Some(t) = state.files.transfers.get_mut(&id) else {
        return;
    };
    if !matches!(t.state, TransferState::Active | TransferState::Opening) {
        return;
    }
    t.updated = now;
    let (peer_id, login, name) = (t.peer_id, t.login.clone(), t.name.clone());
    if keep {
        t.bytes = bytes.min(t.size);
        t.state = TransferState::Interrupted;
        let size = t.size;
        state.log(
            now,
            ActivityKind::Notice,
            format!("{name} ({login}) interrupted at {} of {}: {error}; it resumes when {login} reconnects", human_bytes(bytes), human_bytes(size)),
        );
        return;
    }
    t.state = TransferState::Failed(error.clone());
    let part = (t.direction == Direction::Incoming)
        .then(|| t.path.take())
        .flatten();
    if let Some(part) = part {
        fx.push(Effect::File(FileEffect::Discard { part }));
    }
    if is_open(state, peer_id) {
        send(
            fx,
            peer_id,
            Frame::FileCancel {
                id,
                reason: error.clone(),
            },
        );
    }
    let host = state.host.login.clone();
    state.log(
        now,
        ActivityKind::Error,
        format!("{name} ({login}) failed: {error}"),
    );
    transcribe(
        state,
        now,
        peer_id,
        &host,
        format!("file failed: {name}: {error}"),
        fx,
    );
}
