//! The library end to end on the C fixtures (gcc): time, build path, and a fixed program.
#![allow(
    clippy::unwrap_used,
    missing_docs,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::path::PathBuf;

use lockproof_repro::{Cause, Check, NoProgress, Variation, VariationSet, Verdict};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/repro/c")
        .canonicalize()
        .unwrap()
}

fn gcc_available() -> bool {
    let ok = std::process::Command::new("gcc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "gcc is required in CI"
        );
        eprintln!("skipping: gcc is not installed");
    }
    ok
}

fn check(cmd: &str, artifact: &str, vary: &str) -> lockproof_repro::Report {
    let mut check = Check::new(fixture(), vec!["sh".into(), "-c".into(), cmd.into()]);
    check.artifacts = vec![artifact.into()];
    check.vary = VariationSet::parse_list(vary).unwrap();
    check.run(&NoProgress).unwrap()
}

#[test]
fn date_and_time_macros_are_attributed_to_time() {
    if !gcc_available() {
        return;
    }
    let r = check(
        "gcc -O2 -o date date.c",
        "date",
        "build-path,wall-clock,source-date-epoch,timezone,umask",
    );
    assert_eq!(r.verdict, Verdict::Unreproducible);
    let a = r.attribution.as_ref().unwrap();
    assert!(a.single_causes.contains(&Variation::WallClock), "{a:?}");
    assert!(!a.single_causes.contains(&Variation::BuildPath), "{a:?}");
    assert_eq!(r.causes[0].cause, Cause::Time);
    assert!(r.causes[0].suggestion.contains("SOURCE_DATE_EPOCH"));
    assert_eq!(r.artifacts[0].differences[0].location, ["section .rodata"]);
}

#[test]
fn an_absolute_file_macro_is_attributed_to_the_build_path() {
    if !gcc_available() {
        return;
    }
    let r = check(
        "gcc -O2 -o file \"$PWD/file.c\"",
        "file",
        "build-path,wall-clock,home",
    );
    assert_eq!(r.verdict, Verdict::Unreproducible);
    assert_eq!(
        r.attribution.as_ref().unwrap().single_causes,
        vec![Variation::BuildPath]
    );
    assert_eq!(r.causes[0].cause, Cause::BuildPath);
    assert!(r.causes[0].suggestion.contains("-ffile-prefix-map"));
    let ev = &r.artifacts[0].evidence;
    assert!(
        ev.iter().any(|e| e.experiment_count > 0
            && e.location.as_deref().is_some_and(|l| l.contains(".rodata"))),
        "{ev:?}"
    );
}

#[test]
fn the_fixed_program_is_reproducible_under_every_variation() {
    if !gcc_available() {
        return;
    }
    let r = check("gcc -O2 -o fixed fixed.c", "fixed", "all");
    assert_eq!(r.verdict, Verdict::Reproducible, "{r:#?}");
    assert!(r.attribution.is_none());
    assert_eq!(r.builds.len(), 2);
}
