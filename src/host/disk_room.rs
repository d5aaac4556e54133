//! Room on the disk for the files guests send: a file is taken only if what it still needs,
//! plus what the other unfinished files still need, leaves at least `min_free_space` free on
//! the data directory's file system. Without it, `accept_files = "auto"` would let
//! strangers fill the disk one 1 GiB file at a time.
//!
//! The claims are the `.part` files being written: each still needs its announced size
//! minus what it holds now. A claim whose `.part` is gone (saved or discarded) lapses by
//! itself, so nothing has to release it; an interrupted transfer keeps its claim while its
//! `.part` waits for a resume.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::app::files::human_bytes;

/// Claims on the disk by unfinished incoming files.
#[derive(Debug)]
pub(super) struct DiskRoom {
    /// Config `min_free_space`: what received files may never take.
    keep_free: u64,
    /// `.part` path → the file's announced size.
    claims: Mutex<HashMap<PathBuf, u64>>,
}

impl DiskRoom {
    pub(super) fn new(keep_free: u64) -> Self {
        DiskRoom {
            keep_free,
            claims: Mutex::new(HashMap::new()),
        }
    }

    /// Claims room for `part` (holding `held` of `size` bytes) in `dir`, or says why there
    /// is none. Blocking (it reads the file system): call it from the blocking pool.
    pub(super) fn claim(
        &self,
        dir: &Path,
        part: &Path,
        size: u64,
        held: u64,
    ) -> Result<(), String> {
        let available =
            available_bytes(dir).map_err(|e| format!("cannot read the free disk space: {e}"))?;
        let mut claims = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        claims.remove(part);
        claims.retain(|path, _| path.exists());
        let others: u64 = claims
            .iter()
            .map(|(path, size)| size.saturating_sub(std::fs::metadata(path).map_or(0, |m| m.len())))
            .sum();
        room_left(available, others, size.saturating_sub(held), self.keep_free)?;
        claims.insert(part.to_path_buf(), size);
        Ok(())
    }
}

/// Bytes an unprivileged writer may still use on `dir`'s file system.
fn available_bytes(dir: &Path) -> std::io::Result<u64> {
    let stat = rustix::fs::statvfs(dir)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Whether `needed` more bytes fit in `available` beside `others` (what the other
/// unfinished files still need) while `keep_free` stays free; if not, the reason.
fn room_left(available: u64, others: u64, needed: u64, keep_free: u64) -> Result<(), String> {
    let usable = available.saturating_sub(others).saturating_sub(keep_free);
    if needed <= usable {
        return Ok(());
    }
    let claimed = if others > 0 {
        format!(
            ", {} of it promised to files still arriving",
            human_bytes(others)
        )
    } else {
        String::new()
    };
    Err(format!(
        "not enough disk space: it needs {}, {} is free{claimed}, and {} stays free (min_free_space)",
        human_bytes(needed),
        human_bytes(available),
        human_bytes(keep_free)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn a_file_fits_only_beside_the_others_and_the_reserve() {
        assert_eq!(room_left(100 * MIB, 0, 50 * MIB, 50 * MIB), Ok(()));
        let err = room_left(100 * MIB, 0, 51 * MIB, 50 * MIB).unwrap_err();
        assert!(
            err.contains("needs 51.0 MiB") && err.contains("100.0 MiB is free"),
            "{err}"
        );
        assert!(
            err.contains("50.0 MiB stays free (min_free_space)"),
            "{err}"
        );
        let err = room_left(100 * MIB, 30 * MIB, 30 * MIB, 50 * MIB).unwrap_err();
        assert!(err.contains("30.0 MiB of it promised"), "{err}");
        assert_eq!(
            room_left(10 * MIB, 20 * MIB, 0, 50 * MIB),
            Ok(()),
            "nothing more needed"
        );
        assert!(room_left(0, u64::MAX, 1, u64::MAX).is_err(), "no overflow");
    }

    #[test]
    fn claims_count_what_each_part_still_needs_and_lapse_with_it() {
        let dir = tempfile::tempdir().unwrap();
        // In units of an eighth of the real free space (other tests write beside this one):
        // 4 units usable, so one file of 3 fits and a second does not.
        let unit = available_bytes(dir.path()).unwrap() / 8;
        let room = DiskRoom::new(4 * unit);
        let (a, b) = (dir.path().join("a.part"), dir.path().join("b.part"));
        std::fs::write(&a, b"").unwrap();
        std::fs::write(&b, b"").unwrap();
        room.claim(dir.path(), &a, 3 * unit, 0).unwrap();
        let err = room.claim(dir.path(), &b, 3 * unit, 0).unwrap_err();
        assert!(err.contains("promised to files still arriving"), "{err}");
        // The first one saved (its .part gone): its claim lapses.
        std::fs::remove_file(&a).unwrap();
        room.claim(dir.path(), &b, 3 * unit, 0).unwrap();
        // A resume claims only what it still lacks.
        room.claim(dir.path(), &b, 6 * unit, 3 * unit).unwrap();
    }
}
