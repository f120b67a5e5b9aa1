//! `lockproof ci init`: write CI pipelines whose stages are verify, vet, test and race.
//!
//! The templates live in `ci-templates/` and are embedded in the binary with `include_str!`, so
//! the files the linters and the act runs check are byte for byte the files users get.
//!
//! Layout written:
//! - GitHub: one workflow per language, `.github/workflows/lockproof-<lang>.yml`.
//! - GitLab, one language: `.gitlab-ci.yml` is the template.
//! - GitLab, several languages: `.gitlab/ci/lockproof-<lang>.gitlab-ci.yml` per language and a
//!   `.gitlab-ci.yml` that includes them. The templates share their `workflow`, `stages` and
//!   `lockproof-verify` definitions verbatim, so GitLab's include merge is well defined.
//!
//! Nothing is written unless every target is free (or `--force`), and each file is written
//! through a temporary file, fsync and rename, so a run never leaves a half-written pipeline.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::Outcome;

/// The `lockproof ci` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum CiCommand {
    /// Detect the repository's languages and write the matching templates.
    Init(InitArgs),
}

/// Arguments of `lockproof ci init`.
#[derive(Debug, clap::Args)]
pub(crate) struct InitArgs {
    /// Language to write a pipeline for (repeatable). Default: detected from the files at the
    /// repository root (go.mod, Cargo.toml, package.json, pyproject.toml / requirements.txt / …).
    #[arg(long = "lang", value_enum, value_name = "LANG")]
    langs: Vec<Lang>,
    /// CI system to write for.
    #[arg(long, value_enum, default_value_t = System::Github)]
    system: System,
    /// Repository root.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Overwrite files that already exist.
    #[arg(long)]
    force: bool,
}

/// A language with a CI template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub(crate) enum Lang {
    /// Go modules.
    Go,
    /// Rust (cargo).
    Rust,
    /// Node (npm).
    Node,
    /// Python (pip / pyproject).
    Python,
}

/// A CI system with templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum System {
    /// GitHub Actions workflows.
    Github,
    /// GitLab CI/CD.
    Gitlab,
}

impl Lang {
    /// Every language, in the order pipelines are written.
    const ALL: [Lang; 4] = [Lang::Go, Lang::Rust, Lang::Node, Lang::Python];

    fn name(self) -> &'static str {
        match self {
            Lang::Go => "go",
            Lang::Rust => "rust",
            Lang::Node => "node",
            Lang::Python => "python",
        }
    }

    /// Files at the repository root whose presence means the language is used.
    fn markers(self) -> &'static [&'static str] {
        match self {
            Lang::Go => &["go.mod"],
            Lang::Rust => &["Cargo.toml"],
            Lang::Node => &["package.json"],
            Lang::Python => &[
                "pyproject.toml",
                "setup.py",
                "setup.cfg",
                "requirements.txt",
                "Pipfile",
                "uv.lock",
                "poetry.lock",
            ],
        }
    }

    /// The embedded template for `system`.
    fn template(self, system: System) -> &'static str {
        match (system, self) {
            (System::Github, Lang::Go) => include_str!("../../../ci-templates/github/go.yml"),
            (System::Github, Lang::Rust) => include_str!("../../../ci-templates/github/rust.yml"),
            (System::Github, Lang::Node) => include_str!("../../../ci-templates/github/node.yml"),
            (System::Github, Lang::Python) => {
                include_str!("../../../ci-templates/github/python.yml")
            }
            (System::Gitlab, Lang::Go) => {
                include_str!("../../../ci-templates/gitlab/go.gitlab-ci.yml")
            }
            (System::Gitlab, Lang::Rust) => {
                include_str!("../../../ci-templates/gitlab/rust.gitlab-ci.yml")
            }
            (System::Gitlab, Lang::Node) => {
                include_str!("../../../ci-templates/gitlab/node.gitlab-ci.yml")
            }
            (System::Gitlab, Lang::Python) => {
                include_str!("../../../ci-templates/gitlab/python.gitlab-ci.yml")
            }
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One file `ci init` will write: a path relative to the repository root and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlannedFile {
    path: PathBuf,
    content: String,
}

/// Run a `lockproof ci` subcommand.
///
/// # Errors
/// No language detected or given, a target file that exists without `--force`, or an I/O error
/// (each naming the path); the CLI maps these to exit 2.
pub(crate) fn run(cmd: CiCommand) -> anyhow::Result<Outcome> {
    match cmd {
        CiCommand::Init(args) => init(&args),
    }
}

fn init(args: &InitArgs) -> anyhow::Result<Outcome> {
    if !args.dir.is_dir() {
        bail!("{} is not a directory", args.dir.display());
    }
    let mut langs = if args.langs.is_empty() {
        detect(&args.dir)?
    } else {
        args.langs.clone()
    };
    langs.sort();
    langs.dedup();
    if langs.is_empty() {
        bail!(
            "no Go, Rust, Node or Python project found at the root of {} (looked for go.mod, \
             Cargo.toml, package.json, pyproject.toml, requirements.txt, …); pass --lang",
            args.dir.display()
        );
    }
    let plan = plan(&langs, args.system);
    let existing: Vec<String> = plan
        .iter()
        .filter(|f| args.dir.join(&f.path).exists())
        .map(|f| f.path.display().to_string())
        .collect();
    if !existing.is_empty() && !args.force {
        bail!(
            "refusing to overwrite {} (pass --force to replace)",
            existing.join(", ")
        );
    }
    for file in &plan {
        write_atomically(&args.dir.join(&file.path), file.content.as_bytes())?;
        println!("wrote {}", file.path.display());
    }
    let names: Vec<&str> = langs.iter().map(|l| l.name()).collect();
    println!(
        "lockproof ci init: {} pipeline(s) for {} with stages verify, vet, test, race. \
         Set the CI variable LOCKPROOF_LOG to \"<verifier key> <log URL>\" to verify against your log.",
        match args.system {
            System::Github => "GitHub Actions",
            System::Gitlab => "GitLab CI",
        },
        names.join(", ")
    );
    Ok(Outcome::Passed)
}

/// The languages whose marker files are at the root of `dir`, in [`Lang::ALL`] order.
fn detect(dir: &Path) -> anyhow::Result<Vec<Lang>> {
    let mut found = Vec::new();
    for lang in Lang::ALL {
        for marker in lang.markers() {
            let path = dir.join(marker);
            let present = path
                .try_exists()
                .with_context(|| format!("cannot check for {}", path.display()))?;
            if present {
                found.push(lang);
                break;
            }
        }
    }
    Ok(found)
}

/// The files to write for `langs` (sorted, deduplicated, non-empty) on `system`.
fn plan(langs: &[Lang], system: System) -> Vec<PlannedFile> {
    match (system, langs) {
        (System::Github, _) => langs
            .iter()
            .map(|l| PlannedFile {
                path: Path::new(".github/workflows").join(format!("lockproof-{l}.yml")),
                content: l.template(system).to_owned(),
            })
            .collect(),
        (System::Gitlab, [only]) => vec![PlannedFile {
            path: PathBuf::from(".gitlab-ci.yml"),
            content: only.template(system).to_owned(),
        }],
        (System::Gitlab, _) => {
            let mut files: Vec<PlannedFile> = langs
                .iter()
                .map(|l| PlannedFile {
                    path: Path::new(".gitlab/ci").join(format!("lockproof-{l}.gitlab-ci.yml")),
                    content: l.template(system).to_owned(),
                })
                .collect();
            let mut root = String::from(
                "# Written by `lockproof ci init`: one lockproof pipeline per language, stages\n\
                 # verify, vet, test and race. The included files share their verify job.\n\
                 include:\n",
            );
            for f in &files {
                root.push_str(&format!("  - local: /{}\n", f.path.display()));
            }
            files.push(PlannedFile {
                path: PathBuf::from(".gitlab-ci.yml"),
                content: root,
            });
            files
        }
    }
}

/// Write `bytes` to `path` through a temporary file in the same directory, fsync and rename,
/// then fsync the directory, so that `path` holds either its old content or all of the new.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.lockproof-tmp"));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // Directory fsync makes the rename durable; not every platform can open a directory.
        if let Ok(d) = fs::File::open(dir) {
            d.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The part of a GitLab template shared by all of them: everything above its stage marker.
    fn gitlab_shared_part(lang: Lang) -> &'static str {
        let t = lang.template(System::Gitlab);
        let marker = format!("# --- {} stages ---", lang.name());
        let start = t.find("\nworkflow:").expect("template has a workflow");
        let end = t.find(&marker).expect("template has its stage marker");
        &t[start..end]
    }

    #[test]
    fn gitlab_templates_share_workflow_stages_and_verify_job_verbatim() {
        let first = gitlab_shared_part(Lang::Go);
        assert!(first.contains("lockproof-verify:"));
        for lang in Lang::ALL {
            assert_eq!(gitlab_shared_part(lang), first, "{lang} differs");
        }
    }

    #[test]
    fn every_template_starts_with_the_verify_stage() {
        for lang in Lang::ALL {
            let gh = lang.template(System::Github);
            let first_job = gh.split("\njobs:\n").nth(1).expect("jobs").lines().next();
            assert_eq!(first_job, Some("  verify:"), "{lang} github");
            for stage in ["vet", "test", "race"] {
                assert!(
                    gh.contains(&format!("\n  {stage}:\n")),
                    "{lang} github lacks {stage}"
                );
                let gl = lang.template(System::Gitlab);
                assert!(
                    gl.contains(&format!("\n{lang}-{stage}:\n")),
                    "{lang} gitlab lacks {stage}"
                );
            }
        }
    }

    #[test]
    fn github_templates_and_action_pin_the_same_action_commit() {
        let pin = |t: &str| {
            t.lines()
                .find_map(|l| l.trim().strip_prefix("- uses: lockproof/lockproof@"))
                .map(|rest| {
                    rest.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                })
        };
        let go = pin(Lang::Go.template(System::Github)).expect("go pins the action");
        assert_eq!(go.len(), 40);
        assert!(go.bytes().all(|b| b.is_ascii_hexdigit()));
        for lang in Lang::ALL {
            assert_eq!(
                pin(lang.template(System::Github)).as_deref(),
                Some(go.as_str())
            );
            assert!(
                lang.template(System::Gitlab)
                    .contains(&format!("LOCKPROOF_REV: {go}\n"))
            );
        }
    }

    #[test]
    fn detects_languages_from_root_markers_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(detect(dir.path()).expect("detect"), Vec::<Lang>::new());
        fs::write(dir.path().join("go.mod"), "module x\n").expect("write");
        fs::write(dir.path().join("requirements.txt"), "").expect("write");
        fs::create_dir(dir.path().join("sub")).expect("mkdir");
        fs::write(dir.path().join("sub/Cargo.toml"), "").expect("write");
        assert_eq!(
            detect(dir.path()).expect("detect"),
            vec![Lang::Go, Lang::Python]
        );
    }

    #[test]
    fn gitlab_plan_for_several_languages_includes_one_file_each() {
        let plan = plan(&[Lang::Go, Lang::Rust], System::Gitlab);
        let paths: Vec<String> = plan.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                ".gitlab/ci/lockproof-go.gitlab-ci.yml",
                ".gitlab/ci/lockproof-rust.gitlab-ci.yml",
                ".gitlab-ci.yml"
            ]
        );
        let root = &plan[2].content;
        assert!(root.contains("  - local: /.gitlab/ci/lockproof-go.gitlab-ci.yml\n"));
        assert!(root.contains("  - local: /.gitlab/ci/lockproof-rust.gitlab-ci.yml\n"));
    }

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b.yml");
        write_atomically(&path, b"one").expect("write");
        write_atomically(&path, b"two").expect("rewrite");
        assert_eq!(fs::read_to_string(&path).expect("read"), "two");
        let names: Vec<_> = fs::read_dir(dir.path().join("a")).expect("ls").collect();
        assert_eq!(names.len(), 1);
    }
}
