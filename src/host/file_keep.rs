//! The unfinished file transfers kept across runs (`app::file_memory`): one JSON file per
//! repository beside the received files, `<data_dir>/files/.unfinished-<owner>_<repo>.json`
//! (mode 0600), written whole (a temporary file, then a rename) each time the set changes,
//! and read once at start. A damaged file is reported and set aside, never trusted: each
//! entry must still hold up (a well-formed id and hash, an incoming `.part` inside that
//! guest's folder, an outgoing file of the announced size), or it is dropped. The `.part`
//! files themselves are never touched here.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::app::file_memory::{Resumable, MAX_RESTORED};
use crate::app::files::{safe_file_name, Direction};
use crate::forge::RepoName;

/// Largest kept-transfers file read (a few hundred entries fit in far less).
const MAX_KEPT_BYTES: u64 = 1024 * 1024;
/// The file's format.
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct KeptFile {
    version: u32,
    transfers: Vec<KeptTransfer>,
}

#[derive(Debug, Serialize, Deserialize)]
struct KeptTransfer {
    id: String,
    outgoing: bool,
    login: String,
    name: String,
    size: u64,
    sha256: String,
    path: String,
    bytes: u64,
    since: u64,
    updated: u64,
}

/// Where `repo`'s unfinished transfers are kept under the received files' root.
pub(super) fn kept_path(files_root: &Path, repo: &RepoName) -> PathBuf {
    let name = crate::transcript::safe_name(&format!("{}_{}", repo.owner, repo.name));
    files_root.join(format!(".unfinished-{name}.json"))
}

/// The transfers an earlier run kept, and a warning for the console if the file was
/// damaged (it is then renamed `….damaged`, so the next write does not bury it).
pub(super) fn read(path: &Path, files_root: &Path) -> (Vec<Resumable>, Option<String>) {
    let text = match std::fs::metadata(path) {
        Err(_) => return (Vec::new(), None),
        Ok(meta) if meta.len() > MAX_KEPT_BYTES => Err(format!(
            "it is {} bytes, more than the {MAX_KEPT_BYTES} this file ever needs",
            meta.len()
        )),
        Ok(_) => std::fs::read_to_string(path).map_err(|e| e.to_string()),
    };
    let parsed = text.and_then(|text| {
        serde_json::from_str::<KeptFile>(&text)
            .map_err(|e| e.to_string())
            .and_then(|kept| match kept.version {
                VERSION => Ok(kept),
                other => Err(format!("it is format {other}, this Janus reads {VERSION}")),
            })
    });
    match parsed {
        Ok(kept) => {
            let transfers = kept
                .transfers
                .into_iter()
                .take(MAX_RESTORED)
                .filter_map(|t| holds_up(t, files_root))
                .collect();
            (transfers, None)
        }
        Err(why) => {
            let aside = path.with_extension("json.damaged");
            let _ = std::fs::rename(path, &aside);
            (
                Vec::new(),
                Some(format!(
                    "the unfinished file transfers of the last run could not be read ({why}); they start again from the beginning. The file was moved to {}",
                    aside.display()
                )),
            )
        }
    }
}

/// An entry as the core takes it, if it still holds up.
fn holds_up(t: KeptTransfer, files_root: &Path) -> Option<Resumable> {
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let login_ok = !t.login.is_empty()
        && t.login.len() <= 39
        && t.login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !hex(&t.id, 16) || !hex(&t.sha256, 64) || !login_ok {
        return None;
    }
    let path = PathBuf::from(&t.path);
    let direction = if t.outgoing {
        let meta = std::fs::metadata(&path).ok()?;
        (meta.is_file() && meta.len() == t.size).then_some(Direction::Outgoing)?
    } else {
        let folder = files_root.join(crate::transcript::safe_name(&t.login));
        let inside = path.parent() == Some(folder.as_path())
            && path.extension().is_some_and(|e| e == "part")
            && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        (inside && safe_file_name(&t.name).as_deref() == Ok(t.name.as_str()))
            .then_some(Direction::Incoming)?
    };
    Some(Resumable {
        id: t.id,
        direction,
        login: t.login,
        name: t.name,
        size: t.size,
        sha256: t.sha256,
        path: t.path,
        bytes: t.bytes.min(t.size),
        since: t.since,
        updated: t.updated,
    })
}

/// Replaces the kept set with `transfers` (an empty set removes the file).
pub(super) fn write(path: &Path, transfers: &[Resumable]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if transfers.is_empty() {
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    let kept = KeptFile {
        version: VERSION,
        transfers: transfers
            .iter()
            .map(|r| KeptTransfer {
                id: r.id.clone(),
                outgoing: r.direction == Direction::Outgoing,
                login: r.login.clone(),
                name: r.name.clone(),
                size: r.size,
                sha256: r.sha256.clone(),
                path: r.path.clone(),
                bytes: r.bytes,
                since: r.since,
                updated: r.updated,
            })
            .collect(),
    };
    let json = serde_json::to_vec_pretty(&kept).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(&json)?;
    file.sync_data()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resumable(direction: Direction, path: &Path, size: u64) -> Resumable {
        Resumable {
            id: "00000000000000a1".into(),
            direction,
            login: "carol".into(),
            name: "up.bin".into(),
            size,
            sha256: "ab".repeat(32),
            path: path.display().to_string(),
            bytes: 5,
            since: 1,
            updated: 2,
        }
    }

    #[test]
    fn what_is_written_is_read_back_if_it_still_holds_up() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("carol");
        std::fs::create_dir_all(&folder).unwrap();
        let part = folder.join("up.bin.part");
        std::fs::write(&part, b"12345").unwrap();
        let source = root.path().join("source.bin");
        std::fs::write(&source, b"0123456789").unwrap();
        let mut outgoing = resumable(Direction::Outgoing, &source, 10);
        outgoing.id = "00000000000000b2".into();
        let kept = vec![resumable(Direction::Incoming, &part, 100), outgoing];
        let path = kept_path(root.path(), &RepoName::parse("o/r").unwrap());
        write(&path, &kept).unwrap();
        assert_eq!(read(&path, root.path()), (kept.clone(), None));

        // A source file that changed size, and a .part that is gone: dropped.
        std::fs::write(&source, b"0123").unwrap();
        std::fs::remove_file(&part).unwrap();
        assert_eq!(read(&path, root.path()), (Vec::new(), None));
        // Nothing left: the file goes.
        write(&path, &[]).unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn a_hostile_or_damaged_file_is_set_aside_and_nothing_outside_is_trusted() {
        let root = tempfile::tempdir().unwrap();
        let path = kept_path(root.path(), &RepoName::parse("o/r").unwrap());
        // A .part outside the guest's folder, a bad id, a name with a path in it.
        let outside = root.path().join("elsewhere.part");
        std::fs::write(&outside, b"x").unwrap();
        let folder = root.path().join("carol");
        std::fs::create_dir_all(&folder).unwrap();
        let part = folder.join("x.part");
        std::fs::write(&part, b"x").unwrap();
        let mut bad_id = resumable(Direction::Incoming, &part, 9);
        bad_id.id = "../../etc".into();
        let mut bad_name = resumable(Direction::Incoming, &part, 9);
        bad_name.name = "../x".into();
        let mut bad_login = resumable(Direction::Incoming, &part, 9);
        bad_login.login = "carol/../..".into();
        let hostile = [
            resumable(Direction::Incoming, &outside, 9),
            bad_id,
            bad_name,
            bad_login,
        ];
        write(&path, &hostile).unwrap();
        assert_eq!(read(&path, root.path()), (Vec::new(), None));

        std::fs::write(&path, b"{ not json").unwrap();
        let (kept, warning) = read(&path, root.path());
        assert!(kept.is_empty());
        let warning = warning.unwrap();
        assert!(
            warning.contains("could not be read") && warning.contains(".damaged"),
            "{warning}"
        );
        assert!(!path.exists() && path.with_extension("json.damaged").exists());
    }
}
