//! Running one planned build: fresh copy of the source, the wrapped command with a clean
//! environment, artifact collection and hashing. Artifacts are moved out of the tree into the
//! work directory so the next build can reuse the path.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use globset::{GlobSet, GlobSetBuilder};

use crate::Error;
use crate::copy::{EXCLUDED_DIRS, copy_tree};
use crate::digest::{Sha256Digest, sha256_file};
use crate::plan::BuildSpec;

/// How much of a failed build's stderr is reported: the last lines within this many bytes.
pub const STDERR_TAIL_BYTES: u64 = 4096;
/// At most this many lines of a failed build's stderr are reported.
pub const STDERR_TAIL_LINES: usize = 25;

/// Artifact patterns: globs relative to the tree root (`target/release/hello`, `dist/*.tar.gz`).
/// With no pattern, every regular file the build created is an artifact.
#[derive(Debug, Clone)]
pub struct ArtifactPatterns {
    patterns: Vec<String>,
    set: GlobSet,
}

impl ArtifactPatterns {
    /// Compiles the globs (`*` does not cross `/`; `**` does).
    ///
    /// # Errors
    /// [`Error::BadPattern`] naming the malformed glob.
    pub fn new(patterns: &[String]) -> Result<Self, Error> {
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            let glob = globset::GlobBuilder::new(p.trim_start_matches("./"))
                .literal_separator(true)
                .build()
                .map_err(|e| Error::BadPattern {
                    pattern: p.clone(),
                    reason: e.to_string(),
                })?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| Error::BadPattern {
            pattern: patterns.join(" "),
            reason: e.to_string(),
        })?;
        Ok(Self {
            patterns: patterns.to_vec(),
            set,
        })
    }

    /// The globs as given.
    #[must_use]
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// One collected artifact.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Artifact {
    /// SHA-256 of its bytes.
    pub sha256: Sha256Digest,
    /// Its size in bytes.
    pub size: u64,
    /// Where it was stored after the build.
    #[serde(skip)]
    pub stored: PathBuf,
}

/// A finished, successful build.
#[derive(Debug, Clone)]
pub struct BuildOutput {
    /// The plan it ran.
    pub spec: BuildSpec,
    /// Artifacts by path relative to the tree root (`/`-separated).
    pub artifacts: BTreeMap<String, Artifact>,
    /// Wall time of the build command alone.
    pub build_time: Duration,
    /// Wall time of copying, collecting and hashing.
    pub overhead_time: Duration,
}

impl BuildOutput {
    /// Whether both builds produced the same artifact names with the same digests.
    #[must_use]
    pub fn same_artifacts(&self, other: &BuildOutput) -> bool {
        self.artifacts.len() == other.artifacts.len()
            && self
                .artifacts
                .iter()
                .zip(&other.artifacts)
                .all(|((a, x), (b, y))| a == b && x.sha256 == y.sha256)
    }
}

/// Runs builds for one check.
#[derive(Debug)]
pub struct Runner {
    /// The source tree to copy.
    pub source: PathBuf,
    /// The build command (argv).
    pub command: Vec<String>,
    /// Which files are artifacts.
    pub patterns: ArtifactPatterns,
    /// The work directory (trees, homes, logs, artifacts).
    pub work_dir: PathBuf,
    /// Keep each build tree under `<work>/trees/<label>` instead of deleting it.
    pub keep_trees: bool,
    /// Kill a build (its whole process group) that runs longer than this.
    pub timeout: Option<Duration>,
}

impl Runner {
    /// Runs one build as planned.
    ///
    /// # Errors
    /// [`Error::Spawn`] / [`Error::BuildFailed`] (with the stderr tail) when the command cannot
    /// start or fails; [`Error::NoArtifacts`]; [`Error::Io`] for file system failures.
    pub fn run(&self, spec: &BuildSpec) -> Result<BuildOutput, Error> {
        let started = Instant::now();
        remove_if_exists(&spec.tree)?;
        // With file-ordering, the copy sits beside the tree and disorderfs mounts it at the
        // tree's own path, so the build path is the same as without the variation.
        let lower = lower_dir(&spec.tree);
        remove_if_exists(&lower)?;
        let copy_dest = if spec.shuffle_dirents {
            &lower
        } else {
            &spec.tree
        };
        let copied = copy_tree(&self.source, copy_dest)?;
        fs::create_dir_all(&spec.home).map_err(|e| Error::io("create directory", &spec.home, e))?;
        let logs = self.work_dir.join("logs");
        fs::create_dir_all(&logs).map_err(|e| Error::io("create directory", &logs, e))?;
        let mount = if spec.shuffle_dirents {
            Some(DisorderMount::mount(&lower, &spec.tree)?)
        } else {
            None
        };
        let build_dir = spec.tree.clone();

        let copy_time = started.elapsed();
        let build_started = Instant::now();
        let status = self.execute(spec, &build_dir, &logs);
        let build_time = build_started.elapsed();
        let collect_started = Instant::now();
        let collected = status.and_then(|()| self.collect(spec, &build_dir, &copied));
        if let Some(m) = mount {
            m.unmount()?;
            fs::remove_dir(&spec.tree).map_err(|e| Error::io("remove", &spec.tree, e))?;
            fs::rename(&lower, &spec.tree).map_err(|e| Error::io("rename", &lower, e))?;
        }
        let artifacts = collected?;
        self.dispose_tree(spec)?;
        Ok(BuildOutput {
            spec: spec.clone(),
            artifacts,
            build_time,
            overhead_time: copy_time + collect_started.elapsed(),
        })
    }

    fn execute(&self, spec: &BuildSpec, dir: &Path, logs: &Path) -> Result<(), Error> {
        let out_path = logs.join(format!("{}.stdout", spec.label));
        let err_path = logs.join(format!("{}.stderr", spec.label));
        let out = fs::File::create(&out_path).map_err(|e| Error::io("create", &out_path, e))?;
        let err = fs::File::create(&err_path).map_err(|e| Error::io("create", &err_path, e))?;
        let argv: Vec<&String> = spec.wrapper.iter().chain(&self.command).collect();
        let Some((program, args)) = argv.split_first() else {
            return Err(Error::Config("empty build command".to_owned()));
        };
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .env("PWD", dir)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        if self.timeout.is_some() {
            // Its own process group, so a timeout kills the whole build, not just its shell.
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
        }
        let spawn_error = |source| Error::Spawn {
            label: spec.label.clone(),
            program: (*program).clone(),
            source,
        };
        let mut child = command.spawn().map_err(spawn_error)?;
        let status = match self.timeout {
            None => child.wait().map_err(spawn_error)?,
            Some(limit) => match wait_with_timeout(&mut child, limit).map_err(spawn_error)? {
                Some(status) => status,
                None => {
                    return Err(Error::BuildFailed {
                        label: spec.label.clone(),
                        status: format!(
                            "timed out after {:.1}s and was killed",
                            limit.as_secs_f64()
                        ),
                        stderr_tail: tail(&err_path)?,
                    });
                }
            },
        };
        if status.success() {
            return Ok(());
        }
        Err(Error::BuildFailed {
            label: spec.label.clone(),
            status: status.to_string(),
            stderr_tail: tail(&err_path)?,
        })
    }

    fn collect(
        &self,
        spec: &BuildSpec,
        dir: &Path,
        copied: &BTreeSet<PathBuf>,
    ) -> Result<BTreeMap<String, Artifact>, Error> {
        let store = self.work_dir.join("artifacts").join(&spec.label);
        remove_if_exists(&store)?;
        let mut found = BTreeMap::new();
        for entry in walk_files(dir)? {
            let Ok(rel) = entry.strip_prefix(dir) else {
                continue;
            };
            let selected = if self.patterns.patterns.is_empty() {
                !copied.contains(rel)
                    && !rel
                        .components()
                        .any(|c| EXCLUDED_DIRS.iter().any(|d| c.as_os_str() == *d))
            } else {
                self.patterns.set.is_match(rel)
            };
            if !selected {
                continue;
            }
            let (sha256, size) = sha256_file(&entry)?;
            let stored = store.join(rel);
            if let Some(parent) = stored.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io("create directory", parent, e))?;
            }
            // Moving is free on one file system; a disorderfs mount, or a tree that is kept
            // whole, needs the copy.
            if self.keep_trees || fs::rename(&entry, &stored).is_err() {
                fs::copy(&entry, &stored).map_err(|e| Error::io("store artifact", &entry, e))?;
            }
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            found.insert(
                name,
                Artifact {
                    sha256,
                    size,
                    stored,
                },
            );
        }
        if found.is_empty() {
            return Err(Error::NoArtifacts {
                label: spec.label.clone(),
                patterns: self.patterns.patterns.clone(),
            });
        }
        Ok(found)
    }

    fn dispose_tree(&self, spec: &BuildSpec) -> Result<(), Error> {
        if self.keep_trees {
            let kept = self.work_dir.join("trees").join(&spec.label);
            remove_if_exists(&kept)?;
            if let Some(parent) = kept.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io("create directory", parent, e))?;
            }
            fs::rename(&spec.tree, &kept).map_err(|e| Error::io("keep tree", &spec.tree, e))
        } else {
            remove_if_exists(&spec.tree)
        }
    }
}

/// Waits for `child` at most `limit`; on timeout kills its process group and returns `None`.
fn wait_with_timeout(
    child: &mut std::process::Child,
    limit: Duration,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    const POLL: Duration = Duration::from_millis(50);
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let group = format!("-{}", child.id());
            let killed = Command::new("kill")
                .args(["-KILL", "--", &group])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !killed {
                child.kill()?;
            }
            child.wait()?;
            return Ok(None);
        }
        std::thread::sleep(POLL);
    }
}

/// Every regular file under `dir`, no filters (build outputs are often git-ignored).
fn walk_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
    {
        let entry =
            entry.map_err(|e| Error::io("walk", dir, std::io::Error::other(e.to_string())))?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            out.push(entry.into_path());
        }
    }
    out.sort();
    Ok(out)
}

fn remove_if_exists(path: &Path) -> Result<(), Error> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path).map_err(|e| Error::io("remove", path, e)),
        Ok(_) => fs::remove_file(path).map_err(|e| Error::io("remove", path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("stat", path, e)),
    }
}

/// The last [`STDERR_TAIL_LINES`] lines of a log, read from at most its last
/// [`STDERR_TAIL_BYTES`] bytes.
fn tail(path: &Path) -> Result<String, Error> {
    let mut file = fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io("stat", path, e))?
        .len();
    let start = len.saturating_sub(STDERR_TAIL_BYTES);
    file.seek(SeekFrom::Start(start))
        .map_err(|e| Error::io("seek", path, e))?;
    let mut buf = Vec::new();
    file.read_to_end(&mut buf)
        .map_err(|e| Error::io("read", path, e))?;
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(STDERR_TAIL_LINES);
    Ok(lines[skip..].join("\n"))
}

/// A `disorderfs --shuffle-dirents=yes` mount over a build tree.
struct DisorderMount {
    mountpoint: PathBuf,
}

impl DisorderMount {
    /// Mounts `lower` at `mountpoint` with shuffled directory entries.
    fn mount(lower: &Path, mountpoint: &Path) -> Result<Self, Error> {
        fs::create_dir_all(mountpoint).map_err(|e| Error::io("create directory", mountpoint, e))?;
        let status = Command::new("disorderfs")
            .args(["--shuffle-dirents=yes", "--multi-user=no", "-q"])
            .arg(lower)
            .arg(mountpoint)
            .stdin(Stdio::null())
            .status()
            .map_err(|e| Error::io("run disorderfs on", lower, e))?;
        if !status.success() {
            return Err(Error::io(
                "mount disorderfs on",
                mountpoint,
                std::io::Error::other(status.to_string()),
            ));
        }
        Ok(Self {
            mountpoint: mountpoint.to_path_buf(),
        })
    }

    fn unmount(self) -> Result<(), Error> {
        let ok = Command::new("fusermount")
            .arg("-u")
            .arg(&self.mountpoint)
            .status()
            .is_ok_and(|s| s.success())
            || Command::new("fusermount3")
                .arg("-u")
                .arg(&self.mountpoint)
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            return Err(Error::io(
                "unmount",
                &self.mountpoint,
                std::io::Error::other("fusermount -u failed"),
            ));
        }
        Ok(())
    }
}

/// Where the copy lives while disorderfs shows it at `tree`.
fn lower_dir(tree: &Path) -> PathBuf {
    let mut name = tree.as_os_str().to_owned();
    name.push(".disorderfs-lower");
    PathBuf::from(name)
}
