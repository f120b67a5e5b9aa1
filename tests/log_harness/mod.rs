//! Shared helpers for the log end-to-end tests (`tests/log_*.rs`, `tests/go_*.rs`): a running
//! `lockproof log serve`, small HTTP helpers, the Go test helper and record generators.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support;

/// The Go test helper (`tests/go/gotest`), shared with the tests that do not use this harness.
#[path = "../go_helper/mod.rs"]
pub mod go_helper;

/// A `lockproof log serve` child process, killed (SIGKILL) on drop.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub stderr: PathBuf,
}

impl Server {
    /// Starts `lockproof log serve --dir DIR --listen 127.0.0.1:0` with optional extra args and
    /// waits until it prints its URL.
    pub fn start(home: &Path, dir: &Path, extra: &[&str]) -> Server {
        let stderr = home.join(format!("serve-{}.stderr", unique()));
        let mut child = support::lockproof(home)
            .args(["log", "serve", "--dir"])
            .arg(dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("spawn lockproof log serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read serve banner");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| {
                let err = std::fs::read_to_string(&stderr).unwrap_or_default();
                panic!("no URL in serve banner {line:?}; stderr: {err}")
            })
            .to_owned();
        Server { child, url, stderr }
    }

    /// Kills the server with SIGKILL and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The server's stderr so far.
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// An HTTP agent that returns 4xx/5xx as responses, with a timeout.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// GET → (status, body). Panics on transport errors.
pub fn get(url: &str) -> (u16, Vec<u8>) {
    try_get(url).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// GET → (status, body), or the transport error.
pub fn try_get(url: &str) -> Result<(u16, Vec<u8>), ureq::Error> {
    let mut r = agent().get(url).call()?;
    let status = r.status().as_u16();
    let body = r.body_mut().with_config().limit(64 << 20).read_to_vec()?;
    Ok((status, body))
}

/// POST with an optional bearer token → (status, body text), or the transport error.
pub fn try_post(url: &str, body: &[u8], token: Option<&str>) -> Result<(u16, String), ureq::Error> {
    let mut req = agent().post(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut r = req.send(body)?;
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()?;
    Ok((status, text))
}

/// POST, panicking on transport errors.
pub fn post(url: &str, body: &[u8], token: Option<&str>) -> (u16, String) {
    try_post(url, body, token).unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// A syntactically valid Go record for a filler module `example.net/pad/<tag><i>`.
pub fn pad_record(tag: &str, i: usize) -> String {
    use base64::Engine as _;
    use sha2::{Digest as _, Sha256};
    let p = format!("example.net/pad/{tag}{i:04}");
    let b64 =
        |s: String| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()));
    format!(
        "{p} v1.0.0 h1:{}\n{p} v1.0.0/go.mod h1:{}\n",
        b64(format!("{p} zip")),
        b64(format!("{p} go.mod"))
    )
}

/// Joins records into the blank-line-separated file format.
pub fn records_file(records: &[String]) -> String {
    records.join("\n")
}

/// Splits a records file (blank-line separated) into records.
pub fn split_records(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|b| b.trim_matches('\n'))
        .filter(|b| !b.is_empty())
        .map(|b| format!("{b}\n"))
        .collect()
}

/// The three fixture module versions (`fixtures/go-modules`: example.com/hello v1.0.0 and
/// v1.1.0, example.org/Greet v0.1.0, in that order) as a `file://` GOPROXY under `work/proxy`,
/// built by `gotest mkproxy`; returns (proxy dir, their sumdb records in that order).
pub fn go_fixture_proxy(bin: &Path, work: &Path) -> (PathBuf, Vec<String>) {
    let proxy = work.join("proxy");
    let records = work.join("modules.records");
    let m = support::fixture("go-modules");
    let arg = |spec: &str, dir: &str| format!("{spec}={}", m.join(dir).display());
    run_gotest(
        bin,
        &[
            "mkproxy",
            "-out",
            proxy.to_str().expect("utf8"),
            "-records",
            records.to_str().expect("utf8"),
            &arg("example.com/hello@v1.0.0", "hello-v1.0.0"),
            &arg("example.com/hello@v1.1.0", "hello-v1.1.0"),
            &arg("example.org/Greet@v0.1.0", "greet-v0.1.0"),
        ],
    );
    (
        proxy,
        split_records(&std::fs::read_to_string(records).expect("records")),
    )
}

/// Runs the Go helper, panicking with its stderr on failure.
pub fn run_gotest(bin: &Path, args: &[&str]) {
    let out = Command::new(bin).args(args).output().expect("run gotest");
    assert!(
        out.status.success(),
        "gotest {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The deterministic test key (seed 00..1f) under `name`: (signer key file, vkey text).
pub fn go_key(bin: &Path, dir: &Path, name: &str) -> (PathBuf, String) {
    let skey = dir.join("skey");
    let vkey = dir.join("vkey");
    let seed: String = (0u8..32).map(|b| format!("{b:02x}")).collect();
    run_gotest(
        bin,
        &[
            "genkey",
            "-name",
            name,
            "-seed",
            &seed,
            "-skey",
            skey.to_str().expect("utf8"),
            "-vkey",
            vkey.to_str().expect("utf8"),
        ],
    );
    (
        skey,
        std::fs::read_to_string(&vkey)
            .expect("vkey")
            .trim()
            .to_owned(),
    )
}

/// `lockproof log init` with a Go signer key; returns the printed vkey.
pub fn init_log(home: &Path, dir: &Path, name: &str, skey: Option<&Path>) -> String {
    let mut cmd = support::lockproof(home);
    cmd.args(["log", "init", "--dir"])
        .arg(dir)
        .args(["--name", name]);
    if let Some(k) = skey {
        cmd.arg("--signer-key").arg(k);
    }
    let out = cmd.output().expect("run log init");
    assert!(
        out.status.success(),
        "log init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned()
}

/// `lockproof log add` of `records` on a stopped log.
pub fn add_records(home: &Path, dir: &Path, records: &[String]) {
    let file = home.join(format!("records-{}.txt", unique()));
    std::fs::write(&file, records_file(records)).expect("write records");
    let out = support::lockproof(home)
        .args(["log", "add", "--dir"])
        .arg(dir)
        .arg("--records")
        .arg(&file)
        .output()
        .expect("run log add");
    assert!(
        out.status.success(),
        "log add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
