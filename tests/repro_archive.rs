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

#[test]
fn a_tar_member_order_that_follows_readdir_is_pinned_to_order_and_file_ordering() {
    if !support::require_tool("disorderfs") {
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
            "file-ordering,build-path,umask",
            "--artifact",
            "dist/*.tar",
            "--",
            "sh",
            "build-order.sh",
        ],
    );
    let (code, report, out) = run_json(cmd);
    if let Some(s) = report["skipped"].as_array().and_then(|s| s.first()) {
        // disorderfs is installed but FUSE is not usable on this host: the tool says why.
        eprintln!("skipping: {}", s["reason"]);
        assert_eq!(code, 0, "{}", explain(&out));
        return;
    }
    assert_eq!(code, 1, "{}", explain(&out));
    assert_eq!(
        report["attribution"]["single_causes"],
        serde_json::json!(["file-ordering"])
    );
    assert_eq!(causes(&report), ["file-ordering"]);
    let first = &report["artifacts"][0]["differences"][0];
    assert_eq!(first["type"], "order", "{first}");
    assert!(
        first["location"][0]
            .as_str()
            .unwrap()
            .starts_with("member #"),
        "{first}"
    );
    assert!(
        report["causes"][0]["suggestion"]
            .as_str()
            .unwrap()
            .contains("--sort=name")
    );
}
