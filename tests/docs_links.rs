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
//! `docs/PROTOCOL.md` and `docs/ARCHITECTURE.md`. The code (`src/`, `tests/`, `assets/`,
//! `scripts/`) is held to the same: no such mention in a comment either. Self-tests run the
//! same checkers on scratch repositories full of broken links and such mentions, so the
//! checkers themselves are known to catch them.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

#[path = "docs_links/markdown.rs"]
mod markdown;

use markdown::{anchors, is_external, link_targets, percent_decode, prose_lines};

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

/// Mentions of the design picture kept outside the repository, which a reader of a fresh
/// clone cannot open.
const OUTSIDE_DOCS: &[&str] = &["shared/DESIGN.md", "DESIGN.md", "DESIGN §"];

/// The folders of code (and its comments) that must not mention [`OUTSIDE_DOCS`] either.
const CODE_DIRS: &[&str] = &["src", "tests", "assets", "scripts"];

/// This checker itself, which has to name what it looks for.
const CHECKER: &[&str] = &["tests/docs_links.rs", "tests/docs_links"];

/// One problem per line of `text` (the file `name`) that mentions [`OUTSIDE_DOCS`].
fn outside_mentions(name: &str, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if let Some(mention) = OUTSIDE_DOCS.iter().find(|m| raw.contains(*m)) {
            problems.push(Problem {
                doc: name.to_string(),
                line: i + 1,
                message: format!(
                    "mentions `{mention}`, a design document that is not in the \
                     repository; point to docs/PROTOCOL.md or docs/ARCHITECTURE.md"
                ),
            });
        }
    }
    problems
}

/// Mentions of [`OUTSIDE_DOCS`] in the code of `repo` (every text file under
/// [`CODE_DIRS`] that git tracks, or every one on disk without git; links are not
/// followed), except the checker's own files.
fn check_code(repo: &Repo) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut stack: Vec<PathBuf> = CODE_DIRS.iter().map(PathBuf::from).collect();
    while let Some(rel) = stack.pop() {
        let name = rel.to_string_lossy().replace('\\', "/");
        let skipped = CHECKER.iter().any(|s| name == *s);
        let untracked = repo.tracked.as_ref().is_some_and(|t| !t.contains(&rel));
        let Ok(meta) = std::fs::symlink_metadata(repo.root.join(&rel)) else {
            continue;
        };
        if skipped || untracked || meta.file_type().is_symlink() {
            continue;
        }
        if meta.is_dir() {
            let Ok(entries) = std::fs::read_dir(repo.root.join(&rel)) else {
                continue;
            };
            stack.extend(
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| rel.join(e.file_name())),
            );
        } else if let Ok(text) = std::fs::read_to_string(repo.root.join(&rel)) {
            problems.extend(outside_mentions(&name, &text));
        }
    }
    problems.sort_by(|a, b| (&a.doc, a.line).cmp(&(&b.doc, b.line)));
    problems
}

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
        problems.extend(outside_mentions(&name, &text));
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

#[test]
fn the_code_mentions_no_design_document_outside_the_repository() {
    let problems = check_code(&Repo::this_one());
    assert!(
        problems.is_empty(),
        "{} mention(s) in src/, tests/, assets/ or scripts/:\n{}",
        problems.len(),
        listing(&problems)
    );
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
fn design_mentions_in_code_are_reported_but_not_the_checkers_own() {
    let (_dir, repo) = scratch(&[
        ("src/signal.rs", "//! Tokens (DESIGN §3).\nfn f() {}\n"),
        ("assets/guest/page.js", "// fine\n// see DESIGN.md\n"),
        ("scripts/ok.sh", "echo docs/PROTOCOL.md\n"),
        (
            "tests/docs_links.rs",
            "const OUTSIDE: &str = \"DESIGN §\";\n",
        ),
        (
            "README.md",
            "no code here: DESIGN §1 is the documents' check\n",
        ),
    ]);
    let messages = listing(&check_code(&repo));
    assert!(
        messages.contains("src/signal.rs:1: mentions `DESIGN §`"),
        "{messages}"
    );
    assert!(
        messages.contains("assets/guest/page.js:2: mentions `DESIGN.md`"),
        "{messages}"
    );
    assert_eq!(messages.lines().count(), 2, "{messages}");
}
