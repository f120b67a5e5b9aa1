//! Acceptance 5 of issue 7, second half: `--record` appends artifact digests to a lockproof
//! log and `--expect-log` checks a rebuild against them (signature and inclusion proof
//! verified); a log holding another digest fails with exit 1.

#[path = "repro_support/mod.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use repro_support::{Fixture, Run, explain};

/// The write token of the served log.
const TOKEN: &str = "s3cret";

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

/// `lockproof log init` of a log named `log.example.com` in `dir`; returns its verifier key.
fn init_log(home: &Path, dir: &Path) -> String {
    let init = support::lockproof(home)
        .args(["log", "init", "--dir"])
        .arg(dir)
        .args(["--name", "log.example.com"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", explain(&init));
    String::from_utf8_lossy(&init.stdout).trim().to_owned()
}

/// Creates a log, serves it with a write token; returns (verifier key, server).
fn serve_log(home: &Path) -> (String, Served) {
    let dir = home.join("log");
    let vkey = init_log(home, &dir);
    std::fs::write(home.join("token"), format!("{TOKEN}\n")).unwrap();
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

/// Rebuilds the fixed program as release `hello` with the `extra` options.
fn rebuild_hello(fixture: &Fixture, extra: &[&str]) -> Run {
    Run::of(fixture.build_fixed(&[&["--name", "hello"], extra].concat()))
}

#[test]
fn record_then_expect_log_round_trips_and_a_different_logged_digest_fails() {
    if !support::require_tool("gcc") {
        return;
    }
    let fixture = Fixture::new("c");
    let (vkey, server) = serve_log(fixture.home());

    let run = rebuild_hello(
        &fixture,
        &[
            "--record",
            "--log",
            &server.url,
            "--log-token",
            TOKEN,
            "--release-version",
            "1.2.0",
        ],
    );
    run.assert_exit(0);
    assert!(
        run.stderr().contains("recorded 1 artifact digest(s)"),
        "{}",
        run.explain()
    );

    let spec = format!("{vkey} {}", server.url);
    let run = rebuild_hello(
        &fixture,
        &["--expect-log", &spec, "--release-version", "1.2.0"],
    );
    run.assert_exit(0);
    assert!(
        run.stdout()
            .contains("expected digest matches: artifact fixed"),
        "{}",
        run.explain()
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
        .header("Authorization", format!("Bearer {TOKEN}"))
        .send(record.as_bytes())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let run = rebuild_hello(
        &fixture,
        &["--expect-log", &spec, "--release-version", "1.3.0"],
    );
    run.assert_exit(1);
    let stdout = run.stdout();
    assert!(
        stdout.contains("expected digest mismatch: artifact fixed") && stdout.contains(&wrong),
        "{stdout}"
    );

    // A checkpoint not signed by the key the user trusts is not believed, even with the name.
    let other = init_log(fixture.home(), &fixture.home().join("other-log"));
    assert_ne!(other, vkey);
    let spec = format!("{other} {}", server.url);
    let run = rebuild_hello(
        &fixture,
        &["--expect-log", &spec, "--release-version", "1.2.0"],
    );
    run.assert_exit(2);
    let stderr = run.stderr();
    assert!(stderr.contains("not signed by the given key"), "{stderr}");
}
