//! Acceptance 1 of issue 7: a C program embedding `__DATE__`/`__TIME__` is attributed to time,
//! one embedding an absolute `__FILE__` to the build path, and the fixed program is
//! reproducible.
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
fn date_and_time_macros_are_unreproducible_and_attributed_to_time() {
    if !support::require_tool("gcc") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let cmd = repro(
        home.path(),
        &support::fixture("repro/c"),
        &[
            "--format",
            "json",
            "--artifact",
            "date",
            "--",
            "gcc",
            "-O2",
            "-o",
            "date",
            "date.c",
        ],
    );
    let (code, report, out) = run_json(cmd);
    assert_eq!(code, 1, "{}", explain(&out));
    assert_eq!(report["verdict"], "unreproducible");
    let singles = single_causes(&report);
    assert!(singles.contains(&"wall-clock".to_owned()), "{singles:?}");
    assert!(!singles.contains(&"build-path".to_owned()), "{singles:?}");
    assert_eq!(causes(&report), ["time"]);
    let fix = report["causes"][0]["suggestion"].as_str().unwrap();
    assert!(
        fix.contains("SOURCE_DATE_EPOCH") && fix.contains("__DATE__"),
        "{fix}"
    );
    let first = &report["artifacts"][0]["differences"][0];
    assert_eq!(first["location"][0], "section .rodata", "{first}");
    let evidence = report["artifacts"][0]["evidence"].as_array().unwrap();
    assert!(
        evidence.iter().any(|e| e["kind"] == "timestamp"),
        "{evidence:?}"
    );
}

#[test]
fn an_absolute_file_macro_is_attributed_to_the_build_path() {
    if !support::require_tool("gcc") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let cmd = repro(
        home.path(),
        &support::fixture("repro/c"),
        &[
            "--format",
            "json",
            "--artifact",
            "file",
            "--",
            "sh",
            "-c",
            "gcc -O2 -o file \"$PWD/file.c\"",
        ],
    );
    let (code, report, out) = run_json(cmd);
    assert_eq!(code, 1, "{}", explain(&out));
    assert_eq!(single_causes(&report), ["build-path"]);
    assert_eq!(causes(&report), ["build-path"]);
    let fix = report["causes"][0]["suggestion"].as_str().unwrap();
    assert!(fix.contains("-ffile-prefix-map"), "{fix}");
    let evidence = report["artifacts"][0]["evidence"].as_array().unwrap();
    let path = evidence
        .iter()
        .find(|e| e["kind"] == "build-path")
        .expect("build path found in the binary");
    assert!(
        path["location"]
            .as_str()
            .unwrap()
            .starts_with("section .rodata"),
        "{path}"
    );
}

#[test]
fn the_fixed_program_is_reproducible_and_the_human_output_says_so() {
    if !support::require_tool("gcc") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = repro(
        home.path(),
        &support::fixture("repro/c"),
        &[
            "--artifact",
            "fixed",
            "--",
            "gcc",
            "-O2",
            "-o",
            "fixed",
            "fixed.c",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("REPRODUCIBLE: 0 of 1 artifact(s) differ"),
        "{stdout}"
    );
    assert!(
        stdout.contains("artifact fixed: identical sha256:"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("build 1: control") && stderr.contains("experiment-1 done"),
        "progress: {stderr}"
    );
}

#[test]
fn the_human_report_leads_with_the_verdict_then_cause_fix_and_section() {
    if !support::require_tool("gcc") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = repro(
        home.path(),
        &support::fixture("repro/c"),
        &[
            "--vary",
            "build-path",
            "--artifact",
            "file",
            "--",
            "sh",
            "-c",
            "gcc -O2 -o file \"$PWD/file.c\"",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("UNREPRODUCIBLE: 1 of 1 artifact(s) differ"),
        "{stdout}"
    );
    assert_eq!(
        lines[1], "attribution: differs when varying each of: build-path",
        "{stdout}"
    );
    assert_eq!(
        lines[2], "cause: build path [build-path] (attribution)",
        "{stdout}"
    );
    assert!(
        lines[3]
            .trim_start()
            .starts_with("fix: compile with -ffile-prefix-map=$PWD=."),
        "{stdout}"
    );
    assert!(
        lines[4].starts_with("artifact file: DIFFERS control sha256:"),
        "{stdout}"
    );
    assert!(
        lines[5].starts_with("  section .rodata: content differs at +0x"),
        "{stdout}"
    );
    assert!(
        lines[5].contains("/build-experiment-1/varied-path/src/file.c"),
        "{stdout}"
    );
}
