//! The maintainer's commands on conversations: `reply`, `kick`, `ban`, addressed either
//! by login (typed in a console: the newest open conversation with that login) or by
//! [`PeerId`] (the TUI's shown or selected conversation, which may be an older one with
//! the same login). Called only from `commands`.

use crate::rtc::protocol::{Frame, MAX_CHAT_CHARS};

use super::conversations::{close_conversation, push_line, transcribe};
use super::effect::{Effect, WritePurpose};
use super::state::*;
use super::text;

/// What a kicked guest is told.
const KICKED: &str = "you were disconnected by the maintainer";

/// `reply <user> <msg>`: to the newest open conversation with that login.
pub(super) fn reply(state: &mut State, now: u64, user: &str, text: String, fx: &mut Vec<Effect>) {
    let target = state
        .conversation_with(user)
        .filter(|c| c.state == PeerState::Open)
        .map(|c| c.peer_id);
    match target {
        Some(peer_id) => reply_to(state, now, peer_id, text, fx),
        None => state.log(
            now,
            ActivityKind::Error,
            format!("no open conversation with {user}; `list` shows who is connected"),
        ),
    }
}

/// A message to this conversation: shown, transcribed, then sent.
pub(super) fn reply_to(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    text: String,
    fx: &mut Vec<Effect>,
) {
    let Some(conv) = state.conversations.get(&peer_id) else {
        state.log(
            now,
            ActivityKind::Error,
            "that conversation is gone; `list` shows who is connected",
        );
        return;
    };
    if conv.state != PeerState::Open {
        let guest = conv.guest.clone();
        let why = if conv.state == PeerState::Closed {
            "has ended"
        } else {
            "is still connecting"
        };
        state.log(
            now,
            ActivityKind::Error,
            format!(
                "the conversation with {guest} (#{}) {why}: message not sent",
                conv.issue
            ),
        );
        return;
    }
    if text.chars().count() > MAX_CHAT_CHARS {
        state.log(
            now,
            ActivityKind::Error,
            format!("message too long: the limit is {MAX_CHAT_CHARS} characters"),
        );
        return;
    }
    let id = format!("h{}", state.next_message_id);
    state.next_message_id += 1;
    push_line(
        state,
        peer_id,
        Line {
            at: now,
            kind: LineKind::Host {
                id: id.clone(),
                delivered: false,
            },
            text: text.clone(),
        },
    );
    let host = state.host.login.clone();
    transcribe(state, now, peer_id, &host, &text, fx);
    super::reach::sent(state, now, peer_id, &id);
    fx.push(Effect::Send {
        peer_id,
        frame: Frame::Chat {
            id,
            text,
            from: Some(host),
            ts: now.saturating_mul(1000),
            room: None,
        },
    });
}

/// `kick <user>`: the newest open conversation with that login; `false` if none.
pub(super) fn kick(state: &mut State, now: u64, user: &str, fx: &mut Vec<Effect>) -> bool {
    match state.conversation_with(user).map(|c| c.peer_id) {
        Some(peer_id) => kick_peer(state, now, peer_id, fx),
        None => false,
    }
}

/// Closes this conversation (telling the guest why); `false` if it is not open or
/// connecting.
pub(super) fn kick_peer(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    fx: &mut Vec<Effect>,
) -> bool {
    if state
        .conversations
        .get(&peer_id)
        .is_none_or(|c| c.state == PeerState::Closed)
    {
        return false;
    }
    // Every room hears of it, the kicked guest too (before its channel closes).
    for name in super::rooms::rooms_of(state, peer_id) {
        super::rooms::remove_peer(state, now, &name, peer_id, "kicked", true, fx);
    }
    fx.push(Effect::Send {
        peer_id,
        frame: Frame::Notice {
            text: KICKED.to_string(),
        },
    });
    fx.push(Effect::ClosePeer {
        peer_id,
        reason: "kicked".into(),
    });
    if let Some(req) = state.requests.values_mut().find(|r| r.peer_id == peer_id) {
        req.stage = RequestStage::Ended;
    }
    let was_open = state
        .conversations
        .get(&peer_id)
        .is_some_and(|c| c.state == PeerState::Open);
    if let Some((guest, issue)) = close_conversation(state, now, peer_id) {
        state.log(
            now,
            ActivityKind::Notice,
            format!("kicked {guest} (#{issue})"),
        );
        super::policy::on_chat_ended(state, now, issue, was_open, fx);
    }
    true
}

/// Bans a login (and the account ids known for it, plus `id` if given) for this run:
/// every conversation with them is closed and every request they hold withdrawn.
pub(super) fn ban(state: &mut State, now: u64, user: &str, id: Option<u64>, fx: &mut Vec<Effect>) {
    let login = user.trim_start_matches('@').to_ascii_lowercase();
    state.banned_logins.insert(login.clone());
    let ids: Vec<u64> = state
        .requests
        .values()
        .filter(|r| r.issue.user.login.eq_ignore_ascii_case(&login))
        .map(|r| r.issue.user.id)
        .chain(id)
        .collect();
    state.banned_ids.extend(ids);
    let theirs: Vec<PeerId> = state
        .conversations
        .values()
        .filter(|c| c.state != PeerState::Closed && state.is_banned(&c.guest, c.guest_id))
        .map(|c| c.peer_id)
        .collect();
    for peer_id in theirs {
        kick_peer(state, now, peer_id, fx);
    }
    // Requests of theirs not connected yet are withdrawn.
    let (banned_logins, banned_ids) = (&state.banned_logins, &state.banned_ids);
    for req in state.requests.values_mut() {
        let user = &req.issue.user;
        let banned = banned_ids.contains(&user.id)
            || banned_logins.contains(&user.login.to_ascii_lowercase());
        if !banned || !req.stage.is_active() {
            continue;
        }
        let had_peer = super::limits::holds_peer(req.stage);
        req.stage = RequestStage::Ended;
        req.link = None;
        if had_peer {
            fx.push(Effect::ClosePeer {
                peer_id: req.peer_id,
                reason: "banned".into(),
            });
        }
        if let Some(id) = req.offer_comment_id {
            let body = text::offer_expired_body(&req.issue.user.login, &req.sid);
            fx.push(Effect::EditComment {
                comment_id: id,
                body,
                purpose: WritePurpose::Edit {
                    issue: req.issue.number,
                },
            });
        }
    }
    state.log(
        now,
        ActivityKind::Notice,
        format!("banned {login} for this run"),
    );
}
