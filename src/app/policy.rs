//! The request policy (ARCHITECTURE.md "Design decisions, and why"): which issues become chat requests, when a re-open is a
//! new request, when Janus closes an issue, and how the host recognises its own offer
//! comments left by an earlier run. Pure functions called from `update`; the settings come
//! from the config file (`config.example.toml` documents every key).
//!
//! Rules, in order, for an issue the poller reports:
//! 1. pull requests, closed issues, bots and the host's own account are never requests;
//! 2. with `request_labels` set, the issue must carry one of them (case-insensitive);
//!    with `title_prefix` set, its title must start with it (case-insensitive); an issue
//!    the guest page opened from a start link (flow B) passes both, since a guest cannot
//!    label an issue and the page names it "Chat request";
//! 3. an issue opened while Janus runs, or within `backlog` seconds before it started, is a
//!    request (once: later edits and comments do not make it a new one);
//! 4. an issue re-opened while Janus runs (or within the backlog window) is a new request,
//!    even if it had one before that ended or expired. The GitHub client learns of re-opens
//!    from the repository's issue events (`reopened`), which it reads only when an updated
//!    issue says `state_reason: "reopened"`, so an idle repository costs nothing extra.

use std::collections::HashMap;

use crate::forge::{Comment, ForgeStatus, Issue};

use super::effect::{Effect, WritePurpose};
use super::state::{ActivityKind, State};

/// When Janus closes a guest's issue (`close_issue` in the config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Closing {
    /// Never (the default): an issue may be a real bug report, and the maintainer's tracker
    /// is theirs to curate; Janus only comments.
    #[default]
    Never,
    /// As soon as the guest's data channel opens.
    OnConnect,
    /// When a conversation that did connect ends (either side, kick, ban or quit).
    OnEnd,
}

impl Closing {
    /// Parses the config value: `never`, `on-connect` or `on-end`.
    pub fn parse(text: &str) -> Option<Closing> {
        match text.trim() {
            "never" => Some(Closing::Never),
            "on-connect" => Some(Closing::OnConnect),
            "on-end" => Some(Closing::OnEnd),
            _ => None,
        }
    }

    /// The config spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Closing::Never => "never",
            Closing::OnConnect => "on-connect",
            Closing::OnEnd => "on-end",
        }
    }
}

/// The configurable part of the request policy (offer lifetime and backlog live in
/// `Settings` next to it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestPolicy {
    /// Only issues with one of these labels are requests (case-insensitive); empty: any.
    pub labels: Vec<String>,
    /// Only issues whose title starts with this are requests (case-insensitive, leading
    /// spaces ignored); `None` or empty: any.
    pub title_prefix: Option<String>,
    /// When Janus closes the issue.
    pub closing: Closing,
}

/// What the policy remembers between events (part of `State`), pruned by age on
/// `Event::Tick` (`app::memory`).
#[derive(Debug, Clone, Default)]
pub struct PolicyMemory {
    /// Per issue, the re-open already acted upon (unix seconds, server clock) and when it
    /// was (unix seconds, local clock).
    pub reopens: HashMap<u64, (i64, u64)>,
    /// Every offer `sid` this run created, with the unix seconds it was; other offer
    /// comments by the host are leftovers of an earlier run.
    pub offer_sids: HashMap<String, u64>,
    /// The newest creation time (unix seconds) of the issues whose finished requests were
    /// forgotten: an issue created no later than this is not a new request any more.
    pub forgotten_created: Option<u64>,
    /// The newest re-open time (server clock) among the forgotten ones: a re-open no later
    /// than this was acted upon already.
    pub forgotten_reopen: Option<i64>,
}

/// What to do with an issue the poller reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueDecision {
    /// Not a chat request.
    Ignore,
    /// Already a request: only refresh what is shown (the title).
    Update,
    /// A new chat request; `reopened` when a re-open caused it (replacing any old request).
    NewRequest { reopened: bool },
}

/// Unix seconds of an RFC 3339 timestamp.
pub fn unix_of(rfc3339: &str) -> Option<u64> {
    u64::try_from(crate::clock::parse_rfc3339(rfc3339)?).ok()
}

/// Whether the issue passes the label and title filters.
pub fn matches_filters(policy: &RequestPolicy, issue: &Issue) -> bool {
    let labelled = policy.labels.is_empty()
        || issue.labels.iter().any(|l| {
            policy
                .labels
                .iter()
                .any(|want| want.trim().eq_ignore_ascii_case(l.name.trim()))
        });
    let prefix = policy.title_prefix.as_deref().map(str::trim).unwrap_or("");
    let titled = prefix.is_empty()
        || issue
            .title
            .trim_start()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix));
    labelled && titled
}

/// Decides what an issue means (rules 1–4 of the module docs) and remembers re-opens it
/// acted upon (at `now`), so one re-open makes one request.
pub fn classify_issue(state: &mut State, now: u64, issue: &Issue) -> IssueDecision {
    if issue.is_pull_request()
        || issue.state != "open"
        || issue.user.kind == "Bot"
        || issue.user.id == state.host.id
    {
        return IssueDecision::Ignore;
    }
    let window_start = state.started_at.saturating_sub(state.settings.backlog_secs);
    let memory = &state.policy_memory;
    let reopen = issue
        .reopened_at
        .filter(|at| u64::try_from(*at).is_ok_and(|t| t >= window_start))
        .filter(|at| memory.forgotten_reopen.is_none_or(|old| *at > old))
        .filter(|at| memory.reopens.get(&issue.number).map(|r| r.0) != Some(*at));
    if let Some(at) = reopen {
        state.policy_memory.reopens.insert(issue.number, (at, now));
    }
    let forgotten = state.policy_memory.forgotten_created;
    let filtered = matches_filters(&state.settings.policy, issue)
        || issue
            .body
            .as_deref()
            .is_some_and(super::guest_offer::opened_from_start_link);
    match state.requests.get(&issue.number) {
        Some(req) if req.stage.is_active() => IssueDecision::Update,
        Some(_) if reopen.is_some() && filtered => IssueDecision::NewRequest { reopened: true },
        Some(_) => IssueDecision::Update,
        None if !filtered => IssueDecision::Ignore,
        None if reopen.is_some() => IssueDecision::NewRequest { reopened: true },
        None => {
            let created = unix_of(&issue.created_at).unwrap_or(0);
            if created >= window_start && forgotten.is_none_or(|old| created > old) {
                IssueDecision::NewRequest { reopened: false }
            } else {
                IssueDecision::Ignore // an old issue that merely changed
            }
        }
    }
}

/// The `sid` of a host offer marker (`<!-- janus:offer sid=… -->`) in a comment body.
pub fn offer_sid(body: &str) -> Option<&str> {
    let rest = &body[body.find("<!-- janus:offer sid=")? + "<!-- janus:offer sid=".len()..];
    let sid = rest.split_whitespace().next()?;
    (!sid.is_empty() && sid.len() <= 64 && sid.chars().all(|c| c.is_ascii_alphanumeric()))
        .then_some(sid)
}

/// The offer comment of an earlier run, once taken down.
pub fn restart_expired_body(sid: &str) -> String {
    format!(
        "This chat link was posted before the maintainer's Janus restarted; it has expired and \
         has been removed. Comment on this issue to get a new one while the maintainer is \
         online.\n\n{}",
        super::text::offer_marker(sid)
    )
}

/// An offer comment by the host that this run did not make and that still carries a live
/// link (an earlier run stopped without taking it down): edit it to say it expired.
pub fn stale_offer_edit(state: &State, comment: &Comment) -> Option<Effect> {
    if comment.user.id != state.host.id || !comment.body.contains("janus1.o.") {
        return None;
    }
    let sid = offer_sid(&comment.body)?;
    if state.policy_memory.offer_sids.contains_key(sid)
        || state.requests.values().any(|r| r.sid == sid)
    {
        return None;
    }
    let issue = comment.issue_number()?;
    Some(Effect::EditComment {
        comment_id: comment.id,
        body: restart_expired_body(sid),
        purpose: WritePurpose::Edit { issue },
    })
}

/// The guest's channel opened: close the issue if the policy says `on-connect`.
pub fn on_connected(state: &mut State, now: u64, issue: u64, fx: &mut Vec<Effect>) {
    if state.settings.policy.closing == Closing::OnConnect {
        close(state, now, issue, "on-connect", fx);
    }
}

/// A conversation ended; `was_open` tells whether its channel had opened. Closes the
/// issue if the policy says `on-end` and the guest did connect.
pub fn on_chat_ended(
    state: &mut State,
    now: u64,
    issue: u64,
    was_open: bool,
    fx: &mut Vec<Effect>,
) {
    if was_open && state.settings.policy.closing == Closing::OnEnd {
        close(state, now, issue, "on-end", fx);
    }
}

fn close(state: &mut State, now: u64, issue: u64, why: &str, fx: &mut Vec<Effect>) {
    fx.push(Effect::CloseIssue { issue });
    state.log(
        now,
        ActivityKind::Notice,
        format!("closing #{issue} (close_issue = \"{why}\")"),
    );
}

/// Keeps the forge's status for the views; a status without a rate limit keeps the last
/// one known.
pub fn forge_status(state: &mut State, mut status: ForgeStatus) {
    if status.rate.is_none() {
        status.rate = state.forge.rate;
    }
    state.forge = status;
}

#[cfg(test)]
mod tests;
