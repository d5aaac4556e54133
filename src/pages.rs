//! The guest page (`assets/guest/`), embedded in the binary, and `janus pages export DIR`.
//!
//! The page is static (HTML, CSS, ES modules; no build step, no third-party requests), so
//! publishing it is copying these files to wherever GitHub Pages serves from: the
//! `.github/workflows/pages.yml` workflow deploys `assets/guest/` from a checkout, and
//! `janus pages export DIR` writes the same files from an installed binary, for
//! maintainers who publish from a `docs/` folder (or any static host). The host's
//! `pages_url` must then point at where `index.html` is served.
//!
//! Export writes only the files listed in [`GUEST_FILES`] and never deletes anything else
//! in `DIR`, so it can share a folder with other pages; re-running it after an upgrade
//! updates the page in place.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// One file of the guest page: its name inside the page's directory and its contents.
#[derive(Debug, Clone, Copy)]
pub struct GuestFile {
    /// File name relative to the page directory (`/`-separated; the vendored library lives
    /// in `vendor/`).
    pub name: &'static str,
    /// The file's bytes, as built into this binary.
    pub bytes: &'static [u8],
}

macro_rules! guest_file {
    ($name:literal) => {
        GuestFile {
            name: $name,
            bytes: include_bytes!(concat!("../assets/guest/", $name)),
        }
    };
}

/// Every file of `assets/guest/`, as of this build (`tests/pages_export.rs` checks that the
/// list matches the directory, so a new module cannot be forgotten here).
pub const GUEST_FILES: &[GuestFile] = &[
    guest_file!("index.html"),
    guest_file!("style.css"),
    guest_file!("blog-frame.css"),
    guest_file!("guest.js"),
    guest_file!("blog.js"),
    guest_file!("chat.js"),
    guest_file!("token.js"),
    guest_file!("link.js"),
    guest_file!("verify.js"),
    guest_file!("rtc.js"),
    guest_file!("verifycode.js"),
    guest_file!("protocol.js"),
    guest_file!("rooms.js"),
    guest_file!("start.js"),
    guest_file!("reach.js"),
    guest_file!("files.js"),
    guest_file!("vendor/noble-hashes/LICENSE"),
    guest_file!("vendor/noble-hashes/README.md"),
    guest_file!("vendor/noble-hashes/sha2.js"),
    guest_file!("vendor/noble-hashes/_md.js"),
    guest_file!("vendor/noble-hashes/_u64.js"),
    guest_file!("vendor/noble-hashes/utils.js"),
    guest_file!("vendor/noble-hashes/crypto.js"),
];

/// What export did to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The file did not exist.
    Created,
    /// The file existed with other contents and was replaced.
    Updated,
    /// The file already had these exact contents; left untouched.
    Unchanged,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
        })
    }
}

/// Why an export failed; each names the path and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// `DIR` exists but is a file (or something else that is not a directory).
    #[error("{} exists and is not a directory; pick a directory to export the guest page into", .0.display())]
    NotADirectory(PathBuf),
    /// `DIR` could not be created.
    #[error("cannot create {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },
    /// A file could not be read or written.
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// Writes the guest page into `dir` (created if missing, parents included). Returns every
/// file written with what happened to it, in [`GUEST_FILES`] order.
pub fn export(dir: &Path) -> Result<Vec<(PathBuf, Outcome)>, ExportError> {
    if dir.exists() && !dir.is_dir() {
        return Err(ExportError::NotADirectory(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir).map_err(|source| ExportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut done = Vec::with_capacity(GUEST_FILES.len());
    for file in GUEST_FILES {
        let path = dir.join(file.name);
        if let Some(parent) = path.parent().filter(|p| !p.exists()) {
            std::fs::create_dir_all(parent).map_err(|source| ExportError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let outcome = match std::fs::read(&path) {
            Ok(existing) if existing == file.bytes => Outcome::Unchanged,
            Ok(_) => Outcome::Updated,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Outcome::Created,
            Err(source) => return Err(ExportError::Write { path, source }),
        };
        if outcome != Outcome::Unchanged {
            write_atomically(&path, file.bytes).map_err(|source| ExportError::Write {
                path: path.clone(),
                source,
            })?;
        }
        done.push((path, outcome));
    }
    Ok(done)
}

/// Writes through a temporary file in the same directory, so a published page is never
/// seen half-written.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.janus-tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The lines `janus pages export` prints: one per file, then what to do next.
pub fn report(dir: &Path, done: &[(PathBuf, Outcome)]) -> Vec<String> {
    let mut lines: Vec<String> = done
        .iter()
        .map(|(path, outcome)| format!("  {outcome:<9} {}", path.display()))
        .collect();
    let changed = done
        .iter()
        .filter(|(_, o)| *o != Outcome::Unchanged)
        .count();
    lines.push(format!(
        "Exported the guest page to {} ({changed} of {} files changed).",
        dir.display(),
        done.len()
    ));
    lines.push(
        "Next: publish that folder (e.g. GitHub Pages from a `docs/` folder), then set `pages_url` in the config file \
         (or pass --pages-url) to the address where its index.html is served, e.g. https://you.github.io/project/."
            .to_string(),
    );
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_non_empty_and_named_plainly() {
        for f in GUEST_FILES {
            assert!(!f.bytes.is_empty(), "{} is empty", f.name);
            let plain = f
                .name
                .split('/')
                .all(|part| !part.is_empty() && !part.starts_with('.') && part != "..");
            assert!(plain, "{}", f.name);
            // Only the vendored library lives in a folder.
            assert!(
                !f.name.contains('/') || f.name.starts_with("vendor/"),
                "{}",
                f.name
            );
        }
        assert!(GUEST_FILES.iter().any(|f| f.name == "index.html"));
    }

    #[test]
    fn the_page_keeps_its_csp_and_sandbox() {
        let index = GUEST_FILES
            .iter()
            .find(|f| f.name == "index.html")
            .map(|f| String::from_utf8_lossy(f.bytes))
            .unwrap_or_default();
        assert!(
            index.contains("http-equiv=\"Content-Security-Policy\""),
            "index.html lost its CSP"
        );
        assert!(
            index.contains("script-src 'self'"),
            "the CSP no longer limits scripts to the page's own files"
        );
        let sandbox = index
            .split("sandbox=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default();
        assert!(index.contains("id=\"blog-frame\""));
        assert!(
            !sandbox.contains("allow-scripts") && !sandbox.contains("allow-same-origin"),
            "blog frame sandbox: {sandbox}"
        );
    }
}
