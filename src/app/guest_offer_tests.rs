//! Flow B judging: each refusal of PROTOCOL.md "Signaling" / issue "Bad input", and the texts.

use super::*;
use crate::signal::token::{encode, SignalPayload, TokenKind};

const NOW: u64 = 1_790_000_000;
const SID: &str = "00112233aabbccdd";
const ALICE: u64 = 42;
const OFFER_SDP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=setup:actpass\r\n";
const ANSWER_SDP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=setup:active\r\n";

fn offer(sid: &str, exp: Option<u64>) -> String {
    encode(
        TokenKind::Offer,
        &SignalPayload {
            sid: sid.into(),
            sdp: OFFER_SDP.into(),
            exp,
        },
    )
}

fn body(token: &str, marker_sid: &str) -> String {
    format!(
        "I would like to chat about the roadmap.\n\n{token}\n\n<!-- janus:guest-offer sid={marker_sid} -->"
    )
}

fn never(_: &str) -> bool {
    false
}

fn judge_as(
    text: &str,
    writer_id: u64,
    banned: bool,
    used: &dyn Fn(&str) -> bool,
) -> Option<Result<GuestOffer, String>> {
    judge(
        text,
        &Judge {
            writer_id,
            issue_author_id: ALICE,
            banned,
            now: NOW,
            offer_ttl_secs: 600,
            used,
        },
    )
}

fn refusal(text: &str) -> String {
    judge_as(text, ALICE, false, &never)
        .expect("an offer token is there")
        .expect_err("refused")
}

#[test]
fn the_authors_own_offer_is_accepted() {
    let got = judge_as(
        &body(&offer(SID, Some(NOW + 300)), SID),
        ALICE,
        false,
        &never,
    );
    assert_eq!(
        got,
        Some(Ok(GuestOffer {
            sid: SID.into(),
            sdp: OFFER_SDP.into(),
            exp: NOW + 300
        }))
    );
}

#[test]
fn ordinary_texts_are_no_offer_at_all() {
    assert_eq!(
        judge_as("Hi, a question about the API.", ALICE, false, &never),
        None
    );
    assert_eq!(
        judge_as(
            "<!-- janus:guest-offer sid=00112233aabbccdd -->",
            ALICE,
            false,
            &never
        ),
        None
    );
    // An answer token is not a guest offer (the page never posts one in flow B).
    let answer = encode(
        TokenKind::Answer,
        &SignalPayload {
            sid: SID.into(),
            sdp: ANSWER_SDP.into(),
            exp: None,
        },
    );
    assert_eq!(judge_as(&body(&answer, SID), ALICE, false, &never), None);
}

#[test]
fn someone_elses_offer_and_a_banned_author_are_refused() {
    let text = body(&offer(SID, Some(NOW + 300)), SID);
    let edited_in = judge_as(&text, 7, false, &never).unwrap().unwrap_err();
    assert!(
        edited_in.contains("other than the issue's author"),
        "{edited_in}"
    );
    let banned = judge_as(&text, ALICE, true, &never).unwrap().unwrap_err();
    assert!(banned.contains("banned"), "{banned}");
}

#[test]
fn replayed_expired_and_overlong_offers_are_refused() {
    let used = |sid: &str| sid == SID;
    let replay = judge_as(
        &body(&offer(SID, Some(NOW + 300)), SID),
        ALICE,
        false,
        &used,
    )
    .unwrap()
    .unwrap_err();
    assert!(replay.contains("replay"), "{replay}");
    assert!(refusal(&body(&offer(SID, Some(NOW)), SID)).contains("expired"));
    assert!(
        refusal(&body(&offer(SID, Some(NOW + 600 + EXP_SKEW_SECS + 1)), SID))
            .contains("longer than")
    );
    assert!(judge_as(
        &body(&offer(SID, Some(NOW + 600 + EXP_SKEW_SECS)), SID),
        ALICE,
        false,
        &never
    )
    .unwrap()
    .is_ok());
}

#[test]
fn malformed_tokens_and_markers_are_refused_with_a_reason() {
    assert!(refusal(&body("janus1.o.AAAA", SID)).contains("cannot be read"));
    let token = offer(SID, Some(NOW + 300));
    assert!(refusal(&format!("hi\n\n{token}")).contains("marker is missing"));
    assert!(refusal(&body(&token, "ffffffffffffffff")).contains("disagree"));
    assert!(refusal(&body(&token, "NOT-A-SID")).contains("marker is missing"));
}

#[test]
fn a_body_of_65536_characters_is_judged_and_a_larger_one_is_not_searched() {
    let token = offer(SID, Some(NOW + 300));
    let core = body(&token, SID);
    let full = format!("{core}{}", "x".repeat(65_536 - core.chars().count()));
    assert_eq!(full.chars().count(), 65_536);
    assert!(judge_as(&full, ALICE, false, &never).unwrap().is_ok());
    let huge = format!("{core}{}", "€".repeat(MAX_TEXT_BYTES / 3));
    assert!(refusal(&huge).contains("not searched"));
}

#[test]
fn answer_comments_carry_the_marker_before_and_after_scrubbing() {
    let posted = answer_comment_body("alice", "janus1.a.xyz", SID);
    assert!(posted.starts_with("Hi @alice"));
    assert!(posted.contains("janus1.a.xyz"));
    assert_eq!(answered_sid(&posted), Some(SID));
    let used = answer_used_body(SID, NOW);
    assert!(!used.contains("janus1."));
    assert_eq!(
        answered_sid(&used),
        Some(SID),
        "the marker keeps the sid answered"
    );
    assert_eq!(guest_offer_sid(&posted), None);
}

#[test]
fn scrubbing_keeps_the_guests_words_and_drops_every_token() {
    let token = offer(SID, Some(NOW + 300));
    let text = body(&token, SID);
    let scrubbed = scrub_issue_body(&text);
    assert!(!scrubbed.contains("janus1."), "{scrubbed}");
    assert!(scrubbed.starts_with("I would like to chat about the roadmap."));
    assert_eq!(guest_offer_sid(&scrubbed), Some(SID));
    assert_eq!(
        judge_as(&scrubbed, ALICE, false, &never),
        None,
        "nothing left to answer"
    );
}
