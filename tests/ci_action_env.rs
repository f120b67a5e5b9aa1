//! The action's scripts against an emulation of the runner's files (`.ci/emulate-action.py`):
//! GITHUB_OUTPUT heredoc outputs, GITHUB_STEP_SUMMARY, GITHUB_PATH, and GITHUB_EVENT_PATH for a
//! pull request (changed entries only), with the real lockproof binary and a local log.
//! Also the install step: a release download checked against action/checksums.txt.

#[path = "support/mod.rs"]
mod support;

#[path = "ci_util/mod.rs"]
mod ci_util;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ci_util::{cargo_lock, commit_all, copy_dir, hex64, make_log, package_lines};
use serde_json::Value;
use support::{repo_root, require_tool};

const LOCKPROOF: &str = env!("CARGO_BIN_EXE_lockproof");

/// The emulator needs python3 with ruamel.yaml (the one in .ci/venv, a check-jsonschema
/// dependency); in CI its absence is a failure.
fn tools_present() -> bool {
    if !(require_tool("python3") && require_tool("git") && require_tool("jq")) {
        return false;
    }
    let ok = Command::new("python3")
        .args(["-c", "import ruamel.yaml"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 with ruamel.yaml (.ci/venv) is required in CI"
        );
        eprintln!("skipping: python3 has no ruamel.yaml (run with .ci/venv/bin on PATH)");
    }
    ok
}

/// One emulated run of the action in `action_dir` on `workspace`.
fn emulate(
    action_dir: &Path,
    workspace: &Path,
    temp: &Path,
    event: Option<(&str, &Path)>,
    inputs: &[(&str, &str)],
    env: &[(&str, &str)],
) -> Value {
    let mut cmd = Command::new("python3");
    cmd.arg(repo_root().join(".ci/emulate-action.py"))
        .arg(action_dir)
        .arg("--workspace")
        .arg(workspace)
        .arg("--temp")
        .arg(temp);
    if let Some((name, path)) = event {
        cmd.args(["--event-name", name])
            .arg("--event-path")
            .arg(path);
    }
    for (k, v) in inputs {
        cmd.arg("--input").arg(format!("{k}={v}"));
    }
    cmd.env("HOME", temp.join("home"))
        .env_remove("GITHUB_ACTIONS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the emulator");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "emulator printed no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn step<'a>(run: &'a Value, id: &str) -> &'a Value {
    run["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == id))
        .unwrap_or_else(|| panic!("no step {id} in {run:#}"))
}

fn output<'a>(run: &'a Value, name: &str) -> &'a str {
    run["outputs"][name]
        .as_str()
        .unwrap_or_else(|| panic!("no output {name} in {run:#}"))
}

/// A fixture repository: base commit with `alpha` pinned to a digest the log does not hold,
/// head commit adding `beta` (logged), and a local log holding the true digests of both.
struct Scenario {
    tmp: tempfile::TempDir,
    base: String,
    log: String,
    lock: String,
}

impl Scenario {
    fn new() -> Scenario {
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        fs::create_dir_all(&home).expect("home");
        let logdir = tmp.path().join("log");
        let (good_alpha, bad_alpha, beta) = (hex64('a'), hex64('f'), hex64('b'));
        let vkey = make_log(
            Path::new(LOCKPROOF),
            &home,
            &logdir,
            "log.example.com",
            &[
                format!("cargo/alpha 1.0.0 sha256:{good_alpha}\n"),
                format!("cargo/beta 2.0.0 sha256:{beta}\n"),
            ],
        );
        let repo = tmp.path().join("repo");
        fs::create_dir_all(&repo).expect("repo");
        let st = Command::new("git")
            .args(["init", "-q"])
            .current_dir(&repo)
            .status();
        assert!(st.expect("git init").success());
        fs::write(
            repo.join("Cargo.lock"),
            cargo_lock(&[("alpha", "1.0.0", &bad_alpha)]),
        )
        .expect("write");
        commit_all(&repo, "base");
        let base = git_head(&repo);
        let lock = cargo_lock(&[("alpha", "1.0.0", &bad_alpha), ("beta", "2.0.0", &beta)]);
        fs::write(repo.join("Cargo.lock"), &lock).expect("write");
        commit_all(&repo, "add beta");
        Scenario {
            log: format!("{vkey} {}", logdir.display()),
            tmp,
            base,
            lock,
        }
    }

    fn repo(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    /// A fresh runner temp dir for one run.
    fn runner_temp(&self, name: &str) -> PathBuf {
        let t = self.tmp.path().join(name);
        fs::create_dir_all(t.join("home")).expect("temp");
        t
    }

    fn event(&self, private: bool) -> PathBuf {
        let ev = serde_json::json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {"number": 7, "base": {"ref": "main", "sha": self.base},
                              "head": {"ref": "feature", "sha": git_head(&self.repo())}},
            "repository": {"private": private}
        });
        let path = self.tmp.path().join("event.json");
        fs::write(&path, ev.to_string()).expect("event");
        path
    }
}

fn git_head(repo: &Path) -> String {
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(repo)
        .output();
    String::from_utf8_lossy(&out.expect("git rev-parse").stdout)
        .trim()
        .to_owned()
}

#[test]
fn pull_request_mode_verifies_only_changed_entries_and_writes_runner_files() {
    if !tools_present() {
        return;
    }
    let s = Scenario::new();
    let temp = s.runner_temp("pr");
    let event = s.event(true);
    let run = emulate(
        &repo_root(),
        &s.repo(),
        &temp,
        Some(("pull_request", &event)),
        &[
            ("binary", LOCKPROOF),
            ("log", &s.log),
            // Multi-line inputs: blank lines and CRLF line ends are ignored.
            ("lockfiles", "Cargo.lock\r\n\n"),
            ("sarif-file", "lockproof.sarif"),
            ("upload-sarif", "auto"),
        ],
        &[],
    );
    let verify = step(&run, "verify");
    let said = format!("{}{}", verify["stdout"], verify["stderr"]);
    assert_eq!(run["conclusion"], "success", "{run:#}");
    assert!(
        said.contains(&format!("changed since {}", s.base)),
        "{said}"
    );
    assert_eq!(output(&run, "result"), "pass");
    assert_eq!(
        output(&run, "checked"),
        "1",
        "only beta is new in the PR: {run:#}"
    );
    assert_eq!(output(&run, "failed"), "0");
    // A multi-line-capable output (heredoc form): one line per log.
    let checkpoint = output(&run, "checkpoint");
    assert!(checkpoint.starts_with("log.example.com 2 "), "{checkpoint}");
    assert_eq!(checkpoint.lines().count(), 1);

    let report: Value =
        serde_json::from_slice(&fs::read(output(&run, "report-json")).expect("report"))
            .expect("report JSON");
    assert_eq!(report["skipped_unchanged"], 1, "{report:#}");
    assert_eq!(report["findings"][0]["name"], "beta");

    // SARIF is written (absolute path) but not uploaded: the repository is private.
    let sarif = output(&run, "sarif-file");
    assert_eq!(Path::new(sarif), s.repo().join("lockproof.sarif"));
    assert!(fs::metadata(sarif).is_ok_and(|m| m.len() > 0));
    assert_eq!(verify["outputs"]["upload-sarif"], "false");
    assert_eq!(
        step(&run, "__step4")["conclusion"],
        "skipped",
        "upload-sarif ran: {run:#}"
    );

    // The cache step was asked for the per-log state directory and a per-log key.
    let cache = &run["remote"][0];
    assert!(
        cache["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/cache@")),
        "{run:#}"
    );
    let log_id = step(&run, "prepare")["outputs"]["log-id"]
        .as_str()
        .expect("log-id");
    assert_eq!(log_id.len(), 16);
    assert_eq!(
        cache["with"]["restore-keys"],
        format!("lockproof-Linux-{log_id}-")
    );
    assert_eq!(
        cache["with"]["path"],
        temp.join("lockproof-state").display().to_string()
    );

    // The job summary is the Markdown report of the same run.
    let summary = run["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("VERIFIED: 1 entries checked"), "{summary}");
    assert!(summary.contains("1 unchanged skipped"), "{summary}");
    assert!(summary.contains("`Cargo.lock`"), "{summary}");
}

#[test]
fn push_mode_verifies_everything_and_fails_with_an_annotation_on_the_entry() {
    if !tools_present() {
        return;
    }
    let s = Scenario::new();
    let temp = s.runner_temp("push");
    let run = emulate(
        &repo_root(),
        &s.repo(),
        &temp,
        None,
        &[
            ("binary", LOCKPROOF),
            ("log", &s.log),
            ("lockfiles", "Cargo.lock"),
            ("cache", "false"),
        ],
        &[],
    );
    assert_eq!(run["conclusion"], "failure", "{run:#}");
    assert_eq!(output(&run, "result"), "fail");
    assert_eq!(output(&run, "checked"), "2");
    assert_eq!(output(&run, "failed"), "1");
    assert_eq!(output(&run, "sarif-file"), "");
    assert!(
        run["remote"].as_array().is_some_and(Vec::is_empty),
        "cache ran: {run:#}"
    );
    let stdout = step(&run, "verify")["stdout"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (pkg, name) = package_lines(&s.lock, "alpha");
    assert!(
        stdout.contains(&format!("::error file=Cargo.lock,line={pkg},"))
            || stdout.contains(&format!("::error file=Cargo.lock,line={name},")),
        "no annotation on alpha's lines {pkg}/{name}:\n{stdout}"
    );
    assert!(
        run["summary"].as_str().is_some_and(|m| m.contains("alpha")),
        "{run:#}"
    );

    // fail-on: never reports the same failure but lets the job pass.
    let temp = s.runner_temp("never");
    let run = emulate(
        &repo_root(),
        &s.repo(),
        &temp,
        None,
        &[
            ("binary", LOCKPROOF),
            ("log", &s.log),
            ("lockfiles", "Cargo.lock"),
            ("cache", "false"),
            ("fail-on", "never"),
        ],
        &[],
    );
    assert_eq!(run["conclusion"], "success", "{run:#}");
    assert_eq!(output(&run, "result"), "fail");
}

#[test]
fn invalid_inputs_are_rejected_before_anything_runs() {
    if !tools_present() {
        return;
    }
    let s = Scenario::new();
    let temp = s.runner_temp("bad");
    let run = emulate(
        &repo_root(),
        &s.repo(),
        &temp,
        None,
        &[
            ("binary", LOCKPROOF),
            ("log", &s.log),
            ("cache", "false"),
            ("fail-on", "sometimes"),
        ],
        &[],
    );
    assert_eq!(run["conclusion"], "failure");
    let stdout = step(&run, "verify")["stdout"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        stdout.contains("input fail-on must be one of: error warning never"),
        "{stdout}"
    );

    // mode: changed outside a pull request has no base to compare with.
    let run = emulate(
        &repo_root(),
        &s.repo(),
        &s.runner_temp("changed"),
        None,
        &[
            ("binary", LOCKPROOF),
            ("log", &s.log),
            ("cache", "false"),
            ("mode", "changed"),
        ],
        &[],
    );
    assert_eq!(run["conclusion"], "failure");
    let stdout = step(&run, "verify")["stdout"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        stdout.contains("mode: changed needs a pull_request"),
        "{stdout}"
    );
}

#[test]
fn outputs_use_heredocs_so_a_value_cannot_inject_another_output() {
    if !require_tool("bash") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("output");
    let st = Command::new("bash")
        .arg("-c")
        .arg(". \"$GITHUB_ACTION_PATH/action/lib.sh\"; set_output sarif-file \"$(printf 'a\\nresult=pass')\"")
        .env("GITHUB_ACTION_PATH", repo_root())
        .env("GITHUB_OUTPUT", &file)
        .status()
        .expect("bash");
    assert!(st.success());
    let text = fs::read_to_string(&file).expect("output file");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    let delim = lines[0].strip_prefix("sarif-file<<").expect("heredoc form");
    assert!(delim.len() > 20, "delimiter too guessable: {delim}");
    assert_eq!(&lines[1..], ["a", "result=pass", delim]);
}

/// A copy of the action with `table` as action/checksums.txt.
fn action_copy(dir: &Path, table: &str) -> PathBuf {
    let action = dir.join("action-copy");
    copy_dir(&repo_root().join("action"), &action.join("action"));
    fs::copy(repo_root().join("action.yml"), action.join("action.yml")).expect("copy");
    fs::copy(repo_root().join("Cargo.toml"), action.join("Cargo.toml")).expect("copy");
    fs::write(action.join("action/checksums.txt"), table).expect("table");
    action
}

/// A release directory `<dir>/release/v<version>/<asset>` holding the real binary; returns
/// (file:// base URL, asset name, its SHA-256).
fn release(dir: &Path, version: &str) -> (String, String, String) {
    let asset = format!("lockproof-v{version}-x86_64-unknown-linux-musl.tar.gz");
    let stage = dir.join("stage");
    fs::create_dir_all(&stage).expect("stage");
    fs::copy(LOCKPROOF, stage.join("lockproof")).expect("copy binary");
    let rel = dir.join("release").join(format!("v{version}"));
    fs::create_dir_all(&rel).expect("release dir");
    let st = Command::new("tar")
        .arg("-czf")
        .arg(rel.join(&asset))
        .arg("-C")
        .arg(&stage)
        .arg("lockproof")
        .status()
        .expect("tar");
    assert!(st.success());
    let out = Command::new("sha256sum")
        .arg(rel.join(&asset))
        .output()
        .expect("sha256sum");
    let sum = String::from_utf8_lossy(&out.stdout)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    (
        format!("file://{}", dir.join("release").display()),
        asset,
        sum,
    )
}

#[test]
fn release_install_accepts_only_a_download_listed_in_the_checksum_table() {
    if !(tools_present() && require_tool("curl") && require_tool("sha256sum")) {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    fs::create_dir_all(&ws).expect("ws");
    // The default version is the action checkout's [workspace.package] version.
    let version = env!("CARGO_PKG_VERSION");
    let (base, asset, sum) = release(tmp.path(), version);
    let run_with = |table: &str, name: &str, inputs: &[(&str, &str)]| {
        let action = action_copy(&tmp.path().join(name), table);
        let temp = tmp.path().join(name).join("runner");
        fs::create_dir_all(temp.join("home")).expect("temp");
        let mut all = vec![("install", "release"), ("cache", "false")];
        all.extend_from_slice(inputs);
        emulate(
            &action,
            &ws,
            &temp,
            None,
            &all,
            &[("LOCKPROOF_RELEASE_BASE_URL", &base)],
        )
    };

    let run = run_with(&format!("{sum}  {asset}\n"), "good", &[]);
    let install = step(&run, "install");
    assert_eq!(install["conclusion"], "success", "{run:#}");
    let bin = install["outputs"]["bin"].as_str().expect("bin output");
    assert!(bin.ends_with("/lockproof-install/bin/lockproof"), "{bin}");
    assert!(
        install["stdout"]
            .as_str()
            .is_some_and(|s| s.contains(version)),
        "{install:#}"
    );

    let run = run_with(&format!("{}  {asset}\n", hex64('0')), "tampered", &[]);
    let install = step(&run, "install");
    assert_eq!(install["conclusion"], "failure", "{run:#}");
    assert!(
        install["stdout"]
            .as_str()
            .is_some_and(|s| s.contains("checksum mismatch"))
    );
    assert_eq!(step(&run, "verify")["conclusion"], "skipped");

    let run = run_with(
        &format!("{sum}  {asset}\n"),
        "unlisted",
        &[("version", "9.9.9")],
    );
    let install = step(&run, "install");
    assert_eq!(install["conclusion"], "failure", "{run:#}");
    assert!(
        install["stdout"]
            .as_str()
            .is_some_and(|s| s.contains("has no SHA-256 in action/checksums.txt")),
        "{install:#}"
    );
}

#[test]
fn annotations_point_into_the_working_directory_from_the_repository_root() {
    if !tools_present() {
        return;
    }
    let s = Scenario::new();
    let run = emulate(
        &repo_root(),
        s.tmp.path(),
        &s.runner_temp("subdir"),
        None,
        &[
            ("binary", LOCKPROOF),
            ("log", &s.log),
            ("lockfiles", "Cargo.lock"),
            ("cache", "false"),
            ("working-directory", "repo"),
        ],
        &[],
    );
    assert_eq!(output(&run, "result"), "fail", "{run:#}");
    let stdout = step(&run, "verify")["stdout"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, name) = package_lines(&s.lock, "alpha");
    assert!(
        stdout.contains(&format!("::error file=repo/Cargo.lock,line={name},"))
            || stdout.contains(&format!("::error file=repo/Cargo.lock,line={},", name - 1)),
        "{stdout}"
    );
}
