//! Presence (PROTOCOL.md "The start link and the presence issue"): the texts and the pacing of the presence issue, the one issue
//! labelled `janus-presence` whose body tells people whether the maintainer is online, when
//! their office hours are, and how to start a chat. Pure functions: time is an argument.
//!
//! The runtime (`host/presence.rs`) finds or creates the issue and edits it on start, every
//! [`REFRESH_SECS`] and on quit; these are its texts and its write budget.

use crate::forge::RepoName;
use crate::signal::link::encode_component;

/// The label that marks the presence issue (created on the repository if missing).
pub const LABEL: &str = "janus-presence";
/// The shortest time between two refreshes while running: 12 per hour at most.
pub const REFRESH_SECS: u64 = 300;
/// What opens the machine-readable last line of the body.
const MARKER: &str = "<!-- janus:presence state=";

/// What the presence body says.
#[derive(Debug, Clone, Copy)]
pub struct Presence<'a> {
    /// The maintainer's login.
    pub host: &'a str,
    /// Online (the host runs) or offline (it quit).
    pub online: bool,
    /// Unix seconds of this write: "online since" or "last seen".
    pub seen: u64,
    /// The configured office hours, verbatim (e.g. `Tue/Thu 14:00–16:00 UTC`).
    pub office_hours: Option<&'a str>,
    /// The start link (see [`start_link`]).
    pub start_link: &'a str,
}

/// The console's notice once the presence issue is found or made (`Event::PresenceIssue`):
/// what guests now see, and that it follows the host's running.
pub fn found_notice(number: u64) -> String {
    format!(
        "presence issue #{number}: guests see you online while Janus runs (refreshed every {} minutes), offline once you quit; its start link starts a chat",
        REFRESH_SECS / 60
    )
}

/// The start link of flow B: `{pages_url}#repo={owner}/{repo}[&api=…]` (`api` omitted for
/// api.github.com).
pub fn start_link(pages_url: &str, repo: &RepoName, api: Option<&str>) -> String {
    let mut url = format!(
        "{pages_url}#repo={}",
        encode_component(&format!("{}/{}", repo.owner, repo.name))
    );
    if let Some(api) = api.filter(|a| *a != "https://api.github.com") {
        url.push_str("&api=");
        url.push_str(&encode_component(api));
    }
    url
}

/// RFC 3339 (UTC, seconds) of a unix time.
fn rfc3339(unix: u64) -> String {
    crate::clock::format_rfc3339(i64::try_from(unix).unwrap_or(i64::MAX))
}

/// The presence issue's body: for humans first, the marker last.
pub fn body(p: &Presence<'_>) -> String {
    let state = if p.online {
        format!("**@{} is online now** (since {}).", p.host, rfc3339(p.seen))
    } else {
        format!("@{} is offline; last seen {}.", p.host, rfc3339(p.seen))
    };
    let hours = p
        .office_hours
        .map(|h| format!("Office hours: {h}.\n\n"))
        .unwrap_or_default();
    format!(
        "{state}\n\n{hours}To chat with the maintainer, open the start link: {link}\n\
         It opens GitHub with a prefilled issue; press Create and the chat connects by itself.\n\n\
         For your README:\n\n```markdown\n[Chat with the maintainer]({link})\n```\n\n\
         Comments here are not chat requests.\n\n{MARKER}{} seen={} -->",
        if p.online { "online" } else { "offline" },
        p.seen,
        link = p.start_link,
    )
}

/// The state and `seen` (unix seconds) of a presence body's marker, if well-formed.
pub fn parse(body: &str) -> Option<(bool, u64)> {
    let rest = &body[body.rfind(MARKER)? + MARKER.len()..];
    let mut words = rest.split_whitespace();
    let online = match words.next()? {
        "online" => true,
        "offline" => false,
        _ => return None,
    };
    let seen = words.next()?.strip_prefix("seen=")?.parse().ok()?;
    Some((online, seen))
}

/// Whether a refresh is due at `now`: always for a change of state (start, quit), else
/// not before [`REFRESH_SECS`] after the last write.
pub fn due(last_write: Option<(bool, u64)>, online: bool, now: u64) -> bool {
    match last_write {
        None => true,
        Some((was_online, at)) => was_online != online || now >= at + REFRESH_SECS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_790_000_000;

    fn repo() -> RepoName {
        RepoName::parse("maintainer/demo").unwrap()
    }

    #[test]
    fn the_start_link_names_the_repo_and_a_non_github_api() {
        assert_eq!(
            start_link("https://m.github.io/janus/", &repo(), None),
            "https://m.github.io/janus/#repo=maintainer%2Fdemo"
        );
        assert_eq!(
            start_link(
                "https://m.github.io/janus/",
                &repo(),
                Some("https://api.github.com")
            ),
            "https://m.github.io/janus/#repo=maintainer%2Fdemo"
        );
        assert_eq!(
            start_link("http://127.0.0.1:9/guest/", &repo(), Some("http://127.0.0.1:9/api/v3")),
            "http://127.0.0.1:9/guest/#repo=maintainer%2Fdemo&api=http%3A%2F%2F127.0.0.1%3A9%2Fapi%2Fv3"
        );
    }

    #[test]
    fn the_body_is_for_humans_and_ends_with_the_marker() {
        let link = start_link("https://m.github.io/janus/", &repo(), None);
        let p = Presence {
            host: "maintainer",
            online: true,
            seen: NOW,
            office_hours: Some("Tue/Thu 14:00–16:00 UTC"),
            start_link: &link,
        };
        let text = body(&p);
        assert!(text.starts_with("**@maintainer is online now**"), "{text}");
        assert!(text.contains("Office hours: Tue/Thu 14:00–16:00 UTC."));
        assert!(text.contains(&format!("[Chat with the maintainer]({link})")));
        assert!(text.ends_with(&format!("<!-- janus:presence state=online seen={NOW} -->")));
        assert_eq!(parse(&text), Some((true, NOW)));
        let off = body(&Presence {
            online: false,
            office_hours: None,
            ..p
        });
        assert!(off.contains("is offline; last seen") && !off.contains("Office hours"));
        assert_eq!(parse(&off), Some((false, NOW)));
    }

    #[test]
    fn markers_that_are_not_ours_do_not_parse() {
        assert_eq!(parse("no marker"), None);
        assert_eq!(parse("<!-- janus:presence state=away seen=1 -->"), None);
        assert_eq!(
            parse("<!-- janus:presence state=online seen=soon -->"),
            None
        );
        // The last marker counts (a quoted one earlier in the text does not).
        let two = "<!-- janus:presence state=offline seen=1 -->\n<!-- janus:presence state=online seen=2 -->";
        assert_eq!(parse(two), Some((true, 2)));
    }

    #[test]
    fn writes_stay_within_twelve_an_hour() {
        assert!(due(None, true, NOW), "the first write on start");
        assert!(!due(Some((true, NOW)), true, NOW + REFRESH_SECS - 1));
        assert!(due(Some((true, NOW)), true, NOW + REFRESH_SECS));
        assert!(
            due(Some((true, NOW)), false, NOW + 1),
            "quitting writes at once"
        );
        // A host asking every second for an hour writes at most 12 times (plus quitting).
        let mut last = None;
        let mut writes = 0;
        for t in NOW..NOW + 3600 {
            if due(last, true, t) {
                writes += 1;
                last = Some((true, t));
            }
        }
        assert_eq!(writes, 12);
    }
}
