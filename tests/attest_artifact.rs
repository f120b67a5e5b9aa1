//! `lockproof artifact verify`: signature, log inclusion and reproducible rebuild, end to end.
//!
//! The artifact is the conformance fixture `a.txt`, signed by the `happy-path-v0.3` bundle,
//! recorded as `artifact/a 1.0.0 a.txt sha256:…` in a fresh lockproof log directory, and
//! rebuilt by copying it from a source tree. Swapping the artifact must fail the signature and
//! log checks; a build that embeds its build path must fail the rebuild check.

#![cfg(feature = "sigstore")]

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use lockproof_tlog::{Digest, DigestAlgorithm, Ecosystem, Record, RecordKey};
use serde_json::Value;

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const COPY_BUILD: &str = "cp a.txt.in a.txt";
const PATH_EMBEDDING_BUILD: &str = "cp a.txt.in a.txt && pwd >> a.txt";

struct World {
    home: tempfile::TempDir,
    artifact: PathBuf,
    bundle: PathBuf,
    log: String,
    source: PathBuf,
}

/// A log holding the digest of `a.txt`, a source tree that rebuilds it, and a copy of it.
fn world() -> World {
    let home = tempfile::tempdir().expect("tempdir");
    let a_txt = std::fs::read(support::fixture("sigstore/bundle-verify/a.txt")).expect("a.txt");
    let release = home.path().join("release");
    let source = home.path().join("source");
    std::fs::create_dir_all(&release).expect("mkdir");
    std::fs::create_dir_all(&source).expect("mkdir");
    std::fs::write(release.join("a.txt"), &a_txt).expect("write");
    std::fs::write(source.join("a.txt.in"), &a_txt).expect("write");

    let log_dir = home.path().join("log");
    let vkey = lockproof_log::Log::init(&log_dir, "log.attest.test", None).expect("init log");
    {
        let log = lockproof_log::Log::open(&log_dir).expect("open log");
        let key =
            RecordKey::ecosystem(Ecosystem::Artifact, "a", "1.0.0", Some("a.txt")).expect("key");
        let digest = lockproof_attest::Sha256Digest::of(&a_txt);
        let digest =
            Digest::new(DigestAlgorithm::Sha256, digest.as_bytes().to_vec()).expect("digest");
        log.add(vec![Record::ecosystem(key, digest).expect("record")])
            .expect("add");
    }
    World {
        artifact: release.join("a.txt"),
        bundle: support::fixture("sigstore/bundle-verify/happy-path-v0.3/bundle.sigstore.json"),
        log: format!("{vkey} {}", log_dir.display()),
        source,
        home,
    }
}

/// Runs `artifact verify --json` on `file` with every check configured; returns exit code and
/// the report.
fn verify_all(w: &World, file: &Path, build: &str) -> (Option<i32>, Value) {
    let out = support::lockproof(w.home.path())
        .args(["artifact", "verify", "--json"])
        .arg(file)
        .arg("--bundle")
        .arg(&w.bundle)
        .args(["--identity", IDENTITY, "--issuer", ISSUER])
        .args(["--log", &w.log, "--name", "a", "--release-version", "1.0.0"])
        .arg("--rebuild")
        .arg("--source")
        .arg(&w.source)
        .args(["--rebuild-artifact", "a.txt", "--", "sh", "-c", build])
        .output()
        .expect("run lockproof");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["check"] == name))
        .unwrap_or_else(|| panic!("no {name} check in {report}"))
}

#[test]
fn signed_logged_and_reproducible_artifact_passes_all_three_checks() {
    let w = world();
    let (code, report) = verify_all(&w, &w.artifact, COPY_BUILD);
    assert_eq!(code, Some(0), "{report:#}");
    for name in ["signature", "log", "rebuild"] {
        assert_eq!(check(&report, name)["status"], "pass", "{name}: {report:#}");
    }
    assert_eq!(report["result"], "pass");
}

#[test]
fn swapped_artifact_fails_signature_log_and_rebuild_checks() {
    let w = world();
    let swapped_dir = w.home.path().join("swapped");
    std::fs::create_dir_all(&swapped_dir).expect("mkdir");
    let swapped = swapped_dir.join("a.txt");
    std::fs::write(&swapped, b"a trojaned a.txt\n").expect("write");
    let (code, report) = verify_all(&w, &swapped, COPY_BUILD);
    assert_eq!(code, Some(1), "{report:#}");
    let signature = check(&report, "signature");
    assert_eq!(signature["status"], "fail");
    assert_eq!(
        signature["details"]["reason"], "artifact_mismatch",
        "{report:#}"
    );
    let log = check(&report, "log");
    assert_eq!(log["status"], "fail");
    assert!(
        log["reason"]
            .as_str()
            .is_some_and(|r| r.contains("the log records sha256:a0cfc712")),
        "{report:#}"
    );
    assert_eq!(check(&report, "rebuild")["status"], "fail");
}

#[test]
fn build_that_embeds_its_path_fails_the_rebuild_check_only() {
    let w = world();
    let (code, report) = verify_all(&w, &w.artifact, PATH_EMBEDDING_BUILD);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(check(&report, "signature")["status"], "pass");
    assert_eq!(check(&report, "log")["status"], "pass");
    let rebuild = check(&report, "rebuild");
    assert_eq!(rebuild["status"], "fail");
    assert!(
        rebuild["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("not reproducible: a.txt")),
        "{report:#}"
    );
}

#[test]
fn unconfigured_checks_are_skipped_with_a_reason_and_the_log_key_is_enforced() {
    let w = world();
    let run = |log: &str| {
        support::lockproof(w.home.path())
            .args(["artifact", "verify"])
            .arg(&w.artifact)
            .args(["--log", log, "--name", "a", "--release-version", "1.0.0"])
            .output()
            .expect("run lockproof")
    };
    let out = run(&w.log);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("signature skipped") && text.contains("no --bundle given"),
        "{text}"
    );
    assert!(text.contains("rebuild   skipped"), "{text}");

    // The same log checked with another log's key: the checkpoint signature must not verify.
    let other = tempfile::tempdir().expect("tempdir");
    let other_key =
        lockproof_log::Log::init(&other.path().join("log"), "log.attest.test", None).expect("init");
    let (_, dir) = w.log.split_once(' ').expect("spec");
    let out = run(&format!("{other_key} {dir}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("checkpoint is not signed by the given key"),
        "{text}"
    );
}

#[test]
fn artifact_verify_without_any_check_is_a_usage_error() {
    let w = world();
    let out = support::lockproof(w.home.path())
        .args(["artifact", "verify"])
        .arg(&w.artifact)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to check"));
}

/// Kills the `log serve` child when the test ends, pass or fail.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn log_check_works_over_http_against_a_served_log() {
    use std::io::BufRead as _;
    let w = world();
    let (vkey, dir) = w.log.split_once(' ').expect("spec");
    let mut child = support::lockproof(w.home.path())
        .args(["log", "serve", "--dir", dir, "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn log serve");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("serve banner");
    let url = line
        .split_whitespace()
        .find(|t| t.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    let run = |version: &str| {
        support::lockproof(w.home.path())
            .args(["artifact", "verify", "--json"])
            .arg(&w.artifact)
            .args([
                "--log",
                &format!("{vkey} {url}"),
                "--name",
                "a",
                "--release-version",
                version,
            ])
            .output()
            .expect("run lockproof")
    };
    let out = run("1.0.0");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(check(&report, "log")["status"], "pass");
    let out = run("9.9.9");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert!(
        check(&report, "log")["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not in the log"))
    );
    drop(server);
}
