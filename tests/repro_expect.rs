//! Acceptance 5 (expectations) and 6 (build failures) of issue 7, and usage errors.

#[path = "repro_support/mod.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use repro_support::{Fixture, Run};

/// The digest the fixed program really builds to here.
fn real_digest(fixture: &Fixture) -> String {
    let run = Run::of(fixture.build_fixed(&["--format", "json"]));
    run.assert_exit(0);
    run.first_artifact()["control"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_wrong_expected_digest_exits_1_naming_the_artifact_and_both_digests() {
    if !support::require_tool("gcc") {
        return;
    }
    let fixture = Fixture::new("c");
    let real = real_digest(&fixture);
    let wrong = format!("sha256:{}", "0".repeat(64));
    let run = Run::of(fixture.build_fixed(&["--expect", &wrong]));
    run.assert_exit(1);
    let stdout = run.stdout();
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
    let fixture = Fixture::new("c");
    let real = real_digest(&fixture);
    let named = format!("fixed={real}");
    Run::of(fixture.build_fixed(&["--expect", &named])).assert_exit(0);

    // A "downloaded release file" with other bytes under the artifact's name fails.
    let download = fixture.home().join("fixed");
    std::fs::write(&download, b"not the binary").unwrap();
    let run =
        Run::of(fixture.build_fixed(&["--format", "json", "--expect", download.to_str().unwrap()]));
    run.assert_exit(1);
    let expectation = &run.report["expectations"][0];
    assert_eq!(expectation["matches"], false);
    assert_eq!(expectation["artifact"], "fixed");
    assert_eq!(expectation["rebuilt"], real.as_str());
}

#[test]
fn a_failing_build_exits_2_with_its_stderr_tail() {
    let run = Fixture::new("c").run(
        &[],
        &[
            "sh",
            "-c",
            "echo compiling >&2; echo 'error: missing.h: No such file' >&2; exit 3",
        ],
    );
    run.assert_exit(2);
    let stderr = run.stderr();
    assert!(stderr.contains("build control failed"), "{stderr}");
    assert!(
        stderr.contains("error: missing.h: No such file"),
        "{stderr}"
    );
    assert!(
        run.out.stdout.is_empty(),
        "a build failure is not reported as unreproducible"
    );
}

#[test]
fn usage_errors_exit_2() {
    let fixture = Fixture::new("c");
    for options in [
        &["--vary", "kernel"][..],
        &["--expect", "sha256:nothex"],
        &["--runs", "0"],
    ] {
        let run = fixture.run(options, &["true"]);
        assert_eq!(
            run.out.status.code(),
            Some(2),
            "{options:?}: {}",
            run.explain()
        );
    }
}
