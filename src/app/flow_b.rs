//! Flow B wired into the core (PROTOCOL.md "Flow B, step by step"): a guest's page made the offer and put it
//! in a new issue (or a later comment of theirs); the host answers. The rules of what counts
//! are in `guest_offer.rs`; this is the request lifecycle around them, called from
//! `requests`, `conversations` and `update`:
//!
//! 1. an issue that becomes a request (the request policy, `policy.rs`) and carries an offer
//!    token in its body is judged; a refused one is a console notice and no request;
//! 2. an accepted one goes through `start_request` like flow A (bans, per-user limits,
//!    cooldown, `max_peers`, manual accept), but its peer is an answerer
//!    (`Effect::CreateAnswer`);
//! 3. the answer is posted once per `sid` with `<!-- janus:answer sid=… -->` (the writer
//!    refuses a second one found on the issue, also after a restart); the page connects;
//! 4. on connect the answer comment loses its token and the guest's text loses its offer
//!    token (journaled scrubs); on expiry or failure the answer comment is taken down.
//!
//! The presence issue is never a request, nor are comments on it.

use std::collections::{HashMap, HashSet};

use crate::forge::{Comment, Issue};
use crate::signal::token;

use super::effect::{Effect, WritePurpose};
use super::guest_offer::{self, GuestOffer, Judge};
use super::requests::{start_request, Origin};
use super::state::*;
use super::text;

/// How long the guest page's offers live (`assets/guest/start.js`, `OFFER_TTL_SECS`). A host
/// with a shorter `offer_ttl` still accepts them, and answers them only for its own lifetime.
pub const PAGE_OFFER_SECS: u64 = 300;

impl Request {
    /// The stage in words for the views (`list`, the queue): a flow-B request's host
    /// answers rather than offers, so its middle stages read as what they are.
    pub fn stage_label(&self) -> &'static str {
        match (self.guest_offer.is_some(), self.stage) {
            (true, RequestStage::Preparing) => "preparing answer",
            (true, RequestStage::Posting) => "posting answer",
            (true, RequestStage::WaitingForAnswer) => {
                "answered, waiting for the guest's page to connect"
            }
            (_, stage) => stage.label(),
        }
    }
}

/// A flow-B request's own data (on `Request::guest_offer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answering {
    /// The guest's offer: `sid`, SDP, `exp`.
    pub offer: GuestOffer,
    /// Where the offer was, to take its token out after use.
    pub source: OfferSource,
    /// The verification code, once the answer exists (both fingerprints known).
    pub verify_code: Option<String>,
}

/// Where a guest's offer was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferSource {
    /// The issue's body, as its author opened it.
    IssueBody { body: String },
    /// A later comment by the issue's author (a re-request).
    Comment { id: u64, body: String },
}

/// What flow B remembers (part of `State`).
#[derive(Debug, Clone, Default)]
pub struct FlowBMemory {
    /// An accepted offer on its way into `start_request` (taken by the new request).
    pub pending: HashMap<u64, Answering>,
    /// Every `sid` answered (by this run, or seen in the host's own answer comments of an
    /// earlier run), with the unix seconds it was: never answered twice. Pruned with the
    /// other memories.
    pub answered: HashMap<String, u64>,
    /// The presence issue(s): never chat requests.
    pub presence: HashSet<u64>,
}

/// Whether `issue` is the presence issue (by its label or its number); remembers it.
pub(super) fn is_presence(state: &mut State, issue: &Issue) -> bool {
    let labelled = issue
        .labels
        .iter()
        .any(|l| l.name.eq_ignore_ascii_case(super::presence::LABEL));
    if labelled && issue.user.id == state.host.id {
        state.flow_b.presence.insert(issue.number);
    }
    state.flow_b.presence.contains(&issue.number)
}

/// The peer to create for a request: an answerer for a guest's offer, else an offerer.
pub(super) fn create_peer(req: &Request) -> Effect {
    match &req.guest_offer {
        Some(a) => Effect::CreateAnswer {
            peer_id: req.peer_id,
            issue: req.issue.number,
            sid: a.offer.sid.clone(),
            sdp: a.offer.sdp.clone(),
        },
        None => Effect::CreateOffer {
            peer_id: req.peer_id,
            issue: req.issue.number,
        },
    }
}

fn used(state: &State) -> impl Fn(&str) -> bool + '_ {
    move |sid: &str| {
        state.used_sids.contains_key(sid)
            || state.flow_b.answered.contains_key(sid)
            || state.requests.values().any(|r| r.sid == sid)
    }
}

fn judge(
    state: &State,
    now: u64,
    text: &str,
    writer_id: u64,
    issue: &Issue,
) -> Option<Result<GuestOffer, String>> {
    let used = used(state);
    guest_offer::judge(
        text,
        &Judge {
            writer_id,
            issue_author_id: issue.user.id,
            banned: false, // bans go through `start_request`, which declines politely
            now,
            offer_ttl_secs: state.settings.offer_ttl_secs.max(PAGE_OFFER_SECS),
            used: &used,
        },
    )
}

/// A new request for `issue` (the policy said so): with a guest's offer in its body it is
/// flow B (or refused); `Some(issue)` hands it back to flow A.
pub(super) fn new_request(
    state: &mut State,
    now: u64,
    issue: Issue,
    origin: Origin,
    fx: &mut Vec<Effect>,
) -> Option<Issue> {
    let body = issue.body.clone().unwrap_or_default();
    let (number, login) = (issue.number, issue.user.login.clone());
    let verdict = if state.is_banned(&login, issue.user.id) && body.contains("janus1.o.") {
        None // declined by `start_request` like any request of a banned user
    } else {
        judge(state, now, &body, issue.user.id, &issue)
    };
    match verdict {
        None => Some(issue),
        Some(Err(reason)) => {
            state.log(
                now,
                ActivityKind::Notice,
                format!("refused the chat offer in #{number} from {login}: {reason}"),
            );
            remember_refused(state, now, issue);
            None
        }
        Some(Ok(offer)) => {
            begin(
                state,
                now,
                issue,
                offer,
                OfferSource::IssueBody { body },
                origin,
                fx,
            );
            None
        }
    }
}

/// A refused issue is remembered as an ended request: a later edit of it (an offer edited
/// in) is then no new request, and its author can still ask again in a comment.
fn remember_refused(state: &mut State, now: u64, issue: Issue) {
    let peer_id = state.next_peer_id;
    state.next_peer_id += 1;
    let number = issue.number;
    state.requests.insert(
        number,
        Request::new(issue, RequestStage::Ended, peer_id, now, None),
    );
}

fn begin(
    state: &mut State,
    now: u64,
    issue: Issue,
    offer: GuestOffer,
    source: OfferSource,
    origin: Origin,
    fx: &mut Vec<Effect>,
) {
    let number = issue.number;
    state.log(
        now,
        ActivityKind::Notice,
        format!(
            "#{number}: {} started a chat from the repository (flow B)",
            issue.user.login
        ),
    );
    state.flow_b.pending.insert(
        number,
        Answering {
            offer,
            source,
            verify_code: None,
        },
    );
    start_request(state, now, issue, origin, fx);
    // Taken by the new request, unless it was refused on the way (cooldown).
    state.flow_b.pending.remove(&number);
}

/// An issue that already was a request changed: an offer that appeared in its body later was
/// edited in (by the author or someone else) and does not count.
pub(super) fn issue_updated(state: &mut State, now: u64, issue: &Issue) {
    let Some(body) = issue.body.as_deref() else {
        return;
    };
    let Some(sid) = guest_offer::guest_offer_sid(body) else {
        return;
    };
    let known = state
        .requests
        .get(&issue.number)
        .is_some_and(|r| r.sid == sid)
        || used(state)(sid);
    if !known && body.contains("janus1.o.") {
        state.log(
            now,
            ActivityKind::Notice,
            format!(
                "ignored a chat offer edited into #{} after it was opened: only the offer the author opened it with, or a later comment of theirs, counts",
                issue.number
            ),
        );
        state.flow_b.answered.insert(sid.to_string(), now); // say it once
    }
}

/// A comment: the host's own answer comments (remembered; one left live by an earlier run
/// is taken down), comments on the presence issue (ignored), and offers in comments (a
/// re-request by the issue's author, else refused). `true` when the comment was handled.
pub(super) fn comment_seen(
    state: &mut State,
    now: u64,
    comment: &Comment,
    fx: &mut Vec<Effect>,
) -> bool {
    let Some(issue) = comment.issue_number() else {
        return false;
    };
    if comment.user.id == state.host.id {
        let Some(sid) = guest_offer::answered_sid(&comment.body) else {
            return false;
        };
        let ours = state.requests.values().any(|r| r.sid == sid);
        let fresh = state.flow_b.answered.insert(sid.to_string(), now).is_none();
        if !ours && fresh && comment.body.contains("janus1.a.") {
            state.log(
                now,
                ActivityKind::Notice,
                format!("took down an answer on #{issue} left by an earlier run"),
            );
            fx.push(Effect::EditComment {
                comment_id: comment.id,
                body: guest_offer::answer_expired_body(sid),
                purpose: WritePurpose::Edit { issue },
            });
        }
        return true;
    }
    if state.flow_b.presence.contains(&issue) {
        return true;
    }
    let has_offer = token::find_tokens(&comment.body)
        .iter()
        .any(|t| t.starts_with("janus1.o."));
    if !has_offer || state.handled_comments.contains_key(&comment.id) {
        return false;
    }
    state.handled_comments.insert(comment.id, now);
    let who = comment.user.login.clone();
    let Some(req) = state.requests.get(&issue) else {
        state.log(
            now,
            ActivityKind::Notice,
            format!("ignored a chat offer from {who} in a comment on #{issue}: there is no chat request there (a new one starts from the start link)"),
        );
        return true;
    };
    let issue_data = req.issue.clone();
    let active = req.stage.is_active();
    match judge(state, now, &comment.body, comment.user.id, &issue_data) {
        None => false,
        Some(Err(reason)) => {
            state.log(
                now,
                ActivityKind::Notice,
                format!("refused the chat offer from {who} on #{issue}: {reason}"),
            );
            true
        }
        Some(Ok(_)) if active => {
            state.log(
                now,
                ActivityKind::Notice,
                format!("ignored a new chat offer from {who} on #{issue}: a chat request is already in progress there"),
            );
            true
        }
        Some(Ok(offer)) => {
            let source = OfferSource::Comment {
                id: comment.id,
                body: comment.body.clone(),
            };
            begin(state, now, issue_data, offer, source, Origin::ReRequest, fx);
            true
        }
    }
}

/// The answerer exists and its answer token is made: post it.
pub(super) fn answer_ready(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    issue: u64,
    token_text: String,
    fx: &mut Vec<Effect>,
) {
    let Some(req) = state.requests.get_mut(&issue).filter(|r| {
        r.peer_id == peer_id && r.stage == RequestStage::Preparing && r.guest_offer.is_some()
    }) else {
        fx.push(Effect::ClosePeer {
            peer_id,
            reason: "request cancelled".into(),
        });
        return;
    };
    let Some(answering) = req.guest_offer.as_mut() else {
        return;
    };
    let sid = answering.offer.sid.clone();
    let answer_fp = token::decode(&token_text)
        .ok()
        .and_then(|t| text::sdp_fingerprint(&t.payload.sdp));
    answering.verify_code = text::sdp_fingerprint(&answering.offer.sdp)
        .zip(answer_fp)
        .map(|(offer_fp, answer_fp)| text::verification_code(&offer_fp, &answer_fp));
    // Waited for no longer than the host's own offer lifetime, whatever the page asked.
    let exp = answering
        .offer
        .exp
        .min(now.saturating_add(state.settings.offer_ttl_secs));
    req.sid = sid.clone();
    req.expires_at = exp;
    req.stage = RequestStage::Posting;
    let guest = req.issue.user.login.clone();
    state.flow_b.answered.insert(sid.clone(), now);
    fx.push(Effect::PostComment {
        issue,
        body: guest_offer::answer_comment_body(&guest, &token_text, &sid),
        purpose: WritePurpose::Answer { issue },
    });
}

/// The answer comment was posted (`Ok`) or not.
pub(super) fn answer_written(
    state: &mut State,
    now: u64,
    issue: u64,
    result: Result<Option<u64>, String>,
    fx: &mut Vec<Effect>,
) {
    let Some(req) = state.requests.get_mut(&issue) else {
        return;
    };
    let who = req.issue.user.login.clone();
    match result {
        Ok(comment_id) => {
            req.offer_comment_id = comment_id;
            if req.stage == RequestStage::Posting {
                req.stage = RequestStage::WaitingForAnswer;
                state.log(
                    now,
                    ActivityKind::Notice,
                    format!("answered {who}'s chat offer on #{issue}; waiting for their page to connect"),
                );
            } else if let (false, Some(id)) = (req.stage.is_active(), comment_id) {
                let body = guest_offer::answer_expired_body(&req.sid);
                fx.push(edit(id, body, issue));
            }
        }
        Err(error) => {
            if req.stage.is_active() {
                req.stage = RequestStage::Ended;
            }
            fx.push(Effect::ClosePeer {
                peer_id: req.peer_id,
                reason: "answer not posted".into(),
            });
            state.log(
                now,
                ActivityKind::Error,
                format!("could not answer {who}'s chat offer on #{issue}: {error}"),
            );
        }
    }
}

fn edit(comment_id: u64, body: String, issue: u64) -> Effect {
    Effect::EditComment {
        comment_id,
        body,
        purpose: WritePurpose::Edit { issue },
    }
}

/// The guest's text without its offer token (the issue body or their comment).
fn scrub_source(answering: &Answering, issue: u64) -> Effect {
    match &answering.source {
        OfferSource::IssueBody { body } => Effect::EditIssueBody {
            issue,
            body: guest_offer::scrub_issue_body(body),
            purpose: WritePurpose::Edit { issue },
        },
        OfferSource::Comment { id, body } => edit(*id, guest_offer::scrub_issue_body(body), issue),
    }
}

/// The channel is about to open on a flow-B peer: its conversation starts now (flow A makes
/// it when the answer is accepted).
pub(super) fn before_open(state: &mut State, peer_id: PeerId) {
    if state.conversations.contains_key(&peer_id) {
        return;
    }
    let Some(req) = state.request_of_peer(peer_id) else {
        return;
    };
    let Some(answering) = &req.guest_offer else {
        return;
    };
    let conv = Conversation {
        peer_id,
        guest: req.issue.user.login.clone(),
        guest_id: req.issue.user.id,
        issue: req.issue.number,
        state: PeerState::Connecting,
        lines: Default::default(),
        bytes: 0,
        unread: 0,
        dropped: 0,
        verify_code: answering.verify_code.clone(),
        reach: Default::default(),
    };
    state.conversations.insert(peer_id, conv);
}

/// Flow B connected: the answer comment and the guest's text lose their tokens. `false`
/// for a flow-A request (the caller scrubs as flow A does).
pub(super) fn connected(state: &mut State, now: u64, issue: u64, fx: &mut Vec<Effect>) -> bool {
    let Some(req) = state.requests.get_mut(&issue) else {
        return false;
    };
    let Some(answering) = &req.guest_offer else {
        return false;
    };
    if let Some(id) = req.offer_comment_id {
        fx.push(edit(
            id,
            guest_offer::answer_used_body(&req.sid, now),
            issue,
        ));
    }
    fx.push(scrub_source(answering, issue));
    req.link = None;
    let sid = req.sid.clone();
    state.used_sids.insert(sid, now);
    true
}

/// A flow-B request is over before it connected (expired, or its peer gave up): the answer
/// comment and the guest's offer token are taken down.
fn taken_down(req: &Request, fx: &mut Vec<Effect>) {
    let issue = req.issue.number;
    if let Some(id) = req.offer_comment_id {
        fx.push(edit(id, guest_offer::answer_expired_body(&req.sid), issue));
    }
    if let Some(answering) = &req.guest_offer {
        fx.push(scrub_source(answering, issue));
    }
}

/// The expiry of a flow-B request that waited for the page (from `expire_offers`): its
/// edits. `false` for flow A.
pub(super) fn expired(req: &Request, fx: &mut Vec<Effect>) -> bool {
    if req.guest_offer.is_none() {
        return false;
    }
    taken_down(req, fx);
    true
}

/// A flow-B peer closed before its channel opened (the page never came): the request ends.
pub(super) fn peer_closed_early(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    fx: &mut Vec<Effect>,
) {
    let Some(req) = state.requests.values_mut().find(|r| {
        r.peer_id == peer_id && r.guest_offer.is_some() && r.stage == RequestStage::WaitingForAnswer
    }) else {
        return;
    };
    req.stage = RequestStage::Ended;
    let (who, issue) = (req.issue.user.login.clone(), req.issue.number);
    taken_down(req, fx);
    state.log(
        now,
        ActivityKind::Notice,
        format!("{who}'s page did not connect on #{issue}; the answer was taken down"),
    );
}

/// Every second: flow-B requests still waiting for the maintainer or a free peer expire with
/// the guest's offer; answered `sid`s are forgotten after `limits.memory_secs`.
pub(super) fn tick(state: &mut State, now: u64) {
    let mut expired = Vec::new();
    for req in state.requests.values_mut() {
        let waiting = matches!(req.stage, RequestStage::Pending | RequestStage::Queued);
        if let (true, Some(a)) = (waiting, &req.guest_offer) {
            if now >= a.offer.exp {
                req.stage = RequestStage::Expired;
                expired.push((req.issue.number, req.issue.user.login.clone()));
            }
        }
    }
    for (issue, who) in expired {
        state.log(
            now,
            ActivityKind::Notice,
            format!("{who}'s chat offer on #{issue} expired before it could be answered"),
        );
    }
    let memory = state.settings.limits.memory_secs;
    state
        .flow_b
        .answered
        .retain(|_, at| now < at.saturating_add(memory));
}
