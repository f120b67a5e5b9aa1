//! Acceptance 1 of issue 7: a C program embedding `__DATE__`/`__TIME__` is attributed to time,
//! one embedding an absolute `__FILE__` to the build path, and the fixed program is
//! reproducible.

#[path = "repro_support/mod.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use repro_support::{BUILD_FIXED, Fixture};

/// Compiles `file.c` by its absolute path, so `__FILE__` holds the build directory.
const BUILD_FILE: [&str; 3] = ["sh", "-c", "gcc -O2 -o file \"$PWD/file.c\""];

#[test]
fn date_and_time_macros_are_unreproducible_and_attributed_to_time() {
    if !support::require_tool("gcc") {
        return;
    }
    let run = Fixture::new("c").run_json(
        &["--artifact", "date"],
        &["gcc", "-O2", "-o", "date", "date.c"],
    );
    run.assert_exit(1);
    assert_eq!(run.report["verdict"], "unreproducible");
    let singles = run.single_causes();
    assert!(singles.contains(&"wall-clock".to_owned()), "{singles:?}");
    assert!(!singles.contains(&"build-path".to_owned()), "{singles:?}");
    assert_eq!(run.causes(), ["time"]);
    let fix = run.first_suggestion();
    assert!(
        fix.contains("SOURCE_DATE_EPOCH") && fix.contains("__DATE__"),
        "{fix}"
    );
    let first = &run.first_artifact()["differences"][0];
    assert_eq!(first["location"][0], "section .rodata", "{first}");
    let evidence = run.first_evidence();
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
    let run = Fixture::new("c").run_json(&["--artifact", "file"], &BUILD_FILE);
    run.assert_exit(1);
    assert_eq!(run.single_causes(), ["build-path"]);
    assert_eq!(run.causes(), ["build-path"]);
    let fix = run.first_suggestion();
    assert!(fix.contains("-ffile-prefix-map"), "{fix}");
    let path = run
        .first_evidence()
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
    let run = Fixture::new("c").run(&["--artifact", "fixed"], &BUILD_FIXED);
    run.assert_exit(0);
    let stdout = run.stdout();
    assert!(
        stdout.starts_with("REPRODUCIBLE: 0 of 1 artifact(s) differ"),
        "{stdout}"
    );
    assert!(
        stdout.contains("artifact fixed: identical sha256:"),
        "{stdout}"
    );
    let stderr = run.stderr();
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
    let run = Fixture::new("c").run(&["--vary", "build-path", "--artifact", "file"], &BUILD_FILE);
    run.assert_exit(1);
    let stdout = run.stdout();
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
