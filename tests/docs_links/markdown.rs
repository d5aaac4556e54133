//! The Markdown the link check needs, simple version: prose lines (fenced code and inline
//! code spans blanked), link targets on a line, and the anchors GitHub makes for headings.

use std::collections::{HashMap, HashSet};

/// The lines of a Markdown text with fenced code blocks blanked and inline code spans
/// replaced by spaces, so nothing quoted as code counts as a link or heading.
pub(crate) fn prose_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // The fence that opened the current code block: its character and length.
    let mut fence: Option<(char, usize)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match fence {
            Some((c, len)) => {
                if marker == Some(c) && run >= len && trimmed[run..].trim().is_empty() {
                    fence = None;
                }
                out.push(String::new());
            }
            None if indent <= 3 && run >= 3 => {
                fence = marker.map(|c| (c, run));
                out.push(String::new());
            }
            None => out.push(without_code_spans(line)),
        }
    }
    out
}

/// `line` with every inline code span (a backtick run up to the next run of the same
/// length) replaced by spaces. An unmatched run stays as it is, as in CommonMark.
fn without_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|c| **c == '`').count();
        let mut j = i + run;
        let mut close = None;
        while j < chars.len() {
            if chars[j] == '`' {
                let other = chars[j..].iter().take_while(|c| **c == '`').count();
                if other == run {
                    close = Some(j);
                    break;
                }
                j += other;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out.extend(std::iter::repeat_n(' ', end + run - i));
                i = end + run;
            }
            None => {
                out.extend(&chars[i..i + run]);
                i += run;
            }
        }
    }
    out
}

/// Every link target on one prose line: inline links and images, a reference definition,
/// and `href="…"` / `src="…"` attributes.
pub(crate) fn link_targets(line: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        if let Some(target) = destination(after) {
            targets.push(target);
        }
        rest = after;
    }
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() <= 3 && trimmed.starts_with('[') && !trimmed.starts_with("[^") {
        if let Some(close) = trimmed.find("]:") {
            let label = &trimmed[1..close];
            if !label.is_empty() && !label.contains('[') && !label.contains(']') {
                if let Some(target) = trimmed[close + 2..].split_whitespace().next() {
                    targets.push(target.trim_start_matches('<').trim_end_matches('>').into());
                }
            }
        }
    }
    for attr in ["href=\"", "src=\""] {
        let mut rest = line;
        while let Some(at) = rest.find(attr) {
            let after = &rest[at + attr.len()..];
            if let Some(end) = after.find('"') {
                targets.push(after[..end].to_string());
            }
            rest = after;
        }
    }
    targets
}

/// The destination of an inline link, given the text right after `](`: `<…>`, or up to
/// whitespace or the `)` that balances the opening one.
fn destination(after: &str) -> Option<String> {
    let after = after.trim_start();
    if let Some(inner) = after.strip_prefix('<') {
        return inner.find('>').map(|end| inner[..end].to_string());
    }
    let mut depth = 0usize;
    for (i, c) in after.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(after[..i].to_string()),
            ')' => depth -= 1,
            c if c.is_whitespace() => return Some(after[..i].to_string()),
            _ => {}
        }
    }
    None
}

/// Whether a target leaves the repository's files: a URL with a scheme (`https:`,
/// `mailto:`) or a protocol-relative `//host/…`.
pub(crate) fn is_external(target: &str) -> bool {
    if target.starts_with("//") {
        return true;
    }
    let head = target.split(['/', '#', '?']).next().unwrap_or("");
    head.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

/// `%xx` escapes decoded (links to files with spaces or unusual characters).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(byte) if bytes[i] == b'%' => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The text a heading shows: links and images reduced to their text, code marks,
/// emphasis stars and HTML tags removed.
fn heading_text(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading;
    // `[text](url)` and `![alt](url)` → text.
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|e| close + e) else {
            break;
        };
        text.push_str(rest[..open].trim_end_matches('!'));
        text.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    text.push_str(rest);
    let mut plain = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            '`' | '*' => {}
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain.trim().to_string()
}

/// GitHub's anchor for a heading (before de-duplication): lower case; letters, digits,
/// `_` and `-` kept; spaces become `-`; everything else dropped.
fn slug(heading: &str) -> String {
    heading_text(heading)
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
            _ => None,
        })
        .collect()
}

/// Every anchor a document offers: its headings' slugs (`-1`, `-2` … for repeats) and
/// explicit `id="…"` / `name="…"` attributes.
pub(crate) fn anchors(text: &str) -> HashSet<String> {
    let lines = prose_lines(text);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = HashSet::new();
    let mut add = |heading: &str, out: &mut HashSet<String>| {
        let base = slug(heading);
        let n = seen.entry(base.clone()).or_insert(0);
        out.insert(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    };
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        let after = &trimmed[hashes..];
        if line.len() - trimmed.len() <= 3
            && (1..=6).contains(&hashes)
            && (after.is_empty() || after.starts_with([' ', '\t']))
        {
            let content = after.trim();
            let content = content.trim_end_matches('#');
            let content = if content.ends_with(' ') || content.is_empty() {
                content.trim_end()
            } else {
                after.trim()
            };
            add(content, &mut out);
            continue;
        }
        // Setext: a paragraph line underlined with `===` or `---`.
        let underline = line.trim();
        let is_underline = !underline.is_empty()
            && (underline.chars().all(|c| c == '=') || underline.chars().all(|c| c == '-'));
        if is_underline && i > 0 {
            let above = lines[i - 1].trim();
            let paragraph = !above.is_empty()
                && !above.starts_with(['#', '-', '*', '+', '|', '>'])
                && !above.chars().next().is_some_and(|c| c.is_ascii_digit());
            if paragraph {
                add(above, &mut out);
            }
        }
        for attr in ["id=\"", "name=\""] {
            let mut rest = line.as_str();
            while let Some(at) = rest.find(attr) {
                let after = &rest[at + attr.len()..];
                if let Some(end) = after.find('"') {
                    out.insert(after[..end].to_string());
                }
                rest = after;
            }
        }
    }
    out
}

#[test]
fn github_slugs_follow_the_simple_rules() {
    assert_eq!(slug("The guest page"), "the-guest-page");
    assert_eq!(slug("Why webrtc 0.21.1 (pinned)"), "why-webrtc-0211-pinned");
    assert_eq!(
        slug("For guests: what the page tells you"),
        "for-guests-what-the-page-tells-you"
    );
    assert_eq!(
        slug("Limits, transcripts, shutdown"),
        "limits-transcripts-shutdown"
    );
    assert_eq!(slug("The `janus` channel"), "the-janus-channel");
    assert_eq!(slug("Flow A — step by step"), "flow-a--step-by-step");
    assert_eq!(slug("See [the code](src/x.rs) here"), "see-the-code-here");
    assert_eq!(slug("snake_case and Ümlaut"), "snake_case-and-ümlaut");
    let text = "# Title\n\n## Notes\n\n## Notes\n\nSetext\n======\n\n```\n# not a heading\n```\n";
    let found = anchors(text);
    let expected: HashSet<String> = ["title", "notes", "notes-1", "setext"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn links_are_found_in_prose_only() {
    let lines =
        prose_lines("a [x](one.md) `[y](two.md)` b\n~~~\n[z](three.md)\n~~~\n[w]: four.md \"t\"\n");
    let targets: Vec<String> = lines.iter().flat_map(|l| link_targets(l)).collect();
    assert_eq!(targets, ["one.md", "four.md"]);
    assert_eq!(destination("<a b.md> \"t\")"), Some("a b.md".into()));
    assert_eq!(destination("f(1).md)"), Some("f(1).md".into()));
    assert_eq!(destination("x.md \"title\")"), Some("x.md".into()));
    assert!(is_external("https://x") && is_external("mailto:a@b") && is_external("//cdn/x"));
    assert!(!is_external("docs/a.md") && !is_external("#x") && !is_external("a/b:c.md"));
    assert_eq!(percent_decode("a%20b%2Fc%zz"), "a b/c%zz");
}
