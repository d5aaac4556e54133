//! The host's blog: Markdown files in a folder, served to guests as sanitized HTML
//! (`blog.index` / `blog.post`, PROTOCOL.md "Data channel").
//!
//! The maintainer publishes by dropping `slug.md` into the folder: the directory is read on
//! every [`BlogStore::index`] call, so new, edited and deleted posts show up without a
//! restart. Rendered posts are cached by (path, modification time, length), so a guest
//! browsing the blog costs one `stat` per post. Rules:
//! - the slug is the file stem and must be `a-z 0-9 - _` ([`is_valid_slug`]); other `.md`
//!   files are skipped with a warning, hidden files (`.x.md`, editor droppings) silently;
//! - files over [`MAX_POST_BYTES`] or not UTF-8 are skipped with a warning;
//! - a missing folder is an empty blog, never an error;
//! - a slug asked for by a guest is validated before it touches the file system, so no
//!   path traversal;
//! - the index is newest first (dated posts by date, then slug; undated posts last) and is
//!   cut, oldest first, so its `blog.index` frame fits the 64 KiB frame limit.
//!
//! Front matter and rendering rules: see [`post`] and [`render`].

pub mod post;
pub mod render;

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::rtc::protocol::{Frame, PostSummary, MAX_FRAME_BYTES};

pub use post::{is_valid_slug, Post};
pub use render::render_markdown;

/// Largest post file read, in bytes.
pub const MAX_POST_BYTES: u64 = 1024 * 1024;

/// Identity of a file version for the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    /// Modification time; `None` on platforms that do not report it (then only `len` counts).
    modified: Option<SystemTime>,
    /// Size in bytes: catches edits within one mtime tick that change the length.
    len: u64,
}

/// What the cache remembers about one file version.
#[derive(Debug, Clone)]
struct CacheEntry {
    /// Version the entry describes; a different stamp means reload.
    stamp: Stamp,
    /// The post, or why the file is skipped (kept so the warning is logged once per version).
    loaded: Result<Arc<Post>, String>,
}

/// Serves the posts in one folder.
#[derive(Debug)]
pub struct BlogStore {
    /// Folder the maintainer drops posts into; read afresh on every index request.
    dir: PathBuf,
    /// Rendered posts by path; entries for deleted files are pruned on each index scan.
    /// Never held while reading or rendering, so guests do not wait on one another.
    cache: Mutex<HashMap<PathBuf, CacheEntry>>,
}

impl BlogStore {
    /// A store over `dir`. Nothing is read until a guest asks.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        BlogStore {
            dir: dir.into(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The folder this store serves.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The current index, newest first, read from the folder now.
    pub fn index(&self) -> Vec<PostSummary> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(dir = %self.dir.display(), error = %e, "cannot read the blog folder; serving an empty blog");
                }
                self.lock_cache().clear();
                return Vec::new();
            }
        };
        let mut seen = Vec::new();
        let mut posts = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                tracing::debug!(path = %path.display(), "skipping blog file with a non-UTF-8 name");
                continue;
            };
            let Some(stem) = name.strip_suffix(".md") else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            seen.push(path.clone());
            if let Some(post) = self.load(&path, stem) {
                posts.push(post);
            }
        }
        self.lock_cache().retain(|path, _| seen.contains(path));
        order_and_fit(posts)
    }

    /// The `blog.post` frame for `slug`, or `None` if there is no such (valid) post.
    pub fn post(&self, slug: &str) -> Option<Frame> {
        if !is_valid_slug(slug) {
            return None;
        }
        let path = self.dir.join(format!("{slug}.md"));
        self.load(&path, slug).map(|post| post.frame())
    }

    /// The post at `path` (whose stem is `stem`), from the cache when the file is unchanged.
    fn load(&self, path: &Path, stem: &str) -> Option<Arc<Post>> {
        let meta = fs::metadata(path).ok()?;
        if !meta.is_file() {
            return None;
        }
        let stamp = Stamp {
            modified: meta.modified().ok(),
            len: meta.len(),
        };
        if let Some(entry) = self.lock_cache().get(path) {
            if entry.stamp == stamp {
                return entry.loaded.as_ref().ok().cloned();
            }
        }
        let loaded = read_post(path, stem, stamp.len).map(Arc::new);
        if let Err(reason) = &loaded {
            tracing::warn!(path = %path.display(), "skipping blog post: {reason}");
        }
        let result = loaded.as_ref().ok().cloned();
        self.lock_cache()
            .insert(path.to_path_buf(), CacheEntry { stamp, loaded });
        result
    }

    /// The cache, recovered even if a thread panicked while holding it (the map stays valid).
    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, CacheEntry>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Reads, parses and renders one file, or says why it is skipped.
fn read_post(path: &Path, stem: &str, len: u64) -> Result<Post, String> {
    if !is_valid_slug(stem) {
        return Err(format!(
            "the file name must be a slug of lowercase letters, digits, `-` and `_` (e.g. `{}.md`)",
            suggest_slug(stem)
        ));
    }
    if len > MAX_POST_BYTES {
        return Err(format!(
            "the file is {} KiB, over the 1 MiB limit",
            len / 1024
        ));
    }
    let file = fs::File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_POST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > MAX_POST_BYTES {
        return Err("the file grew over the 1 MiB limit while being read".into());
    }
    let text = String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())?;
    let (post, warnings) = post::build_post(stem, &text);
    for warning in warnings {
        tracing::warn!(path = %path.display(), "blog post: {warning}");
    }
    Ok(post)
}

/// A slug close to `stem`, for the warning about an invalid file name.
fn suggest_slug(stem: &str) -> String {
    let slug: String = stem
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(post::MAX_SLUG_CHARS)
        .collect();
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "my-post".into()
    } else {
        slug.to_string()
    }
}

/// Sorts newest first (undated last, ties by slug) and drops the oldest entries that would
/// push the `blog.index` frame over the data-channel limit.
fn order_and_fit(posts: Vec<Arc<Post>>) -> Vec<PostSummary> {
    let mut list: Vec<PostSummary> = posts.iter().map(|p| p.summary_entry()).collect();
    list.sort_by(|a, b| {
        (a.date.is_empty(), std::cmp::Reverse(&a.date), &a.slug).cmp(&(
            b.date.is_empty(),
            std::cmp::Reverse(&b.date),
            &b.slug,
        ))
    });
    let mut size = crate::rtc::protocol::encode(&Frame::BlogIndex { posts: Vec::new() }).len();
    let mut fitted = Vec::with_capacity(list.len());
    let total = list.len();
    for entry in list {
        // One entry's JSON plus the separating comma.
        let entry_size = serde_json::to_string(&entry).map_or(usize::MAX / 2, |s| s.len() + 1);
        if size + entry_size > MAX_FRAME_BYTES {
            tracing::warn!(
                listed = fitted.len(),
                total,
                "the blog index is over the 64 KiB frame limit; the oldest posts are not listed"
            );
            break;
        }
        size += entry_size;
        fitted.push(entry);
    }
    fitted
}

#[cfg(test)]
mod tests;
