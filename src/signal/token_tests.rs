//! Unit tests of the token codec: round trips and every refusal of PROTOCOL.md "Signaling".

use super::*;
use serde_json::json;

const SID: &str = "0123456789abcdef";

/// A realistic data-channel-only SDP as webrtc-rs / Chromium produce it (~700 chars).
fn sdp(setup: &str) -> String {
    [
        "v=0",
        "o=- 8403615332048243445 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        "c=IN IP4 0.0.0.0",
        "a=candidate:1966762134 1 udp 2122260223 192.168.1.20 54321 typ host generation 0",
        "a=candidate:842163049 1 udp 1686052607 203.0.113.7 61002 typ srflx raddr 192.168.1.20 rport 54321",
        "a=ice-ufrag:Xk9f",
        "a=ice-pwd:q2Z0m9bRrQwEo0t1Yd3n8pLs",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CB:76:22:66:21:0E:DF:6C:3C:6B:73:9A:39:1E:A1:3E:CB:4C:2A:C1",
        &format!("a=setup:{setup}"),
        "a=mid:0",
        "a=sctp-port:5000",
        "a=max-message-size:262144",
        "",
    ]
    .join("\r\n")
}

fn payload(sdp: String, exp: Option<u64>) -> SignalPayload {
    let sid = SID.into();
    SignalPayload { sid, sdp, exp }
}

fn offer() -> SignalPayload {
    payload(sdp("actpass"), Some(1_900_000_000))
}

/// The error decoding `text` gives (panics in the test if it decodes).
fn err(text: &str) -> TokenError {
    decode(text).expect_err("token should be refused")
}

/// Builds a token around arbitrary JSON bytes, bypassing `encode`'s typed payload.
fn raw_token(kind: &str, json: &[u8]) -> String {
    format!("janus1.{kind}.{}", URL_SAFE_NO_PAD.encode(deflate(json)))
}

/// The error decoding an offer token around `value` gives.
fn json_err(value: serde_json::Value) -> TokenError {
    err(&raw_token("o", value.to_string().as_bytes()))
}

#[test]
fn offer_and_answer_round_trip() {
    assert!(sdp("actpass").len() > 600);
    let text = encode(TokenKind::Offer, &offer());
    assert!(text.starts_with("janus1.o.") && text.len() < 1200, "{text}");
    let token = decode(&text).unwrap();
    let expected = Token {
        kind: TokenKind::Offer,
        payload: offer(),
    };
    assert_eq!((&token, token.to_text()), (&expected, text));

    for setup in ["active", "passive"] {
        let answer = payload(sdp(setup), None);
        let text = encode(TokenKind::Answer, &answer);
        assert!(text.starts_with("janus1.a."));
        let token = decode(&format!("  {text}\n")).unwrap();
        assert_eq!((token.kind, token.payload), (TokenKind::Answer, answer));
    }
}

#[test]
fn answer_exp_is_optional_and_omitted_when_absent() {
    let answer = payload(sdp("active"), None);
    assert!(!serde_json::to_string(&answer).unwrap().contains("exp"));
    let with_exp = payload(sdp("active"), Some(5));
    let decoded = decode(&encode(TokenKind::Answer, &with_exp)).unwrap();
    assert_eq!(decoded.payload, with_exp);
}

#[test]
fn stored_deflate_fallback_is_accepted() {
    let json = serde_json::to_vec(&offer()).unwrap();
    let text = format!("janus1.o.{}", URL_SAFE_NO_PAD.encode(deflate_stored(&json)));
    assert_eq!(decode(&text).unwrap().payload, offer());
    let big = deflate_stored(&[b'x'; 60_000]);
    assert_eq!(inflate_bounded(&big).unwrap().len(), 60_000);
    assert_eq!(inflate_bounded(&deflate_stored(&[])).unwrap().len(), 0);
}

#[test]
fn new_sid_is_valid_and_random() {
    let a = new_sid();
    assert!(is_valid_sid(&a), "{a}");
    assert_ne!(a, new_sid());
}

#[test]
fn refuses_wrong_prefix_and_version() {
    for text in ["hello", "", "JANUS1.o.abc", "janus1.oabc", "janusx.o.abc"] {
        assert_eq!(err(text), TokenError::BadPrefix, "{text}");
    }
    let v2 = encode(TokenKind::Offer, &offer()).replacen("janus1", "janus2", 1);
    assert_eq!(err(&v2), TokenError::UnsupportedVersion("2".into()));
}

#[test]
fn refuses_unknown_kind() {
    let text = encode(TokenKind::Offer, &offer()).replacen("janus1.o.", "janus1.x.", 1);
    assert_eq!(err(&text), TokenError::UnknownKind("x".into()));
    assert_eq!(err("janus1..abc"), TokenError::UnknownKind(String::new()));
    // Control characters are escaped in the message.
    let message = err("janus1.\u{1b}[2J.abc").to_string();
    assert!(!message.contains('\u{1b}'), "{message}");
}

#[test]
fn refuses_oversized_payload_before_decoding() {
    let text = format!("janus1.o.{}", "!".repeat(MAX_PAYLOAD_CHARS + 1));
    assert_eq!(
        err(&text),
        TokenError::PayloadTooLarge(MAX_PAYLOAD_CHARS + 1)
    );
}

#[test]
fn refuses_bad_base64() {
    // `$` is not base64url, `=` padding is not allowed, and one character can never be
    // a whole byte (a truncated copy).
    for text in ["janus1.o.ab$cd", "janus1.o.abc=", "janus1.o.A"] {
        assert!(matches!(err(text), TokenError::BadBase64(_)), "{text}");
    }
}

#[test]
fn refuses_bad_deflate() {
    let text = format!("janus1.o.{}", URL_SAFE_NO_PAD.encode([0xffu8; 32]));
    assert!(matches!(err(&text), TokenError::BadDeflate(_)));
}

#[test]
fn refuses_inflate_bomb() {
    // 8 MiB of zeros inside the sdp string deflates to a few KiB: a real bomb.
    let mut json = br#"{"sid":"0123456789abcdef","exp":1,"sdp":""#.to_vec();
    json.extend(std::iter::repeat_n(b'0', 8 * 1024 * 1024));
    json.extend_from_slice(br#""}"#);
    let text = raw_token("o", &json);
    assert!(
        text.len() < MAX_PAYLOAD_CHARS,
        "bomb must pass the size check"
    );
    assert_eq!(err(&text), TokenError::InflatedTooLarge);
    // Exactly at the limit is fine as far as size goes; one byte more is not.
    let at_limit = deflate(&[b' '; MAX_INFLATED_BYTES]);
    assert_eq!(
        inflate_bounded(&at_limit).map(|v| v.len()),
        Ok(MAX_INFLATED_BYTES)
    );
    let over = deflate(&[b' '; MAX_INFLATED_BYTES + 1]);
    assert_eq!(inflate_bounded(&over), Err(TokenError::InflatedTooLarge));
}

#[test]
fn refuses_bad_json() {
    for bytes in [&b"not json"[..], b"[1,2]", &[0xff, 0xfe]] {
        assert!(matches!(
            err(&raw_token("o", bytes)),
            TokenError::BadJson(_)
        ));
    }
    let wrong_type = json!({"sid": 5, "sdp": sdp("actpass"), "exp": 1});
    assert!(matches!(json_err(wrong_type), TokenError::BadJson(_)));
    let negative_exp = json!({"sid": SID, "sdp": sdp("actpass"), "exp": -1});
    assert!(matches!(json_err(negative_exp), TokenError::BadJson(_)));
}

#[test]
fn refuses_missing_fields() {
    let no_sid = json!({"sdp": sdp("actpass"), "exp": 1});
    assert_eq!(json_err(no_sid), TokenError::MissingField("sid"));
    let no_sdp = json!({"sid": SID, "exp": 1});
    assert_eq!(json_err(no_sdp), TokenError::MissingField("sdp"));
    let null_sdp = json!({"sid": SID, "sdp": null, "exp": 1});
    assert_eq!(json_err(null_sdp), TokenError::MissingField("sdp"));
}

#[test]
fn refuses_bad_sid() {
    let bad = [
        "0123456789ABCDEF",
        "0123456789abcde",
        "0123456789abcdef0",
        "0123456789abcdeg",
        "",
    ];
    for sid in bad {
        let value = json!({"sid": sid, "sdp": sdp("actpass"), "exp": 1});
        assert!(matches!(json_err(value), TokenError::BadSid(_)), "{sid}");
    }
}

#[test]
fn refuses_offer_without_exp() {
    let value = json!({"sid": SID, "sdp": sdp("actpass")});
    assert_eq!(json_err(value), TokenError::MissingExpiry);
}

#[test]
fn refuses_empty_sdp() {
    for blank in ["", " \r\n "] {
        let value = json!({"sid": SID, "sdp": blank, "exp": 1});
        assert_eq!(json_err(value), TokenError::EmptySdp);
    }
}

#[test]
fn refuses_kind_that_does_not_match_the_sdp() {
    use TokenKind::{Answer, Offer};
    let mismatch = |kind, setup: &str| TokenError::KindMismatch {
        kind,
        setup: setup.into(),
    };
    let answer_sdp = payload(sdp("active"), Some(1));
    assert_eq!(err(&encode(Offer, &answer_sdp)), mismatch(Offer, "active"));
    let offer_sdp = payload(sdp("actpass"), None);
    assert_eq!(
        err(&encode(Answer, &offer_sdp)),
        mismatch(Answer, "actpass")
    );
    let holdconn = payload(sdp("holdconn"), None);
    assert_eq!(
        err(&encode(Answer, &holdconn)),
        mismatch(Answer, "holdconn")
    );
    // Mixed roles across sections are refused too.
    let mixed = payload(format!("{}a=setup:active\r\n", sdp("actpass")), Some(1));
    assert_eq!(err(&encode(Offer, &mixed)), mismatch(Offer, "active"));
    // `a=setup:` must be a line of its own, not text inside another line.
    let inline = payload("v=0\r\ns=x a=setup:actpass\r\n".into(), Some(1));
    assert_eq!(
        err(&encode(Offer, &inline)),
        TokenError::MissingSetup { kind: Offer }
    );
}

#[test]
fn expiry_helper() {
    assert!(!is_expired(&offer(), 1_899_999_999));
    assert!(is_expired(&offer(), 1_900_000_000));
    assert!(!is_expired(&payload(sdp("active"), None), u64::MAX));
}

#[test]
fn finds_tokens_in_free_text() {
    let offer_text = encode(TokenKind::Offer, &offer());
    let answer_text = encode(TokenKind::Answer, &payload(sdp("active"), None));
    let comment = format!("Here you go:\n`{answer_text}`\nand (old) {offer_text}.\n");
    assert_eq!(
        find_tokens(&comment),
        [answer_text.as_str(), offer_text.as_str()]
    );
    assert_eq!(find_tokens("xjanus1.a.abc-_Z9 tail"), ["janus1.a.abc-_Z9"]);
    assert!(find_tokens("janus1.o. janus1.x.abc janus1.o janus2.o.abc janus1.").is_empty());
    // Leftmost, non-overlapping: a prefix inside a match does not start another match.
    assert_eq!(find_tokens("janus1.o.abjanus1.a.cd"), ["janus1.o.abjanus1"]);
    assert_eq!(find_tokens("é janus1.o.ab€"), ["janus1.o.ab"]);
    assert_eq!(find_tokens("janus1.janus1.o.zz"), ["janus1.o.zz"]);
}
