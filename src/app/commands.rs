//! The maintainer's commands (`list`, `reply`, `kick`, `ban`, `accept`, `decline`,
//! `quit`, …) as state changes. Called only from `update`.

use crate::rtc::protocol::Frame;

use super::conversations::{close_conversation, push_line};
use super::requests::start_request;

use super::effect::{Effect, WritePurpose};
use super::event::Command;
use super::state::*;
use super::text;

pub(super) fn user_command(state: &mut State, now: u64, command: Command, fx: &mut Vec<Effect>) {
    match command {
        Command::Help => state.log(now, ActivityKind::Info, crate::ui::commands::HELP),
        Command::List => {
            let listing = list_text(state, now);
            state.log(now, ActivityKind::Info, listing);
        }
        Command::Reply { user, text } => reply(state, now, &user, text, fx),
        Command::Kick { user } => {
            if !kick(
                state,
                now,
                &user,
                "you were disconnected by the maintainer",
                fx,
            ) {
                state.log(
                    now,
                    ActivityKind::Error,
                    format!("no open conversation with {user}; `list` shows who is connected"),
                );
            }
        }
        Command::Ban { user } => {
            let login = user.trim_start_matches('@').to_ascii_lowercase();
            state.banned_logins.insert(login.clone());
            let ids: Vec<u64> = state
                .requests
                .values()
                .filter(|r| r.issue.user.login.eq_ignore_ascii_case(&login))
                .map(|r| r.issue.user.id)
                .collect();
            state.banned_ids.extend(ids);
            kick(
                state,
                now,
                &login,
                "you were disconnected by the maintainer",
                fx,
            );
            // Pending offers to this user are withdrawn.
            for req in state.requests.values_mut() {
                if req.issue.user.login.eq_ignore_ascii_case(&login) && req.stage.is_active() {
                    let had_peer = req.stage != RequestStage::Pending;
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
            }
            state.log(
                now,
                ActivityKind::Notice,
                format!("banned {login} for this run"),
            );
        }
        Command::Quit => {
            state.quitting = true;
            let connected: Vec<u64> = state
                .requests
                .values()
                .filter(|r| r.stage == RequestStage::Connected)
                .map(|r| r.issue.number)
                .collect();
            for issue in connected {
                super::policy::on_chat_ended(state, now, issue, true, fx);
            }
            for req in state.requests.values_mut() {
                if matches!(req.stage, RequestStage::WaitingForAnswer) {
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
                if req.stage == RequestStage::Pending {
                    req.stage = RequestStage::Ended; // no peer was created
                } else if req.stage.is_active() {
                    req.stage = RequestStage::Ended;
                    fx.push(Effect::ClosePeer {
                        peer_id: req.peer_id,
                        reason: "the maintainer went offline".into(),
                    });
                }
            }
            state.log(
                now,
                ActivityKind::Notice,
                "closing conversations and quitting",
            );
            fx.push(Effect::Quit);
        }
        Command::Accept { issue } => accept(state, now, issue, fx),
        Command::Decline { issue } => decline(state, now, issue, fx),
        Command::SetAcceptMode { manual } => {
            state.manual_accept = manual;
            if manual {
                state.log(
                    now,
                    ActivityKind::Notice,
                    "new chat requests now wait for `accept <issue>`",
                );
            } else {
                state.log(
                    now,
                    ActivityKind::Notice,
                    "chat requests are now accepted automatically",
                );
                let pending: Vec<u64> = state
                    .requests
                    .values()
                    .filter(|r| r.stage == RequestStage::Pending)
                    .map(|r| r.issue.number)
                    .collect();
                for issue in pending {
                    accept(state, now, issue, fx);
                }
            }
        }
        Command::MarkRead { peer_id } => {
            if let Some(conv) = state.conversations.get_mut(&peer_id) {
                conv.unread = 0;
            }
        }
    }
}

/// `accept <issue>`: a pending request gets its offer; an expired or ended one a fresh one.
pub(super) fn accept(state: &mut State, now: u64, issue: u64, fx: &mut Vec<Effect>) {
    let Some(req) = state.requests.get_mut(&issue) else {
        state.log(
            now,
            ActivityKind::Error,
            format!("no chat request on #{issue}; `list` shows the requests"),
        );
        return;
    };
    match req.stage {
        RequestStage::Pending => {
            req.stage = RequestStage::Preparing;
            let (peer_id, login) = (req.peer_id, req.issue.user.login.clone());
            state.log(
                now,
                ActivityKind::Notice,
                format!("accepted request #{issue} from {login}: preparing link"),
            );
            fx.push(Effect::CreateOffer { peer_id, issue });
        }
        RequestStage::Expired | RequestStage::Ended => {
            let again = req.issue.clone();
            state.requests.remove(&issue);
            start_request(state, now, again, fx);
            if state
                .requests
                .get(&issue)
                .is_some_and(|r| r.stage == RequestStage::Pending)
            {
                accept(state, now, issue, fx);
            }
        }
        ref other => {
            let label = other.label();
            state.log(
                now,
                ActivityKind::Error,
                format!("request #{issue} is {label}: nothing to accept"),
            );
        }
    }
}

/// `decline <issue>`: refuse a request that is not connected yet, politely, taking any
/// posted link down.
pub(super) fn decline(state: &mut State, now: u64, issue: u64, fx: &mut Vec<Effect>) {
    let Some(req) = state.requests.get_mut(&issue) else {
        state.log(
            now,
            ActivityKind::Error,
            format!("no chat request on #{issue}; `list` shows the requests"),
        );
        return;
    };
    let stage = req.stage;
    if !matches!(
        stage,
        RequestStage::Pending
            | RequestStage::Preparing
            | RequestStage::Posting
            | RequestStage::WaitingForAnswer
    ) {
        let hint = if matches!(stage, RequestStage::Connecting | RequestStage::Connected) {
            "; `kick` ends a conversation"
        } else {
            ""
        };
        state.log(
            now,
            ActivityKind::Error,
            format!(
                "request #{issue} is {}: nothing to decline{hint}",
                stage.label()
            ),
        );
        return;
    }
    req.stage = RequestStage::Declined;
    req.link = None;
    let login = req.issue.user.login.clone();
    if stage != RequestStage::Pending {
        fx.push(Effect::ClosePeer {
            peer_id: req.peer_id,
            reason: "declined".into(),
        });
    }
    match req.offer_comment_id {
        // The link is replaced by the decline, keeping the marker that makes it ours.
        Some(id) => {
            let body = format!(
                "{}\n\n{}",
                text::decline_body(&login),
                text::offer_marker(&req.sid)
            );
            fx.push(Effect::EditComment {
                comment_id: id,
                body,
                purpose: WritePurpose::Edit { issue },
            });
        }
        None => fx.push(Effect::PostComment {
            issue,
            body: text::decline_body(&login),
            purpose: WritePurpose::Decline { issue },
        }),
    }
    state.log(
        now,
        ActivityKind::Notice,
        format!("declined request #{issue} from {login}"),
    );
}

pub(super) fn reply(state: &mut State, now: u64, user: &str, text: String, fx: &mut Vec<Effect>) {
    let target = state
        .conversation_with(user)
        .filter(|c| c.state == PeerState::Open)
        .map(|c| c.peer_id);
    let Some(peer_id) = target else {
        state.log(
            now,
            ActivityKind::Error,
            format!("no open conversation with {user}; `list` shows who is connected"),
        );
        return;
    };
    if text.chars().count() > crate::rtc::protocol::MAX_CHAT_CHARS {
        state.log(
            now,
            ActivityKind::Error,
            "message too long: the limit is 4096 characters",
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
    fx.push(Effect::Send {
        peer_id,
        frame: Frame::Chat {
            id,
            text,
            from: Some(state.host.login.clone()),
            ts: now * 1000,
        },
    });
}

pub(super) fn kick(
    state: &mut State,
    now: u64,
    user: &str,
    notice: &str,
    fx: &mut Vec<Effect>,
) -> bool {
    let Some(peer_id) = state.conversation_with(user).map(|c| c.peer_id) else {
        return false;
    };
    fx.push(Effect::Send {
        peer_id,
        frame: Frame::Notice {
            text: notice.to_string(),
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

/// The text `list` prints: conversations, then pending requests.
pub fn list_text(state: &State, now: u64) -> String {
    let mut out = Vec::new();
    let open: Vec<_> = state
        .conversations
        .values()
        .filter(|c| c.state != PeerState::Closed)
        .collect();
    if open.is_empty() {
        out.push("no conversations".to_string());
    }
    for c in open {
        let st = if c.state == PeerState::Open {
            "open"
        } else {
            "connecting"
        };
        out.push(format!("{} (#{}) {st}", c.guest, c.issue));
    }
    for r in state.requests.values().filter(|r| {
        matches!(
            r.stage,
            RequestStage::Pending
                | RequestStage::Preparing
                | RequestStage::Posting
                | RequestStage::WaitingForAnswer
        )
    }) {
        let age = now.saturating_sub(r.since);
        out.push(format!(
            "request #{} from {}: {} ({age} s)",
            r.issue.number,
            r.issue.user.login,
            r.stage.label()
        ));
    }
    out.join("\n")
}
