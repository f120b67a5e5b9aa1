//! Acceptance 5 of issue 5: PR mode (`--changed-since REF`) on a temporary git repository with
//! two commits: only added and changed entries are verified, the rest are counted as skipped,
//! and a lockfile that did not exist at REF is all-new.

#[path = "support/mod.rs"]
mod support;
#[path = "verify_util/mod.rs"]
mod verify_util;

use std::path::Path;
use std::process::Command;

use verify_util::{cargo_lock, local_log, text};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
}

#[test]
fn pr_mode_verifies_only_added_and_changed_entries() {
    if !support::require_tool("git") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let repo = home.path().join("repo");
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    let (all, records) = cargo_lock(7);
    let (five, _) = cargo_lock(5);
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("Cargo.lock"), &five).unwrap();
    git(&repo, &["add", "Cargo.lock"]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    // Second commit: two packages added and a new lockfile in sub/.
    std::fs::write(repo.join("Cargo.lock"), &all).unwrap();
    let (three, _) = cargo_lock(3);
    std::fs::write(repo.join("sub/Cargo.lock"), &three).unwrap();
    git(&repo, &["add", "Cargo.lock", "sub/Cargo.lock"]);
    git(&repo, &["commit", "-q", "-m", "second"]);
    // Working tree: crate0's checksum changed (not committed).
    let old_sum = verify_util::sha256_hex(b"crate-0");
    let tampered = all.replace(&old_sum, &"ab".repeat(32));
    std::fs::write(repo.join("Cargo.lock"), &tampered).unwrap();

    let vkey = local_log(&home.path().join("log"), "pr.test/log", &records);
    let log = format!("{vkey} {}", home.path().join("log").display());
    let run = |rev: &str| {
        support::lockproof(home.path())
            .current_dir(&repo)
            .args([
                "verify",
                "Cargo.lock",
                "sub/Cargo.lock",
                "--format",
                "json",
                "--changed-since",
                rev,
                "--log",
                &log,
            ])
            .output()
            .unwrap()
    };

    // Against the first commit: crate0 changed, crate5 and crate6 added, sub/Cargo.lock all new.
    let out = run("HEAD~1");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checked: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["name"].as_str().unwrap().to_owned(),
                f["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(checked.len(), 6, "{checked:?}");
    assert!(checked.contains(&("Cargo.lock".into(), "crate0".into(), "mismatch".into())));
    assert!(checked.contains(&("Cargo.lock".into(), "crate5".into(), "match".into())));
    assert!(checked.contains(&("Cargo.lock".into(), "crate6".into(), "match".into())));
    assert_eq!(
        checked.iter().filter(|c| c.0 == "sub/Cargo.lock").count(),
        3
    );
    assert_eq!(report["skipped_unchanged"], 4);

    // Against HEAD only the uncommitted change is checked.
    let out = run("HEAD");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["skipped_unchanged"], 9);

    // Undo the tamper: nothing changed since HEAD, everything skipped, exit 0.
    std::fs::write(repo.join("Cargo.lock"), &all).unwrap();
    let out = run("HEAD");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let human = support::lockproof(home.path())
        .current_dir(&repo)
        .args([
            "verify",
            "Cargo.lock",
            "--changed-since",
            "HEAD",
            "--log",
            &log,
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("7 unchanged skipped"),
        "{}",
        text(&human)
    );

    // A ref that does not exist is a usage error (exit 2).
    assert_eq!(run("no-such-ref").status.code(), Some(2));
}
