//! File transfers (feature `files`, PROTOCOL.md "Files"): what the core knows of each
//! transfer, the events the runtime reports about them, the effects it asks for, and the
//! pure helpers (safe names, rates, time left). The rules that move a transfer from one
//! state to the next are in `file_rules.rs`.
//!
//! The core decides everything (consent, limits, names, whether a hash matched, when to
//! resume); the runtime (`host/files.rs`, `rtc/file_channel.rs`) only reads, writes, hashes
//! and pumps bytes, and reports back as [`FileEvent`]s. Time is an argument, as everywhere
//! in the core.

use std::collections::{BTreeMap, HashSet};

use super::file_memory::Resumable;
use super::state::PeerId;

/// Largest file accepted by default (`max_file_size`): 1 GiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024 * 1024;
/// Free space received files always leave on the data directory's disk by default
/// (`min_free_space`): 1 GiB.
pub const DEFAULT_MIN_FREE_SPACE: u64 = 1024 * 1024 * 1024;
/// Transfers a guest may have unfinished at once (offered, waiting, or moving bytes): an
/// offer beyond it is rejected, so a stranger cannot pile up offers.
pub const MAX_OPEN_TRANSFERS_PER_PEER: usize = 8;
/// Unfinished transfers one login may hold over all its connections (interrupted ones wait
/// for a resume): bounds what reconnecting again and again can pile up.
pub const MAX_OPEN_TRANSFERS_PER_LOGIN: usize = 16;
/// Unfinished transfers over all guests (interrupted ones included): beyond, offers are
/// rejected, so many strangers together cannot pile up `.part` files without end. It is
/// also what a restart restores at most (`file_memory::MAX_RESTORED`).
pub const MAX_OPEN_TRANSFERS: usize = 256;
/// An interrupted transfer not resumed within this long is given up (its `.part` deleted).
pub const INTERRUPTED_KEPT_SECS: u64 = 7 * 86_400;
/// Finished transfers remembered for `files` (the oldest are forgotten first).
pub const FINISHED_TRANSFERS_KEPT: usize = 100;
/// The feature name in `hello.features`.
pub const FEATURE: &str = "files";

/// Config `accept_files`: what happens to a guest's offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptFiles {
    /// The maintainer decides (`file accept` / `file reject`); nothing is written before.
    Ask,
    /// Every offer within `max_file_size` is accepted at once.
    Auto,
    /// Every offer is rejected.
    Never,
}

/// What the core needs to decide about files (from `config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSettings {
    /// Config `accept_files`.
    pub accept: AcceptFiles,
    /// Config `max_file_size`: larger offers are rejected, in bytes.
    pub max_size: u64,
    /// Whether the runtime has somewhere to put received files (a data directory).
    pub can_receive: bool,
    /// Config `min_free_space`, in bytes: the runtime takes a file only if what it and the
    /// other unfinished files still need leaves this much free (`host/disk_room.rs`).
    pub min_free_space: u64,
}

impl Default for FileSettings {
    fn default() -> Self {
        FileSettings {
            accept: AcceptFiles::Ask,
            max_size: DEFAULT_MAX_FILE_SIZE,
            can_receive: true,
            min_free_space: DEFAULT_MIN_FREE_SPACE,
        }
    }
}

/// Which way the bytes go, seen from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the guest to the host.
    Incoming,
    /// From the host to the guest.
    Outgoing,
}

/// Where a transfer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferState {
    /// Outgoing: offered, waiting for the guest's `file.accept`.
    Offered,
    /// Incoming (`accept_files = "ask"`): waiting for the maintainer's consent.
    AwaitingConsent,
    /// Incoming: accepted; the runtime is opening the `.part` file.
    Opening,
    /// Bytes are moving.
    Active,
    /// Incoming: every byte arrived, the hash is being checked and the file saved.
    /// Outgoing: every byte was sent, waiting for the guest's `file.done`.
    Verifying,
    /// The whole file arrived and its SHA-256 matched.
    Done,
    /// The connection ended mid-transfer: what arrived is kept (`.part`) and the transfer
    /// resumes when the same guest reconnects.
    Interrupted,
    /// Ended for good; why.
    Failed(String),
    /// The receiver said no; why.
    Rejected(String),
    /// Either side stopped it; why.
    Cancelled(String),
}

impl TransferState {
    /// Whether nothing more can happen to the transfer.
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            TransferState::Done
                | TransferState::Failed(_)
                | TransferState::Rejected(_)
                | TransferState::Cancelled(_)
        )
    }

    /// A short word for lists (`files`, the TUI).
    pub fn label(&self) -> String {
        match self {
            TransferState::Offered => "offered".into(),
            TransferState::AwaitingConsent => "awaiting your accept".into(),
            TransferState::Opening => "accepted".into(),
            TransferState::Active => "transferring".into(),
            TransferState::Verifying => "verifying".into(),
            TransferState::Done => "done".into(),
            TransferState::Interrupted => "interrupted (partial kept for resume)".into(),
            TransferState::Failed(why) => format!("failed: {why}"),
            TransferState::Rejected(why) => format!("rejected: {why}"),
            TransferState::Cancelled(why) => format!("cancelled: {why}"),
        }
    }
}

/// One file transfer, in either direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// 16 lowercase hex digits, chosen by the sender; the same across a resume.
    pub id: String,
    pub direction: Direction,
    /// The guest's login (the other end).
    pub login: String,
    /// The connection the transfer runs on now (a resume moves it to the new one).
    pub peer_id: PeerId,
    /// Outgoing: the local file's base name. Incoming: the safe base name it is saved
    /// under (`safe_file_name`), not necessarily what the guest offered.
    pub name: String,
    /// Announced size in bytes.
    pub size: u64,
    /// Announced SHA-256 of the whole file (lowercase hex).
    pub sha256: String,
    /// Outgoing: the local path sent. Incoming: the `.part` while receiving, then the saved
    /// file.
    pub path: Option<String>,
    /// Bytes the receiver holds (the resume offset plus what arrived since).
    pub bytes: u64,
    /// The current pass began at this unix second holding this many bytes (for the rate).
    pub flow_since: Option<(u64, u64)>,
    pub state: TransferState,
    /// Unix seconds when the transfer was offered.
    pub since: u64,
    /// Unix seconds of the last change, for pruning finished transfers oldest first.
    pub updated: u64,
}

impl Transfer {
    /// Bytes per second over the current pass, once a second has passed.
    pub fn rate(&self, now: u64) -> Option<u64> {
        let (at, from) = self.flow_since?;
        let secs = now.saturating_sub(at);
        (secs > 0).then(|| self.bytes.saturating_sub(from) / secs)
    }

    /// Seconds left at the current rate.
    pub fn time_left(&self, now: u64) -> Option<u64> {
        let rate = self.rate(now).filter(|r| *r > 0)?;
        Some(self.size.saturating_sub(self.bytes).div_ceil(rate))
    }

    /// Fraction done, 0.0 ..= 1.0.
    pub fn fraction(&self) -> f64 {
        if self.size == 0 {
            1.0
        } else {
            (self.bytes.min(self.size) as f64) / (self.size as f64)
        }
    }

    /// One line for `files` and the TUI: direction, id, name, state, bytes, rate, time left.
    pub fn summary(&self, now: u64) -> String {
        let arrow = match self.direction {
            Direction::Incoming => "from",
            Direction::Outgoing => "to",
        };
        let mut line = format!(
            "{} {} {arrow} {}: {}, {} of {}",
            self.id,
            self.name,
            self.login,
            self.state.label(),
            human_bytes(self.bytes),
            human_bytes(self.size)
        );
        if self.state == TransferState::Active {
            if let Some(rate) = self.rate(now) {
                line.push_str(&format!(", {}/s", human_bytes(rate)));
            }
            if let Some(left) = self.time_left(now) {
                line.push_str(&format!(", {left} s left"));
            }
        }
        line
    }
}

/// Every transfer of this run, by id.
#[derive(Debug, Clone, Default)]
pub struct Files {
    pub transfers: BTreeMap<String, Transfer>,
    /// Conversations whose guest announced `files` in its `hello`: only to those does the
    /// host offer files.
    pub guests_with_files: HashSet<PeerId>,
    /// The unfinished set (id, path) the runtime was last asked to keep across runs
    /// (`file_memory.rs`).
    pub remembered: Vec<(String, String)>,
}

impl Files {
    /// Transfers, oldest first.
    pub fn in_order(&self) -> Vec<&Transfer> {
        let mut all: Vec<&Transfer> = self.transfers.values().collect();
        all.sort_by_key(|t| (t.since, t.id.clone()));
        all
    }

    /// Unfinished transfers on this connection.
    pub fn open_on(&self, peer_id: PeerId) -> usize {
        self.transfers
            .values()
            .filter(|t| t.peer_id == peer_id && !t.state.is_finished())
            .count()
    }

    /// Unfinished transfers with this login on any connection (interrupted ones included,
    /// which wait for a resume).
    pub fn open_with(&self, login: &str) -> usize {
        self.transfers
            .values()
            .filter(|t| t.login.eq_ignore_ascii_case(login) && !t.state.is_finished())
            .count()
    }

    /// Unfinished transfers over all guests.
    pub fn open(&self) -> usize {
        self.transfers
            .values()
            .filter(|t| !t.state.is_finished())
            .count()
    }

    /// Forgets the oldest finished transfers beyond [`FINISHED_TRANSFERS_KEPT`].
    pub fn prune(&mut self) {
        let mut finished: Vec<(u64, String)> = self
            .transfers
            .values()
            .filter(|t| t.state.is_finished())
            .map(|t| (t.updated, t.id.clone()))
            .collect();
        if finished.len() <= FINISHED_TRANSFERS_KEPT {
            return;
        }
        finished.sort();
        let excess = finished.len() - FINISHED_TRANSFERS_KEPT;
        for (_, id) in finished.into_iter().take(excess) {
            self.transfers.remove(&id);
        }
    }
}

/// What the runtime reports about files (inside `Event::File`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileEvent {
    /// `file send`: the file was read and hashed; `id` was drawn by the runtime.
    Prepared {
        peer_id: PeerId,
        id: String,
        path: String,
        name: String,
        size: u64,
        sha256: String,
    },
    /// `file send`: the file could not be read.
    PrepareFailed { path: String, error: String },
    /// Incoming: the `.part` is open and `offset` bytes of it are kept (a resume); the
    /// channel is expected.
    ReceiverReady {
        id: String,
        part: String,
        offset: u64,
    },
    /// Bytes the receiver holds now (sent or written), reported a few times a second.
    Progress { id: String, bytes: u64 },
    /// Outgoing: every byte was handed over and acknowledged; the channel is closed.
    Sent { id: String },
    /// Incoming: every announced byte is in the `.part`; its whole-file SHA-256.
    Received { id: String, sha256: String },
    /// Incoming: the file was saved under its final name.
    Saved { id: String, path: String },
    /// At start: the unfinished transfers an earlier run kept (`file_memory.rs`).
    Restored { transfers: Vec<Resumable> },
    /// The pump ended before the end. `keep`: the connection went away (what arrived is
    /// kept for a resume); otherwise a failure (too many bytes, a disk error).
    Ended {
        id: String,
        bytes: u64,
        error: String,
        keep: bool,
    },
}

/// What the core asks the runtime to do about files (inside `Effect::File`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileEffect {
    /// Read `path`, hash it, draw an id: answer `FileEvent::Prepared` or `PrepareFailed`.
    Prepare { peer_id: PeerId, path: String },
    /// Open `file:{id}` to the peer and send `path` from `offset` to `size`.
    Send {
        peer_id: PeerId,
        id: String,
        path: String,
        offset: u64,
        size: u64,
    },
    /// Open (or, with `part`, reopen) the `.part` for a file from `login`, expect the
    /// channel `file:{id}`: answer `FileEvent::ReceiverReady` (or `Ended` on failure).
    Receive {
        peer_id: PeerId,
        id: String,
        login: String,
        name: String,
        size: u64,
        part: Option<String>,
    },
    /// Rename the verified `.part` to a free name in the guest's folder: answer `Saved`.
    Save {
        id: String,
        login: String,
        name: String,
        part: String,
    },
    /// Delete a `.part` (hash mismatch, cancel, too many bytes).
    Discard { part: String },
    /// Stop the pump of transfer `id` on the peer (its channel is closed).
    Stop { peer_id: PeerId, id: String },
    /// Keep these unfinished transfers for the next run, replacing what was kept.
    Remember { transfers: Vec<Resumable> },
}

/// Windows device names: refused as file names (harmless here, dangerous on a share).
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The safe base name a guest's offered name is saved under, or why there is none.
///
/// Only the last path component counts (after any `/` or `\`), control characters and
/// bidi overrides are removed, leading dots (hidden files) and trailing dots and spaces
/// are trimmed. Empty names, `.`/`..`, and reserved device names are refused.
pub fn safe_file_name(offered: &str) -> Result<String, String> {
    let base = offered.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let trimmed = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .to_string();
    if trimmed.is_empty() {
        return Err(format!(
            "the name {:?} has no usable base name",
            super::sanitize_for_terminal(offered)
        ));
    }
    let stem = trimmed
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        return Err(format!("the name {trimmed:?} is a reserved device name"));
    }
    Ok(trimmed)
}

/// Bytes for people: `512 B`, `1.5 KiB`, `3.2 MiB`, `1.0 GiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: &[&str] = &["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_reduced_to_a_safe_base_name() {
        assert_eq!(safe_file_name("report.pdf").unwrap(), "report.pdf");
        assert_eq!(safe_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(safe_file_name("C:\\Users\\x\\a.txt").unwrap(), "a.txt");
        assert_eq!(safe_file_name("a\u{1b}[2Jb\n.txt").unwrap(), "a[2Jb.txt");
        assert_eq!(safe_file_name(".bashrc").unwrap(), "bashrc");
        assert_eq!(
            safe_file_name("evil\u{202e}txt.exe").unwrap(),
            "eviltxt.exe"
        );
        for bad in [
            "", "..", ".", "a/", "dir\\..", " . ", "\u{7}", "CON", "nul.txt", "com1",
        ] {
            assert!(safe_file_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bytes_rate_and_time_left() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(DEFAULT_MAX_FILE_SIZE), "1.0 GiB");
        let t = Transfer {
            id: "0123456789abcdef".into(),
            direction: Direction::Incoming,
            login: "alice".into(),
            peer_id: 1,
            name: "a".into(),
            size: 1000,
            sha256: String::new(),
            path: None,
            bytes: 600,
            flow_since: Some((10, 100)),
            state: TransferState::Active,
            since: 10,
            updated: 10,
        };
        assert_eq!(t.rate(10), None);
        assert_eq!(t.rate(15), Some(100));
        assert_eq!(t.time_left(15), Some(4));
        assert!(t.summary(15).contains("100 B/s, 4 s left"));
    }
}
