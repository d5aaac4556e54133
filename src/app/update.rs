//! `update`: the one place where the host's state changes (DESIGN §2, §3 flow A, §7).

use crate::forge::{Comment, ForgeEvent, Issue};
use crate::rtc::peer::PeerId;
use crate::rtc::protocol::{Frame, FEATURES, PROTOCOL_VERSION};
use crate::signal::link::GuestLink;
use crate::signal::token::{self, TokenKind};

use super::effect::{Effect, WritePurpose};
use super::event::{Command, Event};
use super::state::*;
use super::text;

/// Applies one event at time `now` (unix seconds) and returns what must be done.
pub fn update(state: &mut State, now: u64, event: Event) -> Vec<Effect> {
    let mut fx = Vec::new();
    match event {
        Event::Tick => expire_offers(state, now, &mut fx),
        Event::Forge(ForgeEvent::IssueSeen(issue)) => issue_seen(state, now, issue, &mut fx),
        Event::Forge(ForgeEvent::CommentSeen(comment)) => {
            comment_seen(state, now, comment, &mut fx)
        }
        Event::Forge(ForgeEvent::PollOk) => {
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
        } => written(state, now, purpose, comment_id, &mut fx),
        Event::WriteFailed { purpose, error } => write_failed(state, now, purpose, error, &mut fx),
        Event::PeerOpen { peer_id } => peer_open(state, now, peer_id, &mut fx),
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
        Event::RateLimit(status) => state.rate_limit = Some(status),
    }
    fx
}

/// Which issues become requests is the request policy's call (`policy.rs`).
fn issue_seen(state: &mut State, now: u64, issue: Issue, fx: &mut Vec<Effect>) {
    match super::policy::classify_issue(state, &issue) {
        super::policy::IssueDecision::Ignore => {}
        super::policy::IssueDecision::Update => {
            // Keep the latest title; an issue already handled needs a comment (or a
            // re-open) to ask again.
            if let Some(existing) = state.requests.get_mut(&issue.number) {
                existing.issue.title = issue.title;
            }
        }
        super::policy::IssueDecision::NewRequest { reopened } => {
            if reopened {
                state.log(
                    now,
                    ActivityKind::Notice,
                    format!(
                        "#{} was re-opened by {}: a new chat request",
                        issue.number, issue.user.login
                    ),
                );
            }
            state.requests.remove(&issue.number);
            start_request(state, now, issue, fx);
        }
    }
}

/// Creates a request for `issue` (declined at once for banned users).
fn start_request(state: &mut State, now: u64, issue: Issue, fx: &mut Vec<Effect>) {
    let peer_id = state.next_peer_id;
    state.next_peer_id += 1;
    let number = issue.number;
    let login = issue.user.login.clone();
    let banned = state.is_banned(&login, issue.user.id);
    let stage = if banned {
        RequestStage::Declined
    } else if state.manual_accept {
        RequestStage::Pending
    } else {
        RequestStage::Preparing
    };
    state.requests.insert(
        number,
        Request {
            issue,
            stage,
            peer_id,
            sid: String::new(),
            expires_at: 0,
            offer_comment_id: None,
            answer_comment_id: None,
            since: now,
            link: None,
            offer_fingerprint: None,
        },
    );
    if banned {
        state.log(
            now,
            ActivityKind::Notice,
            format!("declined request #{number} from banned {login}"),
        );
        fx.push(Effect::PostComment {
            issue: number,
            body: text::decline_body(&login),
            purpose: WritePurpose::Decline { issue: number },
        });
    } else if stage == RequestStage::Pending {
        state.log(now, ActivityKind::Notice, format!("chat request #{number} from {login}: waiting for you to `accept {number}` or `decline {number}`"));
    } else {
        state.log(
            now,
            ActivityKind::Notice,
            format!("chat request #{number} from {login}: preparing link"),
        );
        fx.push(Effect::CreateOffer {
            peer_id,
            issue: number,
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn offer_ready(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    issue: u64,
    sid: String,
    token: String,
    expires_at: u64,
    fx: &mut Vec<Effect>,
) {
    let Some(req) = state
        .requests
        .get_mut(&issue)
        .filter(|r| r.peer_id == peer_id && r.stage == RequestStage::Preparing)
    else {
        // The request was cancelled (ban, quit) while the offer was prepared.
        fx.push(Effect::ClosePeer {
            peer_id,
            reason: "request cancelled".into(),
        });
        return;
    };
    let token_text = token.clone();
    let link = GuestLink {
        pages_url: state.settings.pages_url.clone(),
        offer: token,
        repo: state.settings.repo.to_string(),
        issue,
        api: state.settings.link_api.clone(),
        ice: state.settings.link_ice.clone(),
    }
    .to_url();
    req.stage = RequestStage::Posting;
    state.policy_memory.offer_sids.insert(sid.clone());
    req.sid = sid.clone();
    req.expires_at = expires_at;
    req.offer_fingerprint = token::decode(&token_text)
        .ok()
        .and_then(|t| text::sdp_fingerprint(&t.payload.sdp));
    req.link = Some(link.clone());
    let body = text::offer_comment_body(&req.issue.user.login, &link, &sid, expires_at);
    let _ = now;
    fx.push(Effect::PostComment {
        issue,
        body,
        purpose: WritePurpose::Offer { issue },
    });
}

fn written(
    state: &mut State,
    now: u64,
    purpose: WritePurpose,
    comment_id: Option<u64>,
    fx: &mut Vec<Effect>,
) {
    if let WritePurpose::Offer { issue } = purpose {
        let Some(req) = state.requests.get_mut(&issue) else {
            return;
        };
        req.offer_comment_id = comment_id;
        if req.stage == RequestStage::Posting {
            req.stage = RequestStage::WaitingForAnswer;
            let who = req.issue.user.login.clone();
            state.log(
                now,
                ActivityKind::Notice,
                format!("link posted on #{issue} for {who}; waiting for the answer"),
            );
        } else if let (false, Some(id)) = (req.stage.is_active(), comment_id) {
            // Cancelled while posting: take the link down again.
            let body = text::offer_expired_body(&req.issue.user.login, &req.sid);
            fx.push(Effect::EditComment {
                comment_id: id,
                body,
                purpose: WritePurpose::Edit { issue },
            });
        }
    }
}

fn write_failed(
    state: &mut State,
    now: u64,
    purpose: WritePurpose,
    error: String,
    fx: &mut Vec<Effect>,
) {
    match purpose {
        WritePurpose::Offer { issue } => {
            if let Some(req) = state.requests.get_mut(&issue) {
                req.stage = RequestStage::Ended;
                let peer_id = req.peer_id;
                fx.push(Effect::ClosePeer {
                    peer_id,
                    reason: "offer not posted".into(),
                });
            }
            state.log(
                now,
                ActivityKind::Error,
                format!("could not post the link on #{issue}: {error}"),
            );
        }
        WritePurpose::Decline { issue } | WritePurpose::Edit { issue } => {
            state.log(
                now,
                ActivityKind::Notice,
                format!("could not update a comment on #{issue}: {error}"),
            );
        }
        WritePurpose::Close { issue } => {
            state.log(
                now,
                ActivityKind::Notice,
                format!("could not close #{issue}: {error}"),
            );
        }
    }
}

fn comment_seen(state: &mut State, now: u64, comment: Comment, fx: &mut Vec<Effect>) {
    if let Some(edit) = super::policy::stale_offer_edit(state, &comment) {
        let issue = comment.issue_number().unwrap_or(0);
        state.log(
            now,
            ActivityKind::Notice,
            format!("took down a chat link on #{issue} left by an earlier run"),
        );
        fx.push(edit);
        return;
    }
    if comment.user.id == state.host.id || state.handled_comments.contains(&comment.id) {
        return;
    }
    let Some(issue) = comment.issue_number() else {
        return;
    };
    let candidates = token::find_tokens(&comment.body);
    if candidates.is_empty() {
        // The author of a handled issue asks again after expiry or the end of a chat.
        let again = state.requests.get(&issue).filter(|r| {
            matches!(r.stage, RequestStage::Expired | RequestStage::Ended)
                && r.issue.user.id == comment.user.id
        });
        if let Some(req) = again {
            let issue_data = req.issue.clone();
            state.requests.remove(&issue);
            start_request(state, now, issue_data, fx);
        }
        return;
    }
    let who = comment.user.login.clone();
    // One answer per comment is plenty; more tokens in one comment are ignored.
    let raw = candidates[0];
    let decoded = match token::decode(raw) {
        Ok(t) => t,
        Err(e) => {
            if state.requests.contains_key(&issue) {
                state.log(
                    now,
                    ActivityKind::Notice,
                    format!("refused answer from {who} on #{issue}: {e}"),
                );
            }
            return;
        }
    };
    if decoded.kind != TokenKind::Answer {
        return; // an offer token (quoted link) is not an answer
    }
    let Some(req) = state.requests.get(&issue) else {
        state.log(
            now,
            ActivityKind::Notice,
            format!("ignored answer from {who} on #{issue}: no chat was offered there"),
        );
        return;
    };
    let reason = if comment.user.id != req.issue.user.id {
        Some(format!(
            "{who} is not the issue author ({}); possible impersonation",
            req.issue.user.login
        ))
    } else if state.used_sids.contains(&decoded.payload.sid) {
        Some("this answer was already used (replay)".to_string())
    } else if decoded.payload.sid != req.sid {
        Some("it does not match the current offer (stale or forged)".to_string())
    } else if req.stage != RequestStage::WaitingForAnswer {
        Some(format!("the request is {}", req.stage.label()))
    } else if now > req.expires_at {
        Some("the offer has expired".to_string())
    } else {
        None
    };
    state.handled_comments.insert(comment.id);
    if let Some(reason) = reason {
        state.log(
            now,
            ActivityKind::Notice,
            format!("ignored answer from {who} on #{issue}: {reason}"),
        );
        return;
    }
    let Some(req) = state.requests.get_mut(&issue) else {
        return;
    };
    req.stage = RequestStage::Connecting;
    req.answer_comment_id = Some(comment.id);
    req.link = None; // single use
    let verify_code = text::sdp_fingerprint(&decoded.payload.sdp)
        .zip(req.offer_fingerprint.as_deref())
        .map(|(answer_fp, offer_fp)| text::verification_code(offer_fp, &answer_fp));
    let peer_id = req.peer_id;
    let (guest, guest_id) = (req.issue.user.login.clone(), req.issue.user.id);
    state.used_sids.insert(decoded.payload.sid.clone());
    state.conversations.insert(
        peer_id,
        Conversation {
            peer_id,
            guest: guest.clone(),
            guest_id,
            issue,
            state: PeerState::Connecting,
            lines: Default::default(),
            unread: 0,
            dropped: 0,
            verify_code,
        },
    );
    state.log(
        now,
        ActivityKind::Notice,
        format!("answer from {guest} on #{issue} accepted; connecting"),
    );
    fx.push(Effect::ApplyAnswer {
        peer_id,
        sdp: decoded.payload.sdp,
    });
}

fn expire_offers(state: &mut State, now: u64, fx: &mut Vec<Effect>) {
    let mut expired = Vec::new();
    for req in state.requests.values_mut() {
        if req.stage == RequestStage::WaitingForAnswer && now > req.expires_at {
            req.stage = RequestStage::Expired;
            req.link = None;
            expired.push((req.issue.number, req.issue.user.login.clone()));
            fx.push(Effect::ClosePeer {
                peer_id: req.peer_id,
                reason: "offer expired".into(),
            });
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
    for (issue, who) in expired {
        state.log(
            now,
            ActivityKind::Notice,
            format!("the link for {who} on #{issue} expired unused"),
        );
    }
}

fn peer_open(state: &mut State, now: u64, peer_id: PeerId, fx: &mut Vec<Effect>) {
    let Some(conv) = state.conversations.get_mut(&peer_id) else {
        return;
    };
    conv.state = PeerState::Open;
    conv.lines.push_back(Line {
        at: now,
        kind: LineKind::Notice,
        text: "connected".into(),
    });
    let guest = conv.guest.clone();
    let issue = conv.issue;
    fx.push(Effect::Send {
        peer_id,
        frame: Frame::Hello {
            v: PROTOCOL_VERSION,
            host: state.host.login.clone(),
            guest: guest.clone(),
            features: FEATURES.iter().map(|f| f.to_string()).collect(),
        },
    });
    if let Some(req) = state
        .requests
        .get_mut(&issue)
        .filter(|r| r.peer_id == peer_id)
    {
        req.stage = RequestStage::Connected;
        if let Some(id) = req.offer_comment_id {
            fx.push(Effect::EditComment {
                comment_id: id,
                body: text::offer_used_body(&guest, &req.sid, now),
                purpose: WritePurpose::Edit { issue },
            });
        }
        if let Some(id) = req.answer_comment_id {
            fx.push(Effect::EditComment {
                comment_id: id,
                body: text::answer_scrubbed_body(now),
                purpose: WritePurpose::Edit { issue },
            });
        }
    }
    state.log(
        now,
        ActivityKind::Notice,
        format!("{guest} connected (#{issue})"),
    );
    super::policy::on_connected(state, now, issue, fx);
}

fn push_line(state: &mut State, peer_id: PeerId, line: Line) {
    let limit = state.settings.scrollback.max(1);
    if let Some(conv) = state.conversations.get_mut(&peer_id) {
        conv.lines.push_back(line);
        while conv.lines.len() > limit {
            conv.lines.pop_front();
        }
    }
}

fn peer_frame(state: &mut State, now: u64, peer_id: PeerId, frame: Frame, fx: &mut Vec<Effect>) {
    let Some(conv) = state.conversations.get_mut(&peer_id) else {
        return;
    };
    if conv.state != PeerState::Open {
        return;
    }
    let guest = conv.guest.clone();
    match frame {
        Frame::Chat { id, text, .. } => {
            conv.unread += 1;
            push_line(
                state,
                peer_id,
                Line {
                    at: now,
                    kind: LineKind::Guest,
                    text: text.clone(),
                },
            );
            state.log(now, ActivityKind::Message { from: guest }, text);
            fx.push(Effect::Send {
                peer_id,
                frame: Frame::Ack { id },
            });
        }
        Frame::Ack { id } => {
            for line in conv.lines.iter_mut().rev() {
                if let LineKind::Host {
                    id: sent,
                    delivered,
                } = &mut line.kind
                {
                    if sent.as_str() == id {
                        *delivered = true;
                        break;
                    }
                }
            }
        }
        Frame::BlogList => fx.push(Effect::SendBlogIndex { peer_id }),
        Frame::BlogGet { slug } => fx.push(Effect::SendBlogPost { peer_id, slug }),
        Frame::Bye { reason } => {
            let reason = if reason.is_empty() {
                "left".to_string()
            } else {
                reason
            };
            fx.push(Effect::ClosePeer {
                peer_id,
                reason: format!("guest said bye: {reason}"),
            });
        }
        // Host-only frames from a guest carry no meaning here.
        Frame::Hello { .. }
        | Frame::Notice { .. }
        | Frame::BlogIndex { .. }
        | Frame::BlogPost { .. } => {}
    }
}

fn close_conversation(state: &mut State, now: u64, peer_id: PeerId) -> Option<(String, u64)> {
    let conv = state.conversations.get_mut(&peer_id)?;
    if conv.state == PeerState::Closed {
        return None;
    }
    conv.state = PeerState::Closed;
    conv.lines.push_back(Line {
        at: now,
        kind: LineKind::Notice,
        text: "disconnected".into(),
    });
    Some((conv.guest.clone(), conv.issue))
}

fn peer_closed(state: &mut State, now: u64, peer_id: PeerId, reason: &str, fx: &mut Vec<Effect>) {
    let was_open = state
        .conversations
        .get(&peer_id)
        .is_some_and(|c| c.state == PeerState::Open);
    if let Some(req) = state.requests.values_mut().find(|r| r.peer_id == peer_id) {
        if matches!(
            req.stage,
            RequestStage::Connecting | RequestStage::Connected
        ) {
            req.stage = RequestStage::Ended;
        }
    }
    if let Some((guest, issue)) = close_conversation(state, now, peer_id) {
        state.log(
            now,
            ActivityKind::Notice,
            format!("{guest} disconnected (#{issue}): {reason}"),
        );
        super::policy::on_chat_ended(state, now, issue, was_open, fx);
    }
}

fn user_command(state: &mut State, now: u64, command: Command, fx: &mut Vec<Effect>) {
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
fn accept(state: &mut State, now: u64, issue: u64, fx: &mut Vec<Effect>) {
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
fn decline(state: &mut State, now: u64, issue: u64, fx: &mut Vec<Effect>) {
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

fn reply(state: &mut State, now: u64, user: &str, text: String, fx: &mut Vec<Effect>) {
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

fn kick(state: &mut State, now: u64, user: &str, notice: &str, fx: &mut Vec<Effect>) -> bool {
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
