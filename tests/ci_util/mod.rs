//! Helpers for the tests that run workflows under `act` in host mode (tests/ci_*.rs).
#![allow(dead_code, unreachable_pub)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::fixture;

/// Upper bound for one act run, in seconds (`timeout` kills act after it).
pub const ACT_TIMEOUT_SECS: u32 = 600;

/// A temporary git repository for one act run: `<tmp>/repo`, with a separate `<tmp>/home`.
pub struct ActRepo {
    dir: tempfile::TempDir,
}

impl ActRepo {
    /// The repository (act's working directory).
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// The temporary HOME for the run.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
}

/// The outcome of one act run.
pub struct ActRun {
    /// act exited 0.
    pub success: bool,
    /// Everything act printed.
    pub log: String,
}

impl ActRun {
    /// Whether the job with display name `name` succeeded (`Some(true)`), failed
    /// (`Some(false)`), or did not run (`None`), read from act's `🏁  Job …` lines.
    pub fn job(&self, name: &str) -> Option<bool> {
        let mut result = None;
        for line in self.log.lines() {
            let Some(rest) = line.strip_prefix('[') else {
                continue;
            };
            let Some((label, tail)) = rest.split_once(']') else {
                continue;
            };
            let job = label
                .trim()
                .split_once('/')
                .map_or(label.trim(), |(_, j)| j);
            if job != name {
                continue;
            }
            if tail.contains("Job succeeded") {
                result = Some(true);
            } else if tail.contains("Job failed") {
                result = Some(false);
            }
        }
        result
    }
}

/// Copy `src` (a directory) into `dst`, recursively.
pub fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("mkdir");
    for e in fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let e = e.expect("entry");
        let to = dst.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            fs::copy(e.path(), &to).expect("copy");
        }
    }
}

fn git(repo: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args([
            "-c",
            "user.name=lockproof-test",
            "-c",
            "user.email=test@lockproof.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(repo)
        .status()
        .expect("git");
    assert!(st.success(), "git {args:?} failed");
}

/// `git init` in `repo` and commit everything in it.
pub fn git_init_commit(repo: &Path) {
    git(repo, &["init", "-q"]);
    commit_all(repo, "fixture");
}

/// The trimmed standard output of `git ARGS` in `repo`.
pub fn git_output(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(repo)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?} failed");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Commit everything in `repo` with `message`.
pub fn commit_all(repo: &Path, message: &str) {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
}

/// A git repository with the files of `fixture_dir`, `workflow` as
/// `.github/workflows/ci.yml`, and `extra` files (path, content), committed.
pub fn act_repo(fixture_dir: &Path, workflow: &str, extra: &[(&str, &str)]) -> ActRepo {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    copy_dir(fixture_dir, &repo);
    fs::create_dir_all(dir.path().join("home")).expect("home");
    let wf = repo.join(".github/workflows/ci.yml");
    fs::create_dir_all(wf.parent().expect("parent")).expect("mkdir");
    fs::write(&wf, workflow).expect("workflow");
    for (path, content) in extra {
        let p = repo.join(path);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, content).expect("write");
    }
    git(&repo, &["init", "-q"]);
    commit_all(&repo, "fixture");
    ActRepo { dir }
}

/// Every remote `uses: owner/repo[/path]@ref` in the workflow and in the action.yml files under
/// `repo`, except `actions/checkout` (act copies the working tree for it).
fn remote_uses(repo: &Path) -> Vec<String> {
    let mut texts = Vec::new();
    for f in ["action.yml", ".github/workflows/ci.yml"] {
        if let Ok(t) = fs::read_to_string(repo.join(f)) {
            texts.push(t);
        }
    }
    let mut out: Vec<String> = texts
        .iter()
        .flat_map(|t| t.lines())
        .filter_map(|l| {
            let l = l.trim().trim_start_matches("- ");
            let spec = l
                .strip_prefix("uses:")?
                .split_whitespace()
                .next()?
                .to_owned();
            let remote = !spec.starts_with("./") && !spec.starts_with("actions/checkout@");
            remote.then_some(spec)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A no-op stub for every remote action in `specs`, keyed as act's `--local-repository`
/// wants (`owner/repo@ref`), with the stub's action.yml also at each action's sub-path.
fn stubs(dir: &Path, specs: &[String]) -> Vec<String> {
    let noop = fixture("ci/stubs/noop/action.yml");
    let mut args = Vec::new();
    for spec in specs {
        let Some((path, git_ref)) = spec.split_once('@') else {
            continue;
        };
        let mut parts = path.splitn(3, '/');
        let (Some(owner), Some(repo)) = (parts.next(), parts.next()) else {
            continue;
        };
        let stub = dir.join(format!("{owner}-{repo}-{git_ref}"));
        let sub = parts.next().map_or_else(|| stub.clone(), |s| stub.join(s));
        fs::create_dir_all(&sub).expect("stub dir");
        fs::copy(&noop, stub.join("action.yml")).expect("stub");
        fs::copy(&noop, sub.join("action.yml")).expect("stub");
        let arg = format!("{owner}/{repo}@{git_ref}={}", stub.display());
        if !args.contains(&arg) {
            args.push(arg);
        }
    }
    args
}

/// Run `act EVENT` in host mode on the repository, offline, with every remote action but
/// checkout replaced by the no-op stub, and `extra` arguments appended.
pub fn run_act(repo: &ActRepo, event: &str, extra: &[&str]) -> ActRun {
    let shared = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ci-act");
    fs::create_dir_all(&shared).expect("shared cache dir");
    let real_home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let rustup_home =
        std::env::var_os("RUSTUP_HOME").map_or_else(|| real_home.join(".rustup"), PathBuf::from);
    let cargo_home =
        std::env::var_os("CARGO_HOME").map_or_else(|| real_home.join(".cargo"), PathBuf::from);

    let mut cmd = Command::new("timeout");
    cmd.arg(ACT_TIMEOUT_SECS.to_string())
        .arg("act")
        .arg(event)
        .args(["-W", ".github/workflows/ci.yml"])
        .args(["-P", "ubuntu-latest=-self-hosted"])
        .args(["--action-offline-mode", "--no-cache-server"])
        .args(["--container-daemon-socket", "-"]);
    for arg in stubs(&repo.dir.path().join("stubs"), &remote_uses(&repo.path())) {
        cmd.arg("--local-repository").arg(arg);
    }
    cmd.args(extra)
        .current_dir(repo.path())
        .env("HOME", repo.home())
        .env("GOCACHE", shared.join("gocache"))
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("RUSTUP_HOME", rustup_home)
        .env("CARGO_HOME", cargo_home)
        .env("CARGO_TARGET_DIR", shared.join("cargo-target"))
        .env("CARGO_NET_OFFLINE", "true")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CARGO_TERM_COLOR");
    let out = cmd.output().expect("run act");
    let log = strip_ansi(&format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
    ActRun {
        success: out.status.success(),
        log,
    }
}

/// `s` without ANSI escape sequences (the workflows may force colour on).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // CSI: parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some('(') => {
                chars.next();
                chars.next();
            }
            _ => {}
        }
    }
    out
}

/// A lockproof log in `dir` named `name` holding `records` (each newline-terminated); returns
/// the verifier key.
pub fn make_log(
    lockproof: &Path,
    home: &Path,
    dir: &Path,
    name: &str,
    records: &[String],
) -> String {
    let out = Command::new(lockproof)
        .args(["log", "init", "--dir"])
        .arg(dir)
        .args(["--name", name])
        .env("HOME", home)
        .output()
        .expect("lockproof log init");
    assert!(
        out.status.success(),
        "log init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let vkey = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let file = home.join("records.txt");
    fs::write(&file, records.join("\n")).expect("records");
    let out = Command::new(lockproof)
        .args(["log", "add", "--dir"])
        .arg(dir)
        .arg("--records")
        .arg(&file)
        .env("HOME", home)
        .output()
        .expect("lockproof log add");
    assert!(
        out.status.success(),
        "log add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    vkey
}

/// A crates.io Cargo.lock (version 4) with `packages` (name, version, checksum hex).
pub fn cargo_lock(packages: &[(&str, &str, &str)]) -> String {
    let mut s = String::from(
        "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n",
    );
    for (name, version, sum) in packages {
        s.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{sum}\"\n"
        ));
    }
    s
}

/// The 1-based lines of `[[package]]` and `name = "<name>"` for `name` in a Cargo.lock.
pub fn package_lines(lock: &str, name: &str) -> (usize, usize) {
    let lines: Vec<&str> = lock.lines().collect();
    let n = lines
        .iter()
        .position(|l| *l == format!("name = \"{name}\""))
        .unwrap_or_else(|| panic!("{name} not in lockfile"));
    (n, n + 1)
}

/// 64 lowercase hex digits made of `c`.
pub fn hex64(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

/// Validate `sarif` with Microsoft's SARIF multitool and GitHub's ingestion rules
/// (`--rule-kind "Gh;Sarif"`), failing on any error-level result. The multitool exits 0 even
/// when it finds errors, so its output log is read.
pub fn assert_valid_sarif(sarif: &Path) {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out_file = out_dir.path().join("validation.sarif");
    let out = Command::new("sarif-multitool")
        .args([
            "validate",
            "--rule-kind",
            "Gh;Sarif",
            "--log",
            "ForceOverwrite",
            "--output",
        ])
        .arg(&out_file)
        .arg(sarif)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .expect("run sarif-multitool");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = fs::read_to_string(&out_file).unwrap_or_else(|e| {
        panic!(
            "sarif-multitool wrote no {}: {e}\n{said}",
            out_file.display()
        )
    });
    let log: serde_json::Value = serde_json::from_str(&text).expect("validation log is JSON");
    let errors: Vec<String> = log["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["results"].as_array().into_iter().flatten())
        .filter(|r| r["level"].as_str().unwrap_or("warning") == "error")
        .map(|r| format!("{}: {}", r["ruleId"], r["message"]))
        .collect();
    assert!(
        errors.is_empty(),
        "{} fails SARIF validation:\n{}",
        sarif.display(),
        errors.join("\n")
    );
}

/// The job summaries act rendered into its log (`⚙  Summary - …` up to the next log line).
pub fn summaries(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = log;
    while let Some(i) = rest.find("Summary - ") {
        let body = &rest[i + "Summary - ".len()..];
        let end = body.find("\n[").unwrap_or(body.len());
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}
