//! Acceptance 3 of issue 7: a Go program built with Debian's golang-go embeds the build path
//! without `-trimpath` (attributed to build-path, fix `-trimpath`) and is reproducible with it.
#![allow(
    clippy::unwrap_used,
    missing_docs,
    reason = "tests: a failed unwrap is a failed test"
)]

#[path = "repro_support.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use repro_support::{causes, explain, repro, run_json, single_causes};

#[test]
fn go_build_without_trimpath_is_attributed_to_the_build_path() {
    if !support::require_tool("go") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let cmd = repro(
        home.path(),
        &support::fixture("repro/go"),
        &[
            "--format",
            "json",
            "--vary",
            "all,-num-cpus,-aslr",
            "--artifact",
            "hello",
            "--",
            "go",
            "build",
            "-o",
            "hello",
            ".",
        ],
    );
    let (code, report, out) = run_json(cmd);
    assert_eq!(code, 1, "{}", explain(&out));
    assert_eq!(single_causes(&report), ["build-path"]);
    assert_eq!(causes(&report), ["build-path"]);
    assert_eq!(report["artifacts"][0]["toolchain"], "go");
    assert!(
        report["causes"][0]["suggestion"]
            .as_str()
            .unwrap()
            .contains("-trimpath")
    );
    let evidence = report["artifacts"][0]["evidence"].as_array().unwrap();
    assert!(
        evidence
            .iter()
            .any(|e| e["kind"] == "build-path" && e["experiment_count"].as_u64() > Some(0)),
        "{evidence:?}"
    );
}

#[test]
fn go_build_with_trimpath_is_reproducible() {
    if !support::require_tool("go") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let cmd = repro(
        home.path(),
        &support::fixture("repro/go"),
        &[
            "--format",
            "json",
            "--artifact",
            "hello",
            "--",
            "go",
            "build",
            "-trimpath",
            "-o",
            "hello",
            ".",
        ],
    );
    let (code, report, out) = run_json(cmd);
    assert_eq!(code, 0, "{}", explain(&out));
    assert_eq!(report["verdict"], "reproducible");
}
