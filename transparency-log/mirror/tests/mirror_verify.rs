//! Acceptance 2 (mirror mode): the real Cargo.lock, package-lock.json, uv.lock and go.sum are
//! verified through a mirror-mode server that starts empty and fills every key from (fake)
//! upstream registries; then one package's upstream answer changes.
//!
//! The fake registries serve files in the registries' real formats (sparse-index lines, npm
//! packuments, PEP 691 pages, and a Go checksum database speaking the sumdb protocol), but
//! their digests are GENERATED INSIDE THE TEST FROM THE LOCKFILES THEMSELVES: the real registries
//! are not reachable from the test machines, and only upstream data that agrees with the real
//! lockfiles can show "every pinned entry matches". The fetchers' parsing of genuine registry
//! files is tested separately against files taken from the real registries
//! (transparency-log/upstream/tests/fetchers.rs).

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::sync::Arc;

use common::{Reply, count, filler, new_log, real_lockfiles, registry_for, serve, verify_http};
use lockproof_lockfile::{Ecosystem, Entry};
use lockproof_mirror::entry_keys;

fn load(paths: &[std::path::PathBuf]) -> Vec<(String, Vec<Entry>)> {
    paths
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                lockproof_lockfile::parse(p).unwrap(),
            )
        })
        .collect()
}

fn mirror(overrides: &[String]) -> (tempfile::TempDir, lockproof_log::Log, String) {
    let (dir, log) = new_log("mirror.test");
    let f = filler(&log, "crates,npm,pypi,go", overrides);
    let served = serve(lockproof_mirror::http::router(
        Arc::clone(&f),
        lockproof_log::http::ServeConfig::default(),
    ));
    (dir, log, served.base)
}

#[test]
fn real_lockfiles_verify_through_a_mirror_and_a_changed_upstream_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let files = load(&real_lockfiles(tmp.path()));
    let all: Vec<Entry> = files.iter().flat_map(|(_, e)| e.clone()).collect();
    let keys = entry_keys(&all);
    let pinned_with_key = all
        .iter()
        .filter(|e| lockproof_mirror::entry_key(e).is_some())
        .count();
    for eco in [
        Ecosystem::Cargo,
        Ecosystem::Npm,
        Ecosystem::Pypi,
        Ecosystem::Go,
    ] {
        assert!(
            all.iter()
                .any(|e| e.ecosystem == eco && lockproof_mirror::entry_key(e).is_some()),
            "no pinned {eco} entries"
        );
    }
    let (reg, _sumdb, overrides) = registry_for(&all);

    // 1. A fresh mirror fills every key on first lookup; every pinned entry matches.
    let (_d, log, base) = mirror(&overrides);
    let vkey = log.verifier_key().to_string();
    let state = tempfile::tempdir().unwrap();
    let report = verify_http(&base, &vkey, files.clone(), state.path());
    assert!(report.log_failures.is_empty(), "{:?}", report.log_failures);
    assert_eq!(count(&report, "mismatch"), 0);
    assert_eq!(count(&report, "missing"), 0);
    assert_eq!(count(&report, "match"), pinned_with_key);
    assert_eq!(log.checkpoint().tree.size, keys.len() as u64);

    // 2. The registry now publishes other bytes for one crate.
    let victim = all
        .iter()
        .find(|e| e.ecosystem == Ecosystem::Cargo && e.name == "serde" && e.digest.is_some())
        .or_else(|| {
            all.iter()
                .find(|e| e.ecosystem == Ecosystem::Cargo && e.digest.is_some())
        })
        .unwrap()
        .clone();
    let lockfile_digest = victim.digest.as_ref().unwrap().to_hex();
    let changed = "ab".repeat(32);
    let path = format!(
        "/crates/{}",
        lockproof_upstream::CratesIndex::index_path(&victim.name).unwrap()
    );
    let body = String::from_utf8(reg.routes.lock().unwrap()[&path].body.clone()).unwrap();
    reg.set(&path, Reply::ok(body.replace(&lockfile_digest, &changed)));

    // The mirror that logged the original answer keeps it: nothing changes for its users.
    let report = verify_http(&base, &vkey, files.clone(), state.path());
    assert_eq!(count(&report, "mismatch"), 0);
    assert_eq!(count(&report, "match"), pinned_with_key);

    // A mirror that first sees the package now logs the registry's new answer, and exactly that
    // entry is reported as a mismatch against the logged digest.
    let (_d2, _log2, base2) = mirror(&overrides);
    let state2 = tempfile::tempdir().unwrap();
    let vkey2 = _log2.verifier_key().to_string();
    let report = verify_http(&base2, &vkey2, files, state2.path());
    let mismatches: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.verdict.as_str() == "mismatch")
        .collect();
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    let m = mismatches[0];
    assert_eq!(
        (m.ecosystem.as_str(), m.name.as_str(), m.version.as_str()),
        ("cargo", victim.name.as_str(), victim.version.as_str())
    );
    assert_eq!(
        m.expected.as_deref(),
        Some(format!("sha256:{lockfile_digest}").as_str())
    );
    assert_eq!(
        m.logged.as_deref(),
        Some(format!("sha256:{changed}").as_str())
    );
    assert_eq!(count(&report, "match"), pinned_with_key - 1);
}
