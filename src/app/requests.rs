//! Requests: which issues get a link, posting it, accepting the answer, expiry
//! (PROTOCOL.md "Flow A, step by step", "Roles and trust at a glance"). Called only from `update`.

use crate::forge::{Comment, Issue};
use crate::signal::link::GuestLink;
use crate::signal::token::{self, TokenKind};

use super::effect::{Effect, WritePurpose};
use super::limits;
use super::state::*;
use super::text;

/// Which issues become requests is the request policy's call (`policy.rs`).
pub(super) fn issue_seen(state: &mut State, now: u64, issue: Issue, fx: &mut Vec<Effect>) {
    if super::flow_b::is_presence(state, &issue) {
        return; // the presence issue is never a chat request
    }
    match super::policy::classify_issue(state, now, &issue) {
        super::policy::IssueDecision::Ignore => {}
        super::policy::IssueDecision::Update => {
            super::flow_b::issue_updated(state, now, &issue);
            // Keep the latest title; an issue already handled needs a comment (or a
            // re-open) to ask again.
            if let Some(existing) = state.requests.get_mut(&issue.number) {
                existing.issue.title = issue.title;
            }
        }
        super::policy::IssueDecision::NewRequest { reopened } => {
            let mut origin = Origin::Guest;
            if reopened {
                state.log(
                    now,
                    ActivityKind::Notice,
                    format!(
                        "#{} was re-opened by {}: a new chat request",
                        issue.number, issue.user.login
                    ),
                );
                if state.requests.contains_key(&issue.number) {
                    origin = Origin::ReRequest;
                }
            }
            // A guest's own offer in the body makes it flow B (or a refusal).
            if let Some(issue) = super::flow_b::new_request(state, now, issue, origin, fx) {
                start_request(state, now, issue, origin, fx);
            }
        }
    }
}

/// Who asks for a request, which decides the limits that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// A new issue (or the re-open of one the host had not handled): `offers_per_user`.
    Guest,
    /// The author asks again on an issue that had a request (a comment after expiry or
    /// the end of a chat, a re-open): also the re-request cooldown.
    ReRequest,
    /// The maintainer's `accept`: no per-user limit, no cooldown.
    Maintainer,
}

/// Creates a request for `issue`, replacing any finished one on it: declined for banned
/// users, over the limit beyond `offers_per_user` or inside the cooldown, queued while
/// every peer is busy, else pending (manual mode) or preparing its offer.
pub(super) fn start_request(
    state: &mut State,
    now: u64,
    issue: Issue,
    origin: Origin,
    fx: &mut Vec<Effect>,
) {
    let number = issue.number;
    let (login, user_id) = (issue.user.login.clone(), issue.user.id);
    // A banned user gets the decline below, not a cooldown notice.
    if origin == Origin::ReRequest && !state.is_banned(&login, user_id) {
        if let Some(secs) = limits::cooldown_left(state, now, user_id) {
            state.log(now, ActivityKind::Notice, format!("{login} asked again on #{number} too soon: no new link for {secs} s (limits.rerequest_cooldown)"));
            limits::polite_comment(
                state,
                now,
                user_id,
                number,
                text::cooldown_body(&login, secs),
                fx,
            );
            if let Some(old) = state.requests.get_mut(&number) {
                old.stage = RequestStage::OverLimit;
            }
            return;
        }
    }
    state.requests.remove(&number);
    let peer_id = state.next_peer_id;
    state.next_peer_id += 1;
    let held = limits::outstanding(state, user_id);
    let limit = state.settings.limits.offers_per_user;
    let stage = if state.is_banned(&login, user_id) {
        RequestStage::Declined
    } else if origin != Origin::Maintainer && held >= limit {
        RequestStage::OverLimit
    } else if state.manual_accept && origin != Origin::Maintainer {
        RequestStage::Pending
    } else if limits::peers_in_use(state) >= state.settings.limits.max_peers {
        RequestStage::Queued
    } else {
        RequestStage::Preparing
    };
    let guest_offer = state.flow_b.pending.remove(&number);
    state.requests.insert(
        number,
        Request::new(issue, stage, peer_id, now, guest_offer),
    );
    match stage {
        RequestStage::Declined => {
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
        }
        RequestStage::OverLimit => {
            state.log(now, ActivityKind::Notice, format!("chat request #{number} from {login}: no link, they already hold {held} (limits.offers_per_user = {limit}); `accept {number}` overrides"));
            limits::polite_comment(
                state,
                now,
                user_id,
                number,
                text::over_limit_body(&login, limit),
                fx,
            );
        }
        RequestStage::Pending => {
            state.log(now, ActivityKind::Notice, format!("chat request #{number} from {login}: waiting for you to `accept {number}` or `decline {number}`"));
        }
        RequestStage::Queued => {
            let max = state.settings.limits.max_peers;
            state.log(now, ActivityKind::Notice, format!("chat request #{number} from {login}: queued, all {max} peers are busy (limits.max_peers); served when one ends"));
            limits::polite_comment(state, now, user_id, number, text::busy_body(&login), fx);
        }
        _ => {
            state.limits_memory.last_offer.insert(user_id, now);
            state.log(
                now,
                ActivityKind::Notice,
                format!("chat request #{number} from {login}: preparing link"),
            );
            if let Some(req) = state.requests.get(&number) {
                fx.push(super::flow_b::create_peer(req));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn offer_ready(
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
    state.policy_memory.offer_sids.insert(sid.clone(), now);
    req.sid = sid.clone();
    req.expires_at = expires_at;
    req.offer_fingerprint = token::decode(&token_text)
        .ok()
        .and_then(|t| text::sdp_fingerprint(&t.payload.sdp));
    req.link = Some(link.clone());
    let body = text::offer_comment_body(&req.issue.user.login, &link, &sid, expires_at);
    fx.push(Effect::PostComment {
        issue,
        body,
        purpose: WritePurpose::Offer { issue },
    });
}

pub(super) fn written(
    state: &mut State,
    now: u64,
    purpose: WritePurpose,
    comment_id: Option<u64>,
    fx: &mut Vec<Effect>,
) {
    if let WritePurpose::Answer { issue } = purpose {
        return super::flow_b::answer_written(state, now, issue, Ok(comment_id), fx);
    }
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

pub(super) fn write_failed(
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
        WritePurpose::Answer { issue } => {
            super::flow_b::answer_written(state, now, issue, Err(error), fx)
        }
    }
}

pub(super) fn comment_seen(state: &mut State, now: u64, comment: Comment, fx: &mut Vec<Effect>) {
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
    if super::flow_b::comment_seen(state, now, &comment, fx) {
        return;
    }
    if comment.user.id == state.host.id || state.handled_comments.contains_key(&comment.id) {
        return;
    }
    let Some(issue) = comment.issue_number() else {
        return;
    };
    let candidates = token::find_tokens(&comment.body);
    if candidates.is_empty() {
        // The author of a handled issue asks again after expiry or the end of a chat.
        let again = state.requests.get(&issue).filter(|r| {
            matches!(
                r.stage,
                RequestStage::Expired | RequestStage::Ended | RequestStage::OverLimit
            ) && r.issue.user.id == comment.user.id
        });
        if let Some(req) = again {
            let issue_data = req.issue.clone();
            start_request(state, now, issue_data, Origin::ReRequest, fx);
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
    } else if state.used_sids.contains_key(&decoded.payload.sid) {
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
    state.handled_comments.insert(comment.id, now);
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
    state.used_sids.insert(decoded.payload.sid.clone(), now);
    state.conversations.insert(
        peer_id,
        Conversation {
            peer_id,
            guest: guest.clone(),
            guest_id,
            issue,
            state: PeerState::Connecting,
            lines: Default::default(),
            bytes: 0,
            unread: 0,
            dropped: 0,
            verify_code,
            reach: Default::default(),
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

pub(super) fn expire_offers(state: &mut State, now: u64, fx: &mut Vec<Effect>) {
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
            if super::flow_b::expired(req, fx) {
                // flow B: the answer and the guest's offer token are taken down
            } else if let Some(id) = req.offer_comment_id {
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
