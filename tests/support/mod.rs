//! Shared helpers for the end-to-end tests in `tests/`.
//!
//! The end-to-end tests are registered as `[[test]]` targets of the `lockproof` binary crate
//! (see `verifier/cli/Cargo.toml`), so `env!("CARGO_BIN_EXE_lockproof")` names the freshly built
//! binary. Each test file includes this module with `#[path = "support/mod.rs"] mod support;`.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A `Command` for the lockproof binary under test, with a scrubbed, hermetic environment:
/// `HOME`, the XDG dirs and the working directory point into `home`.
pub fn lockproof(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockproof"));
    cmd.env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("NO_COLOR", "1");
    cmd
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// A file under the repository's `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    repo_root().join("fixtures").join(rel)
}

/// Whether an external tool the test needs is on `PATH`.
///
/// In CI (`CI=true`) a missing tool is a failure, because `.ci/run` must install it; locally the
/// test prints why it is skipped and returns `false`.
pub fn require_tool(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "{name} is required in CI; add it to .ci/apt-packages or .ci/pip-requirements.txt"
            );
        }
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// Output of a finished command as text: its exit status, stdout and stderr.
pub fn text(out: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
