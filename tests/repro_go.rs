//! Acceptance 3 of issue 7: a Go program built with Debian's golang-go embeds the build path
//! without `-trimpath` (attributed to build-path, fix `-trimpath`) and is reproducible with it.

#[path = "repro_support/mod.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use repro_support::Fixture;

#[test]
fn go_build_without_trimpath_is_attributed_to_the_build_path() {
    if !support::require_tool("go") {
        return;
    }
    let run = Fixture::new("go").run_json(
        &["--vary", "all,-num-cpus,-aslr", "--artifact", "hello"],
        &["go", "build", "-o", "hello", "."],
    );
    run.assert_exit(1);
    assert_eq!(run.single_causes(), ["build-path"]);
    assert_eq!(run.causes(), ["build-path"]);
    assert_eq!(run.first_artifact()["toolchain"], "go");
    assert!(run.first_suggestion().contains("-trimpath"));
    let evidence = run.first_evidence();
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
    let run = Fixture::new("go").run_json(
        &["--artifact", "hello"],
        &["go", "build", "-trimpath", "-o", "hello", "."],
    );
    run.assert_exit(0);
    assert_eq!(run.report["verdict"], "reproducible");
}
