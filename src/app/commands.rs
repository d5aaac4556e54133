//! The maintainer's commands (`list`, `accept`, `decline`, `quit`, …) as state changes;
//! those on conversations (`reply`, `kick`, `ban`) are in `chat_commands`. Called only
//! from `update`.

use super::chat_commands::{ban, kick, kick_peer, reply, reply_to};
use super::requests::{start_request, Origin};

use super::effect::{Effect, WritePurpose};
use super::event::Command;
use super::state::*;
use super::text;

pub(super) fn user_command(state: &mut State, now: u64, command: Command, fx: &mut Vec<Effect>) {
    match command {
        Command::Help => state.log(now, ActivityKind::Info, super::help::HELP),
        Command::List => {
            let listing = list_text(state, now);
            state.log(now, ActivityKind::Info, listing);
        }
        Command::Reply { user, text } => reply(state, now, &user, text, fx),
        Command::ReplyTo { peer_id, text } => reply_to(state, now, peer_id, text, fx),
        Command::Kick { user } => {
            if !kick(state, now, &user, fx) {
                state.log(
                    now,
                    ActivityKind::Error,
                    format!("no open conversation with {user}; `list` shows who is connected"),
                );
            }
        }
        Command::KickPeer { peer_id } => {
            if !kick_peer(state, now, peer_id, fx) {
                state.log(
                    now,
                    ActivityKind::Error,
                    "that conversation is not open any more; `list` shows who is connected",
                );
            }
        }
        Command::Ban { user } => ban(state, now, &user, None, fx),
        Command::BanPeer { peer_id } => match state.conversations.get(&peer_id) {
            Some(c) => {
                let (login, id) = (c.guest.clone(), c.guest_id);
                ban(state, now, &login, Some(id), fx);
            }
            None => state.log(
                now,
                ActivityKind::Error,
                "that conversation is gone; `ban <user>` bans by login",
            ),
        },
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
                if matches!(req.stage, RequestStage::Pending | RequestStage::Queued) {
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
        Command::RoomCreate { name } => super::rooms::create(state, now, &name),
        Command::RoomInvite { name, user } => super::rooms::invite(state, now, &name, &user, fx),
        Command::RoomInvitePeer { name, peer_id } => {
            super::rooms::invite_peer(state, now, &name, peer_id, fx)
        }
        Command::RoomRemove { name, user } => super::rooms::remove(state, now, &name, &user, fx),
        Command::RoomRemovePeer { name, peer_id } => super::rooms::remove_peer(
            state,
            now,
            &name,
            peer_id,
            "removed by the maintainer",
            true,
            fx,
        ),
        Command::RoomClose { name } => super::rooms::close(state, now, &name, fx),
        Command::RoomSay { name, text } => super::rooms::say(state, now, &name, text, fx),
        Command::Rooms => {
            let listing = super::rooms::rooms_text(state);
            state.log(now, ActivityKind::Info, listing);
        }
        Command::FileSend {
            user,
            peer_id,
            path,
        } => super::file_commands::command_send(state, now, peer_id, &user, path, fx),
        Command::Files => super::file_commands::command_list(state, now),
        Command::FileAccept { id } => super::file_commands::command_accept(state, now, &id, fx),
        Command::FileReject { id } => super::file_commands::command_reject(state, now, &id, fx),
        Command::FileCancel { id } => super::file_commands::command_cancel(state, now, &id, fx),
        Command::MarkRoomRead { name } => {
            if let Some(room) = state.rooms.get_mut(&name) {
                room.unread = 0;
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
            let (peer_id, login, user_id) =
                (req.peer_id, req.issue.user.login.clone(), req.issue.user.id);
            if super::limits::peers_in_use(state) >= state.settings.limits.max_peers {
                if let Some(req) = state.requests.get_mut(&issue) {
                    req.stage = RequestStage::Queued;
                }
                state.log(now, ActivityKind::Notice, format!("accepted request #{issue} from {login}: queued, every peer is busy (limits.max_peers)"));
                return;
            }
            if let Some(req) = state.requests.get_mut(&issue) {
                req.stage = RequestStage::Preparing;
            }
            state.limits_memory.last_offer.insert(user_id, now);
            state.log(
                now,
                ActivityKind::Notice,
                format!("accepted request #{issue} from {login}: preparing link"),
            );
            if let Some(req) = state.requests.get(&issue) {
                fx.push(super::flow_b::create_peer(req));
            }
            let _ = peer_id;
        }
        RequestStage::Expired | RequestStage::Ended | RequestStage::OverLimit => {
            // The maintainer's choice: no per-user limit or cooldown (but `max_peers`).
            let again = req.issue.clone();
            start_request(state, now, again, Origin::Maintainer, fx);
        }
        _ => {
            let label = req.stage_label();
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
            | RequestStage::Queued
            | RequestStage::Preparing
            | RequestStage::Posting
            | RequestStage::WaitingForAnswer
    ) {
        let label = req.stage_label();
        let hint = if matches!(stage, RequestStage::Connecting | RequestStage::Connected) {
            "; `kick` ends a conversation"
        } else {
            ""
        };
        state.log(
            now,
            ActivityKind::Error,
            format!("request #{issue} is {label}: nothing to decline{hint}"),
        );
        return;
    }
    req.stage = RequestStage::Declined;
    req.link = None;
    let login = req.issue.user.login.clone();
    if super::limits::holds_peer(stage) {
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
                | RequestStage::Queued
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
            r.stage_label()
        ));
    }
    out.join("\n")
}
