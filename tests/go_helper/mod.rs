//! The project's one Go test helper, `tests/go/gotest` (Go's reference checksum database, a
//! `sumdb.Client`, key generation and a `file://` GOPROXY builder on Debian's golang.org/x/mod):
//! built offline once per test process, and a running `gotest refsumdb` server.
//!
//! Self-contained (no `support` module) so that test crates outside the top-level `tests/` can
//! include it too: `#[path = "<…>/tests/go_helper/mod.rs"] mod go_helper;`.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Where Debian's golang-golang-x-mod-dev installs x/mod (the `replace` in tests/go/go.mod).
pub const X_MOD: &str = "/usr/share/gocode/src/golang.org/x/mod";

/// How long a reference server may take to write its address file (a benchmark tree of 10^6
/// records takes seconds; a server that exits early fails at once).
const START_TIMEOUT: Duration = Duration::from_secs(600);

/// `tests/go`, found from the test crate's manifest directory upwards.
pub fn go_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|d| d.join("tests/go"))
        .find(|d| d.join("go.mod").is_file() && d.join("gotest").is_dir())
        .expect("tests/go/go.mod above CARGO_MANIFEST_DIR")
}

/// Whether `go` and x/mod are installed; a missing one fails the test in CI (`CI=true`, see
/// `.ci/apt-packages`) and is skipped locally with a message.
fn go_available() -> bool {
    let go = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    let found = go && Path::new(X_MOD).join("sumdb").is_dir();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "go and golang-golang-x-mod-dev are required in CI; see .ci/apt-packages"
        );
        eprintln!("skipping: go or {X_MOD} is not installed");
    }
    found
}

/// Builds `tests/go/gotest` once per test process (offline: `GOPROXY=off`, x/mod through the
/// directory `replace`); `None` (after printing why) when `go` or x/mod is missing locally.
pub fn gotest() -> Option<PathBuf> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if !go_available() {
                return None;
            }
            let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gotest-bin");
            std::fs::create_dir_all(&out).expect("mkdir");
            let bin = out.join("gotest");
            // Built under a per-process name and renamed into place, so that a concurrent test
            // process never runs a half-written binary.
            let tmp = out.join(format!("gotest.{}.tmp", std::process::id()));
            let status = Command::new("go")
                .current_dir(go_dir())
                .args(["build", "-o"])
                .arg(&tmp)
                .arg("./gotest")
                .env_clear()
                .env(
                    "PATH",
                    std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
                )
                .env("HOME", &out)
                .env("GOCACHE", out.join("gocache"))
                .env("GOPATH", out.join("gopath"))
                .env("GOPROXY", "off")
                .env("GOSUMDB", "off")
                .env("GOFLAGS", "-mod=mod")
                .env("GOTOOLCHAIN", "local")
                .status()
                .expect("run go build");
            assert!(status.success(), "building tests/go/gotest failed");
            std::fs::rename(&tmp, &bin).expect("rename gotest");
            Some(bin)
        })
        .clone()
}

/// A running `gotest refsumdb` (Go's reference checksum database), killed (by its own pid)
/// when dropped.
pub struct RefSumdb {
    /// The server process.
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

impl RefSumdb {
    /// Starts `gotest refsumdb -skey <skey> -records <records> -addrfile <addr_file> <extra…>`
    /// and waits until it listens.
    pub fn start(
        bin: &Path,
        skey: &Path,
        records: &Path,
        addr_file: &Path,
        extra: &[&str],
    ) -> Self {
        let child = Command::new(bin)
            .arg("refsumdb")
            .arg("-skey")
            .arg(skey)
            .arg("-records")
            .arg(records)
            .arg("-addrfile")
            .arg(addr_file)
            .args(extra)
            .spawn()
            .expect("start gotest refsumdb");
        let mut server = Self {
            child,
            url: String::new(),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while !addr_file.exists() {
            if let Some(status) = server.child.try_wait().expect("wait for gotest refsumdb") {
                panic!("gotest refsumdb exited before listening: {status}");
            }
            assert!(Instant::now() < deadline, "gotest refsumdb did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        let addr = std::fs::read_to_string(addr_file).expect("read address file");
        server.url = format!("http://{}", addr.trim());
        server
    }
}

impl Drop for RefSumdb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
