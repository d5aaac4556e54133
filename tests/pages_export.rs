//! `janus pages export DIR`: the guest page built into the binary, written for publishing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use janus::pages::{export, ExportError, Outcome, GUEST_FILES};

fn guest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join("guest")
}

fn janus() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_janus"));
    // Nothing from the caller's setup may matter to an export.
    for k in [
        "GH_ACCESS_TOKEN",
        "GITHUB_TOKEN",
        "REPO_URL",
        "JANUS_API_URL",
        "JANUS_CONFIG",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

#[test]
fn the_embedded_list_is_exactly_assets_guest() {
    // Every file, subfolders included (the vendored library is in `vendor/`).
    let mut on_disk = BTreeSet::new();
    let mut folders = vec![guest_dir()];
    while let Some(folder) = folders.pop() {
        for e in std::fs::read_dir(&folder)
            .expect("assets/guest exists")
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                folders.push(e.path());
            } else {
                let rel = e.path().strip_prefix(guest_dir()).unwrap().to_path_buf();
                on_disk.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let embedded: BTreeSet<String> = GUEST_FILES.iter().map(|f| f.name.to_string()).collect();
    assert_eq!(
        embedded, on_disk,
        "src/pages.rs GUEST_FILES must list every file of assets/guest/"
    );
    for f in GUEST_FILES {
        let disk = std::fs::read(guest_dir().join(f.name)).expect("readable");
        assert_eq!(
            f.bytes,
            disk.as_slice(),
            "{} differs from the file on disk: rebuild",
            f.name
        );
    }
}

#[test]
fn export_creates_then_leaves_unchanged_then_updates_and_keeps_other_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("docs").join("chat");
    let done = export(&dir).expect("export into a new nested directory");
    assert_eq!(done.len(), GUEST_FILES.len());
    assert!(done.iter().all(|(_, o)| *o == Outcome::Created), "{done:?}");
    for f in GUEST_FILES {
        assert_eq!(
            std::fs::read(dir.join(f.name)).expect("written"),
            f.bytes,
            "{}",
            f.name
        );
    }

    // A file of the maintainer's own in the same folder, and a stale copy of one of ours.
    std::fs::write(dir.join("README.md"), "my docs").expect("write");
    std::fs::write(dir.join("style.css"), "/* old */").expect("write");
    let again = export(&dir).expect("export again");
    for (path, outcome) in &again {
        let want = if path.ends_with("style.css") {
            Outcome::Updated
        } else {
            Outcome::Unchanged
        };
        assert_eq!(*outcome, want, "{}", path.display());
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).expect("kept"),
        "my docs"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("janus-tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
}

#[test]
fn export_into_a_file_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, "x").expect("write");
    match export(&file) {
        Err(e @ ExportError::NotADirectory(_)) => {
            assert!(e.to_string().contains("is not a directory"), "{e}")
        }
        other => panic!("expected NotADirectory, got {other:?}"),
    }
}

#[test]
fn cli_exports_from_anywhere_and_says_what_to_do_next() {
    // Run from a directory without assets/: the page comes from the binary itself.
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = janus()
        .current_dir(tmp.path())
        .args(["pages", "export", "site"])
        .output()
        .expect("run janus");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
    for f in GUEST_FILES {
        assert!(
            tmp.path().join("site").join(f.name).is_file(),
            "{} exported",
            f.name
        );
        assert!(stdout.contains(f.name), "stdout names {}: {stdout}", f.name);
    }
    assert!(stdout.contains("created"), "{stdout}");
    assert!(
        stdout.contains("pages_url"),
        "the next step is named: {stdout}"
    );

    let again = janus()
        .current_dir(tmp.path())
        .args(["pages", "export", "site"])
        .output()
        .expect("run janus");
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout)
        .contains(&format!("0 of {} files changed", GUEST_FILES.len())));

    let bad = janus()
        .current_dir(tmp.path())
        .args(["pages", "export", "site/index.html"])
        .output()
        .expect("run janus");
    assert!(!bad.status.success(), "exporting into a file fails");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("is not a directory"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "{err}"
    );
}

#[test]
fn the_pages_workflow_deploys_assets_guest() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/pages.yml");
    let wf = std::fs::read_to_string(&path).expect(".github/workflows/pages.yml exists");
    for needle in [
        "actions/upload-pages-artifact@",
        "path: assets/guest",
        "actions/deploy-pages@",
        "pages: write",
        "id-token: write",
    ] {
        assert!(wf.contains(needle), "pages.yml lacks `{needle}`");
    }
}
