//! Acceptance 4 of issue 7: a tarball whose member mtime follows the build time is pinned to
//! the member and the field.

#[path = "repro_support/mod.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use repro_support::Fixture;

#[test]
fn a_tar_member_mtime_is_pinned_to_the_member_and_the_field() {
    if !support::require_tool("tar") {
        return;
    }
    let run = Fixture::new("archive").run_json(
        &[
            "--vary",
            "build-path,wall-clock,source-date-epoch,umask,timezone",
            "--artifact",
            "dist/*.tar",
        ],
        &["sh", "build.sh"],
    );
    run.assert_exit(1);
    let artifact = run.first_artifact();
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
    assert_eq!(run.causes(), ["time"]);
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
    let run = Fixture::new("archive").run_json(
        &[
            "--vary",
            "file-ordering,build-path,umask",
            "--artifact",
            "dist/*.tar",
        ],
        &["sh", "build-order.sh"],
    );
    if let Some(s) = run.report["skipped"].as_array().and_then(|s| s.first()) {
        // disorderfs is installed but FUSE is not usable on this host: the tool says why.
        eprintln!("skipping: {}", s["reason"]);
        run.assert_exit(0);
        return;
    }
    run.assert_exit(1);
    assert_eq!(
        run.report["attribution"]["single_causes"],
        serde_json::json!(["file-ordering"])
    );
    assert_eq!(run.causes(), ["file-ordering"]);
    let first = &run.first_artifact()["differences"][0];
    assert_eq!(first["type"], "order", "{first}");
    assert!(
        first["location"][0]
            .as_str()
            .unwrap()
            .starts_with("member #"),
        "{first}"
    );
    assert!(run.first_suggestion().contains("--sort=name"));
}
