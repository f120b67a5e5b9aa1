//! `lockproof ci init` on temporary repositories: Go, Rust, mixed and no-language layouts, for
//! GitHub and GitLab; it never overwrites without `--force`, and what it writes is the embedded
//! template, which passes the schema check.

#[path = "support/mod.rs"]
mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use support::{lockproof, repo_root, require_tool, text};

/// A temporary repository holding `files` (path, content).
fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, content) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, content).expect("write");
    }
    dir
}

/// Run `lockproof ci init ARGS` in `repo`.
fn ci_init(repo: &Path, args: &[&str]) -> Output {
    let home = repo.join(".home");
    fs::create_dir_all(&home).expect("home");
    lockproof(&home)
        .args(["ci", "init"])
        .args(args)
        .current_dir(repo)
        .output()
        .expect("run lockproof")
}

fn template(rel: &str) -> String {
    fs::read_to_string(repo_root().join("ci-templates").join(rel)).expect("template")
}

fn read(repo: &Path, rel: &str) -> String {
    fs::read_to_string(repo.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The written files under `.github` and `.gitlab*`, sorted.
fn written(repo: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).expect("prefix").display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(repo, repo, &mut out);
    out.retain(|p| p.starts_with(".github") || p.starts_with(".gitlab"));
    out.sort();
    out
}

#[test]
fn go_repository_gets_the_go_workflow() {
    let repo = repo_with(&[("go.mod", "module example.com/x\n\ngo 1.19\n")]);
    let out = ci_init(repo.path(), &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(written(repo.path()), [".github/workflows/lockproof-go.yml"]);
    assert_eq!(
        read(repo.path(), ".github/workflows/lockproof-go.yml"),
        template("github/go.yml")
    );
}

#[test]
fn rust_repository_gets_the_rust_workflow() {
    let repo = repo_with(&[("Cargo.toml", "[package]\nname = \"x\"\n")]);
    let out = ci_init(repo.path(), &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        written(repo.path()),
        [".github/workflows/lockproof-rust.yml"]
    );
    assert_eq!(
        read(repo.path(), ".github/workflows/lockproof-rust.yml"),
        template("github/rust.yml")
    );
}

#[test]
fn mixed_repository_gets_one_workflow_per_language() {
    let repo = repo_with(&[
        ("go.mod", "module example.com/x\n"),
        ("Cargo.toml", "[workspace]\n"),
        ("package.json", "{}\n"),
        ("pyproject.toml", "[project]\nname = \"x\"\n"),
    ]);
    let out = ci_init(repo.path(), &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        written(repo.path()),
        [
            ".github/workflows/lockproof-go.yml",
            ".github/workflows/lockproof-node.yml",
            ".github/workflows/lockproof-python.yml",
            ".github/workflows/lockproof-rust.yml",
        ]
    );
    assert_eq!(
        read(repo.path(), ".github/workflows/lockproof-python.yml"),
        template("github/python.yml")
    );
}

#[test]
fn repository_without_a_language_is_a_usage_error_that_writes_nothing() {
    let repo = repo_with(&[("README.md", "hello\n")]);
    let out = ci_init(repo.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("pass --lang"), "{}", text(&out));
    assert!(written(repo.path()).is_empty());
}

#[test]
fn lang_flag_overrides_detection() {
    let repo = repo_with(&[("README.md", "hello\n")]);
    let out = ci_init(repo.path(), &["--lang", "node", "--lang", "python"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        written(repo.path()),
        [
            ".github/workflows/lockproof-node.yml",
            ".github/workflows/lockproof-python.yml"
        ]
    );
}

#[test]
fn never_overwrites_without_force_and_writes_nothing_else() {
    let repo = repo_with(&[
        ("go.mod", "module example.com/x\n"),
        ("Cargo.toml", "[workspace]\n"),
        (".github/workflows/lockproof-rust.yml", "mine\n"),
    ]);
    let out = ci_init(repo.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("refusing to overwrite .github/workflows/lockproof-rust.yml"));
    assert_eq!(
        read(repo.path(), ".github/workflows/lockproof-rust.yml"),
        "mine\n"
    );
    assert!(
        !repo
            .path()
            .join(".github/workflows/lockproof-go.yml")
            .exists()
    );

    let out = ci_init(repo.path(), &["--force"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        read(repo.path(), ".github/workflows/lockproof-rust.yml"),
        template("github/rust.yml")
    );
}

#[test]
fn gitlab_single_language_writes_the_template_as_gitlab_ci_yml() {
    let repo = repo_with(&[("go.mod", "module example.com/x\n")]);
    let out = ci_init(repo.path(), &["--system", "gitlab"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(written(repo.path()), [".gitlab-ci.yml"]);
    assert_eq!(
        read(repo.path(), ".gitlab-ci.yml"),
        template("gitlab/go.gitlab-ci.yml")
    );
}

#[test]
fn gitlab_mixed_repository_includes_one_file_per_language() {
    let repo = repo_with(&[
        ("go.mod", "module example.com/x\n"),
        ("Cargo.toml", "[workspace]\n"),
    ]);
    let out = ci_init(repo.path(), &["--system", "gitlab"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        written(repo.path()),
        [
            ".gitlab-ci.yml",
            ".gitlab/ci/lockproof-go.gitlab-ci.yml",
            ".gitlab/ci/lockproof-rust.gitlab-ci.yml"
        ]
    );
    let root = read(repo.path(), ".gitlab-ci.yml");
    assert!(
        root.contains("  - local: /.gitlab/ci/lockproof-go.gitlab-ci.yml\n"),
        "{root}"
    );
    assert!(
        root.contains("  - local: /.gitlab/ci/lockproof-rust.gitlab-ci.yml\n"),
        "{root}"
    );
    assert_eq!(
        read(repo.path(), ".gitlab/ci/lockproof-rust.gitlab-ci.yml"),
        template("gitlab/rust.gitlab-ci.yml")
    );

    // An existing .gitlab-ci.yml is never replaced without --force.
    fs::write(repo.path().join(".gitlab-ci.yml"), "mine\n").expect("write");
    let out = ci_init(repo.path(), &["--system", "gitlab"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(read(repo.path(), ".gitlab-ci.yml"), "mine\n");
}

#[test]
fn written_pipelines_pass_the_schema_checks() {
    if !require_tool("check-jsonschema") {
        return;
    }
    let repo = repo_with(&[
        ("go.mod", "module example.com/x\n"),
        ("Cargo.toml", "[workspace]\n"),
    ]);
    assert!(ci_init(repo.path(), &[]).status.success());
    assert!(
        ci_init(repo.path(), &["--system", "gitlab"])
            .status
            .success()
    );
    for (schema, files) in [
        (
            "vendor.github-workflows",
            vec![
                ".github/workflows/lockproof-go.yml",
                ".github/workflows/lockproof-rust.yml",
            ],
        ),
        (
            "vendor.gitlab-ci",
            vec![
                ".gitlab-ci.yml",
                ".gitlab/ci/lockproof-go.gitlab-ci.yml",
                ".gitlab/ci/lockproof-rust.gitlab-ci.yml",
            ],
        ),
    ] {
        let out = Command::new("check-jsonschema")
            .args(["--builtin-schema", schema])
            .args(&files)
            .current_dir(repo.path())
            .output()
            .expect("check-jsonschema");
        assert!(out.status.success(), "{schema}: {}", text(&out));
    }
}
