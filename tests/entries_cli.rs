//! End-to-end: `lockproof entries` on real fixtures, discovery, and failure on bad input.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

#[path = "support/mod.rs"]
mod support;

use std::fs;

use support::{fixture, lockproof};

#[test]
fn json_output_lists_every_entry_with_the_documented_fields() {
    let home = tempfile::tempdir().unwrap();
    let out = lockproof(home.path())
        .args(["entries", "--format", "json"])
        .arg(fixture("lockfiles/npm/sigstore-js-package-lock.json"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    // Counts derived with jq in verifier/lockfile/tests/golden.rs.
    assert_eq!(doc["summary"]["entries"], 1062);
    assert_eq!(doc["summary"]["pinned"], 223);
    assert_eq!(doc["summary"]["unpinned_by_reason"]["no-digest"], 811);
    assert_eq!(doc["files"][0]["format"], "package-lock");
    let entries = doc["files"][0]["entries"].as_array().unwrap();
    let bundle = entries
        .iter()
        .find(|e| e["location"]["line"] == 3956)
        .unwrap();
    assert_eq!(bundle["name"], "@sigstore/bundle");
    assert_eq!(bundle["source"]["kind"], "workspace");
    assert_eq!(bundle["unpinned_reason"], "local-source");
    let pinned = entries.iter().find(|e| e["pin"] == "pinned").unwrap();
    assert!(pinned["digest"].as_str().unwrap().starts_with("sha512:"));
    assert!(pinned["record"].as_str().unwrap().starts_with("npm/"));
}

#[test]
fn human_output_shows_digest_pin_and_location() {
    let home = tempfile::tempdir().unwrap();
    let out = lockproof(home.path())
        .arg("entries")
        .arg(fixture("lockfiles/rubygems/rubygems-dev_gems.rb.lock"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("nokogiri-1.18.6-x86_64-linux-gnu.gem"))
        .unwrap();
    assert!(
        line.contains("sha256:df065db6ba6e1e80f76ef04f860fcf260cc24685125fe33cdc3d1572a1c66b71"),
        "{line}"
    );
    assert!(
        line.contains("pinned") && line.ends_with("rubygems-dev_gems.rb.lock:102"),
        "{line}"
    );
    assert!(
        text.ends_with("30 entries in 1 lockfiles: 30 pinned, 0 unpinned\n"),
        "{text}"
    );
}

#[test]
fn discovers_lockfiles_under_the_current_directory_and_skips_node_modules() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    fs::create_dir_all(work.path().join("app/node_modules/dep")).unwrap();
    fs::copy(
        fixture("lockfiles/cargo/rustsec-git-ref-Cargo.lock"),
        work.path().join("Cargo.lock"),
    )
    .unwrap();
    fs::copy(
        fixture("lockfiles/composer/composer-composer.lock"),
        work.path().join("app/composer.lock"),
    )
    .unwrap();
    // Would fail to parse if it were read.
    fs::write(
        work.path().join("app/node_modules/dep/package-lock.json"),
        "{",
    )
    .unwrap();
    let out = lockproof(home.path())
        .current_dir(work.path())
        .args(["entries", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["Cargo.lock", "app/composer.lock"]);
    assert_eq!(doc["summary"]["entries"], 5 + 36);
}

#[test]
fn bad_lockfile_exits_2_naming_file_and_line_and_prints_no_entries() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let good = work.path().join("Cargo.lock");
    fs::copy(fixture("lockfiles/cargo/rustsec-git-ref-Cargo.lock"), &good).unwrap();
    let bad = work.path().join("go.sum");
    fs::write(&bad, "example.com/a v1.0.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=\nexample.com/b v1.0.0 h1:short=\n").unwrap();
    let out = lockproof(home.path())
        .arg("entries")
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "partial output: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!("{}:2: example.com/b:", bad.display())),
        "{err}"
    );
}
