//! File IO for transfers (`app::files`): hashing a file before it is offered, opening the
//! `.part` a guest's file is written to, saving it under a name that overwrites nothing,
//! and discarding what must not stay. The bytes themselves are pumped by the peer's file
//! channels (`rtc::file_channel`); this module hands them their source or sink.
//!
//! Layout: `<data_dir>/files/<login>/<name>` (directories mode 0700, files 0600). While a
//! file arrives it is `<name>.part` (or `<name> (1).part`, … when that is taken); it gets
//! its final name only after its SHA-256 matched, by a hard link that fails rather than
//! replace anything (so a collision becomes `name (1).ext`), then the `.part` is removed.
//! A file is taken only if the disk has room for it (`disk_room.rs`). Every blocking call
//! runs on tokio's blocking pool; results come back as `Event::File`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::app::{Event, FileEffect, FileEvent, PeerId};
use crate::rtc::file_channel::{FileSink, FileSource};

use super::disk_room::DiskRoom;
use super::Peers;

/// Highest `(n)` tried for a free name before giving up.
const MAX_SUFFIX: u32 = 9999;

/// Carries out `Effect::File`s.
#[derive(Clone)]
pub(super) struct FileIo {
    /// `<data_dir>/files`; `None`: nowhere to receive (the core refuses offers then).
    root: Option<PathBuf>,
    /// What received files may still take of the disk (`disk_room.rs`).
    room: Arc<DiskRoom>,
    /// Where the unfinished transfers are kept across runs (`file_keep.rs`); `None`: not.
    kept: Option<PathBuf>,
    peers: Peers,
    events: mpsc::Sender<Event>,
}

impl FileIo {
    pub(super) fn new(
        root: Option<PathBuf>,
        min_free_space: u64,
        kept: Option<PathBuf>,
        peers: Peers,
        events: mpsc::Sender<Event>,
    ) -> Self {
        FileIo {
            root,
            room: Arc::new(DiskRoom::new(min_free_space)),
            kept,
            peers,
            events,
        }
    }

    /// Runs one effect in the background; its outcome comes back as an event. Keeping the
    /// unfinished set is done at once instead (a small file, written whole), so writes land
    /// in order and the last one is in before the process ends.
    pub(super) fn run(&self, effect: FileEffect) {
        if let FileEffect::Remember { transfers } = effect {
            let Some(path) = &self.kept else { return };
            if let Err(e) = super::file_keep::write(path, &transfers) {
                let text = format!(
                    "cannot keep the unfinished file transfers in {} for the next run: {e}",
                    path.display()
                );
                let _ = self.events.try_send(Event::HostNotice {
                    text,
                    severity: crate::app::NoticeSeverity::Warning,
                });
            }
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Some(event) = this.carry_out(effect).await {
                let _ = this.events.send(Event::File(event)).await;
            }
        });
    }

    async fn carry_out(&self, effect: FileEffect) -> Option<FileEvent> {
        match effect {
            FileEffect::Prepare { peer_id, path } => Some(prepare(peer_id, path).await),
            FileEffect::Send {
                peer_id,
                id,
                path,
                offset,
                size,
            } => {
                let source = FileSource {
                    id: id.clone(),
                    path: PathBuf::from(path),
                    offset,
                    size,
                };
                match self.peers.live(peer_id).map(|h| h.send_file(source)) {
                    Some(Ok(())) => None,
                    _ => Some(gone(id, offset)),
                }
            }
            FileEffect::Receive {
                peer_id,
                id,
                login,
                name,
                size,
                part,
            } => Some(self.receive(peer_id, id, login, name, size, part).await),
            FileEffect::Save {
                id,
                login,
                name,
                part,
            } => {
                let dir = self.user_dir(&login)?;
                let saved = blocking(move || save(&dir, &name, Path::new(&part))).await;
                Some(match saved {
                    Ok(path) => FileEvent::Saved {
                        id,
                        path: path.display().to_string(),
                    },
                    Err(e) => FileEvent::Ended {
                        id,
                        bytes: 0,
                        error: format!("cannot save the file: {e}"),
                        keep: false,
                    },
                })
            }
            FileEffect::Discard { part } => {
                let _ = blocking(move || std::fs::remove_file(part)).await;
                None
            }
            FileEffect::Stop { peer_id, id } => {
                if let Some(handle) = self.peers.live(peer_id) {
                    let _ = handle.stop_file(&id);
                }
                None
            }
            FileEffect::Remember { .. } => None, // done in `run`
        }
    }

    fn user_dir(&self, login: &str) -> Option<PathBuf> {
        Some(
            self.root
                .as_ref()?
                .join(crate::transcript::safe_name(login)),
        )
    }

    /// Opens (or reopens, for a resume) the `.part`, then expects the channel.
    async fn receive(
        &self,
        peer_id: PeerId,
        id: String,
        login: String,
        name: String,
        size: u64,
        part: Option<String>,
    ) -> FileEvent {
        let Some(dir) = self.user_dir(&login) else {
            return failed(id, "this host has no data directory to put files in");
        };
        let room = self.room.clone();
        let opened = blocking(move || {
            let (part, offset) = open_part(&dir, &name, part.map(PathBuf::from), size)?;
            Ok(room
                .claim(&dir, &part, size, offset)
                .map(|()| (part.clone(), offset))
                .inspect_err(|_| {
                    let _ = std::fs::remove_file(&part);
                }))
        })
        .await;
        let (part, offset) = match opened {
            Ok(Ok(opened)) => opened,
            Ok(Err(no_room)) => return failed(id, &no_room),
            Err(e) => return failed(id, &format!("cannot create the file: {e}")),
        };
        let sink = FileSink {
            id: id.clone(),
            part: part.clone(),
            offset,
            size,
        };
        match self.peers.live(peer_id).map(|h| h.expect_file(sink)) {
            Some(Ok(())) => FileEvent::ReceiverReady {
                id,
                part: part.display().to_string(),
                offset,
            },
            _ => gone(id, offset),
        }
    }
}

fn gone(id: String, bytes: u64) -> FileEvent {
    FileEvent::Ended {
        id,
        bytes,
        error: "the connection is gone".into(),
        keep: true,
    }
}

fn failed(id: String, error: &str) -> FileEvent {
    FileEvent::Ended {
        id,
        bytes: 0,
        error: error.to_string(),
        keep: false,
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(std::io::Error::other)?
}

/// Reads and hashes the file to offer; draws its id.
async fn prepare(peer_id: PeerId, path: String) -> FileEvent {
    let at = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(&path),
    };
    let path = at.display().to_string();
    let hashed = blocking(move || {
        let meta = std::fs::metadata(&at)?;
        if !meta.is_file() {
            return Err(std::io::Error::other("it is not a regular file"));
        }
        let mut file = std::fs::File::open(&at)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1024 * 1024];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        let name = at
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok((name, size, hex::encode(hasher.finalize())))
    })
    .await;
    match hashed {
        Ok((name, size, sha256)) => FileEvent::Prepared {
            peer_id,
            id: format!("{:016x}", rand::random::<u64>()),
            path,
            name,
            size,
            sha256,
        },
        Err(e) => FileEvent::PrepareFailed {
            path,
            error: e.to_string(),
        },
    }
}

/// `name (n).ext` for `n` ≥ 1, or `name` itself for 0.
fn numbered(name: &str, n: u32) -> String {
    if n == 0 {
        return name.to_string();
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem} ({n}).{ext}"),
        _ => format!("{name} ({n})"),
    }
}

fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// The `.part` to write to and how many bytes of it are kept. A resume reopens `part` and
/// keeps what it holds (none if it holds more than the file's size); otherwise a new
/// `.part` is created next to where the file will land, under a name not taken.
fn open_part(
    dir: &Path,
    name: &str,
    part: Option<PathBuf>,
    size: u64,
) -> std::io::Result<(PathBuf, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    make_private_dir(dir)?;
    if let Some(part) = part {
        if let Ok(meta) = std::fs::metadata(&part) {
            let held = if meta.len() <= size { meta.len() } else { 0 };
            return Ok((part, held));
        }
    }
    for n in 0..=MAX_SUFFIX {
        let candidate = dir.join(format!("{}.part", numbered(name, n)));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&candidate)
        {
            Ok(_) => return Ok((candidate, 0)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free name for the partial file"))
}

/// Gives the verified `.part` its final name, the first free one of `name`, `name (1).ext`,
/// …: a hard link never replaces an existing file. Then the `.part` goes.
fn save(dir: &Path, name: &str, part: &Path) -> std::io::Result<PathBuf> {
    for n in 0..=MAX_SUFFIX {
        let target = dir.join(numbered(name, n));
        match std::fs::hard_link(part, &target) {
            Ok(()) => {
                std::fs::remove_file(part)?;
                return Ok(target);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free name for the file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_collide_get_a_number_and_nothing_is_overwritten() {
        assert_eq!(numbered("a.txt", 0), "a.txt");
        assert_eq!(numbered("a.txt", 1), "a (1).txt");
        assert_eq!(numbered("archive.tar.gz", 2), "archive.tar (2).gz");
        assert_eq!(numbered("README", 3), "README (3)");
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("alice");
        let (part, held) = open_part(&user, "a.txt", None, 10).unwrap();
        assert_eq!(
            (part.file_name().unwrap().to_str().unwrap(), held),
            ("a.txt.part", 0)
        );
        let (second, _) = open_part(&user, "a.txt", None, 10).unwrap();
        assert_eq!(second.file_name().unwrap(), "a (1).txt.part");
        std::fs::write(user.join("a.txt"), b"mine").unwrap();
        std::fs::write(&part, b"theirs").unwrap();
        let saved = save(&user, "a.txt", &part).unwrap();
        assert_eq!(saved, user.join("a (1).txt"));
        assert_eq!(std::fs::read(user.join("a.txt")).unwrap(), b"mine");
        assert_eq!(std::fs::read(&saved).unwrap(), b"theirs");
        assert!(!part.exists());
        // A resume keeps what the part holds, unless it holds more than the file.
        std::fs::write(&second, b"12345").unwrap();
        assert_eq!(
            open_part(&user, "a.txt", Some(second.clone()), 10)
                .unwrap()
                .1,
            5
        );
        assert_eq!(open_part(&user, "a.txt", Some(second), 3).unwrap().1, 0);
    }
}
