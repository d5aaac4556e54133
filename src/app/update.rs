//! `update`: the one place where the host's state changes (ARCHITECTURE.md "The picture", PROTOCOL.md "Flow A, step by step", "Roles and trust at a glance").
//! It dispatches each event to the rules in `requests` (issues, links, answers, expiry),
//! `conversations` (peers and frames), `commands` (what the maintainer types) and
//! `health` (the runtime's own reports); each `Tick` also prunes memory (`memory`). After
//! any event that can free a peer, queued requests are served (`limits`); after every event,
//! a changed set of unfinished file transfers is kept for the next run (`file_memory`).

use crate::forge::ForgeEvent;

use super::commands::*;
use super::conversations::*;
use super::effect::Effect;
use super::event::Event;
use super::requests::*;
use super::state::*;

/// Applies one event at time `now` (unix seconds) and returns what must be done.
pub fn update(state: &mut State, now: u64, event: Event) -> Vec<Effect> {
    let mut fx = Vec::new();
    // Frames and forge status never free a peer: no need to look at the queue for them.
    let may_free_peer = !matches!(
        event,
        Event::PeerFrame { .. } | Event::PeerDropped { .. } | Event::Forge(_) | Event::File(_)
    );
    match event {
        Event::Tick => {
            expire_offers(state, now, &mut fx);
            super::flow_b::tick(state, now);
            super::reach::resend_unacked(state, now, &mut fx);
            super::memory::prune(state, now);
            super::file_rules::expire_interrupted(state, now, &mut fx);
            super::health::expire(state, now);
        }
        Event::Forge(ForgeEvent::IssueSeen(issue)) => issue_seen(state, now, issue, &mut fx),
        Event::Forge(ForgeEvent::CommentSeen(comment)) => {
            comment_seen(state, now, comment, &mut fx)
        }
        Event::Forge(ForgeEvent::PollOk) => {
            super::health::task_recovered(state, now, super::health::TASK_POLLER);
            if state.last_poll_error.take().is_some() {
                state.log(now, ActivityKind::Notice, "forge reachable again");
            }
            state.last_poll_ok = Some(now);
        }
        Event::Forge(ForgeEvent::PollFailed { error, transient }) => {
            let kind = if transient {
                ActivityKind::Notice
            } else {
                ActivityKind::Error
            };
            if state.last_poll_error.as_deref() != Some(error.as_str()) {
                state.log(now, kind, format!("polling the forge failed: {error}"));
            }
            state.last_poll_error = Some(error);
        }
        Event::Forge(ForgeEvent::Status(status)) => super::policy::forge_status(state, status),
        Event::OfferReady {
            peer_id,
            issue,
            sid,
            token,
            expires_at,
        } => offer_ready(state, now, peer_id, issue, sid, token, expires_at, &mut fx),
        Event::AnswerReady {
            peer_id,
            issue,
            token,
        } => super::flow_b::answer_ready(state, now, peer_id, issue, token, &mut fx),
        Event::PresenceIssue { number } => {
            if state.flow_b.presence.insert(number) {
                let notice = super::presence::found_notice(number);
                state.log(now, ActivityKind::Notice, notice);
            }
        }
        Event::OfferFailed {
            peer_id,
            issue,
            error,
        } => {
            if let Some(req) = state
                .requests
                .get_mut(&issue)
                .filter(|r| r.peer_id == peer_id)
            {
                req.stage = RequestStage::Ended;
                state.log(
                    now,
                    ActivityKind::Error,
                    format!("could not create an offer for #{issue}: {error}"),
                );
            }
        }
        Event::Written {
            purpose,
            comment_id,
        } => {
            super::health::task_recovered(state, now, super::health::TASK_WRITER);
            written(state, now, purpose, comment_id, &mut fx)
        }
        Event::WriteFailed { purpose, error } => write_failed(state, now, purpose, error, &mut fx),
        Event::PeerOpen { peer_id } => {
            super::flow_b::before_open(state, peer_id);
            peer_open(state, now, peer_id, &mut fx)
        }
        Event::PeerPath { peer_id, path } => {
            // The path comes just before `PeerOpen`; a flow-B conversation starts here then.
            super::flow_b::before_open(state, peer_id);
            if let Some(conv) = state.conversations.get_mut(&peer_id) {
                conv.reach.path = Some(path);
            }
        }
        Event::PeerFrame { peer_id, frame } => peer_frame(state, now, peer_id, frame, &mut fx),
        Event::PeerDropped {
            peer_id,
            reason,
            total,
        } => {
            if let Some(conv) = state.conversations.get_mut(&peer_id) {
                conv.dropped = total;
                let guest = conv.guest.clone();
                // Report the first drop and then every hundredth, not each one.
                if total == 1 || total % 100 == 0 {
                    state.log(
                        now,
                        ActivityKind::Notice,
                        format!("dropped {total} bad frame(s) from {guest}: {reason}"),
                    );
                }
            }
        }
        Event::PeerClosed { peer_id, reason } => peer_closed(state, now, peer_id, &reason, &mut fx),
        Event::AnswerFailed { peer_id, error } => {
            if let Some(req) = state.requests.values_mut().find(|r| r.peer_id == peer_id) {
                req.stage = RequestStage::Ended;
                let who = req.issue.user.login.clone();
                let issue = req.issue.number;
                close_conversation(state, now, peer_id);
                state.log(
                    now,
                    ActivityKind::Notice,
                    format!("refused answer from {who} on #{issue}: {error}"),
                );
                fx.push(Effect::ClosePeer {
                    peer_id,
                    reason: "invalid answer".into(),
                });
            }
        }
        Event::User(command) => user_command(state, now, command, &mut fx),
        Event::HostNotice { text, severity } => {
            super::health::host_notice(state, now, text, severity)
        }
        Event::TaskRestarted {
            task,
            error,
            retry_in_secs,
        } => super::health::task_restarted(state, now, task, error, retry_in_secs),
        Event::TaskRecovered { task } => super::health::task_recovered(state, now, &task),
        Event::File(ev) => super::file_events::event(state, now, ev, &mut fx),
    }
    if may_free_peer && !state.quitting {
        super::limits::serve_queue(state, now, &mut fx);
    }
    super::file_memory::remember_if_changed(state, &mut fx);
    fx
}
