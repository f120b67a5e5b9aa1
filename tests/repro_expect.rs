//! Acceptance 5 (expectations) and 6 (build failures) of issue 7, and usage errors.
#![allow(
    clippy::unwrap_used,
    missing_docs,
    reason = "tests: a failed unwrap is a failed test"
)]

#[path = "repro_support.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use repro_support::{explain, repro, run_json};

const BUILD: [&str; 6] = ["--", "gcc", "-O2", "-o", "fixed", "fixed.c"];

fn fixed(home: &std::path::Path, extra: &[&str]) -> std::process::Command {
    let mut args = vec!["--vary", "none", "--artifact", "fixed"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&BUILD);
    repro(home, &support::fixture("repro/c"), &args)
}

/// The digest the fixed program really builds to here.
fn real_digest(home: &std::path::Path) -> String {
    let (code, report, out) = run_json(fixed(home, &["--format", "json"]));
    assert_eq!(code, 0, "{}", explain(&out));
    report["artifacts"][0]["control"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_wrong_expected_digest_exits_1_naming_the_artifact_and_both_digests() {
    if !support::require_tool("gcc") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let real = real_digest(home.path());
    let wrong = format!("sha256:{}", "0".repeat(64));
    let out = fixed(home.path(), &["--expect", &wrong]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("expected digest mismatch"))
        .expect(&stdout);
    assert!(
        line.contains("artifact fixed") && line.contains(&wrong) && line.contains(&real),
        "{line}"
    );
}

#[test]
fn a_matching_expected_digest_or_file_passes() {
    if !support::require_tool("gcc") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let real = real_digest(home.path());
    let named = format!("fixed={real}");
    let out = fixed(home.path(), &["--expect", &named]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));

    // A "downloaded release file" with other bytes under the artifact's name fails.
    let download = home.path().join("fixed");
    std::fs::write(&download, b"not the binary").unwrap();
    let (code, report, out) = run_json(fixed(
        home.path(),
        &["--format", "json", "--expect", download.to_str().unwrap()],
    ));
    assert_eq!(code, 1, "{}", explain(&out));
    assert_eq!(report["expectations"][0]["matches"], false);
    assert_eq!(report["expectations"][0]["artifact"], "fixed");
    assert_eq!(report["expectations"][0]["rebuilt"], real.as_str());
}

#[test]
fn a_failing_build_exits_2_with_its_stderr_tail() {
    let home = tempfile::tempdir().unwrap();
    let out = repro(
        home.path(),
        &support::fixture("repro/c"),
        &[
            "--",
            "sh",
            "-c",
            "echo compiling >&2; echo 'error: missing.h: No such file' >&2; exit 3",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("build control failed"), "{stderr}");
    assert!(
        stderr.contains("error: missing.h: No such file"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "a build failure is not reported as unreproducible"
    );
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let fixture = support::fixture("repro/c");
    for args in [
        &["--vary", "kernel", "--", "true"][..],
        &["--expect", "sha256:nothex", "--", "true"],
        &["--runs", "0", "--", "true"],
    ] {
        let out = repro(home.path(), &fixture, args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", explain(&out));
    }
}
