//! Transcripts: every chat message, appended to a JSONL file per conversation under
//! `<data_dir>/transcripts/<login>/` before it is shown or acknowledged, so a crash (even
//! `kill -9`) loses nothing that either side saw as delivered.
//!
//! - **Layout.** One directory per guest login (made safe for a file name), one file per
//!   conversation named after its start (UTC) and the run's peer number:
//!   `transcripts/alice/20261201T200105Z-p3.jsonl`. Each line is a JSON object with `ts`
//!   (unix seconds), `from` (login), `text` and, for rooms, `room`.
//! - **Durability.** Each line is one `write` of the whole line to a file opened for
//!   appending, so it is in the kernel before the ack goes out and survives the process
//!   being killed. Lines are not `fsync`ed one by one (a power cut may lose the last
//!   seconds; a crash of Janus loses nothing).
//! - **Privacy.** Directories are created mode 0700 and files 0600: readable by the
//!   maintainer only.
//! - **Bounded.** At most [`OPEN_FILES`] files stay open; older handles are closed and the
//!   file is reopened for appending when its conversation speaks again.
//! - **Reading** (`janus transcripts [user]`): [`list`] and [`print`] show them with every
//!   guest-controlled string passed through the terminal sanitizer.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::app::sanitize_for_terminal;
use crate::rtc::peer::PeerId;

/// Most transcript files kept open at once (one per live conversation, normally).
pub const OPEN_FILES: usize = 64;

/// Writes transcripts for one run of the host.
pub struct TranscriptStore {
    /// `<data_dir>/transcripts`.
    dir: PathBuf,
    /// The file of each conversation this run has written to (kept after its handle closes,
    /// so a conversation keeps one file).
    paths: HashMap<PeerId, PathBuf>,
    /// Open handles, oldest first (bounded by [`OPEN_FILES`]).
    open: Vec<(PeerId, File)>,
}

impl TranscriptStore {
    /// A store writing under `dir` (usually `<data_dir>/transcripts`); nothing is created
    /// until the first line.
    pub fn new(dir: PathBuf) -> TranscriptStore {
        TranscriptStore {
            dir,
            paths: HashMap::new(),
            open: Vec::new(),
        }
    }

    /// Where transcripts go.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of a conversation, if this run wrote to it.
    pub fn path_of(&self, peer_id: PeerId) -> Option<&Path> {
        self.paths.get(&peer_id).map(PathBuf::as_path)
    }

    /// Appends `line` to the conversation's file (created on first use), as one write.
    /// `started` (unix seconds) names a new file.
    pub fn append(
        &mut self,
        peer_id: PeerId,
        login: &str,
        started: u64,
        line: &impl Serialize,
    ) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(line).map_err(io::Error::other)?;
        bytes.push(b'\n');
        let file = self.file(peer_id, login, started)?;
        file.write_all(&bytes)
    }

    /// Forgets the open handle of a finished conversation (its file stays).
    pub fn close(&mut self, peer_id: PeerId) {
        self.open.retain(|(id, _)| *id != peer_id);
    }

    fn file(&mut self, peer_id: PeerId, login: &str, started: u64) -> io::Result<&mut File> {
        if let Some(i) = self.open.iter().position(|(id, _)| *id == peer_id) {
            let entry = self.open.remove(i);
            self.open.push(entry);
        } else {
            let path = match self.paths.get(&peer_id) {
                Some(p) => p.clone(),
                None => {
                    let user_dir = self.dir.join(safe_name(login));
                    create_private_dir(&user_dir)?;
                    let path = unique_path(&user_dir, &file_stem(started, peer_id));
                    self.paths.insert(peer_id, path.clone());
                    path
                }
            };
            let file = open_private_append(&path)?;
            if self.open.len() >= OPEN_FILES {
                self.open.remove(0);
            }
            self.open.push((peer_id, file));
        }
        Ok(&mut self.open.last_mut().expect("just pushed").1)
    }
}

/// A login as a directory name: letters, digits, `-`, `_` and `.` kept, anything else
/// `_`, never empty and never starting with a dot (GitHub logins are already safe; the
/// embedded forge's are not checked as strictly).
pub fn safe_name(login: &str) -> String {
    let mut name: String = login
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with('.') {
        name.insert(0, '_');
    }
    name
}

fn file_stem(started: u64, peer_id: PeerId) -> String {
    let ts = time::OffsetDateTime::from_unix_timestamp(started.min(i64::MAX as u64) as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let when = ts.format(&fmt).unwrap_or_else(|_| "0".into());
    format!("{when}-p{peer_id}")
}

/// `stem.jsonl`, or `stem-2.jsonl`… when a file of that name exists (a restart that reused
/// a peer number within the same second): a transcript is never appended to another's file.
fn unique_path(dir: &Path, stem: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.jsonl"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stem}-{n}.jsonl")))
        .find(|p| !p.exists())
        .expect("some suffix is free")
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

fn open_private_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// One conversation's file, as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptFile {
    /// The directory name (the guest's login, made safe).
    pub user: String,
    pub path: PathBuf,
    /// Messages in it.
    pub lines: usize,
    /// `ts` of its last message.
    pub last_ts: Option<u64>,
}

/// Every transcript under `dir`, for `user` only if given; sorted by user, then file name
/// (which starts with the conversation's start time).
pub fn find(dir: &Path, user: Option<&str>) -> io::Result<Vec<TranscriptFile>> {
    let mut found = Vec::new();
    let users: Vec<String> = match user {
        Some(u) => vec![safe_name(u)],
        None => match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        },
    };
    for user in users {
        let Ok(entries) = std::fs::read_dir(dir.join(&user)) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
                continue;
            }
            let (lines, last_ts) = summarize(&path)?;
            found.push(TranscriptFile {
                user: user.clone(),
                path,
                lines,
                last_ts,
            });
        }
    }
    found.sort_by(|a, b| (&a.user, &a.path).cmp(&(&b.user, &b.path)));
    Ok(found)
}

fn summarize(path: &Path) -> io::Result<(usize, Option<u64>)> {
    let mut lines = 0;
    let mut last = None;
    for line in io::BufReader::new(File::open(path)?).lines() {
        let line = line?;
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
            lines += 1;
            last = v.get("ts").and_then(|t| t.as_u64()).or(last);
        }
    }
    Ok((lines, last))
}

/// `janus transcripts`: one line per conversation.
pub fn list(dir: &Path, out: &mut impl Write) -> io::Result<()> {
    let files = find(dir, None)?;
    if files.is_empty() {
        writeln!(out, "no transcripts in {}", dir.display())?;
        return Ok(());
    }
    for f in files {
        let last = f.last_ts.map(format_ts).unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{:<20} {:>5} messages  last {}  {}",
            sanitize_for_terminal(&f.user),
            f.lines,
            last,
            f.path.display()
        )?;
    }
    Ok(())
}

/// `janus transcripts USER`: every conversation with `user`, a message per line
/// (`[time] from: text`, `[time] [room] from: text`), all sanitized for the terminal.
/// Returns how many conversations were printed.
pub fn print(dir: &Path, user: &str, out: &mut impl Write) -> io::Result<usize> {
    let files = find(dir, Some(user))?;
    for f in &files {
        let name = f.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        writeln!(out, "== {} — {}", sanitize_for_terminal(&f.user), name)?;
        for line in io::BufReader::new(File::open(&f.path)?).lines() {
            let line = line?;
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                writeln!(out, "! (an unreadable line was skipped)")?;
                continue;
            };
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("");
            let ts = v.get("ts").and_then(|t| t.as_u64()).map(format_ts);
            let room = v
                .get("room")
                .and_then(|r| r.as_str())
                .map(|r| format!("[{}] ", sanitize_for_terminal(r)))
                .unwrap_or_default();
            writeln!(
                out,
                "[{}] {}{}: {}",
                ts.unwrap_or_else(|| "?".into()),
                room,
                sanitize_for_terminal(field("from")),
                sanitize_for_terminal(field("text"))
            )?;
        }
    }
    Ok(files.len())
}

fn format_ts(ts: u64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(ts.min(i64::MAX as u64) as i64)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .map(|s| s + " UTC")
        .unwrap_or_else(|| ts.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Line<'a> {
        ts: u64,
        from: &'a str,
        text: &'a str,
    }

    #[test]
    fn appends_one_json_line_per_message_in_private_files() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = TranscriptStore::new(tmp.path().join("transcripts"));
        let started = 1_796_155_200; // 2026-12-01T20:00:00Z
        store
            .append(
                7,
                "alice",
                started,
                &Line {
                    ts: started,
                    from: "alice",
                    text: "hi",
                },
            )
            .unwrap();
        store
            .append(
                7,
                "alice",
                started,
                &Line {
                    ts: started + 1,
                    from: "maintainer",
                    text: "hello\nthere",
                },
            )
            .unwrap();
        let path = store.path_of(7).unwrap().to_path_buf();
        assert!(
            path.ends_with("alice/20261201T200000Z-p7.jsonl"),
            "{path:?}"
        );
        let body = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["text"], "hello\nthere");
        assert_eq!(lines[0]["from"], "alice");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
    }

    #[test]
    fn bounded_handles_reopen_the_same_file_and_new_conversations_never_share_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("t");
        let mut store = TranscriptStore::new(dir.clone());
        for peer in 0..(OPEN_FILES as u64 + 10) {
            store
                .append(
                    peer,
                    "bob",
                    0,
                    &Line {
                        ts: 0,
                        from: "bob",
                        text: "a",
                    },
                )
                .unwrap();
        }
        assert!(store.open.len() <= OPEN_FILES);
        store
            .append(
                0,
                "bob",
                0,
                &Line {
                    ts: 1,
                    from: "bob",
                    text: "b",
                },
            )
            .unwrap();
        let first = std::fs::read_to_string(store.path_of(0).unwrap()).unwrap();
        assert_eq!(first.lines().count(), 2);
        // A new run reusing peer number 0 in the same second gets a file of its own.
        let mut next_run = TranscriptStore::new(dir.clone());
        next_run
            .append(
                0,
                "bob",
                0,
                &Line {
                    ts: 2,
                    from: "bob",
                    text: "c",
                },
            )
            .unwrap();
        assert_ne!(next_run.path_of(0), store.path_of(0));
        assert_eq!(find(&dir, Some("bob")).unwrap().len(), OPEN_FILES + 11);
    }

    #[test]
    fn hostile_logins_and_texts_are_neutralised_on_disk_names_and_when_printed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        assert_eq!(safe_name("../../etc"), "_.._.._etc");
        assert_eq!(safe_name(""), "_");
        assert_eq!(safe_name(".hidden"), "_.hidden");
        let mut store = TranscriptStore::new(dir.clone());
        store
            .append(
                1,
                "eve",
                0,
                &Line {
                    ts: 0,
                    from: "eve\x1b[2J",
                    text: "x\nmaintainer: fake \x1b]0;t\x07",
                },
            )
            .unwrap();
        let mut out = Vec::new();
        assert_eq!(print(&dir, "eve", &mut out).unwrap(), 1);
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains('\x1b'), "{out:?}");
        assert_eq!(out.lines().count(), 2, "header + one message line: {out:?}");
        let mut listing = Vec::new();
        list(&dir, &mut listing).unwrap();
        assert!(String::from_utf8(listing).unwrap().contains("1 messages"));
    }
}
