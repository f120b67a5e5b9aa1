//! The upstream-sumdb fetcher against Go's reference checksum database server
//! (`golang.org/x/mod/sumdb.NewServer` from Debian's golang-golang-x-mod-dev, wrapped by the
//! project's one Go test helper, `tests/go/gotest refsumdb` at the repository root, built once
//! per test process by `tests/go_helper`).
//!
//! Needs `go` and x/mod (both in `.ci/apt-packages`). In CI (`CI=true`) a missing toolchain
//! fails the test; locally it is skipped with a message.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

#[path = "../../../tests/go_helper/mod.rs"]
mod go_helper;

use std::path::Path;
use std::time::Duration;

use go_helper::RefSumdb;

use lockproof_tlog::VerifierKey;
use lockproof_upstream::{Error, GoSumdb, Http, HttpConfig, RecordKey, Upstream};

/// The deterministic test key of shared/interop/go-sumdb (seed 00 01 … 1f). Tests only.
const SKEY: &str =
    "PRIVATE+KEY+sumdb.interop.test+e657c8f2+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
const VKEY: &str = "sumdb.interop.test+e657c8f2+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";

/// A running reference server over records3.txt under the interop key.
struct RefServer {
    base: String,
    _server: RefSumdb,
    _dir: tempfile::TempDir,
}

fn start(extra: &[&str]) -> RefServer {
    let bin = go_helper::gotest().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("skey"), SKEY).unwrap();
    let records =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/go-sumdb-vectors/records3.txt");
    let server = RefSumdb::start(
        &bin,
        &dir.path().join("skey"),
        &records,
        &dir.path().join("addr"),
        extra,
    );
    RefServer {
        base: server.url.clone(),
        _server: server,
        _dir: dir,
    }
}

fn http() -> Http {
    Http::new(&HttpConfig {
        timeout: Duration::from_secs(5),
        ..HttpConfig::default()
    })
}

fn sumdb(base: &str) -> GoSumdb {
    GoSumdb::new(base, VerifierKey::parse(VKEY).unwrap(), http())
}

fn records3() -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/go-sumdb-vectors/records3.txt"),
    )
    .unwrap();
    text.split("\n\n")
        .map(|r| format!("{}\n", r.trim_end_matches('\n')))
        .collect()
}

#[test]
fn copies_verified_records_from_the_reference_sumdb_with_multi_level_tiles() {
    if go_helper::gotest().is_none() {
        return;
    }
    // 300 filler records first: the real ones sit in the second level-0 tile, so verifying
    // them needs tile/8/1/… as well.
    let server = start(&["-pad", "300"]);
    let db = sumdb(&server.base);
    let want = records3();
    let keys = [
        ("example.com/hello", "v1.0.0"),
        ("example.com/hello", "v1.1.0"),
        ("example.org/Greet", "v0.1.0"),
    ];
    for ((path, version), want) in keys.iter().zip(&want) {
        let got = db.fetch(&RecordKey::go(path, version).unwrap()).unwrap();
        assert_eq!(got.expect("a record").text(), want);
    }
    assert_eq!(db.latest_tree().unwrap().size, 303);
    assert_eq!(
        db.fetch(&RecordKey::go("example.com/hello", "v1.9.9").unwrap())
            .unwrap(),
        None
    );
    // The proxied form of the same database works too.
    let proxied = sumdb(&format!("{}/sumdb/sumdb.interop.test", server.base));
    assert!(
        proxied
            .fetch(&RecordKey::go("example.org/Greet", "v0.1.0").unwrap())
            .unwrap()
            .is_some()
    );
}

#[test]
fn rejects_a_lookup_answer_that_is_not_the_logged_record() {
    if go_helper::gotest().is_none() {
        return;
    }
    let server = start(&["-tamper", "lookuplie=example.com/hello@v1.0.0"]);
    let db = sumdb(&server.base);
    let err = db
        .fetch(&RecordKey::go("example.com/hello", "v1.0.0").unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::Verification { .. }), "{err}");
    assert!(err.to_string().contains("not at index"), "{err}");
    // Honest answers from the same server still verify.
    assert!(
        db.fetch(&RecordKey::go("example.com/hello", "v1.1.0").unwrap())
            .unwrap()
            .is_some()
    );
}

#[test]
fn rejects_a_tree_signed_by_another_key_of_the_same_name() {
    if go_helper::gotest().is_none() {
        return;
    }
    let server = start(&["-tamper", "badsig"]);
    let err = sumdb(&server.base)
        .fetch(&RecordKey::go("example.com/hello", "v1.0.0").unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::Verification { .. }), "{err}");
}

#[test]
fn detects_a_database_that_forks_its_history_between_lookups() {
    if go_helper::gotest().is_none() {
        return;
    }
    // Two servers under one key: the second logged a different record at index 0, so its tree
    // of the same size has another root, as if the database had rewritten its history.
    let honest = start(&[]);
    let forked = start(&["-tamper", "wronghash=example.com/hello@v1.0.0"]);
    let db = sumdb(&honest.base);
    db.fetch(&RecordKey::go("example.com/hello", "v1.1.0").unwrap())
        .unwrap()
        .unwrap();
    let trusted = db.latest_tree().unwrap();
    // A fetcher that already trusts the honest tree then talks to the forked history.
    let seeded = GoSumdb::with_trusted_tree(
        &forked.base,
        VerifierKey::parse(VKEY).unwrap(),
        http(),
        trusted,
    );
    let err = seeded
        .fetch(&RecordKey::go("example.com/hello", "v1.1.0").unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::Verification { .. }), "{err}");
    assert!(err.to_string().contains("forked"), "{err}");
    assert_eq!(seeded.latest_tree(), Some(trusted));
}

#[test]
fn a_wrong_verifier_key_is_a_verification_error() {
    if go_helper::gotest().is_none() {
        return;
    }
    let server = start(&[]);
    let other = "sumdb.interop.test+00000000+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
    let err = match VerifierKey::parse(other) {
        Ok(k) => GoSumdb::new(&server.base, k, http())
            .fetch(&RecordKey::go("example.com/hello", "v1.0.0").unwrap())
            .unwrap_err(),
        // A key whose id does not match is already refused when parsed: use a real other key.
        Err(_) => {
            let (_, vkey) = lockproof_tlog::generate_key(
                lockproof_tlog::KeyName::new("sumdb.interop.test").unwrap(),
            )
            .unwrap();
            GoSumdb::new(&server.base, vkey, http())
                .fetch(&RecordKey::go("example.com/hello", "v1.0.0").unwrap())
                .unwrap_err()
        }
    };
    assert!(matches!(err, Error::Verification { .. }), "{err}");
}
