//! The library end to end with shell builds (no compiler): nondeterminism, interacting
//! variations, environment and HOME capture, kept work directories.
#![allow(
    clippy::unwrap_used,
    missing_docs,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::path::Path;

use lockproof_repro::{Cause, Check, NoProgress, Report, Variation, VariationSet, Verdict};

fn run(dir: &Path, script: &str, vary: &str, keep: Option<&Path>) -> Report {
    std::fs::write(dir.join("input.txt"), "source\n").unwrap();
    let mut check = Check::new(
        dir.to_path_buf(),
        vec!["sh".into(), "-c".into(), script.into()],
    );
    check.artifacts = vec!["out*".into()];
    check.vary = VariationSet::parse_list(vary).unwrap();
    check.keep = keep.map(Path::to_path_buf);
    check.run(&NoProgress).unwrap()
}

#[test]
fn random_output_is_reported_as_nondeterministic() {
    let src = tempfile::tempdir().unwrap();
    let r = run(
        src.path(),
        "od -An -N16 -tx1 /dev/urandom > out.txt",
        "build-path,timezone",
        None,
    );
    assert_eq!(r.verdict, Verdict::Unreproducible);
    let a = r.attribution.unwrap();
    assert!(a.nondeterministic);
    assert_eq!(a.builds, 1, "attribution stops after the plain rebuild");
    assert_eq!(r.causes[0].cause, Cause::Nondeterminism);
}

#[test]
fn variations_that_only_differ_together_are_bisected_to_the_pair() {
    let src = tempfile::tempdir().unwrap();
    let script = r#"if [ "$TZ" = GMT-14 ] && [ "$(umask)" = 0002 ]; then echo both > out.txt; else echo fine > out.txt; fi"#;
    let r = run(
        src.path(),
        script,
        "build-path,timezone,umask,environment,exec-path,home",
        None,
    );
    assert_eq!(r.verdict, Verdict::Unreproducible);
    let a = r.attribution.as_ref().unwrap();
    assert!(a.single_causes.is_empty());
    let pair: VariationSet = [Variation::Timezone, Variation::Umask]
        .into_iter()
        .collect();
    assert_eq!(a.interacting.as_ref(), Some(&pair));
    let causes: Vec<Cause> = r.causes.iter().map(|c| c.cause).collect();
    assert_eq!(causes, [Cause::Timezone, Cause::Umask]);
    assert_eq!(r.artifacts[0].differences[0].control, "fine");
}

#[test]
fn captured_environment_and_home_are_found_in_the_artifact() {
    let src = tempfile::tempdir().unwrap();
    let script = "env | grep LOCKPROOF_REPRO > out-env.txt || true; echo \"$HOME\" > out-home.txt";
    let r = run(src.path(), script, "environment,home,timezone", None);
    let a = r.attribution.as_ref().unwrap();
    assert_eq!(
        a.single_causes,
        vec![Variation::Home, Variation::Environment]
    );
    let env = r
        .artifacts
        .iter()
        .find(|a| a.name == "out-env.txt")
        .unwrap();
    assert!(
        env.evidence
            .iter()
            .any(|e| e.experiment.as_deref() == Some("i_capture_the_environment_run1")),
        "{env:?}"
    );
    let home = r
        .artifacts
        .iter()
        .find(|a| a.name == "out-home.txt")
        .unwrap();
    assert!(
        home.evidence.iter().any(|e| e
            .experiment
            .as_deref()
            .is_some_and(|h| h.ends_with("home-experiment-1"))),
        "{home:?}"
    );
}

#[test]
fn keep_leaves_trees_logs_and_artifacts_behind() {
    let src = tempfile::tempdir().unwrap();
    let keep = tempfile::tempdir().unwrap();
    let r = run(
        src.path(),
        "echo built; cp input.txt out.txt",
        "build-path",
        Some(keep.path()),
    );
    assert_eq!(r.verdict, Verdict::Reproducible);
    let kept = r.kept.unwrap();
    assert!(kept.join("trees/control/input.txt").is_file());
    assert!(kept.join("trees/experiment-1/out.txt").is_file());
    assert_eq!(
        std::fs::read_to_string(kept.join("logs/control.stdout")).unwrap(),
        "built\n"
    );
    assert!(kept.join("artifacts/experiment-1/out.txt").is_file());
}

#[test]
fn a_build_without_matching_artifacts_is_an_error_not_a_verdict() {
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("input.txt"), "x").unwrap();
    let mut check = Check::new(src.path().to_path_buf(), vec!["true".into()]);
    check.artifacts = vec!["dist/*.tar".into()];
    let err = check.run(&NoProgress).unwrap_err();
    assert!(
        err.to_string().contains("produced no artifact matching"),
        "{err}"
    );
}

#[test]
fn an_experiment_that_fails_names_the_variation_that_breaks_the_build() {
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("input.txt"), "x").unwrap();
    let script = r#"case "$HOME" in *home-experiment*) echo "cannot write config in $HOME" >&2; exit 4;; esac; cp input.txt out.txt"#;
    let mut check = Check::new(
        src.path().to_path_buf(),
        vec!["sh".into(), "-c".into(), script.into()],
    );
    check.artifacts = vec!["out.txt".into()];
    check.vary = VariationSet::parse_list("home,timezone,umask").unwrap();
    let err = check.run(&NoProgress).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.starts_with("the build fails when varying home (the control build succeeds)"),
        "{text}"
    );
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("cannot write config in"), "{source}");
}

#[test]
fn a_build_that_outlives_the_timeout_is_killed_and_fails() {
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("input.txt"), "x").unwrap();
    let mut check = Check::new(
        src.path().to_path_buf(),
        vec![
            "sh".into(),
            "-c".into(),
            "echo starting >&2; sleep 30 & sleep 30; cp input.txt out.txt".into(),
        ],
    );
    check.artifacts = vec!["out.txt".into()];
    check.timeout = Some(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = check.run(&NoProgress).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let text = err.to_string();
    assert!(
        text.contains("timed out") && text.contains("starting"),
        "{text}"
    );
}
