//! Tests of the blog store against real folders (tempdirs): ordering, refreshing, caching,
//! skipping, traversal and the shipped sample post.

use super::*;

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).expect("write test file");
}

fn post_file(title: &str, date: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\n---\n{body}\n")
}

fn slugs(store: &BlogStore) -> Vec<String> {
    store.index().into_iter().map(|p| p.slug).collect()
}

#[test]
fn missing_directory_is_an_empty_blog() {
    let tmp = tempfile::tempdir().unwrap();
    let store = BlogStore::new(tmp.path().join("nope"));
    assert!(store.index().is_empty());
    assert_eq!(store.post("welcome"), None);
    // A file where the folder should be is not a panic either.
    write(tmp.path(), "file", "x");
    assert!(BlogStore::new(tmp.path().join("file")).index().is_empty());
}

#[test]
fn index_is_newest_first_with_undated_last() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "old.md", &post_file("Old", "2025-01-01", "Old body."));
    write(dir, "new.md", &post_file("New", "2026-11-20", "New body."));
    write(dir, "same-b.md", &post_file("B", "2026-05-05", "b"));
    write(dir, "same-a.md", &post_file("A", "2026-05-05", "a"));
    write(dir, "undated.md", "Just a body.");
    write(dir, "bad-date.md", &post_file("Bad", "2026-99-01", "x"));
    let store = BlogStore::new(dir);
    assert_eq!(
        slugs(&store),
        ["new", "same-a", "same-b", "old", "bad-date", "undated"]
    );
    let first = &store.index()[0];
    assert_eq!(
        first,
        &PostSummary {
            slug: "new".into(),
            title: "New".into(),
            date: "2026-11-20".into(),
            summary: "New body.".into()
        }
    );
}

#[test]
fn skips_bad_names_other_files_and_oversized_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "good.md", &post_file("Good", "2026-01-01", "ok"));
    write(dir, "Capital.md", &post_file("Cap", "2026-01-01", "x"));
    write(dir, "has space.md", &post_file("Sp", "2026-01-01", "x"));
    write(dir, "dotted.name.md", &post_file("Dot", "2026-01-01", "x"));
    write(dir, ".hidden.md", &post_file("Hidden", "2026-01-01", "x"));
    write(dir, "notes.txt", "not a post");
    write(dir, "binary.md", "");
    fs::write(dir.join("binary.md"), [0xff, 0xfe, 0x00]).unwrap();
    write(dir, "huge.md", &"a".repeat(MAX_POST_BYTES as usize + 1));
    fs::create_dir(dir.join("folder.md")).unwrap();
    let store = BlogStore::new(dir);
    assert_eq!(slugs(&store), ["good"]);
    assert_eq!(store.post("huge"), None);
    assert_eq!(store.post("binary"), None);
    assert_eq!(store.post("folder"), None);
}

#[test]
fn traversal_and_invalid_slugs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let blog = tmp.path().join("blog");
    fs::create_dir(&blog).unwrap();
    write(
        tmp.path(),
        "secret.md",
        &post_file("Secret", "2026-01-01", "top secret"),
    );
    write(&blog, "ok.md", &post_file("Ok", "2026-01-01", "fine"));
    let store = BlogStore::new(&blog);
    for slug in [
        "../secret",
        "..%2Fsecret",
        "/etc/passwd",
        "..\\secret",
        "ok.md",
        "",
        "OK",
        "ok/",
    ] {
        assert_eq!(store.post(slug), None, "{slug}");
    }
    let sibling = format!("..{}secret", std::path::MAIN_SEPARATOR);
    assert_eq!(store.post(&sibling), None);
    assert!(matches!(store.post("ok"), Some(Frame::BlogPost { .. })));
}

#[test]
fn post_frame_carries_sanitized_html() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "hello.md",
        &post_file(
            "Hello",
            "2026-11-20",
            "Hi <script>alert(1)</script> [x](javascript:alert(1))",
        ),
    );
    let store = BlogStore::new(tmp.path());
    let Some(Frame::BlogPost {
        slug,
        title,
        date,
        html,
    }) = store.post("hello")
    else {
        panic!("post not found");
    };
    assert_eq!(
        (slug.as_str(), title.as_str(), date.as_str()),
        ("hello", "Hello", "2026-11-20")
    );
    assert!(html.starts_with("<p>Hi"), "{html}");
    assert!(
        !html.contains("script") && !html.contains("javascript"),
        "{html}"
    );
}

#[test]
fn new_edited_and_deleted_files_show_up_without_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = BlogStore::new(dir);
    assert!(store.index().is_empty());
    write(dir, "a.md", &post_file("First", "2026-01-01", "one"));
    assert_eq!(store.index()[0].title, "First");
    // A different length is a different version even within one mtime tick.
    write(dir, "a.md", &post_file("Second title", "2026-01-01", "one"));
    assert_eq!(store.index()[0].title, "Second title");
    assert_eq!(store.lock_cache().len(), 1);
    fs::remove_file(dir.join("a.md")).unwrap();
    assert!(store.index().is_empty());
    assert!(
        store.lock_cache().is_empty(),
        "deleted files leave the cache"
    );
    assert_eq!(store.post("a"), None);
}

#[test]
fn cache_serves_unchanged_files() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a.md", &post_file("A", "2026-01-01", "one"));
    let store = BlogStore::new(tmp.path());
    let first = store.index();
    let cached = store
        .lock_cache()
        .get(&tmp.path().join("a.md"))
        .map(|e| e.loaded.clone());
    let Some(Ok(before)) = cached else {
        panic!("not cached")
    };
    assert_eq!(store.index(), first);
    let cached = store
        .lock_cache()
        .get(&tmp.path().join("a.md"))
        .map(|e| e.loaded.clone());
    let Some(Ok(after)) = cached else {
        panic!("not cached")
    };
    assert!(
        Arc::ptr_eq(&before, &after),
        "unchanged file was re-rendered"
    );
}

#[test]
fn index_fits_one_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "x".repeat(post::MAX_SUMMARY_CHARS);
    for i in 0..400 {
        let text = format!("---\ntitle: Post {i}\ndate: 2026-01-01\nsummary: {long}\n---\nbody");
        write(tmp.path(), &format!("p{i:03}.md"), &text);
    }
    let index = BlogStore::new(tmp.path()).index();
    assert!(!index.is_empty() && index.len() < 400, "{}", index.len());
    let frame = Frame::BlogIndex { posts: index };
    assert!(crate::rtc::protocol::encode(&frame).len() <= MAX_FRAME_BYTES);
}

#[test]
fn shipped_sample_post_renders() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/blog");
    let store = BlogStore::new(&dir);
    let index = store.index();
    let welcome = index
        .iter()
        .find(|p| p.slug == "welcome")
        .expect("assets/blog/welcome.md is listed");
    assert_eq!(welcome.title, "Welcome to Janus");
    assert!(!welcome.date.is_empty() && !welcome.summary.is_empty());
    let Some(Frame::BlogPost { html, .. }) = store.post("welcome") else {
        panic!("welcome post missing");
    };
    for needle in ["<h2>", "<li>", "<pre><code>", "<a href=\"https://"] {
        assert!(html.contains(needle), "welcome post lacks {needle}: {html}");
    }
}
