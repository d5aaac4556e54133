//! The scrub journal: comment edits that take signaling tokens out of public comments,
//! kept on disk until they are done, so a quit, a crash or a restart cannot leave a token
//! (with its IP candidates) in a comment for good.
//!
//! - **Format.** One small JSON file, `{"version":1,"scrubs":[{seq,comment_id,issue,body}]}`
//!   (the bodies are the scrubbed texts: no secret is ever in it). It is rewritten whole on
//!   every change: written to `<file>.tmp` (mode 0600), `fsync`ed, renamed over the file,
//!   and the directory `fsync`ed, so a crash leaves either the old or the new list, never a
//!   torn one. When nothing is pending the file is removed.
//! - **Bad input loses nothing.** A journal that cannot be read (not JSON, too large) is
//!   renamed to `<file>.unreadable-<unix time>` with a warning, and the writer starts
//!   empty. A journal that cannot be written is reported once; scrubs still run from memory.
//! - The writer adds a scrub when it is submitted and removes it once the forge confirmed
//!   the edit or refused it for good; [`Journal::len`] is what is still unfinished.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The journal's file name inside the data directory.
pub const JOURNAL_FILE: &str = "pending-scrubs.json";
/// A journal larger than this is not read (it was not written by Janus).
const MAX_JOURNAL_BYTES: u64 = 64 * 1024 * 1024;

/// Where the writer keeps its journal under `data_dir`.
pub fn journal_path(data_dir: &Path) -> PathBuf {
    data_dir.join(JOURNAL_FILE)
}

/// One pending scrub: edit `comment_id` (on `issue`) to `body`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scrub {
    /// Order of submission across runs; identifies this entry.
    pub seq: u64,
    /// The comment to edit.
    pub comment_id: u64,
    /// The issue it belongs to (for the result reported to the core).
    pub issue: u64,
    /// The comment's new body, without tokens.
    pub body: String,
    /// Flow B: the edit is of the issue's own body (`issue`), not of a comment.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub issue_body: bool,
}

/// The file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    /// Format version, 1.
    version: u32,
    /// Pending scrubs in submission order.
    scrubs: Vec<Scrub>,
}

/// Pending scrubs, mirrored to a file when a path is given.
#[derive(Debug, Default)]
pub struct Journal {
    /// The file; `None` keeps the journal in memory only (tests, no data dir).
    path: Option<PathBuf>,
    /// Pending scrubs in submission order.
    scrubs: Vec<Scrub>,
    /// Next `seq` to hand out.
    next_seq: u64,
    /// Whether a failed write was already reported (once per run is enough).
    warned: bool,
}

impl Journal {
    /// Opens the journal at `path` (or an in-memory one), with the scrubs a previous run
    /// left unfinished.
    pub fn open(path: Option<PathBuf>) -> Journal {
        let scrubs = path.as_deref().map(load).unwrap_or_default();
        let next_seq = scrubs.iter().map(|s| s.seq + 1).max().unwrap_or(0);
        Journal {
            path,
            scrubs,
            next_seq,
            warned: false,
        }
    }

    /// The scrubs still pending, oldest first.
    pub fn pending(&self) -> &[Scrub] {
        &self.scrubs
    }

    /// How many scrubs are unfinished.
    pub fn len(&self) -> usize {
        self.scrubs.len()
    }

    /// True when no scrub is pending.
    pub fn is_empty(&self) -> bool {
        self.scrubs.is_empty()
    }

    /// Records a new scrub (on disk before this returns) and gives its `seq`.
    pub fn add(&mut self, comment_id: u64, issue: u64, body: &str) -> u64 {
        self.add_scrub(comment_id, issue, body, false)
    }

    /// Records a new scrub of the body of `issue` itself (flow B) and gives its `seq`.
    pub fn add_issue_body(&mut self, issue: u64, body: &str) -> u64 {
        self.add_scrub(0, issue, body, true)
    }

    fn add_scrub(&mut self, comment_id: u64, issue: u64, body: &str, issue_body: bool) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.scrubs.push(Scrub {
            seq,
            comment_id,
            issue,
            body: body.to_string(),
            issue_body,
        });
        self.persist();
        seq
    }

    /// Forgets the scrub `seq` (done, or refused for good).
    pub fn remove(&mut self, seq: u64) {
        let before = self.scrubs.len();
        self.scrubs.retain(|s| s.seq != seq);
        if self.scrubs.len() != before {
            self.persist();
        }
    }

    fn persist(&mut self) {
        let Some(path) = self.path.clone() else {
            return;
        };
        if let Err(e) = write_atomically(&path, &self.scrubs) {
            if !self.warned {
                self.warned = true;
                tracing::warn!(
                    "could not write the scrub journal {}: {e}. Pending link edits are kept in memory only; check that the data directory is writable",
                    path.display()
                );
            }
        }
    }
}

/// Reads the journal; an unreadable one is moved aside (see the module docs).
fn load(path: &Path) -> Vec<Scrub> {
    let text = match fs::metadata(path) {
        Err(_) => return Vec::new(),
        Ok(m) if m.len() > MAX_JOURNAL_BYTES => {
            Err(format!("larger than {MAX_JOURNAL_BYTES} bytes"))
        }
        Ok(_) => fs::read_to_string(path).map_err(|e| e.to_string()),
    };
    match text.and_then(|t| serde_json::from_str::<File>(&t).map_err(|e| e.to_string())) {
        Ok(file) => file.scrubs,
        Err(reason) => {
            let aside = path.with_extension(format!("unreadable-{}", crate::clock::unix_now()));
            let moved = fs::rename(path, &aside).is_ok();
            tracing::warn!(
                "the scrub journal {} could not be read ({reason}); {}. Link edits it listed may need doing by hand",
                path.display(),
                if moved {
                    format!("kept as {}", aside.display())
                } else {
                    "left in place".to_string()
                }
            );
            Vec::new()
        }
    }
}

/// Writes `scrubs` to `path` via a temporary file, fsync and rename; removes the file when
/// there are none.
fn write_atomically(path: &Path, scrubs: &[Scrub]) -> std::io::Result<()> {
    if scrubs.is_empty() {
        return match fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => sync_dir(path),
        };
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let file = File {
        version: 1,
        scrubs: scrubs.to_vec(),
    };
    let bytes = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(&tmp)?;
    out.write_all(&bytes)?;
    out.sync_all()?;
    drop(out);
    fs::rename(&tmp, path)?;
    sync_dir(path)
}

/// Makes a rename or removal in `path`'s directory durable.
fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_reopening_and_empties_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal_path(dir.path());
        let mut j = Journal::open(Some(path.clone()));
        assert!(j.is_empty());
        let a = j.add(11, 1, "expired");
        let b = j.add(12, 2, "expired too");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        drop(j);
        let mut j = Journal::open(Some(path.clone()));
        assert_eq!(
            j.pending()
                .iter()
                .map(|s| (s.seq, s.comment_id))
                .collect::<Vec<_>>(),
            [(a, 11), (b, 12)]
        );
        let c = j.add(13, 3, "x");
        assert!(c > b, "sequence numbers go on across runs");
        j.remove(a);
        j.remove(b);
        j.remove(c);
        assert!(!path.exists(), "an empty journal is removed");
        assert!(Journal::open(Some(path)).is_empty());
    }

    #[test]
    fn an_unreadable_journal_is_kept_aside_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal_path(dir.path());
        fs::write(&path, "{ not json").unwrap();
        let j = Journal::open(Some(path.clone()));
        assert!(j.is_empty());
        assert!(!path.exists());
        let aside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("unreadable-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(fs::read_to_string(aside[0].path()).unwrap(), "{ not json");
    }

    #[test]
    fn an_unwritable_journal_still_works_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: every write fails.
        let path = journal_path(dir.path());
        fs::create_dir(path.with_extension("tmp")).unwrap();
        let mut j = Journal::open(Some(path));
        let s = j.add(1, 1, "x");
        assert_eq!(j.len(), 1);
        j.remove(s);
        assert!(j.is_empty());
    }
}
