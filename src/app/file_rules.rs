//! The rules of file transfers (PROTOCOL.md "Files"): guests' file frames (offers,
//! accepts, rejects, cancels, done and fail), consent, and what a closing or reconnecting
//! connection means for its transfers. Called only from `conversations`; the runtime's
//! reports are in `file_events.rs`, the maintainer's commands in `file_commands.rs`, the
//! types in `files.rs`.

use crate::rtc::protocol::Frame;

use super::effect::Effect;
use super::files::*;
use super::state::*;

/// Queues a frame for a peer.
pub(super) fn send(fx: &mut Vec<Effect>, peer_id: PeerId, frame: Frame) {
    fx.push(Effect::Send { peer_id, frame });
}

/// A transcript line for a file event, `from` the login whose act it is.
pub(super) fn transcribe(
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
pub(super) fn is_open(state: &State, peer_id: PeerId) -> bool {
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
    if state.files.open() >= MAX_OPEN_TRANSFERS {
        state.log(
            now,
            ActivityKind::Notice,
            format!("refused {name} from {login}: {MAX_OPEN_TRANSFERS} transfers are unfinished already (`files`; `file cancel <id>` gives one up)"),
        );
        return reject(
            fx,
            "the host has too many unfinished transfers; try again later".into(),
        );
    }
    if state.files.open_on(peer_id) >= MAX_OPEN_TRANSFERS_PER_PEER
        || state.files.open_with(login) >= MAX_OPEN_TRANSFERS_PER_LOGIN
    {
        return reject(
            fx,
            format!(
                "at most {MAX_OPEN_TRANSFERS_PER_PEER} transfers at once \
                 ({MAX_OPEN_TRANSFERS_PER_LOGIN} unfinished per user, interrupted ones included)"
            ),
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
pub(super) fn consent(state: &mut State, now: u64, id: &str, fx: &mut Vec<Effect>) {
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

/// An interrupted transfer whose guest has not come back within [`INTERRUPTED_KEPT_SECS`]
/// is given up: an incoming one's `.part` is deleted. Checked on every tick.
pub(super) fn expire_interrupted(state: &mut State, now: u64, fx: &mut Vec<Effect>) {
    let mut notes = Vec::new();
    for t in state.files.transfers.values_mut().filter(|t| {
        t.state == TransferState::Interrupted
            && now.saturating_sub(t.updated) >= INTERRUPTED_KEPT_SECS
    }) {
        t.state = TransferState::Failed(format!(
            "not resumed within {} days",
            INTERRUPTED_KEPT_SECS / 86_400
        ));
        t.updated = now;
        if t.direction == Direction::Incoming {
            if let Some(part) = t.path.take() {
                fx.push(Effect::File(FileEffect::Discard { part }));
            }
        }
        notes.push(format!(
            "gave up {} ({}): not resumed within {} days",
            t.name,
            t.login,
            INTERRUPTED_KEPT_SECS / 86_400
        ));
    }
    for text in notes {
        state.log(now, ActivityKind::Notice, text);
    }
}
