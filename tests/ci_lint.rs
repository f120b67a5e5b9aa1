//! The CI linters (`.ci/lint-ci.sh`) pass on the action, the workflows and every template, and
//! each linter catches a broken file.
//!
//! Tools: check-jsonschema, actionlint, shellcheck and zizmor from `.ci/pip-requirements.txt`
//! (on PATH through `.ci/venv/bin`). In CI a missing tool fails the test.

#[path = "support/mod.rs"]
mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use support::{repo_root, require_tool, text};

const TOOLS: [&str; 5] = [
    "check-jsonschema",
    "actionlint",
    "shellcheck",
    "zizmor",
    "git",
];

fn tools_present() -> bool {
    TOOLS.iter().all(|t| require_tool(t))
}

/// Run `.ci/lint-ci.sh <linter> <root>`.
fn lint(linter: &str, root: &Path) -> Output {
    Command::new("bash")
        .arg(repo_root().join(".ci/lint-ci.sh"))
        .arg(linter)
        .arg(root)
        .output()
        .expect("run .ci/lint-ci.sh")
}

/// A temporary git repository (actionlint needs one) holding `files`.
fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, content) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().expect("has parent")).expect("mkdir");
        fs::write(&p, content).expect("write");
    }
    let st = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status();
    assert!(st.expect("git init").success());
    dir
}

/// Assert that `linter` fails on `files` and says `expected`.
fn assert_caught(linter: &str, files: &[(&str, &str)], expected: &str) {
    let repo = repo_with(files);
    let out = lint(linter, repo.path());
    let said = text(&out);
    assert!(
        !out.status.success(),
        "{linter} passed a broken file:\n{said}"
    );
    assert!(
        said.contains(expected),
        "{linter} did not say {expected:?}:\n{said}"
    );
}

const GOOD_STEP: &str =
    "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
";

fn workflow(steps: &str) -> String {
    format!(
        "name: t\non: push\npermissions:\n  contents: read\njobs:\n  a:\n    name: a\n    \
         runs-on: ubuntu-latest\n    steps:\n{steps}"
    )
}

#[test]
fn repository_action_workflows_and_templates_pass_every_linter() {
    if !tools_present() {
        return;
    }
    let out = lint("all", &repo_root());
    assert!(
        out.status.success(),
        "lint-ci.sh failed on the repository:\n{}",
        text(&out)
    );
    let said = text(&out);
    for checked in [
        "vendor.github-actions action.yml",
        "ci-templates/github/go.yml",
        "ci-templates/gitlab/rust.gitlab-ci.yml",
        "action/run.sh",
        ".github/workflows/ci.yml",
    ] {
        assert!(said.contains(checked), "{checked} was not linted:\n{said}");
    }
}

#[test]
fn schema_check_rejects_composite_step_without_shell() {
    if !tools_present() {
        return;
    }
    let action =
        "name: x\ndescription: x\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n";
    assert_caught("schema", &[("action.yml", action)], "action.yml");
}

#[test]
fn schema_check_rejects_workflow_with_misspelt_runs_on() {
    if !tools_present() {
        return;
    }
    let wf = workflow(GOOD_STEP).replace("runs-on:", "run-on:");
    assert_caught(
        "schema",
        &[(".github/workflows/w.yml", &wf)],
        "'runs-on' is a required property",
    );
}

#[test]
fn schema_check_rejects_gitlab_job_with_misspelt_script() {
    if !tools_present() {
        return;
    }
    let gl = "stages: [test]\njob:\n  stage: test\n  scirpt:\n    - echo hi\n";
    assert_caught(
        "schema",
        &[("ci-templates/gitlab/x.gitlab-ci.yml", gl)],
        "scirpt",
    );
}

#[test]
fn actionlint_rejects_untrusted_input_inlined_into_a_script() {
    if !tools_present() {
        return;
    }
    let steps =
        format!("{GOOD_STEP}      - run: echo \"${{{{ github.event.pull_request.title }}}}\"\n");
    assert_caught(
        "actionlint",
        &[(".github/workflows/w.yml", &workflow(&steps))],
        "potentially untrusted",
    );
}

#[test]
fn actionlint_runs_shellcheck_on_run_blocks() {
    if !tools_present() {
        return;
    }
    let steps = format!("{GOOD_STEP}      - run: |\n          f=$1\n          cat $f\n");
    assert_caught(
        "actionlint",
        &[(".github/workflows/w.yml", &workflow(&steps))],
        "SC2086",
    );
}

#[test]
fn shellcheck_rejects_unquoted_expansion_in_action_scripts() {
    if !tools_present() {
        return;
    }
    let script = "#!/usr/bin/env bash\nset -euo pipefail\nf=$1\nrm $f\n";
    assert_caught("shellcheck", &[("action/bad.sh", script)], "SC2086");
}

#[test]
fn zizmor_rejects_tag_pinned_action_and_persisted_credentials() {
    if !tools_present() {
        return;
    }
    let steps = "      - uses: someone/setup-thing@v1\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n";
    let wf = workflow(steps);
    let repo = repo_with(&[(".github/workflows/w.yml", &wf)]);
    let out = lint("zizmor", repo.path());
    let said = text(&out);
    assert!(
        !out.status.success(),
        "zizmor passed a broken workflow:\n{said}"
    );
    assert!(said.contains("unpinned-uses"), "{said}");
    assert!(said.contains("artipacked"), "{said}");
}

#[test]
fn shellcheck_checks_gitlab_job_scripts() {
    if !tools_present() || !require_tool("python3") {
        return;
    }
    let gl = "stages: [test]\njob:\n  stage: test\n  script:\n    - f=$1\n    - rm $f\n";
    assert_caught(
        "shellcheck",
        &[("ci-templates/gitlab/x.gitlab-ci.yml", gl)],
        "SC2086",
    );
}
