//! Acceptance 5 of issue 7, second half: `--record` appends artifact digests to a lockproof
//! log and `--expect-log` checks a rebuild against them (signature and inclusion proof
//! verified); a log holding another digest fails with exit 1.
#![allow(
    clippy::unwrap_used,
    missing_docs,
    reason = "tests: a failed unwrap is a failed test"
)]

#[path = "repro_support.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};

use repro_support::{explain, repro};

/// A `lockproof log serve` child, killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates a log, serves it with a write token; returns (verifier key, server).
fn serve_log(home: &std::path::Path) -> (String, Served) {
    let dir = home.join("log");
    let init = support::lockproof(home)
        .args(["log", "init", "--dir"])
        .arg(&dir)
        .args(["--name", "log.example.com"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", explain(&init));
    let vkey = String::from_utf8_lossy(&init.stdout).trim().to_owned();
    std::fs::write(home.join("token"), "s3cret\n").unwrap();
    let mut child = support::lockproof(home)
        .args(["log", "serve", "--dir"])
        .arg(&dir)
        .args(["--listen", "127.0.0.1:0", "--token-file"])
        .arg(home.join("token"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect(&line)
        .to_owned();
    (vkey, Served { child, url })
}

fn fixed(home: &std::path::Path, extra: &[&str]) -> std::process::Command {
    let mut args = vec!["--vary", "none", "--artifact", "fixed", "--name", "hello"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", "gcc", "-O2", "-o", "fixed", "fixed.c"]);
    repro(home, &support::fixture("repro/c"), &args)
}

#[test]
fn record_then_expect_log_round_trips_and_a_different_logged_digest_fails() {
    if !support::require_tool("gcc") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (vkey, server) = serve_log(home.path());

    let out = fixed(
        home.path(),
        &[
            "--record",
            "--log",
            &server.url,
            "--log-token",
            "s3cret",
            "--release-version",
            "1.2.0",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("recorded 1 artifact digest(s)"),
        "{}",
        explain(&out)
    );

    let spec = format!("{vkey} {}", server.url);
    let out = fixed(
        home.path(),
        &["--expect-log", &spec, "--release-version", "1.2.0"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("expected digest matches: artifact fixed"),
        "{}",
        explain(&out)
    );

    // Another version whose logged digest is not what the source builds to.
    let wrong = format!("sha256:{}", "ab".repeat(32));
    let record = format!("artifact/hello 1.3.0 fixed {wrong}\n\n");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent
        .post(&format!("{}/lockproof/v1/add", server.url))
        .header("Authorization", "Bearer s3cret")
        .send(record.as_bytes())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let out = fixed(
        home.path(),
        &["--expect-log", &spec, "--release-version", "1.3.0"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("expected digest mismatch: artifact fixed") && stdout.contains(&wrong),
        "{stdout}"
    );

    // A checkpoint not signed by the key the user trusts is not believed, even with the name.
    let init = support::lockproof(home.path())
        .args(["log", "init", "--dir"])
        .arg(home.path().join("other-log"))
        .args(["--name", "log.example.com"])
        .output()
        .unwrap();
    let other = String::from_utf8_lossy(&init.stdout).trim().to_owned();
    assert_ne!(other, vkey);
    let spec = format!("{other} {}", server.url);
    let out = fixed(
        home.path(),
        &["--expect-log", &spec, "--release-version", "1.2.0"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not signed by the given key"), "{stderr}");
}
