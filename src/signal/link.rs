//! The guest link (PROTOCOL.md "Signaling"): what the host posts so the guest page can pick up the offer.
//!
//! `{pages_url}#offer={token}&repo={owner}/{repo}&issue={n}[&api={API base}][&ice={STUN urls}]`
//!
//! Everything rides in the fragment, so the offer (which carries IP addresses) never reaches
//! the Pages server. `api` is omitted for [`DEFAULT_API`]. `ice` is omitted when the host
//! uses [`DEFAULT_STUN`]; present and empty (`&ice=`) it means "use no ICE servers" (offline
//! demo and tests). Values are percent-encoded like JavaScript's `encodeURIComponent`, so the
//! page can read them with `URLSearchParams` or `decodeURIComponent`. Unknown keys are
//! ignored (newer hosts may add some); a repeated key is refused as ambiguous.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::shorten;
use super::token::find_tokens;
use crate::forge::RepoName;

/// GitHub's REST API base; links to it omit `api`.
pub const DEFAULT_API: &str = "https://api.github.com";
/// STUN servers both ends use unless told otherwise. STUN only: TURN credentials must never
/// appear in a public comment.
pub const DEFAULT_STUN: &[&str] = &[
    "stun:stun.l.google.com:19302",
    "stun:stun.cloudflare.com:3478",
];

/// A parsed or to-be-built guest link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestLink {
    /// Where the guest page is served (GitHub Pages or the embedded forge); any fragment is
    /// dropped when building, since the link's own fragment carries the data.
    pub pages_url: String,
    /// The offer token text (`janus1.o.…`), checked for shape only; the page decodes it.
    pub offer: String,
    /// `owner/repo` of the issue, so the page can verify the offer comment (§7).
    pub repo: String,
    /// Issue number whose comments carry the offer and will carry the answer.
    pub issue: u64,
    /// API base for a non-GitHub.com forge (GitHub Enterprise, embedded forge); `None`
    /// means [`DEFAULT_API`].
    pub api: Option<String>,
    /// STUN servers for the guest: `None` means [`DEFAULT_STUN`], `Some(vec![])` means none.
    pub ice: Option<Vec<String>>,
}

/// Why a link was refused. Quoted input is escaped and shortened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// No `#…` part: the link was cut when copied, or is not a Janus link.
    #[error("the link has no `#` part with the offer; was it copied completely?")]
    NoFragment,
    /// The part before `#` is not an http(s) URL.
    #[error("the guest page address `{0}` is not an http(s) URL")]
    BadPagesUrl(String),
    /// A required key is absent from the fragment.
    #[error("the link lacks `{0}=`")]
    MissingField(&'static str),
    /// A key appears twice; refusing beats guessing which one the host meant.
    #[error("the link has `{0}=` more than once")]
    DuplicateField(String),
    /// `offer` is not shaped like an offer token.
    #[error("the link's offer `{0}` is not a Janus offer token (janus1.o.…)")]
    BadOffer(String),
    /// `repo` is not `owner/name`.
    #[error("the link's repository `{0}` is not of the form owner/name")]
    BadRepo(String),
    /// `issue` is not a positive integer.
    #[error("the link's issue `{0}` is not a positive issue number")]
    BadIssue(String),
    /// `api` is not an http(s) URL (or carries credentials).
    #[error("the link's API address `{0}` is not an http(s) URL without credentials")]
    BadApi(String),
    /// An `ice` entry is not a STUN URL (TURN is not allowed in links).
    #[error("the link's ICE server `{0}` is not a stun: or stuns: URL")]
    BadIce(String),
}

impl GuestLink {
    /// Builds the link text. Never fails; values are percent-encoded.
    pub fn to_url(&self) -> String {
        let base = self.pages_url.split('#').next().unwrap_or_default();
        let mut url = format!(
            "{base}#offer={}&repo={}&issue={}",
            encode_component(&self.offer),
            encode_component(&self.repo),
            self.issue
        );
        if let Some(api) = self.api.as_deref().filter(|api| !is_default_api(api)) {
            url.push_str("&api=");
            url.push_str(&encode_component(api));
        }
        if let Some(ice) = &self.ice {
            url.push_str("&ice=");
            url.push_str(&encode_component(&ice.join(",")));
        }
        url
    }

    /// Parses and validates a link (see the module documentation for the format).
    pub fn parse(url: &str) -> Result<GuestLink, LinkError> {
        let url = url.trim();
        let (pages_url, fragment) = url.split_once('#').ok_or(LinkError::NoFragment)?;
        if !is_http_url(pages_url) {
            return Err(LinkError::BadPagesUrl(shorten(pages_url, 80)));
        }
        let mut offer = None;
        let mut repo = None;
        let mut issue = None;
        let mut api = None;
        let mut ice = None;
        for (key, value) in url::form_urlencoded::parse(fragment.as_bytes()) {
            let slot = match key.as_ref() {
                "offer" => &mut offer,
                "repo" => &mut repo,
                "issue" => &mut issue,
                "api" => &mut api,
                "ice" => &mut ice,
                _ => continue,
            };
            if slot.is_some() {
                return Err(LinkError::DuplicateField(key.into_owned()));
            }
            *slot = Some(value.into_owned());
        }

        let offer = offer.ok_or(LinkError::MissingField("offer"))?;
        if !offer.starts_with("janus1.o.") || find_tokens(&offer) != [offer.as_str()] {
            return Err(LinkError::BadOffer(shorten(&offer, 40)));
        }
        let repo = repo.ok_or(LinkError::MissingField("repo"))?;
        // Only the canonical `owner/name` form: RepoName also accepts URLs, a link does not.
        match RepoName::parse(&repo) {
            Ok(name) if name.to_string() == repo => {}
            _ => return Err(LinkError::BadRepo(shorten(&repo, 80))),
        }
        let issue_text = issue.ok_or(LinkError::MissingField("issue"))?;
        let issue = issue_text
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| issue_text.parse::<u64>().ok())
            .flatten()
            .filter(|n| *n > 0)
            .ok_or_else(|| LinkError::BadIssue(shorten(&issue_text, 24)))?;
        let api = match api {
            None => None,
            Some(api) if !is_http_url(&api) => return Err(LinkError::BadApi(shorten(&api, 80))),
            Some(api) if is_default_api(&api) => None,
            Some(api) => Some(api),
        };
        let ice = match ice {
            None => None,
            Some(list) => {
                let servers: Vec<String> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if let Some(bad) = servers.iter().find(|s| !is_stun_url(s)) {
                    return Err(LinkError::BadIce(shorten(bad, 80)));
                }
                Some(servers)
            }
        };
        Ok(GuestLink {
            pages_url: pages_url.to_string(),
            offer,
            repo,
            issue,
            api,
            ice,
        })
    }

    /// The API base to use: `api`, or [`DEFAULT_API`].
    pub fn api_base(&self) -> &str {
        self.api.as_deref().unwrap_or(DEFAULT_API)
    }

    /// The STUN servers to use: `ice`, or [`DEFAULT_STUN`] when absent.
    pub fn ice_servers(&self) -> Vec<String> {
        match &self.ice {
            Some(list) => list.clone(),
            None => DEFAULT_STUN.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Whether `url` is a `stun:` or `stuns:` URL with a host (the only ICE servers a public
/// link may carry).
pub fn is_stun_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("stun:")
        .or_else(|| url.strip_prefix("stuns:"));
    rest.is_some_and(|r| {
        !r.is_empty() && !r.contains(['?', '@', '/', ' ', ',']) && !r.chars().any(char::is_control)
    })
}

/// Whether `api` names GitHub.com's API (ignoring a trailing slash).
fn is_default_api(api: &str) -> bool {
    api.trim_end_matches('/') == DEFAULT_API
}

/// Whether `text` is an absolute http(s) URL with a host and no credentials (a link is
/// public; the guest page refuses credentials too).
fn is_http_url(text: &str) -> bool {
    url::Url::parse(text)
        .map(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && u.username().is_empty()
                && u.password().is_none()
        })
        .unwrap_or(false)
}

/// What `encodeURIComponent` escapes: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Percent-encodes `text` (as UTF-8) like JavaScript's `encodeURIComponent`.
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, URI_COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::token::{encode, SignalPayload, TokenKind};

    fn offer() -> String {
        let payload = SignalPayload {
            sid: "00112233aabbccdd".into(),
            sdp: "v=0\r\na=setup:actpass\r\n".into(),
            exp: Some(2_000_000_000),
        };
        encode(TokenKind::Offer, &payload)
    }

    fn link() -> GuestLink {
        GuestLink {
            pages_url: "https://octo.github.io/janus/".into(),
            offer: offer(),
            repo: "octo/hello-world".into(),
            issue: 42,
            api: None,
            ice: None,
        }
    }

    #[test]
    fn minimal_link_round_trips_and_omits_defaults() {
        let url = link().to_url();
        assert_eq!(
            url,
            format!(
                "https://octo.github.io/janus/#offer={}&repo=octo%2Fhello-world&issue=42",
                offer()
            )
        );
        assert_eq!(GuestLink::parse(&url), Ok(link()));
        let default_api = GuestLink {
            api: Some(DEFAULT_API.into()),
            ..link()
        };
        assert_eq!(default_api.to_url(), url);
        assert_eq!(link().api_base(), DEFAULT_API);
        assert_eq!(link().ice_servers(), DEFAULT_STUN);
    }

    #[test]
    fn api_and_ice_round_trip() {
        let full = GuestLink {
            pages_url: "http://127.0.0.1:8080/guest/".into(),
            api: Some("http://127.0.0.1:8080/api/v3".into()),
            ice: Some(vec!["stun:a.example:3478".into(), "stuns:b.example".into()]),
            ..link()
        };
        let url = full.to_url();
        assert!(
            url.contains("&api=http%3A%2F%2F127.0.0.1%3A8080%2Fapi%2Fv3"),
            "{url}"
        );
        assert!(
            url.contains("&ice=stun%3Aa.example%3A3478%2Cstuns%3Ab.example"),
            "{url}"
        );
        assert_eq!(GuestLink::parse(&url), Ok(full));
    }

    #[test]
    fn empty_ice_means_no_servers() {
        let offline = GuestLink {
            ice: Some(Vec::new()),
            ..link()
        };
        let url = offline.to_url();
        assert!(url.ends_with("&ice="), "{url}");
        let parsed = GuestLink::parse(&url).unwrap();
        assert_eq!(parsed.ice, Some(Vec::new()));
        assert!(parsed.ice_servers().is_empty());
    }

    #[test]
    fn explicit_default_api_and_unknown_keys_are_accepted() {
        let url = format!(
            "{}&api=https%3A%2F%2Fapi.github.com%2F&future=1",
            link().to_url()
        );
        assert_eq!(GuestLink::parse(&url), Ok(link()));
        // Unencoded values (typed by hand) are read too.
        let plain = format!(
            "https://x.io/#issue=42&repo=octo/hello-world&offer={}",
            offer()
        );
        assert_eq!(GuestLink::parse(&plain).unwrap().repo, "octo/hello-world");
    }

    #[test]
    fn fragment_in_pages_url_is_dropped_when_building() {
        let odd = GuestLink {
            pages_url: "https://octo.github.io/janus/#old".into(),
            ..link()
        };
        assert_eq!(GuestLink::parse(&odd.to_url()), Ok(link()));
    }

    fn with(fragment: &str) -> Result<GuestLink, LinkError> {
        GuestLink::parse(&format!("https://octo.github.io/janus/#{fragment}"))
    }

    #[test]
    fn refuses_missing_fragment_and_bad_page() {
        assert_eq!(
            GuestLink::parse("https://octo.github.io/janus/"),
            Err(LinkError::NoFragment)
        );
        let bad = format!("javascript:alert(1)#offer={}&repo=a/b&issue=1", offer());
        assert!(matches!(
            GuestLink::parse(&bad),
            Err(LinkError::BadPagesUrl(_))
        ));
    }

    #[test]
    fn refuses_missing_and_duplicate_fields() {
        let o = offer();
        assert_eq!(
            with("repo=a/b&issue=1"),
            Err(LinkError::MissingField("offer"))
        );
        assert_eq!(
            with(&format!("offer={o}&issue=1")),
            Err(LinkError::MissingField("repo"))
        );
        assert_eq!(
            with(&format!("offer={o}&repo=a/b")),
            Err(LinkError::MissingField("issue"))
        );
        assert_eq!(
            with(&format!("offer={o}&repo=a/b&issue=1&offer={o}")),
            Err(LinkError::DuplicateField("offer".into()))
        );
    }

    #[test]
    fn refuses_bad_offer() {
        let answer = offer().replacen("janus1.o.", "janus1.a.", 1);
        for bad in [
            answer.as_str(),
            "",
            "janus1.o.",
            "hello",
            "janus1.o.abc%20def",
            "xjanus1.o.abc",
        ] {
            let result = with(&format!("offer={bad}&repo=a/b&issue=1"));
            assert!(
                matches!(result, Err(LinkError::BadOffer(_))),
                "{bad}: {result:?}"
            );
        }
    }

    #[test]
    fn refuses_bad_repo() {
        let o = offer();
        for bad in [
            "",
            "a",
            "a/b/c",
            "../x",
            "a/..",
            "https%3A%2F%2Fgithub.com%2Fa%2Fb",
            "a%20b/c",
            "a/b.git",
        ] {
            let result = with(&format!("offer={o}&repo={bad}&issue=1"));
            assert!(
                matches!(result, Err(LinkError::BadRepo(_))),
                "{bad}: {result:?}"
            );
        }
    }

    #[test]
    fn refuses_bad_issue() {
        let o = offer();
        for bad in ["0", "-1", "+1", "1.5", "x", "", "99999999999999999999999"] {
            let result = with(&format!("offer={o}&repo=a/b&issue={bad}"));
            assert!(
                matches!(result, Err(LinkError::BadIssue(_))),
                "{bad}: {result:?}"
            );
        }
    }

    #[test]
    fn refuses_bad_api_and_ice() {
        let o = offer();
        for bad in [
            "",
            "ftp%3A%2F%2Fx",
            "javascript%3Aalert(1)",
            "api.github.com",
            "https%3A%2F%2Fuser%3Apw%40ghe.example",
        ] {
            let result = with(&format!("offer={o}&repo=a/b&issue=1&api={bad}"));
            assert!(
                matches!(result, Err(LinkError::BadApi(_))),
                "{bad}: {result:?}"
            );
        }
        for bad in [
            "turn%3Auser%40x",
            "stun%3A",
            "http%3A%2F%2Fx",
            "stun%3Aa%2Cturn%3Ab",
        ] {
            let result = with(&format!("offer={o}&repo=a/b&issue=1&ice={bad}"));
            assert!(
                matches!(result, Err(LinkError::BadIce(_))),
                "{bad}: {result:?}"
            );
        }
    }

    #[test]
    fn values_are_encoded_like_encode_uri_component() {
        // The expected text is what JavaScript's encodeURIComponent gives for the same input.
        assert_eq!(
            encode_component("Az09-_.!~*'() /?#&=+%,:@\u{e7}\u{1f600}\n"),
            "Az09-_.!~*'()%20%2F%3F%23%26%3D%2B%25%2C%3A%40%C3%A7%F0%9F%98%80%0A"
        );
        let odd = GuestLink {
            api: Some("http://h.example/a b?x=1&y=+%41#frag".into()),
            ice: Some(vec!["stun:\u{e9}t\u{e9}.example:3478".into()]),
            ..link()
        };
        assert_eq!(GuestLink::parse(&odd.to_url()), Ok(odd));
    }

    #[test]
    fn error_messages_escape_control_characters() {
        let err = with(&format!(
            "offer={}&repo=%1B%5D0%3Bpwned%07&issue=1",
            offer()
        ))
        .unwrap_err();
        let text = err.to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
}
