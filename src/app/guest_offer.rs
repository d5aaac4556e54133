//! Flow B, the host as answerer (PROTOCOL.md "Flow B, step by step"): recognising a guest's offer in an
//! issue body or a later comment, judging it, and the texts the host writes around it (the
//! answer comment with its marker, the scrubbed issue body). Pure functions, no state: the
//! caller passes what it knows (who wrote the text, who opened the issue, bans, used `sid`s,
//! the clock, the offer lifetime).
//!
//! The request lifecycle around these rules (create the answerer, post the answer, scrub
//! after connect) is in `flow_b.rs`.

use crate::signal::token::{self, SignalPayload, TokenKind};

/// What opens the guest's hidden marker: `<!-- janus:guest-offer sid=… -->`.
const GUEST_OFFER_MARKER: &str = "<!-- janus:guest-offer sid=";
/// What opens the host's answer marker: `<!-- janus:answer sid=… -->`.
const ANSWER_MARKER: &str = "<!-- janus:answer sid=";
/// Texts longer than this (bytes) are not searched: GitHub bodies are at most 65,536
/// characters, which is at most 4 bytes each.
pub const MAX_TEXT_BYTES: usize = 4 * 65_536;
/// Clock skew allowed between the guest's browser and the host when checking `exp`.
pub const EXP_SKEW_SECS: u64 = 60;

/// A guest offer the host may answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestOffer {
    /// The page's `sid`: the answer carries it, and it is single-use.
    pub sid: String,
    /// The page's offer SDP, for `rtc::start_answerer`.
    pub sdp: String,
    /// Unix seconds after which the page stops waiting (at most the offer lifetime ahead).
    pub exp: u64,
}

/// What the host knows when it judges a text that may carry a guest offer.
#[derive(Clone, Copy)]
pub struct Judge<'a> {
    /// Account id of whoever wrote the text (issue body: its author; comment: its author).
    pub writer_id: u64,
    /// Account id of the issue's author: only they may ask for a chat on their issue.
    pub issue_author_id: u64,
    /// The issue's author is banned (by login or id).
    pub banned: bool,
    /// Unix seconds.
    pub now: u64,
    /// The host's usual offer lifetime (`offer_ttl`): a guest offer may not live longer.
    pub offer_ttl_secs: u64,
    /// Whether a `sid` was already answered or used (single use, also across restarts:
    /// the caller counts the host's own answer markers it has seen, see [`answered_sid`]).
    pub used: &'a dyn Fn(&str) -> bool,
}

/// The `sid` in a guest-offer marker, if the text has a well-formed one.
pub fn guest_offer_sid(text: &str) -> Option<&str> {
    marker_sid(text, GUEST_OFFER_MARKER)
}

/// Whether an issue body is one the guest page opened from a start link (flow B): a
/// guest-offer marker and an offer token. Such an issue asks for a chat whatever its title
/// and labels (the page cannot label it), so the request filters do not apply to it.
pub fn opened_from_start_link(body: &str) -> bool {
    guest_offer_sid(body).is_some() && body.contains("janus1.o.")
}

/// The `sid` of the host's answer marker in one of its own comments: that `sid` was
/// answered (by this run or an earlier one) and is never answered again.
pub fn answered_sid(text: &str) -> Option<&str> {
    marker_sid(text, ANSWER_MARKER)
}

fn marker_sid<'t>(text: &'t str, opening: &str) -> Option<&'t str> {
    let rest = &text[text.find(opening)? + opening.len()..];
    let sid = rest.split_whitespace().next()?;
    token::is_valid_sid(sid).then_some(sid)
}

/// The host's marker on its answer comment (also the writer's idempotency key: one answer
/// comment per `sid`, after retries and restarts).
pub fn answer_marker(sid: &str) -> String {
    format!("{ANSWER_MARKER}{sid} -->")
}

/// Judges `text` (an issue body or a comment): `None` if it carries no offer token at all
/// (an ordinary text), else the offer to answer or why it is refused (for a console
/// notice). Only the first offer token counts.
pub fn judge(text: &str, j: &Judge<'_>) -> Option<Result<GuestOffer, String>> {
    if text.len() > MAX_TEXT_BYTES {
        return Some(Err(format!(
            "the text is {} bytes, over {MAX_TEXT_BYTES}: not searched",
            text.len()
        )));
    }
    let raw = token::find_tokens(text)
        .into_iter()
        .find(|t| t.starts_with("janus1.o."))?;
    Some(judge_token(text, raw, j))
}

fn judge_token(text: &str, raw: &str, j: &Judge<'_>) -> Result<GuestOffer, String> {
    if j.writer_id != j.issue_author_id {
        return Err("it was written by someone other than the issue's author".into());
    }
    if j.banned {
        return Err("the issue's author is banned".into());
    }
    let decoded = token::decode(raw).map_err(|e| format!("the offer cannot be read: {e}"))?;
    if decoded.kind != TokenKind::Offer {
        return Err("the token is not an offer".into());
    }
    let SignalPayload { sid, sdp, exp } = decoded.payload;
    match guest_offer_sid(text) {
        None => return Err("the guest-offer marker is missing".into()),
        Some(marked) if marked != sid => {
            return Err("the marker and the offer disagree on the sid".into())
        }
        Some(_) => {}
    }
    let Some(exp) = exp else {
        return Err("the offer has no expiry".into());
    };
    if j.now >= exp {
        return Err("the offer has expired".into());
    }
    if exp > j.now + j.offer_ttl_secs + EXP_SKEW_SECS {
        return Err(format!(
            "the offer claims to live {} s, longer than the host's {} s",
            exp - j.now,
            j.offer_ttl_secs
        ));
    }
    if (j.used)(&sid) {
        return Err("this offer was already answered (replay)".into());
    }
    Ok(GuestOffer { sid, sdp, exp })
}

/// The host's answer comment: a sentence for humans, the answer token, the marker. The
/// page finds it by the `sid` and trusts it only from a maintainer.
pub fn answer_comment_body(guest: &str, answer_token: &str, sid: &str) -> String {
    format!(
        "Hi @{guest}, the maintainer's Janus has answered your chat request. Keep the Janus \
         tab open: it connects by itself.\n\n{answer_token}\n\n{}",
        answer_marker(sid)
    )
}

/// The answer comment once the page has connected: the token (it carries IP addresses) is
/// gone, the marker stays so no later run answers this `sid` again.
pub fn answer_used_body(sid: &str, at: u64) -> String {
    format!(
        "Chat connected at {}. The answer was used and has been removed.\n\n{}",
        super::text::clock(at),
        answer_marker(sid)
    )
}

/// The answer comment once it can no longer be used (the offer expired, the connection
/// failed, or an earlier run made it): the token is gone, the marker stays so the `sid` is
/// never answered again.
pub fn answer_expired_body(sid: &str) -> String {
    format!(
        "This answer to a chat request was not used in time and has been removed. Open the \
         maintainer's start link again to ask for a new chat while they are online.\n\n{}",
        answer_marker(sid)
    )
}

/// The issue body once the chat connected: every token removed (the guest's own words and
/// the marker stay), with one line saying so.
pub fn scrub_issue_body(body: &str) -> String {
    let mut out = body.to_string();
    for raw in token::find_tokens(body) {
        out = out.replacen(raw, "", 1);
    }
    format!(
        "{}\n\n_The chat offer that was here has been used and removed by Janus._",
        out.trim_end()
    )
}

#[cfg(test)]
#[path = "guest_offer_tests.rs"]
mod tests;
