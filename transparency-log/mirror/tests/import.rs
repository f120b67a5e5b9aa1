//! `log import`: lockfile entries logged on first use, for ecosystems without an upstream.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use common::{LocalFetcher, count, entries, new_log, verify_with};
use lockproof_mirror::Error;
use lockproof_mirror::import::import_entries;

#[test]
fn a_gemfile_lock_is_imported_once_and_then_verifies() {
    let gems = entries("lockfiles/rubygems/rubygems-dev_gems.rb.lock");
    let pinned = gems
        .iter()
        .filter(|e| lockproof_mirror::entry_key(e).is_some())
        .count();
    assert!(pinned > 5);
    let (dir, log) = new_log("import.test");
    let report = import_entries(&log, &gems).unwrap();
    assert_eq!(report.added, pinned);
    assert!(report.conflicts.is_empty());
    assert_eq!(report.size, pinned as u64);
    // Importing again changes nothing.
    let again = import_entries(&log, &gems).unwrap();
    assert_eq!((again.added, again.present), (0, pinned));
    assert_eq!(log.checkpoint().tree.size, pinned as u64);
    let vkey = log.verifier_key().to_string();
    drop(log);
    let state = tempfile::tempdir().unwrap();
    let report = verify_with(
        &LocalFetcher::open(dir.path()),
        &vkey,
        vec![("Gemfile.lock".into(), gems)],
        state.path(),
    );
    assert_eq!(count(&report, "match"), pinned);
}

#[test]
fn a_go_sum_imports_modules_with_both_lines_and_skips_go_mod_only_ones() {
    let go = entries("lockfiles/go/helm-go.sum");
    let (_dir, log) = new_log("import.test");
    let report = import_entries(&log, &go).unwrap();
    assert!(report.added > 50, "{report:?}");
    assert!(
        report
            .skipped
            .iter()
            .all(|s| s.reason.contains("only one of the module's two lines")),
        "{:?}",
        report.skipped.first()
    );
    assert!(!report.skipped.is_empty());
    // Every logged Go record is a byte-exact two-line sumdb record.
    for (_, rec) in log.records(0, log.checkpoint().tree.size).unwrap() {
        let text = rec.text();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            text.lines().nth(1).unwrap().contains("/go.mod h1:"),
            "{text}"
        );
    }
}

#[test]
fn a_lockfile_that_disagrees_with_the_first_import_is_a_conflict_and_nothing_is_appended() {
    let tmp = tempfile::tempdir().unwrap();
    let original = common::fixture("lockfiles/cargo/rustsec-example-v3-Cargo.lock");
    let text = std::fs::read_to_string(&original).unwrap();
    let (_dir, log) = new_log("import.test");
    let first = lockproof_lockfile::parse_str(
        lockproof_lockfile::Format::CargoLock,
        &tmp.path().join("Cargo.lock"),
        &text,
    )
    .unwrap();
    let report = import_entries(&log, &first).unwrap();
    let size = log.checkpoint().tree.size;
    assert_eq!(report.added as u64, size);
    // A later lockfile points one crate at other bytes.
    let victim = first.iter().find(|e| e.digest.is_some()).unwrap();
    let hex = victim.digest.as_ref().unwrap().to_hex();
    let edited = lockproof_lockfile::parse_str(
        lockproof_lockfile::Format::CargoLock,
        &tmp.path().join("Cargo.lock"),
        &text.replace(&hex, &"ee".repeat(32)),
    )
    .unwrap();
    let report = import_entries(&log, &edited).unwrap();
    assert_eq!(report.added, 0);
    assert_eq!(report.conflicts.len(), 1);
    let Error::Conflict { key, existing, .. } = &report.conflicts[0] else {
        panic!("{:?}", report.conflicts[0]);
    };
    assert_eq!(key, &format!("cargo/{}@{}", victim.name, victim.version));
    assert!(existing.ends_with(&hex));
    assert_eq!(log.checkpoint().tree.size, size);
}
