//! Acceptance 4 of issue 7: a tarball whose member mtime follows the build time is pinned to
//! the member and the field.
#![allow(
    clippy::unwrap_used,
    missing_docs,
    reason = "tests: a failed unwrap is a failed test"
)]

#[path = "repro_support.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use repro_support::{causes, explain, repro, run_json};

#[test]
fn a_tar_member_mtime_is_pinned_to_the_member_and_the_field() {
    if !support::require_tool("tar") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let cmd = repro(
        home.path(),
        &support::fixture("repro/archive"),
        &[
            "--format",
            "json",
            "--vary",
            "build-path,wall-clock,source-date-epoch,umask,timezone",
            "--artifact",
            "dist/*.tar",
            "--",
            "sh",
            "build.sh",
        ],
    );
    let (code, report, out) = run_json(cmd);
    assert_eq!(code, 1, "{}", explain(&out));
    let artifact = &report["artifacts"][0];
    assert_eq!(artifact["name"], "dist/out.tar");
    let diffs = artifact["differences"].as_array().unwrap();
    assert_eq!(diffs.len(), 1, "only gen.txt's mtime differs: {diffs:?}");
    assert_eq!(diffs[0]["location"], serde_json::json!(["member gen.txt"]));
    assert_eq!(diffs[0]["type"], "field");
    assert_eq!(diffs[0]["field"], "mtime");
    assert!(
        diffs[0]["control"]
            .as_str()
            .unwrap()
            .starts_with("1700000000 (2023-11-14T22:13:20Z)")
    );
    assert_eq!(causes(&report), ["time"]);
    let hints = artifact["hints"].as_array().unwrap();
    assert!(
        hints
            .iter()
            .any(|h| h.as_str().unwrap().contains("--mtime=@$SOURCE_DATE_EPOCH")),
        "{hints:?}"
    );
}
