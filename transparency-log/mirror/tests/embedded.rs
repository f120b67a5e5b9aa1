//! The embedded default log: created on first use under the XDG data dir with its own key,
//! filled from upstream (trust on first use), then verified like any other log.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

const WAIT: Duration = Duration::from_secs(10);

use std::path::PathBuf;
use std::time::Duration;

use common::{LocalFetcher, count, fast, http, real_lockfiles, registry_for, verify_with};
use lockproof_lockfile::{Ecosystem, Entry};
use lockproof_mirror::embedded::{default_log_dir, fill_keys, open_embedded};
use lockproof_mirror::{Filler, Upstreams, entry_keys};

#[test]
fn the_default_log_lives_under_the_xdg_data_dir() {
    assert_eq!(
        default_log_dir(Some("/x/data".into()), Some("/home/u".into())).unwrap(),
        PathBuf::from("/x/data/lockproof/default-log")
    );
    // A relative XDG_DATA_HOME is ignored, as the XDG spec says.
    assert_eq!(
        default_log_dir(Some("rel".into()), Some("/home/u".into())).unwrap(),
        PathBuf::from("/home/u/.local/share/lockproof/default-log")
    );
    assert!(default_log_dir(None, None).is_err());
}

fn load(paths: &[PathBuf]) -> Vec<(String, Vec<Entry>)> {
    paths
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                lockproof_lockfile::parse(p).unwrap(),
            )
        })
        .collect()
}

/// Opens (creating) the embedded log in `dir`, fills `files`' keys, closes it, verifies.
fn fill_and_verify(
    dir: &std::path::Path,
    overrides: &[String],
    files: Vec<(String, Vec<Entry>)>,
) -> (lockproof_verify::report::Report, bool) {
    let all: Vec<Entry> = files.iter().flat_map(|(_, e)| e.clone()).collect();
    let embedded = open_embedded(dir, WAIT).unwrap();
    let vkey = embedded.vkey.to_string();
    let created = embedded.created;
    let upstreams = Upstreams::from_flags("crates,npm,pypi,go", overrides, &http()).unwrap();
    let filler = Filler::new(embedded.log, upstreams, fast());
    let summary = fill_keys(&filler, &entry_keys(&all), &|_, _| {});
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    drop(filler);
    let state = tempfile::tempdir().unwrap();
    let fetcher = LocalFetcher::open(dir);
    (verify_with(&fetcher, &vkey, files, state.path()), created)
}

#[test]
fn the_embedded_log_is_created_on_first_use_and_verifies_real_lockfiles() {
    let tmp = tempfile::tempdir().unwrap();
    let files = load(&real_lockfiles(tmp.path()));
    let all: Vec<Entry> = files.iter().flat_map(|(_, e)| e.clone()).collect();
    let pinned = all
        .iter()
        .filter(|e| lockproof_mirror::entry_key(e).is_some())
        .count();
    let (_reg, _sumdb, overrides) = registry_for(&all);
    let dir = default_log_dir(Some(tmp.path().join("data").into()), None).unwrap();
    let (report, created) = fill_and_verify(&dir, &overrides, files.clone());
    assert!(created);
    assert!(report.log_failures.is_empty(), "{:?}", report.log_failures);
    assert_eq!(count(&report, "match"), pinned);
    assert_eq!(count(&report, "mismatch") + count(&report, "missing"), 0);
    // Second run: same log, same key, nothing new to fill.
    let vkey = open_embedded(&dir, WAIT).unwrap().vkey;
    let (report, created) = fill_and_verify(&dir, &overrides, files);
    assert!(!created);
    assert_eq!(count(&report, "match"), pinned);
    assert_eq!(open_embedded(&dir, WAIT).unwrap().vkey, vkey);
}

#[test]
fn a_lockfile_edited_to_point_at_other_bytes_is_a_mismatch_on_first_sight() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = real_lockfiles(tmp.path());
    // The registry publishes the original digests.
    let originals = load(&paths);
    let all: Vec<Entry> = originals.iter().flat_map(|(_, e)| e.clone()).collect();
    let (_reg, _sumdb, overrides) = registry_for(&all);
    // A pull request edits one Cargo.lock checksum.
    let victim = all
        .iter()
        .find(|e| e.ecosystem == Ecosystem::Cargo && e.digest.is_some())
        .unwrap();
    let published = victim.digest.as_ref().unwrap().to_hex();
    let edited = "cd".repeat(32);
    let cargo = paths.iter().find(|p| p.ends_with("Cargo.lock")).unwrap();
    let text = std::fs::read_to_string(cargo).unwrap();
    std::fs::write(cargo, text.replace(&published, &edited)).unwrap();
    let dir = tmp.path().join("fresh-default-log");
    let (report, _) = fill_and_verify(&dir, &overrides, load(&paths));
    let mismatches: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.verdict.as_str() == "mismatch")
        .collect();
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    assert_eq!(mismatches[0].name, victim.name);
    assert_eq!(
        mismatches[0].logged.as_deref(),
        Some(format!("sha256:{published}").as_str())
    );
    assert_eq!(
        mismatches[0].expected.as_deref(),
        Some(format!("sha256:{edited}").as_str())
    );
}

#[test]
fn a_second_user_of_the_embedded_log_waits_for_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("default-log");
    let first = open_embedded(&dir, WAIT).unwrap();
    assert!(first.created);
    let err = open_embedded(&dir, Duration::from_millis(200)).unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");
    let vkey = first.vkey.clone();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
    });
    let second = open_embedded(&dir, WAIT).unwrap();
    release.join().unwrap();
    assert!(!second.created);
    assert_eq!(second.vkey, vkey);
}

/// Acceptance 4 (opt-in, needs the network): the project's own Cargo.lock against the real
/// crates.io sparse index through the embedded default. Run with `LOCKPROOF_LIVE_TESTS=1`.
#[test]
fn live_the_projects_own_cargo_lock_verifies_against_crates_io() {
    if std::env::var("LOCKPROOF_LIVE_TESTS").as_deref() != Ok("1") {
        eprintln!("skipping: set LOCKPROOF_LIVE_TESTS=1 to run against the real crates.io");
        return;
    }
    let lock = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    let entries = lockproof_lockfile::parse(&lock).unwrap();
    let pinned = entries
        .iter()
        .filter(|e| lockproof_mirror::entry_key(e).is_some())
        .count();
    assert!(pinned > 100);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("default-log");
    let embedded = open_embedded(&dir, WAIT).unwrap();
    let vkey = embedded.vkey.to_string();
    // Behind a TLS-intercepting proxy, trust the bundle SSL_CERT_FILE names (as the CLI does).
    let root_certificates = std::env::var_os("SSL_CERT_FILE")
        .and_then(|p| std::fs::read(p).ok())
        .map(|pem| lockproof_upstream::RootCertificates::from_pem(&pem).unwrap());
    let live_http = lockproof_upstream::Http::new(&lockproof_upstream::HttpConfig {
        root_certificates,
        ..lockproof_upstream::HttpConfig::default()
    });
    let upstreams = Upstreams::public(&[], &live_http).unwrap();
    let filler = Filler::new(
        embedded.log,
        upstreams,
        lockproof_mirror::FillerConfig::default(),
    );
    let summary = fill_keys(&filler, &entry_keys(&entries), &|_, _| {});
    assert!(
        summary.errors.is_empty(),
        "{} errors, first: {:?}",
        summary.errors.len(),
        summary.errors.first()
    );
    drop(filler);
    let state = tempfile::tempdir().unwrap();
    let report = verify_with(
        &LocalFetcher::open(&dir),
        &vkey,
        vec![("Cargo.lock".into(), entries)],
        state.path(),
    );
    assert_eq!(count(&report, "match"), pinned, "{:?}", report.findings);
}

#[test]
fn only_entries_from_the_public_registries_are_filled_from_them() {
    let tmp = tempfile::tempdir().unwrap();
    let all: Vec<Entry> = load(&real_lockfiles(tmp.path()))
        .into_iter()
        .flat_map(|(_, e)| e)
        .collect();
    for eco in [
        Ecosystem::Cargo,
        Ecosystem::Npm,
        Ecosystem::Pypi,
        Ecosystem::Go,
    ] {
        assert!(
            all.iter()
                .filter(|e| e.ecosystem == eco && lockproof_mirror::entry_key(e).is_some())
                .all(lockproof_mirror::from_public_registry),
            "{eco}: a real lockfile entry was not recognised as public"
        );
    }
    let text = "version = 4\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\n\
source = \"sparse+https://crates.internal.example/index/\"\n\
checksum = \"9f3c5a1e2b4d6f8091a3b5c7d9e1f20314253647586970a1b2c3d4e5f6a7b8c9\"\n";
    let private = lockproof_lockfile::parse_str(
        lockproof_lockfile::Format::CargoLock,
        std::path::Path::new("Cargo.lock"),
        text,
    )
    .unwrap();
    assert!(!lockproof_mirror::from_public_registry(&private[0]));
}
