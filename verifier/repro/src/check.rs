//! The orchestration of one check: control, experiments, attribution, comparison, report.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::PathBuf;

use crate::attribute::{Probe, attribute};
use crate::compare::{MAX_COMPARE_BYTES, compare};
use crate::host::HostCapabilities;
use crate::plan::{BuildSpec, DEFAULT_SOURCE_DATE_EPOCH, NOISE_VARIABLE, Setup};
use crate::report::{
    ArtifactReport, BuildSummary, CauseReport, REPORT_SCHEMA_VERSION, Report, Verdict,
};
use crate::runner::{ArtifactPatterns, BuildOutput, Runner};
use crate::scan::{Evidence, EvidenceKind, Needle, scan};
use crate::suggest::{Cause, Toolchain, hints, suggestion};
use crate::variation::VariationSet;
use crate::{Error, compare};

/// The most experiment runs one check does (each is a full build).
pub const MAX_RUNS: u32 = 16;

/// Observer of build progress; the CLI draws a progress display with it. Library code never
/// prints.
pub trait Progress {
    /// A build is about to start (`index` counts from 1 over the whole check).
    fn build_started(&self, index: usize, label: &str, variations: &VariationSet);
    /// The build finished; `ok` is false if it failed.
    fn build_finished(&self, label: &str, ok: bool, seconds: f64);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn build_started(&self, _: usize, _: &str, _: &VariationSet) {}
    fn build_finished(&self, _: &str, _: bool, _: f64) {}
}

/// A configured check. Build it with [`Check::new`], adjust the public fields, then
/// [`Check::run`].
#[derive(Debug, Clone)]
pub struct Check {
    /// The source tree (copied, never modified).
    pub source: PathBuf,
    /// The build command, run in the tree's copy (`sh -c '…'` for shell syntax).
    pub command: Vec<String>,
    /// Artifact globs relative to the tree; empty means every file the build created.
    pub artifacts: Vec<String>,
    /// Number of experiment builds with all variations (1..=[`MAX_RUNS`]).
    pub runs: u32,
    /// Requested variations.
    pub vary: VariationSet,
    /// Keep trees, logs and artifacts in this directory instead of a temporary one.
    pub keep: Option<PathBuf>,
    /// The environment builds inherit (before pins and variations).
    pub base_env: Vec<(OsString, OsString)>,
    /// The control's `SOURCE_DATE_EPOCH` (default: the inherited one, else
    /// [`DEFAULT_SOURCE_DATE_EPOCH`]).
    pub source_date_epoch: Option<u64>,
    /// Whether to attribute a difference to variations (extra builds).
    pub attribute: bool,
    /// Host capabilities; probed when `None`.
    pub host: Option<HostCapabilities>,
    /// Write a diffoscope text report per differing artifact into this directory, if
    /// diffoscope is installed (optional: a note says when it is not).
    pub diffoscope: Option<PathBuf>,
    /// Kill and fail a build that runs longer than this.
    pub timeout: Option<std::time::Duration>,
}

impl Check {
    /// A check of `command` on `source` with every variation, one experiment, attribution on,
    /// inheriting this process's environment.
    #[must_use]
    pub fn new(source: PathBuf, command: Vec<String>) -> Self {
        Self {
            source,
            command,
            artifacts: Vec::new(),
            runs: 1,
            vary: VariationSet::all(),
            keep: None,
            base_env: std::env::vars_os().collect(),
            source_date_epoch: None,
            attribute: true,
            host: None,
            diffoscope: None,
            timeout: None,
        }
    }

    /// Runs the check.
    ///
    /// # Errors
    /// [`Error::BuildFailed`] if the control or an experiment build fails (with the stderr
    /// tail), [`Error::NoArtifacts`], [`Error::Config`] for an empty command or a bad run
    /// count, [`Error::BadPattern`], and I/O errors.
    pub fn run(&self, progress: &dyn Progress) -> Result<Report, Error> {
        if self.command.is_empty() {
            return Err(Error::Config(
                "no build command given (put it after --)".to_owned(),
            ));
        }
        if self.runs == 0 || self.runs > MAX_RUNS {
            return Err(Error::Config(format!(
                "--runs must be between 1 and {MAX_RUNS}"
            )));
        }
        let patterns = ArtifactPatterns::new(&self.artifacts)?;
        let temp;
        let work_dir = match &self.keep {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
                dir.canonicalize()
                    .map_err(|e| Error::io("resolve", dir, e))?
            }
            None => {
                temp = tempfile::Builder::new()
                    .prefix("lockproof-repro-")
                    .tempdir()
                    .map_err(|e| {
                        Error::io("create temporary directory", std::env::temp_dir(), e)
                    })?;
                temp.path().to_path_buf()
            }
        };
        let host = self.host.clone().unwrap_or_else(HostCapabilities::probe);
        let (applied, skipped) = host.applicable(&self.vary);
        let inherited_epoch = self
            .base_env
            .iter()
            .find(|(k, _)| k == "SOURCE_DATE_EPOCH")
            .and_then(|(_, v)| v.to_str()?.parse().ok());
        let setup = Setup {
            work_dir: work_dir.clone(),
            base_env: self.base_env.clone(),
            source_date_epoch: self
                .source_date_epoch
                .or(inherited_epoch)
                .unwrap_or(DEFAULT_SOURCE_DATE_EPOCH),
            applied: applied.clone(),
            locale: host.locale.clone(),
        };
        let runner = Runner {
            source: self.source.clone(),
            command: self.command.clone(),
            patterns,
            work_dir: work_dir.clone(),
            keep_trees: self.keep.is_some(),
            timeout: self.timeout,
        };
        let mut session = Session {
            runner: &runner,
            progress,
            builds: Vec::new(),
        };

        let control = session.build(&setup.plan("control", &VariationSet::none(), 0), None)?;
        let mut experiments = Vec::new();
        for run in 1..=self.runs {
            let spec = setup.plan(&format!("experiment-{run}"), &applied, run);
            match session.build(&spec, Some(&control)) {
                Ok(out) => experiments.push(out),
                Err(e @ (Error::BuildFailed { .. } | Error::NoArtifacts { .. }))
                    if self.attribute && !applied.is_empty() =>
                {
                    return Err(blame_failure(&mut session, &setup, &applied, &control, e));
                }
                Err(e) => return Err(e),
            }
        }
        let differing = experiments.iter().position(|e| !control.same_artifacts(e));
        let attribution = match differing {
            Some(_) if self.attribute && !applied.is_empty() => {
                let mut n = 0;
                Some(attribute(&applied, |set| {
                    n += 1;
                    session.probe(&setup.plan(&format!("attribution-{n}"), set, 1), &control)
                })?)
            }
            _ => None,
        };
        let mut artifacts = artifact_reports(&setup, &control, &experiments);
        let mut notes = Vec::new();
        if let Some(dir) = &self.diffoscope {
            notes.extend(run_diffoscope(dir, &control, &experiments, &mut artifacts)?);
        }
        let causes = causes(attribution.as_ref(), &artifacts);
        Ok(Report {
            schema: REPORT_SCHEMA_VERSION,
            verdict: if artifacts.iter().all(|a| a.reproducible) {
                Verdict::Reproducible
            } else {
                Verdict::Unreproducible
            },
            source: self.source.clone(),
            command: self.command.clone(),
            runs: self.runs,
            source_date_epoch: setup.source_date_epoch,
            applied,
            skipped,
            builds: session.builds,
            artifacts,
            attribution,
            causes,
            kept: self.keep.as_ref().map(|_| work_dir),
            notes,
        })
    }
}

/// The control built but an experiment failed: find the variations that break the build, so
/// the error names them (the build still counts as failed: exit 2, with the stderr tail).
fn blame_failure(
    session: &mut Session<'_>,
    setup: &Setup,
    applied: &VariationSet,
    control: &BuildOutput,
    failure: Error,
) -> Error {
    let mut n = 0;
    let attribution = attribute(applied, |set| {
        n += 1;
        Ok(
            match session.probe(&setup.plan(&format!("attribution-{n}"), set, 1), control)? {
                // Only failures matter here: a differing build is not what broke the experiment.
                Probe::Failed(why) => Probe::Failed(why),
                Probe::Same | Probe::Differs => Probe::Same,
            },
        )
    });
    match attribution {
        Ok(a) if !a.failing.is_empty() => Error::VariationBreaksBuild {
            variations: a
                .failing
                .iter()
                .map(|(v, _)| v.name())
                .collect::<Vec<_>>()
                .join(","),
            source: Box::new(failure),
        },
        _ => failure,
    }
}

struct Session<'a> {
    runner: &'a Runner,
    progress: &'a dyn Progress,
    builds: Vec<BuildSummary>,
}

impl Session<'_> {
    fn build(
        &mut self,
        spec: &BuildSpec,
        control: Option<&BuildOutput>,
    ) -> Result<BuildOutput, Error> {
        self.progress
            .build_started(self.builds.len() + 1, &spec.label, &spec.variations);
        let started = std::time::Instant::now();
        let result = self.runner.run(spec);
        let seconds = started.elapsed().as_secs_f64();
        self.progress
            .build_finished(&spec.label, result.is_ok(), seconds);
        let (build_seconds, overhead_seconds, matches_control, failure) = match &result {
            Ok(out) => (
                out.build_time.as_secs_f64(),
                out.overhead_time.as_secs_f64(),
                control.map(|c| c.same_artifacts(out)),
                None,
            ),
            Err(e) => (seconds, 0.0, None, Some(e.to_string())),
        };
        self.builds.push(BuildSummary {
            label: spec.label.clone(),
            variations: spec.variations.clone(),
            tree: spec.tree.clone(),
            build_seconds,
            overhead_seconds,
            matches_control,
            failure,
        });
        result
    }

    fn probe(&mut self, spec: &BuildSpec, control: &BuildOutput) -> Result<Probe, Error> {
        match self.build(spec, Some(control)) {
            Ok(out) if control.same_artifacts(&out) => Ok(Probe::Same),
            Ok(_) => Ok(Probe::Differs),
            Err(
                e @ (Error::BuildFailed { .. } | Error::NoArtifacts { .. } | Error::Spawn { .. }),
            ) => Ok(Probe::Failed(e.to_string())),
            Err(e) => Err(e),
        }
    }
}

fn env_value(spec: &BuildSpec, key: &str) -> Option<String> {
    spec.env
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.to_string_lossy().into_owned())
}

/// The values the control and an experiment were given, to look for in artifacts.
fn needles(control: &BuildSpec, exp: &BuildSpec, setup: &Setup) -> Vec<Needle> {
    let extra_path = |s: &BuildSpec| {
        let base = setup
            .base_env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.to_string_lossy().into_owned());
        env_value(s, "PATH")
            .and_then(|p| {
                Some(
                    p.strip_prefix(base.as_deref()?)?
                        .trim_start_matches(':')
                        .to_owned(),
                )
            })
            .filter(|p| !p.is_empty())
    };
    vec![
        Needle {
            kind: EvidenceKind::BuildPath,
            control: Some(control.tree.display().to_string()),
            experiment: Some(exp.tree.display().to_string()),
        },
        Needle {
            kind: EvidenceKind::Home,
            control: Some(control.home.display().to_string()),
            experiment: Some(exp.home.display().to_string()),
        },
        Needle {
            kind: EvidenceKind::Timezone,
            control: env_value(control, "TZ"),
            experiment: env_value(exp, "TZ"),
        },
        Needle {
            kind: EvidenceKind::Locale,
            control: env_value(control, "LANG"),
            experiment: env_value(exp, "LANG"),
        },
        Needle {
            kind: EvidenceKind::Environment,
            control: env_value(control, NOISE_VARIABLE),
            experiment: env_value(exp, NOISE_VARIABLE),
        },
        Needle {
            kind: EvidenceKind::ExecPath,
            control: extra_path(control),
            experiment: extra_path(exp),
        },
    ]
}

fn read_capped(path: &std::path::Path) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > MAX_COMPARE_BYTES as u64 {
        return None;
    }
    std::fs::read(path).ok()
}

fn artifact_reports(
    setup: &Setup,
    control: &BuildOutput,
    experiments: &[BuildOutput],
) -> Vec<ArtifactReport> {
    let names: BTreeSet<&String> = control
        .artifacts
        .keys()
        .chain(experiments.iter().flat_map(|e| e.artifacts.keys()))
        .collect();
    let mut reports: Vec<ArtifactReport> = names
        .into_iter()
        .map(|name| {
            let c = control.artifacts.get(name);
            let exps: Vec<_> = experiments
                .iter()
                .map(|e| e.artifacts.get(name).cloned())
                .collect();
            let reproducible = c.is_some()
                && exps
                    .iter()
                    .all(|e| e.as_ref().map(|e| e.sha256) == c.map(|c| c.sha256));
            let mut report = ArtifactReport {
                name: name.clone(),
                control: c.cloned(),
                experiments: exps.clone(),
                reproducible,
                toolchain: Toolchain::Unknown,
                compared_run: None,
                differences: Vec::new(),
                evidence: Vec::new(),
                hints: Vec::new(),
                diffoscope: None,
            };
            let control_bytes = c.and_then(|c| read_capped(&c.stored));
            if let Some(bytes) = &control_bytes {
                report.toolchain = Toolchain::detect(bytes);
            }
            if reproducible {
                return report;
            }
            let Some(run) = exps
                .iter()
                .position(|e| e.as_ref().map(|e| e.sha256) != c.map(|c| c.sha256))
            else {
                return report;
            };
            report.compared_run = Some(run as u32 + 1);
            let exp_bytes = exps[run].as_ref().and_then(|e| read_capped(&e.stored));
            if let (Some(a), Some(b)) = (&control_bytes, &exp_bytes) {
                report.differences = compare(a, b);
                let needles = needles(&control.spec, &experiments[run].spec, setup);
                report.evidence = scan(a, b, &needles);
                if let (Some(pa), Some(pb)) =
                    (compare::gunzip_payload(a), compare::gunzip_payload(b))
                {
                    report.evidence.extend(scan(&pa, &pb, &needles));
                }
                report.hints = hints(&report.differences);
            }
            report
        })
        .collect();
    reports.sort_by_key(|r| {
        (
            r.reproducible,
            r.differences.first().map(|d| d.rank),
            r.name.clone(),
        )
    });
    reports
}

/// Causes: from attribution when a rebuild proved them, otherwise from the evidence.
fn causes(
    attribution: Option<&crate::Attribution>,
    artifacts: &[ArtifactReport],
) -> Vec<CauseReport> {
    let toolchain = artifacts
        .iter()
        .find(|a| !a.reproducible)
        .map_or(Toolchain::Unknown, |a| a.toolchain);
    let mut by_cause: BTreeMap<Cause, (VariationSet, &'static str)> = BTreeMap::new();
    if let Some(a) = attribution {
        if a.nondeterministic {
            by_cause.insert(Cause::Nondeterminism, (VariationSet::none(), "attribution"));
        }
        for v in a.causes().iter().chain(a.failing.iter().map(|(v, _)| *v)) {
            by_cause
                .entry(Cause::of(v))
                .or_insert_with(|| (VariationSet::none(), "attribution"))
                .0
                .insert(v);
        }
    }
    if by_cause.is_empty() {
        for e in artifacts.iter().flat_map(|a| &a.evidence) {
            if let Some(cause) = evidence_cause(e) {
                by_cause
                    .entry(cause)
                    .or_insert_with(|| (VariationSet::none(), "evidence"));
            }
        }
    }
    by_cause
        .into_iter()
        .map(|(cause, (variations, basis))| CauseReport {
            suggestion: suggestion(cause, &variations, toolchain),
            cause,
            variations,
            basis,
        })
        .collect()
}

fn evidence_cause(e: &Evidence) -> Option<Cause> {
    Some(match e.kind {
        EvidenceKind::BuildPath
            if e.experiment_count != e.control_count || e.experiment.is_some() =>
        {
            Cause::BuildPath
        }
        EvidenceKind::Home => Cause::HomePath,
        EvidenceKind::Timezone => Cause::Timezone,
        EvidenceKind::Locale => Cause::Locale,
        EvidenceKind::Environment => Cause::Environment,
        EvidenceKind::ExecPath => Cause::ExecPath,
        EvidenceKind::Timestamp => Cause::Time,
        EvidenceKind::BuildPath => return None,
    })
}

/// Runs diffoscope on each differing artifact; returns notes (diffoscope missing or failing).
fn run_diffoscope(
    dir: &std::path::Path,
    control: &BuildOutput,
    experiments: &[BuildOutput],
    artifacts: &mut [ArtifactReport],
) -> Result<Vec<String>, Error> {
    let installed = std::process::Command::new("sh")
        .args(["-c", "command -v diffoscope"])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        return Ok(vec![
            "--diffoscope: diffoscope is not installed; no report written".to_owned(),
        ]);
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
    let mut notes = Vec::new();
    for a in artifacts.iter_mut().filter(|a| !a.reproducible) {
        let (Some(run), Some(c)) = (a.compared_run, control.artifacts.get(&a.name)) else {
            continue;
        };
        let Some(e) = experiments
            .get(run as usize - 1)
            .and_then(|e| e.artifacts.get(&a.name))
        else {
            continue;
        };
        let out = dir.join(format!("{}.diffoscope.txt", a.name.replace('/', "_")));
        let status = std::process::Command::new("diffoscope")
            .arg("--text")
            .arg(&out)
            .arg(&c.stored)
            .arg(&e.stored)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|err| Error::io("run diffoscope on", &c.stored, err))?;
        // diffoscope exits 1 when the files differ, which is expected here.
        if matches!(status.code(), Some(0 | 1)) {
            a.diffoscope = Some(out);
        } else {
            notes.push(format!("diffoscope failed on {} ({status})", a.name));
        }
    }
    Ok(notes)
}
