//! Acceptance 2 and 6 of issue 5: a real Cargo.lock verified through a lockproof log (local
//! directory and HTTP), a flipped checksum and a missing entry reported with file:line, and an
//! offline proof bundle that round-trips and fails with any one byte changed.

#[path = "support/mod.rs"]
mod support;
#[path = "verify_util/mod.rs"]
mod verify_util;

use std::path::{Path, PathBuf};

use verify_util::{local_log, records_of, text};

const NAME: &str = "cargo.test/log";

fn fixture_lock(home: &Path) -> PathBuf {
    let dst = home.join("Cargo.lock");
    std::fs::copy(support::fixture("lockfiles/cargo/cargo-Cargo.lock"), &dst).unwrap();
    dst
}

fn run(home: &Path, args: &[&str]) -> std::process::Output {
    support::lockproof(home)
        .current_dir(home)
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

fn findings<'a>(report: &'a serde_json::Value, verdict: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] == verdict)
        .collect()
}

/// The 1-based line of `name = "<crate>"` for the first package with a checksum, and that
/// checksum line's index.
fn first_checksum(lock: &str) -> (String, usize, usize) {
    let lines: Vec<&str> = lock.lines().collect();
    let ci = lines
        .iter()
        .position(|l| l.starts_with("checksum = "))
        .unwrap();
    let ni = (0..ci)
        .rev()
        .find(|&i| lines[i].starts_with("name = "))
        .unwrap();
    let name = lines[ni]
        .trim_start_matches("name = ")
        .trim_matches('"')
        .to_owned();
    (name, ni + 1, ci)
}

#[test]
fn every_entry_of_a_real_cargo_lock_matches_a_local_log() {
    let home = tempfile::tempdir().unwrap();
    let lock = fixture_lock(home.path());
    let records = records_of(&lock);
    assert!(records.len() > 500);
    let vkey = local_log(&home.path().join("log"), NAME, &records);
    let log = format!("{vkey} {}", home.path().join("log").display());
    let out = run(
        home.path(),
        &["verify", "Cargo.lock", "--format", "json", "--log", &log],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    assert_eq!(findings(&report, "match").len(), records.len());
    assert!(findings(&report, "mismatch").is_empty());
    assert!(findings(&report, "missing").is_empty());
    assert_eq!(report["checkpoints"][0]["size"], records.len() as u64);
    // A second run is consistent with the trust state the first one stored.
    let again = run(home.path(), &["verify", "Cargo.lock", "--log", &log]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("VERIFIED"));
}

#[test]
fn a_flipped_checksum_is_reported_with_file_and_line_and_exit_1() {
    let home = tempfile::tempdir().unwrap();
    let lock = fixture_lock(home.path());
    let vkey = local_log(&home.path().join("log"), NAME, &records_of(&lock));
    let original = std::fs::read_to_string(&lock).unwrap();
    let (name, name_line, ci) = first_checksum(&original);
    let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
    let flipped_char = if lines[ci].ends_with("0\"") {
        "1\""
    } else {
        "0\""
    };
    lines[ci] = format!("{}{flipped_char}", &lines[ci][..lines[ci].len() - 2]);
    std::fs::write(&lock, lines.join("\n") + "\n").unwrap();
    let log = format!("{vkey} {}", home.path().join("log").display());

    let out = run(
        home.path(),
        &["verify", "Cargo.lock", "--format", "json", "--log", &log],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json(&out);
    let bad = findings(&report, "mismatch");
    assert_eq!(bad.len(), 1, "{}", text(&out));
    assert_eq!(bad[0]["name"], name.as_str());
    assert_eq!(bad[0]["file"], "Cargo.lock");
    assert_eq!(bad[0]["line"], name_line as u64);
    assert_ne!(bad[0]["expected"], bad[0]["logged"]);

    let human = run(home.path(), &["verify", "Cargo.lock", "--log", &log]);
    assert_eq!(human.status.code(), Some(1));
    let t = String::from_utf8_lossy(&human.stdout);
    assert!(t.contains(&format!("Cargo.lock:{name_line}")), "{t}");
    assert!(t.contains("MISMATCH"), "{t}");
}

#[test]
fn an_entry_missing_from_the_log_is_reported_as_missing() {
    let home = tempfile::tempdir().unwrap();
    let lock = fixture_lock(home.path());
    let mut records = records_of(&lock);
    let dropped = records.remove(17);
    let vkey = local_log(&home.path().join("log"), NAME, &records);
    let log = format!("{vkey} {}", home.path().join("log").display());
    let out = run(
        home.path(),
        &["verify", "Cargo.lock", "--format", "json", "--log", &log],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json(&out);
    let missing = findings(&report, "missing");
    assert_eq!(missing.len(), 1);
    let name = dropped
        .split(' ')
        .next()
        .unwrap()
        .trim_start_matches("cargo/");
    assert_eq!(missing[0]["name"], name);
    // With missing demoted to a warning the run passes.
    let warn = run(
        home.path(),
        &["verify", "Cargo.lock", "--missing", "warn", "--log", &log],
    );
    assert_eq!(warn.status.code(), Some(0), "{}", text(&warn));
}

#[test]
fn verifies_over_http_through_the_batched_api() {
    let home = tempfile::tempdir().unwrap();
    let lock = fixture_lock(home.path());
    let records = records_of(&lock);
    let vkey = local_log(&home.path().join("log"), NAME, &records);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = lockproof_log::Log::open_read_only(&home.path().join("log")).unwrap();
    rt.spawn(lockproof_log::http::serve(
        served,
        listener,
        lockproof_log::http::ServeConfig::default(),
        std::future::pending(),
    ));
    let log = format!("{vkey} {url}");
    let args = [
        "verify",
        "Cargo.lock",
        "--format",
        "json",
        "--stats",
        "--log",
        &log,
    ];
    let out = run(home.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(findings(&json(&out), "match").len(), records.len());
    let one = format!(": 1 requests for {} keys", records.len());
    assert!(text(&out).contains(&one), "{}", text(&out));
    // Warm: the log has not moved, so one GET /latest re-proves every cached answer.
    let warm = run(home.path(), &args);
    assert_eq!(warm.status.code(), Some(0), "{}", text(&warm));
    assert_eq!(findings(&json(&warm), "match").len(), records.len());
    assert!(text(&warm).contains(&one), "{}", text(&warm));
    // A tampered answer cache is not trusted: its proof fails and the log is asked again.
    let cache = find_file(&home.path().join("cache"), "answers.json").unwrap();
    let tampered = std::fs::read_to_string(&cache)
        .unwrap()
        .replacen("sha256:", "sha256:0", 1);
    std::fs::write(&cache, tampered).unwrap();
    let again = run(home.path(), &args);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(findings(&json(&again), "match").len(), records.len());
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = find_file(&p, name) {
                return Some(f);
            }
        } else if p.file_name()? == name {
            return Some(p);
        }
    }
    None
}

#[test]
fn an_offline_bundle_round_trips_and_any_changed_byte_fails() {
    let home = tempfile::tempdir().unwrap();
    let lock = fixture_lock(home.path());
    let vkey = local_log(&home.path().join("log"), NAME, &records_of(&lock)[..40]);
    let log = format!("{vkey} {}", home.path().join("log").display());
    // Only 40 records are logged: the bundle carries 40 proofs and many "missing" answers.
    let out = run(
        home.path(),
        &[
            "prove",
            "Cargo.lock",
            "--output",
            "bundle.json",
            "--log",
            &log,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let offline = |h: &Path| {
        run(
            h,
            &[
                "verify",
                "--offline",
                "--bundle",
                "bundle.json",
                "--missing",
                "warn",
                "--log",
                &vkey,
                "Cargo.lock",
            ],
        )
    };
    let ok = offline(home.path());
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("40 matched"),
        "{}",
        text(&ok)
    );

    let bundle = std::fs::read(home.path().join("bundle.json")).unwrap();
    // Every byte of the checkpoint and of the first record and its proof, plus a spread over
    // the whole file.
    let cp = find(&bundle, b"go.sum database tree");
    let rec = find(&bundle, b"\"record\"");
    let mut positions: Vec<usize> = (cp..cp + 100).chain(rec..rec + 120).collect();
    positions.extend((0..bundle.len()).step_by(bundle.len() / 60 + 1));
    positions.push(bundle.len() - 1);
    for &i in &positions {
        let mut b = bundle.clone();
        b[i] = if b[i] == b'0' {
            b'1'
        } else if b[i].is_ascii_alphanumeric() {
            b'0'
        } else {
            b'x'
        };
        std::fs::write(home.path().join("bundle.json"), &b).unwrap();
        let out = offline(home.path());
        assert_eq!(
            out.status.code(),
            Some(1),
            "byte {i} changed:\n{}",
            text(&out)
        );
        assert!(!text(&out).contains("panicked"));
    }
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}
