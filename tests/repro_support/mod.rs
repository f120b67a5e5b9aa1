//! Helpers shared by the `repro_*` end-to-end tests: run `lockproof repro` in a fixture under
//! `fixtures/repro/` with a temporary HOME but the toolchain homes of the real user, and read
//! the JSON report.
//!
//! Each test file includes this module next to `support`:
//! `#[path = "repro_support/mod.rs"] mod repro_support;`.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The build command of the C fixture's reproducible program.
pub const BUILD_FIXED: [&str; 5] = ["gcc", "-O2", "-o", "fixed", "fixed.c"];

/// A fixture under `fixtures/repro/` and a fresh hermetic HOME to run `lockproof repro` with.
pub struct Fixture {
    home: tempfile::TempDir,
    dir: PathBuf,
}

impl Fixture {
    /// `fixtures/repro/<name>`, with a new temporary HOME.
    pub fn new(name: &str) -> Self {
        Self {
            home: tempfile::tempdir().expect("temporary HOME"),
            dir: crate::support::fixture(&format!("repro/{name}")),
        }
    }

    /// The temporary HOME of every run of this fixture.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// `lockproof repro <options> -- <build>` in the fixture directory, not yet run.
    pub fn command(&self, options: &[&str], build: &[&str]) -> Command {
        let mut cmd = repro(self.home(), &self.dir, options);
        cmd.arg("--").args(build);
        cmd
    }

    /// Runs `lockproof repro <options> -- <build>` (human output unless `options` ask for
    /// JSON).
    pub fn run(&self, options: &[&str], build: &[&str]) -> Run {
        Run::of(self.command(options, build))
    }

    /// Runs `lockproof repro --format json <options> -- <build>` and parses the report.
    pub fn run_json(&self, options: &[&str], build: &[&str]) -> Run {
        self.run(&[&["--format", "json"], options].concat(), build)
    }

    /// The C fixture's reproducible program, built once (`--vary none --artifact fixed`) with
    /// the `extra` options after those; not yet run.
    pub fn build_fixed(&self, extra: &[&str]) -> Command {
        let options = [&["--vary", "none", "--artifact", "fixed"], extra].concat();
        self.command(&options, &BUILD_FIXED)
    }
}

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

/// One finished `lockproof repro` run: its output and, when stdout is JSON, the parsed report
/// (`Value::Null` otherwise).
pub struct Run {
    pub out: Output,
    pub report: Value,
}

impl Run {
    /// Runs `cmd` to completion.
    pub fn of(mut cmd: Command) -> Self {
        let out = cmd.output().expect("run lockproof");
        let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        Self { out, report }
    }

    /// Asserts the exit code, showing the whole output when it differs.
    #[track_caller]
    pub fn assert_exit(&self, code: i32) -> &Self {
        assert_eq!(self.out.status.code(), Some(code), "{}", self.explain());
        self
    }

    /// Standard output, lossily decoded.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }

    /// Standard error (the progress lines), lossily decoded.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    /// The cause names of the report, in order.
    pub fn causes(&self) -> Vec<String> {
        strings(&self.report["causes"], |c| c["cause"].as_str())
    }

    /// The variations attribution blamed one at a time.
    pub fn single_causes(&self) -> Vec<String> {
        strings(&self.report["attribution"]["single_causes"], Value::as_str)
    }

    /// The fix suggested for the first cause.
    pub fn first_suggestion(&self) -> &str {
        self.report["causes"][0]["suggestion"]
            .as_str()
            .expect("a first cause with a suggestion")
    }

    /// The first artifact of the report.
    pub fn first_artifact(&self) -> &Value {
        &self.report["artifacts"][0]
    }

    /// The evidence found in the first artifact.
    pub fn first_evidence(&self) -> &[Value] {
        self.first_artifact()["evidence"]
            .as_array()
            .expect("evidence of the first artifact")
    }

    /// Describes the run for assertion messages.
    pub fn explain(&self) -> String {
        explain(&self.out)
    }
}

/// The strings `pick` finds in the items of a JSON array (none when it is not an array).
fn strings<'a>(array: &'a Value, pick: impl Fn(&'a Value) -> Option<&'a str>) -> Vec<String> {
    array
        .as_array()
        .map(|a| a.iter().filter_map(&pick).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Describes a finished process for assertion messages.
pub use crate::support::text as explain;
