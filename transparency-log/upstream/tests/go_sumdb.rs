//! The upstream-sumdb fetcher against Go's reference checksum database server
//! (`golang.org/x/mod/sumdb.NewServer` from Debian's golang-golang-x-mod-dev, wrapped by the
//! project's `refsumdb` in tests/go/, a copy of shared/interop/go-sumdb's helper).
//!
//! Needs `go` and x/mod (both in `.ci/apt-packages`). In CI (`CI=true`) a missing toolchain
//! fails the test; locally it is skipped with a message.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use lockproof_tlog::VerifierKey;
use lockproof_upstream::{Error, GoSumdb, Http, HttpConfig, RecordKey, Upstream};

const X_MOD: &str = "/usr/share/gocode/src/golang.org/x/mod";
/// The deterministic test key of shared/interop/go-sumdb (seed 00 01 … 1f). Tests only.
const SKEY: &str =
    "PRIVATE+KEY+sumdb.interop.test+e657c8f2+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
const VKEY: &str = "sumdb.interop.test+e657c8f2+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";

fn go_available() -> bool {
    let go = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    let found = go && Path::new(X_MOD).join("sumdb").is_dir();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "go and golang-golang-x-mod-dev are required in CI (.ci/apt-packages)"
        );
        eprintln!("skipping: go or {X_MOD} is not installed");
    }
    found
}

/// Builds refsumdb once per test binary, offline.
fn refsumdb_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("upstream-refsumdb");
        let src = tmp.join("src");
        std::fs::create_dir_all(src.join("refsumdb")).unwrap();
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go");
        for f in ["go.mod", "refsumdb/main.go"] {
            std::fs::copy(here.join(f), src.join(f)).unwrap();
        }
        let bin = tmp.join("refsumdb-bin");
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&bin)
            .arg("./refsumdb")
            .current_dir(&src)
            .env("GOPROXY", "off")
            .env("GOFLAGS", "-mod=mod")
            .env("GOTOOLCHAIN", "local")
            .env("GOCACHE", tmp.join("gocache"))
            .env("GOPATH", tmp.join("gopath"))
            .status()
            .unwrap();
        assert!(status.success(), "building refsumdb failed");
        bin
    })
}

/// A running reference server; killed (by its own pid) when dropped.
struct RefSumdb {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for RefSumdb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> RefSumdb {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("skey"), SKEY).unwrap();
    let records =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/go-sumdb-vectors/records3.txt");
    let addr = dir.path().join("addr");
    let child = Command::new(refsumdb_bin())
        .arg("-skey")
        .arg(dir.path().join("skey"))
        .arg("-records")
        .arg(&records)
        .arg("-addrfile")
        .arg(&addr)
        .args(extra)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !addr.exists() {
        assert!(Instant::now() < deadline, "refsumdb did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let base = format!("http://{}", std::fs::read_to_string(&addr).unwrap().trim());
    RefSumdb {
        child,
        base,
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
    if !go_available() {
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
    if !go_available() {
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
    if !go_available() {
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
    if !go_available() {
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
    if !go_available() {
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
