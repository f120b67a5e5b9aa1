//! The report model: one structure behind the human and JSON outputs (schema documented in
//! `docs/repro-json.md`).

use std::path::PathBuf;

use crate::attribute::Attribution;
use crate::compare::Difference;
use crate::runner::Artifact;
use crate::scan::Evidence;
use crate::suggest::{Cause, Toolchain};
use crate::variation::{Skipped, VariationSet};

/// The JSON schema version of [`Report`]; bumped on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every experiment build produced the control's artifacts, bit for bit.
    Reproducible,
    /// At least one artifact differs.
    Unreproducible,
}

/// One build that ran.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuildSummary {
    /// `control`, `experiment-1`, `attribution-3`, …
    pub label: String,
    /// The variations it applied.
    pub variations: VariationSet,
    /// Where it ran.
    pub tree: PathBuf,
    /// Wall time of the build command.
    pub build_seconds: f64,
    /// Wall time of copying the tree, collecting and hashing artifacts.
    pub overhead_seconds: f64,
    /// Whether its artifacts equal the control's (`None` for the control, or if it failed).
    pub matches_control: Option<bool>,
    /// The failure, for an attribution build that failed.
    pub failure: Option<String>,
}

/// The findings for one artifact name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArtifactReport {
    /// The artifact's path relative to the tree root.
    pub name: String,
    /// The control build's artifact (`None` if the control did not produce it).
    pub control: Option<Artifact>,
    /// Each experiment run's artifact, in run order.
    pub experiments: Vec<Option<Artifact>>,
    /// Whether every experiment matches the control.
    pub reproducible: bool,
    /// The toolchain guessed from the control's bytes.
    pub toolchain: Toolchain,
    /// The run the differences below were computed against (1-based).
    pub compared_run: Option<u32>,
    /// Located differences, causes first.
    pub differences: Vec<Difference>,
    /// Injected values and timestamps found in the two versions.
    pub evidence: Vec<Evidence>,
    /// Fixes that follow from the differences themselves (archive metadata).
    pub hints: Vec<String>,
    /// The diffoscope report written for this artifact (`--diffoscope`).
    pub diffoscope: Option<PathBuf>,
}

/// One cause, with the variations that showed it and the fix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CauseReport {
    /// The cause.
    pub cause: Cause,
    /// The variations attributed to it (empty when inferred from evidence only).
    pub variations: VariationSet,
    /// `attribution` (a rebuild proved it) or `evidence` (the scan suggests it).
    pub basis: &'static str,
    /// A concrete fix.
    pub suggestion: String,
}

/// The complete result of a check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema: u32,
    /// The verdict.
    pub verdict: Verdict,
    /// The source tree that was copied.
    pub source: PathBuf,
    /// The build command.
    pub command: Vec<String>,
    /// Number of experiment runs.
    pub runs: u32,
    /// The control's `SOURCE_DATE_EPOCH`.
    pub source_date_epoch: u64,
    /// Variations applied in the experiments.
    pub applied: VariationSet,
    /// Variations requested but not applicable here, with reasons.
    pub skipped: Vec<Skipped>,
    /// Every build that ran, in order.
    pub builds: Vec<BuildSummary>,
    /// Per-artifact findings: differing artifacts first, in cause order.
    pub artifacts: Vec<ArtifactReport>,
    /// Which variations cause the difference (absent when reproducible or disabled).
    pub attribution: Option<Attribution>,
    /// Causes and fixes, most certain first.
    pub causes: Vec<CauseReport>,
    /// The kept work directory (`--keep`), holding trees, logs and artifacts.
    pub kept: Option<PathBuf>,
    /// Remarks that are neither findings nor errors (an optional tool that is missing, …).
    pub notes: Vec<String>,
}
