//! Fuzzes the guest link parser and builder (`signal::link`): any text a guest might paste.
//!
//! Invariants beyond "never panics":
//! - a link that parses, rebuilt with `to_url`, parses to the same link;
//! - a link built from the input's lines (pages URL, offer, repo, API base, ICE list) keeps
//!   every value through percent-encoding: if the rebuilt text parses, it carries exactly
//!   the values that were put in (with the documented normalisations: the default API is
//!   `None`, blank ICE entries are dropped), and it never carries a TURN server.
#![no_main]

use janus::fuzz_api::{is_stun_url, GuestLink};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    if let Ok(link) = GuestLink::parse(text) {
        let url = link.to_url();
        assert_eq!(GuestLink::parse(&url).as_ref(), Ok(&link), "{url}");
        assert!(link.ice_servers().iter().all(|s| is_stun_url(s)));
        assert!(link.issue > 0);
    }

    let mut lines = text.split('\n');
    let mut next = || lines.next().unwrap_or_default().to_string();
    let built = GuestLink {
        pages_url: next(),
        offer: next(),
        repo: next(),
        issue: u64::from(data.len() as u32) + 1,
        api: Some(next()).filter(|a| !a.is_empty()),
        ice: {
            let ice = next();
            (ice != "-").then(|| ice.split(',').map(str::to_string).collect())
        },
    };
    let url = built.to_url();
    let fragment = url.rsplit_once('#').map(|(_, f)| f).unwrap_or_default();
    assert!(
        fragment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()%&=".contains(&b)),
        "fragment not percent-encoded: {fragment}"
    );
    if let Ok(parsed) = GuestLink::parse(&url) {
        let pages = built
            .pages_url
            .split('#')
            .next()
            .unwrap_or_default()
            .trim_start();
        assert_eq!(parsed.pages_url, pages);
        assert_eq!(parsed.offer, built.offer);
        assert_eq!(parsed.repo, built.repo);
        assert_eq!(parsed.issue, built.issue);
        assert_eq!(
            parsed.api_base().trim_end_matches('/'),
            built.api_base().trim_end_matches('/')
        );
        if let Some(api) = &parsed.api {
            assert_eq!(Some(api), built.api.as_ref());
        }
        let expected_ice = built.ice.as_ref().map(|list| {
            list.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        });
        assert_eq!(parsed.ice, expected_ice);
    }
});
