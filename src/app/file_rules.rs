//! The rules of file transfers (PROTOCOL.md "Files"): guests' file frames, the runtime's
//! [`FileEvent`]s, the maintainer's `file …` commands, and what a closing or reconnecting
//! connection means for its transfers. Called only from `update`, `conversations` and
//! `commands`; the types are in `files.rs`.

use crate::rtc::protocol::Frame;

use super::effect::Effect;
use super::files::*;
use super::state::*;

/// Queues a frame for a peer.
fn send(fx: &mut Vec<Effect>, peer_id: PeerId, frame: Frame) {
    fx.push(Effect::Send { peer_id, frame });
}

/// A transcript line for a file event, `from` the login whose act it is.
fn transcribe(
    state: &State,
    now: u64,
    peer_id: PeerId,
    from: &str,
    text: String,
    fx: &mut Vec<Effect>,
) {
    super::conversations::transcribe(state, now, peer_id, from, &text, fx);
}

/// Whether the conversation is open.
fn is_open(state: &State, peer_id: PeerId) -> bool {
    state
        .conversations
        .get(&peer_id)
        .is_some_and(|c| c.state == PeerState::Open)
}

/// A guest's `hello`: remembers whether it speaks `files`, and resumes what an earlier
/// connection of the same login left unfinished: outgoing transfers are offered again with
/// the same id (the guest answers with the offset it holds); incoming ones wait for the
/// guest to offer them again. Transfers still marked as running on an older connection of
/// the same login are taken over: that connection is dead or about to be.
pub(super) fn guest_hello(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    features: &[String],
    fx: &mut Vec<Effect>,
) {
    if !features.iter().any(|f| f == FEATURE) {
        return;
    }
    state.files.guests_with_files.insert(peer_id);
    let Some(login) = state.conversations.get(&peer_id).map(|c| c.guest.clone()) else {
        return;
    };
    let mut resumed = Vec::new();
    for t in state.files.transfers.values_mut() {
        if t.peer_id == peer_id || !t.login.eq_ignore_ascii_case(&login) || t.state.is_finished() {
            continue;
        }
        if matches!(
            t.state,
            TransferState::Active | TransferState::Opening | TransferState::Verifying
        ) {
            fx.push(Effect::File(FileEffect::Stop {
                peer_id: t.peer_id,
                id: t.id.clone(),
            }));
            if t.direction == Direction::Outgoing || t.state != TransferState::Verifying {
                t.state = TransferState::Interrupted;
            }
        }
        if matches!(t.state, TransferState::Interrupted | TransferState::Offered) {
            t.peer_id = peer_id;
            t.updated = now;
            if t.direction == Direction::Outgoing {
                t.state = TransferState::Offered;
                send(
                    fx,
                    peer_id,
                    Frame::FileOffer {
                        id: t.id.clone(),
                        name: t.name.clone(),
                        size: t.size,
                        sha256: t.sha256.clone(),
                        mime: None,
                    },
                );
                resumed.push(format!("offered {} to {login} again to resume it", t.name));
            }
        }
    }
    for text in resumed {
        state.log(now, ActivityKind::Notice, text);
    }
}

/// A file frame from a guest.
pub(super) fn frame(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    frame: Frame,
    fx: &mut Vec<Effect>,
) {
    let Some(login) = state.conversations.get(&peer_id).map(|c| c.guest.clone()) else {
        return;
    };
    match frame {
        Frame::FileOffer {
            id,
            name,
            size,
            sha256,
            ..
        } => offer(state, now, peer_id, &login, id, name, size, sha256, fx),
        Frame::FileAccept { id, offset } => {
            let Some(t) = outgoing_on(state, peer_id, &id) else {
                return refuse_unknown(state, now, &login, "file.accept", fx);
            };
            if t.state != TransferState::Offered {
                return;
            }
            if offset > t.size {
                let reason = format!("offset {offset} is beyond the file's {} bytes", t.size);
                t.state = TransferState::Failed(reason.clone());
                t.updated = now;
                send(
                    fx,
                    peer_id,
                    Frame::FileCancel {
                        id,
                        reason: reason.clone(),
                    },
                );
                state.log(
                    now,
                    ActivityKind::Notice,
                    format!("{login} asked for a file from a bad offset: {reason}"),
                );
                return;
            }
            t.state = TransferState::Active;
            t.bytes = offset;
            t.flow_since = Some((now, offset));
            t.updated = now;
            let (name, path, size) = (t.name.clone(), t.path.clone().unwrap_or_default(), t.size);
            fx.push(Effect::File(FileEffect::Send {
                peer_id,
                id,
                path,
                offset,
                size,
            }));
            let from = if offset > 0 {
                format!(" from byte {offset}")
            } else {
                String::new()
            };
            state.log(
                now,
                ActivityKind::Notice,
                format!("{login} accepted {name}; sending{from}"),
            );
            transcribe(
                state,
                now,
                peer_id,
                &login,
                format!("file accepted: {name}{from}"),
                fx,
            );
        }
        Frame::FileReject { id, reason } => {
            let Some(t) = outgoing_on(state, peer_id, &id) else {
                return refuse_unknown(state, now, &login, "file.reject", fx);
            };
            if t.state != TransferState::Offered {
                return;
            }
            let reason = if reason.is_empty() {
                "declined".to_string()
            } else {
                reason
            };
            t.state = TransferState::Rejected(reason.clone());
            t.updated = now;
            let name = t.name.clone();
            state.log(
                now,
                ActivityKind::Notice,
                format!("{login} declined {name}: {reason}"),
            );
            transcribe(
                state,
                now,
                peer_id,
                &login,
                format!("file rejected: {name}: {reason}"),
                fx,
            );
        }
        Frame::FileCancel { id, reason } => {
            let reason = if reason.is_empty() {
                "cancelled".to_string()
            } else {
                reason
            };
            let Some(t) = state
                .files
                .transfers
                .get_mut(&id)
                .filter(|t| t.peer_id == peer_id && !t.state.is_finished())
            else {
                return;
            };
            t.state = TransferState::Cancelled(format!("by {login}: {reason}"));
            t.updated = now;
            let name = t.name.clone();
            let part = (t.direction == Direction::Incoming)
                .then(|| t.path.clone())
                .flatten();
            fx.push(Effect::File(FileEffect::Stop { peer_id, id }));
            if let Some(part) = part {
                fx.push(Effect::File(FileEffect::Discard { part }));
            }
            state.log(
                now,
                ActivityKind::Notice,
                format!("{login} cancelled {name}: {reason}"),
            );
            transcribe(
                state,
                now,
                peer_id,
                &login,
                format!("file cancelled: {name}: {reason}"),
                fx,
            );
        }
        Frame::FileDone { id, sha256 } => {
            let Some(t) = outgoing_on(state, peer_id, &id) else {
                return refuse_unknown(state, now, &login, "file.done", fx);
            };
            if !matches!(t.state, TransferState::Active | TransferState::Verifying) {
                return;
            }
            t.updated = now;
            let name = t.name.clone();
            if sha256 != t.sha256 {
                t.state = TransferState::Failed("the guest reported a different SHA-256".into());
                state.log(
                    now,
                    ActivityKind::Error,
                    format!("{login} received {name} with a different SHA-256 ({sha256})"),
                );
                return;
            }
            t.state = TransferState::Done;
            t.bytes = t.size;
            state.log(
                now,
                ActivityKind::Notice,
                format!("{login} received {name}; SHA-256 {sha256} matched"),
            );
            transcribe(
                state,
                now,
                peer_id,
                &login,
                format!("file done: {name} sha256 {sha256}"),
                fx,
            );
        }
        Frame::FileFail { id, reason } => {
            let Some(t) = outgoing_on(state, peer_id, &id) else {
                return refuse_unknown(state, now, &login, "file.fail", fx);
            };
            if t.state.is_finished() {
                return;
            }
            let reason = if reason.is_empty() {
                "the hash did not match".to_string()
            } else {
                reason
            };
            t.state = TransferState::Failed(format!("the guest's copy failed: {reason}"));
            t.updated = now;
            let name = t.name.clone();
            fx.push(Effect::File(FileEffect::Stop { peer_id, id }));
            state.log(
                now,
                ActivityKind::Error,
                format!("sending {name} to {login} failed: {reason}"),
            );
            transcribe(
                state,
                now,
                peer_id,
                &login,
                format!("file failed: {name}: {reason}"),
                fx,
            );
        }
        _ => {}
    }
}

/// An outgoing transfer on this peer.
fn outgoing_on<'a>(state: &'a mut State, peer_id: PeerId, id: &str) -> Option<&'a mut Transfer> {
    state
        .files
        .transfers
        .get_mut(id)
        .filter(|t| t.peer_id == peer_id && t.direction == Direction::Outgoing)
}

/// A file frame about a transfer this peer does not have: noted, nothing else.
fn refuse_unknown(state: &mut State, now: u64, login: &str, t: &str, _fx: &mut Vec<Effect>) {
    tracing::debug!(login, t, "a file frame for an unknown transfer");
    let _ = (state, now);
}

/// A guest offers a file.
#[allow(clippy::too_many_arguments)]
fn offer(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    login: &str,
    id: String,
    offered: String,
    size: u64,
    sha256: String,
    fx: &mut Vec<Effect>,
) {
    let reject = |fx: &mut Vec<Effect>, reason: String| {
        send(
            fx,
            peer_id,
            Frame::FileReject {
                id: id.clone(),
                reason,
            },
        );
    };
    // A resume: the same guest offers an interrupted transfer again.
    if let Some(t) = state.files.transfers.get_mut(&id) {
        let same = t.direction == Direction::Incoming
            && t.login.eq_ignore_ascii_case(login)
            && t.size == size
            && t.sha256 == sha256;
        if same && t.state == TransferState::Interrupted {
            t.peer_id = peer_id;
            t.state = TransferState::Opening;
            t.updated = now;
            let name = t.name.clone();
            fx.push(Effect::File(FileEffect::Receive {
                peer_id,
                id: id.clone(),
                login: login.to_string(),
                name: name.clone(),
                size,
                part: t.path.clone(),
            }));
            state.log(now, ActivityKind::Notice, format!("{login} resumes {name}"));
            return;
        }
        return reject(fx, "a transfer with this id exists already".into());
    }
    let name = match safe_file_name(&offered) {
        Ok(name) => name,
        Err(why) => {
            state.log(
                now,
                ActivityKind::Notice,
                format!("refused a file from {login}: {why}"),
            );
            return reject(fx, format!("unsafe file name: {why}"));
        }
    };
    let max = state.settings.files.max_size;
    if size > max {
        state.log(
            now,
            ActivityKind::Notice,
            format!(
                "refused {name} from {login}: {} is over the limit of {}",
                human_bytes(size),
                human_bytes(max)
            ),
        );
        return reject(
            fx,
            format!("the file is larger than the host's limit of {max} bytes"),
        );
    }
    if state.files.open_on(peer_id) >= MAX_OPEN_TRANSFERS_PER_PEER {
        return reject(
            fx,
            format!("at most {MAX_OPEN_TRANSFERS_PER_PEER} transfers at once"),
        );
    }
    let accept = state.settings.files.accept;
    if accept == AcceptFiles::Never || !state.settings.files.can_receive {
        state.log(
            now,
            ActivityKind::Notice,
            format!("refused {name} from {login}: this host does not accept files"),
        );
        return reject(fx, "the maintainer does not accept files".into());
    }
    let t = Transfer {
        id: id.clone(),
        direction: Direction::Incoming,
        login: login.to_string(),
        peer_id,
        name: name.clone(),
        size,
        sha256: sha256.clone(),
        path: None,
        bytes: 0,
        flow_since: None,
        state: TransferState::AwaitingConsent,
        since: now,
        updated: now,
    };
    state.files.transfers.insert(id.clone(), t);
    transcribe(
        state,
        now,
        peer_id,
        login,
        format!("file offered: {name} ({size} bytes, sha256 {sha256})"),
        fx,
    );
    if accept == AcceptFiles::Auto {
        state.log(
            now,
            ActivityKind::Notice,
            format!(
                "{login} sends {name} ({}); accepted (accept_files = auto)",
                human_bytes(size)
            ),
        );
        consent(state, now, &id, fx);
    } else {
        state.log(
            now,
            ActivityKind::Notice,
            format!(
                "{login} offers {name} ({}): type `file accept {id}` or `file reject {id}`",
                human_bytes(size)
            ),
        );
    }
}

/// The maintainer (or `accept_files = "auto"`) said yes to an incoming offer.
fn consent(state: &mut State, now: u64, id: &str, fx: &mut Vec<Effect>) {
    let host = state.host.login.clone();
    let Some(t) = state.files.transfers.get_mut(id) else {
        return;
    };
    t.state = TransferState::Opening;
    t.updated = now;
    let (peer_id, name) = (t.peer_id, t.name.clone());
    fx.push(Effect::File(FileEffect::Receive {
        peer_id,
        id: id.to_string(),
        login: t.login.clone(),
        name: name.clone(),
        size: t.size,
        part: None,
    }));
    transcribe(
        state,
        now,
        peer_id,
        &host,
        format!("file accepted: {name}"),
        fx,
    );
}

/// A report of the runtime's.
pub(super) fn event(state: &mut State, now: u64, ev: FileEvent, fx: &mut Vec<Effect>) {
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

/// A connection closed: what ran on it is interrupted (kept for a resume), what waited
/// for the maintainer's consent is dropped.
pub(super) fn peer_closed(state: &mut State, now: u64, peer_id: PeerId) {
    state.files.guests_with_files.remove(&peer_id);
    let mut notes = Vec::new();
    for t in state
        .files
        .transfers
        .values_mut()
        .filter(|t| t.peer_id == peer_id)
    {
        let moving = matches!(t.state, TransferState::Active | TransferState::Opening)
            || (t.state == TransferState::Verifying && t.direction == Direction::Outgoing);
        if moving {
            notes.push(format!(
                "{} ({}) interrupted at {} of {}: the connection closed; the partial file is kept and it resumes when {} reconnects",
                t.name,
                t.login,
                human_bytes(t.bytes),
                human_bytes(t.size),
                t.login
            ));
        }
        if moving || t.state == TransferState::Offered {
            t.state = TransferState::Interrupted;
            t.updated = now;
        } else if t.state == TransferState::AwaitingConsent {
            t.state = TransferState::Cancelled("the guest left before you answered".into());
            t.updated = now;
        }
    }
    for text in notes {
        state.log(now, ActivityKind::Notice, text);
    }
    state.files.prune();
}

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
