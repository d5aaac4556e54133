//! The project's own documents stand alone: every relative link in `README.md`,
//! `BENCHMARKS.md` and `docs/*.md` resolves in a fresh clone of the repository.
//!
//! For each document this test extracts the relative Markdown links (`[text](target)`,
//! `![alt](target)`, reference definitions `[x]: target`, and `href`/`src` attributes of
//! inline HTML), skipping fenced code blocks and inline code spans, and fails when a target
//! - does not exist, or exists but is not tracked by git (a fresh clone would not have it);
//! - points outside the repository (`..` climbing above its root);
//! - names an `#anchor` that no heading of the target document produces (GitHub's slug
//!   rules, simple version: lower case, punctuation dropped, spaces to `-`, `-1`, `-2` … for
//!   repeated headings).
//!
//! It also fails when a document mentions the design picture that lives outside the
//! repository (`shared/DESIGN.md`, `DESIGN.md`, `DESIGN §n`): the repository carries its own
//! `docs/PROTOCOL.md` and `docs/ARCHITECTURE.md`. A self-test runs the same checker on a
//! scratch repository full of broken links, so the checker itself is known to catch them.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// One thing wrong in one document, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    /// The document, relative to the repository root (`docs/PROTOCOL.md`).
    doc: String,
    /// 1-based line of the link or mention.
    line: usize,
    /// What is wrong, for a person fixing it.
    message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.doc, self.line, self.message)
    }
}

/// The repository being checked.
struct Repo {
    /// Its root directory (where `Cargo.toml` is).
    root: PathBuf,
    /// Paths git tracks (files and every directory above them), relative to `root`; `None`
    /// when git is not available (then existence on disk is what counts).
    tracked: Option<HashSet<PathBuf>>,
}

impl Repo {
    /// The repository this test belongs to, with git's list of tracked files if git can
    /// give it.
    fn this_one() -> Repo {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let tracked = Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(["ls-files", "-z"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| {
                let mut paths = HashSet::new();
                for name in out.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
                    let mut path = PathBuf::from(String::from_utf8_lossy(name).into_owned());
                    loop {
                        paths.insert(path.clone());
                        if !path.pop() || path.as_os_str().is_empty() {
                            break;
                        }
                    }
                }
                paths
            });
        Repo { root, tracked }
    }

    /// `README.md` and the other top-level documents, then `docs/*.md`, sorted.
    fn documents(&self) -> Vec<PathBuf> {
        let mut docs = Vec::new();
        for dir in [PathBuf::new(), PathBuf::from("docs")] {
            let Ok(entries) = std::fs::read_dir(self.root.join(&dir)) else {
                continue;
            };
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .map(|e| dir.join(e.file_name()))
                .filter(|p| p.extension().is_some_and(|ext| ext == "md"))
                .filter(|p| self.root.join(p).is_file())
                .collect();
            found.sort();
            docs.extend(found);
        }
        docs
    }

    /// Whether `rel` (normalised, relative to the root) would be in a fresh clone.
    fn has(&self, rel: &Path) -> Result<(), String> {
        let on_disk = self.root.join(rel).exists();
        match &self.tracked {
            _ if !on_disk => Err("does not exist".into()),
            Some(tracked) if !tracked.contains(rel) => Err(
                "exists here but is not tracked by git, so a fresh clone lacks it (git add it)"
                    .into(),
            ),
            _ => Ok(()),
        }
    }
}

/// The lines of a Markdown text with fenced code blocks blanked and inline code spans
/// replaced by spaces, so nothing quoted as code counts as a link or heading.
fn prose_lines(text: &str) -> Vec<String> {
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
fn link_targets(line: &str) -> Vec<String> {
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
fn is_external(target: &str) -> bool {
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
fn percent_decode(text: &str) -> String {
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

/// `target` (a file path relative to the document `doc`, or to the root when it starts
/// with `/`, as GitHub reads it) as a normalised path relative to the root; an error if
/// `..` climbs above the root.
fn resolve(doc: &Path, target: &str) -> Result<PathBuf, String> {
    let base = if target.starts_with('/') {
        PathBuf::new()
    } else {
        doc.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let mut parts: Vec<String> = Vec::new();
    for component in base.join(target.trim_start_matches('/')).components() {
        match component {
            Component::Normal(name) => parts.push(name.to_string_lossy().into_owned()),
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err("points outside the repository (`..` above its root)".into());
                }
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err("is an absolute path, which no fresh clone has".into())
            }
        }
    }
    Ok(parts.iter().collect())
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
fn anchors(text: &str) -> HashSet<String> {
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

/// Mentions of the design picture kept outside the repository, which a reader of a fresh
/// clone cannot open.
const OUTSIDE_DOCS: &[&str] = &["shared/DESIGN.md", "DESIGN.md", "DESIGN §"];

/// Checks every document of `repo`; returns the problems and, per document, the
/// repository paths its links resolve to.
fn check(repo: &Repo) -> (Vec<Problem>, HashMap<PathBuf, Vec<PathBuf>>) {
    let mut problems = Vec::new();
    let mut resolved: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    let mut anchor_cache: HashMap<PathBuf, Option<HashSet<String>>> = HashMap::new();
    for doc in repo.documents() {
        let name = doc.to_string_lossy().replace('\\', "/");
        let Ok(text) = std::fs::read_to_string(repo.root.join(&doc)) else {
            problems.push(Problem {
                doc: name,
                line: 0,
                message: "could not be read as UTF-8".into(),
            });
            continue;
        };
        for (i, raw) in text.lines().enumerate() {
            for mention in OUTSIDE_DOCS {
                if raw.contains(mention) {
                    problems.push(Problem {
                        doc: name.clone(),
                        line: i + 1,
                        message: format!(
                            "mentions `{mention}`, a design document that is not in the \
                             repository; point to docs/PROTOCOL.md or docs/ARCHITECTURE.md"
                        ),
                    });
                    break;
                }
            }
        }
        for (i, line) in prose_lines(&text).iter().enumerate() {
            for target in link_targets(line) {
                if target.is_empty() || is_external(&target) {
                    continue;
                }
                let (path_part, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(percent_decode(a))),
                    None => (target.as_str(), None),
                };
                let path_part = percent_decode(path_part.split('?').next().unwrap_or(""));
                let mut report = |message: String| {
                    problems.push(Problem {
                        doc: name.clone(),
                        line: i + 1,
                        message: format!("link `{target}` {message}"),
                    })
                };
                let target_path = if path_part.is_empty() {
                    doc.clone()
                } else {
                    match resolve(&doc, &path_part).and_then(|p| repo.has(&p).map(|()| p)) {
                        Ok(p) => p,
                        Err(why) => {
                            report(why);
                            continue;
                        }
                    }
                };
                resolved
                    .entry(doc.clone())
                    .or_default()
                    .push(target_path.clone());
                let Some(anchor) = anchor.filter(|a| !a.is_empty()) else {
                    continue;
                };
                let known = anchor_cache.entry(target_path.clone()).or_insert_with(|| {
                    let is_md = target_path.extension().is_some_and(|e| e == "md");
                    is_md
                        .then(|| std::fs::read_to_string(repo.root.join(&target_path)).ok())
                        .flatten()
                        .map(|t| anchors(&t))
                });
                if let Some(known) = known {
                    if !known.contains(&anchor) {
                        report(format!(
                            "names `#{anchor}`, but no heading of {} makes that anchor",
                            target_path.display()
                        ));
                    }
                }
            }
        }
    }
    (problems, resolved)
}

fn listing(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  {p}\n")).collect()
}

#[test]
fn every_relative_link_in_the_docs_resolves_in_a_fresh_clone() {
    let repo = Repo::this_one();
    let docs = repo.documents();
    for must in ["README.md", "docs/PROTOCOL.md", "docs/ARCHITECTURE.md"] {
        assert!(
            docs.contains(&PathBuf::from(must)),
            "{must} is missing from the documents checked: {docs:?}"
        );
    }
    let (problems, resolved) = check(&repo);
    assert!(
        problems.is_empty(),
        "{} problem(s) in the docs:\n{}",
        problems.len(),
        listing(&problems)
    );
    let from_readme = resolved
        .get(Path::new("README.md"))
        .cloned()
        .unwrap_or_default();
    for must in ["docs/PROTOCOL.md", "docs/ARCHITECTURE.md"] {
        assert!(
            from_readme.contains(&PathBuf::from(must)),
            "README.md must link to {must}; it links to {from_readme:?}"
        );
    }
}

/// A scratch repository: `files` written under a temporary root, no git.
fn scratch(files: &[(&str, &str)]) -> (tempfile::TempDir, Repo) {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let repo = Repo {
        root: dir.path().to_path_buf(),
        tracked: None,
    };
    (dir, repo)
}

#[test]
fn the_checker_reports_broken_links_escapes_bad_anchors_and_outside_docs() {
    let readme = "\
# Janus

## The guest page

Good: [proto](docs/PROTOCOL.md), [anchored](docs/PROTOCOL.md#the-token), [here](#the-guest-page),
![picture](docs/pic.png), [root-relative](/docs/PROTOCOL.md), [web](https://example.com/x.md),
[mail](mailto:a@b.c), [dir](docs/).

Bad: [gone](docs/GONE.md) and [outside](../shared/notes.md).
Bad anchor: [nowhere](#no-such-heading), [far](docs/PROTOCOL.md#missing).

```
[in a fence](fence-only.md)
```
Inline `[code](code-only.md)` is not a link.

[ref]: docs/ref-gone.md
<img src=\"docs/img-gone.png\">
";
    let protocol = "\
# Protocol

## The token

See [up](../README.md#janus) and [up again](../README.md#the-guest-page-1).
Also the old picture in DESIGN §3.
";
    let (_dir, repo) = scratch(&[
        ("README.md", readme),
        ("docs/PROTOCOL.md", protocol),
        ("docs/pic.png", "not really a png"),
    ]);
    let (problems, _) = check(&repo);
    let found: Vec<(String, usize, String)> = problems
        .iter()
        .map(|p| (p.doc.clone(), p.line, p.message.clone()))
        .collect();
    let expect = [
        ("README.md", 9, "`docs/GONE.md` does not exist"),
        (
            "README.md",
            9,
            "`../shared/notes.md` points outside the repository",
        ),
        (
            "README.md",
            10,
            "`#no-such-heading` names `#no-such-heading`",
        ),
        (
            "README.md",
            10,
            "`docs/PROTOCOL.md#missing` names `#missing`",
        ),
        ("README.md", 17, "`docs/ref-gone.md` does not exist"),
        ("README.md", 18, "`docs/img-gone.png` does not exist"),
        (
            "docs/PROTOCOL.md",
            5,
            "`../README.md#the-guest-page-1` names",
        ),
        ("docs/PROTOCOL.md", 6, "mentions `DESIGN §`"),
    ];
    for (doc, line, fragment) in expect {
        assert!(
            found
                .iter()
                .any(|(d, l, m)| d == doc && *l == line && m.contains(fragment)),
            "expected {doc}:{line} … {fragment}; got:\n{}",
            listing(&problems)
        );
    }
    assert_eq!(
        problems.len(),
        expect.len(),
        "unexpected problems:\n{}",
        listing(&problems)
    );
}

#[test]
fn a_file_git_does_not_track_is_reported() {
    let (_dir, mut repo) = scratch(&[
        ("README.md", "[notes](notes.md) and [docs](docs/)\n"),
        ("notes.md", "local only\n"),
        ("docs/A.md", "# A\n"),
    ]);
    repo.tracked = Some(
        ["README.md", "docs", "docs/A.md"]
            .iter()
            .map(PathBuf::from)
            .collect(),
    );
    let (problems, _) = check(&repo);
    assert_eq!(problems.len(), 1, "{}", listing(&problems));
    assert!(
        problems[0].message.contains("not tracked by git"),
        "{}",
        problems[0]
    );
}

#[test]
fn design_mentions_outside_the_repository_are_reported() {
    let (_dir, repo) = scratch(&[(
        "README.md",
        "see [`DESIGN.md`](../shared/DESIGN.md) of the project\n",
    )]);
    let (problems, _) = check(&repo);
    let messages = listing(&problems);
    assert!(
        messages.contains("mentions `shared/DESIGN.md`"),
        "{messages}"
    );
    assert!(
        messages.contains("points outside the repository"),
        "{messages}"
    );
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
