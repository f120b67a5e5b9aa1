//! Helpers shared by the `repro_*` end-to-end tests: run `lockproof repro` on a fixture with
//! the toolchain homes of the real user (the test's HOME is a temp dir), parse the JSON report.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real user's home (before the hermetic test HOME replaces it).
fn real_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// `lockproof repro` in `fixture` with the toolchain state directories of the real user pinned,
/// so rustup, cargo and Go's build cache work under the test's temporary HOME.
pub fn repro(home: &Path, fixture: &Path, args: &[&str]) -> Command {
    let mut cmd = crate::support::lockproof(home);
    let real = real_home();
    let pin =
        |var: &str, default: PathBuf| std::env::var_os(var).map(PathBuf::from).unwrap_or(default);
    cmd.env("CARGO_HOME", pin("CARGO_HOME", real.join(".cargo")))
        .env("RUSTUP_HOME", pin("RUSTUP_HOME", real.join(".rustup")))
        .env("GOCACHE", go_cache(&real))
        .env("GOPATH", pin("GOPATH", real.join("go")))
        .env("GOFLAGS", "-mod=mod")
        .current_dir(fixture)
        .arg("repro")
        .args(args);
    cmd
}

fn go_cache(real: &Path) -> PathBuf {
    if let Some(c) = std::env::var_os("GOCACHE") {
        return c.into();
    }
    Command::new("go")
        .args(["env", "GOCACHE"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| real.join(".cache/go-build"))
}

/// Runs the command; returns the exit code, the parsed JSON report (when stdout is JSON) and
/// the raw output.
pub fn run_json(mut cmd: Command) -> (i32, serde_json::Value, Output) {
    let out = cmd.output().expect("run lockproof");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, out)
}

/// The cause names of a report, in order.
pub fn causes(report: &serde_json::Value) -> Vec<String> {
    report["causes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["cause"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The variations attribution blamed one at a time.
pub fn single_causes(report: &serde_json::Value) -> Vec<String> {
    report["attribution"]["single_causes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Describes a failed run for assertion messages.
pub fn explain(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
