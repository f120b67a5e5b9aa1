//! The GitLab templates run for real under `gitlab-ci-local --force-shell-executor` (npm,
//! installed by `.ci/install-gitlab-ci-local.sh`): `script:` runs on this host, `image:` is
//! ignored, nothing is fetched. The verify job (`cargo install --git …`) needs the network, so
//! only the language stages run here; the verify stage is covered by the schema check and, for
//! GitHub, by the act tests.
//!
//! - Go: on a tiny module vet, test and race pass; with a data race, test passes and race fails;
//! - Rust: vet and test pass on a tiny crate.

#[path = "support/mod.rs"]
mod support;

#[path = "ci_util/mod.rs"]
mod ci_util;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ci_util::{ACT_TIMEOUT_SECS, copy_dir, strip_ansi};
use support::{fixture, repo_root, require_tool};

fn tools_present(toolchain: &[&str]) -> bool {
    ["gitlab-ci-local", "rsync", "git", "timeout"]
        .iter()
        .chain(toolchain)
        .all(|t| require_tool(t))
}

/// The result of one gitlab-ci-local run: its log and the `PASS`/`FAIL` verdict per job.
struct Pipeline {
    log: String,
}

impl Pipeline {
    /// `Some(true)` for ` PASS  <job>`, `Some(false)` for ` FAIL  <job>`, `None` if absent.
    fn job(&self, name: &str) -> Option<bool> {
        self.log.lines().find_map(|l| {
            let mut words = l.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("PASS"), Some(j), None) if j == name => Some(true),
                (Some("FAIL"), Some(j), None) if j == name => Some(false),
                _ => None,
            }
        })
    }
}

/// Run `jobs` of the GitLab template `template` on a copy of `fixture_dir`.
fn run_pipeline(fixture_dir: &Path, template: &str, jobs: &[&str]) -> Pipeline {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    copy_dir(fixture_dir, &repo);
    fs::copy(
        repo_root().join("ci-templates/gitlab").join(template),
        repo.join(".gitlab-ci.yml"),
    )
    .expect("template");
    fs::create_dir_all(tmp.path().join("home")).expect("home");
    ci_util::git_init_commit(&repo);
    let shared = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ci-act");
    let real_home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let rustup_home =
        std::env::var_os("RUSTUP_HOME").map_or_else(|| real_home.join(".rustup"), PathBuf::from);
    let out = Command::new("timeout")
        .arg(ACT_TIMEOUT_SECS.to_string())
        .args(["gitlab-ci-local", "--force-shell-executor"])
        .args(jobs)
        .current_dir(&repo)
        .env("HOME", tmp.path().join("home"))
        .env("GOCACHE", shared.join("gocache"))
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("RUSTUP_HOME", rustup_home)
        .env("CARGO_TARGET_DIR", shared.join("cargo-target"))
        .env("CARGO_NET_OFFLINE", "true")
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .output()
        .expect("run gitlab-ci-local");
    let log = strip_ansi(&format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
    assert!(
        log.contains("json schema validated"),
        "not validated:\n{log}"
    );
    Pipeline { log }
}

fn assert_job(p: &Pipeline, job: &str, passed: bool) {
    assert_eq!(
        p.job(job),
        Some(passed),
        "{job} should {}:\n{}",
        if passed { "pass" } else { "fail" },
        p.log
    );
}

#[test]
fn gitlab_go_template_passes_on_a_tiny_module() {
    if !tools_present(&["go"]) {
        return;
    }
    let p = run_pipeline(
        &fixture("ci/go-ok"),
        "go.gitlab-ci.yml",
        &["go-vet", "go-test", "go-race"],
    );
    for job in ["go-vet", "go-test", "go-race"] {
        assert_job(&p, job, true);
    }
}

#[test]
fn gitlab_go_template_with_a_data_race_passes_test_but_fails_race() {
    if !tools_present(&["go"]) {
        return;
    }
    let p = run_pipeline(
        &fixture("ci/go-race"),
        "go.gitlab-ci.yml",
        &["go-vet", "go-test", "go-race"],
    );
    assert_job(&p, "go-vet", true);
    assert_job(&p, "go-test", true);
    assert_job(&p, "go-race", false);
    assert!(p.log.contains("WARNING: DATA RACE"), "{}", p.log);
}

#[test]
fn gitlab_rust_template_vet_and_test_pass_on_a_tiny_crate() {
    if !tools_present(&["cargo", "rustup"]) {
        return;
    }
    let p = run_pipeline(
        &fixture("ci/rust-crate"),
        "rust.gitlab-ci.yml",
        &["rust-vet", "rust-test"],
    );
    assert_job(&p, "rust-vet", true);
    assert_job(&p, "rust-test", true);
    assert!(
        p.log.contains("test tests::adds_and_saturates ... ok"),
        "{}",
        p.log
    );
}
