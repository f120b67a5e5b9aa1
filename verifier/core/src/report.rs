//! The one report model every output format renders.
//!
//! A [`Report`] is built by the verifier (or by offline bundle verification) and handed to a
//! renderer in [`crate::render`]. Its JSON form is a public, versioned contract documented in
//! `docs/verify-json.md` (schema `docs/verify-json.schema.json`); bump [`SCHEMA_VERSION`] on any
//! incompatible change.

use serde::Serialize;

/// Version of the JSON report schema (`schema_version` field).
pub const SCHEMA_VERSION: u32 = 1;

/// What the log says about one lockfile entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The log holds exactly the lockfile's digest, proven included in a trusted checkpoint.
    Match,
    /// The log holds a different digest for this key (both are reported).
    Mismatch,
    /// The log has no record for this key.
    Missing,
    /// The lockfile carries no digest for this entry (reported by the parser).
    Unpinned,
}

impl Verdict {
    /// All verdicts, in report order.
    pub const ALL: [Verdict; 4] = [
        Verdict::Mismatch,
        Verdict::Missing,
        Verdict::Unpinned,
        Verdict::Match,
    ];

    /// The lowercase name used in every output format.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Mismatch => "mismatch",
            Verdict::Missing => "missing",
            Verdict::Unpinned => "unpinned",
        }
    }

    /// Importance order: mismatch, missing, unpinned, match.
    fn rank(self) -> u8 {
        match self {
            Verdict::Mismatch => 0,
            Verdict::Missing => 1,
            Verdict::Unpinned => 2,
            Verdict::Match => 3,
        }
    }

    /// The SARIF / annotation rule id for this verdict.
    #[must_use]
    pub fn rule_id(self) -> &'static str {
        match self {
            Verdict::Match => "verified",
            Verdict::Mismatch => "checksum-mismatch",
            Verdict::Missing => "missing-from-log",
            Verdict::Unpinned => "unpinned-dependency",
        }
    }
}

/// What the policy does with a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Nothing to say (a match, or a verdict the policy ignores).
    Pass,
    /// Reported, does not fail the run.
    Warn,
    /// Reported, fails the run (exit 1).
    Fail,
}

impl Action {
    /// The lowercase name used in every output format.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Pass => "pass",
            Action::Warn => "warn",
            Action::Fail => "fail",
        }
    }
}

/// A signed checkpoint a verdict was proven against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointRef {
    /// The log's key name.
    pub log: String,
    /// Tree size.
    pub size: u64,
    /// Root hash, standard base64.
    pub root: String,
}

/// The verdict for one lockfile entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Verdict from the log.
    pub verdict: Verdict,
    /// What the policy does with it.
    pub action: Action,
    /// Ecosystem (`go`, `cargo`, `npm`, `pypi`, `gem`, `artifact`).
    pub ecosystem: String,
    /// Package name as the lockfile spells it.
    pub name: String,
    /// Version.
    pub version: String,
    /// Per-file artifact name, for ecosystems keyed per file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    /// Lockfile path, relative to the repository (or working directory) root, `/`-separated.
    pub file: String,
    /// 1-based line of the entry in the lockfile.
    pub line: u32,
    /// The digest the lockfile pins, as written in records (`sha256:<hex>`, `h1:<b64>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The digest the log holds, when it differs from `expected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logged: Option<String>,
    /// Leaf index of the record in the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// The checkpoint the record was proven against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointRef>,
    /// For `unpinned`: why, as a stable kebab-case code (`no-digest`, `git-source`,
    /// `local-source`, `yarn-berry-checksum`, `empty-composer-shasum`, `sha1-only`, or
    /// `no-record-key` for a pinned entry lockproof cannot key, such as a PyPI hash without a
    /// file name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One human phrase for an unpinned finding's reason code.
#[must_use]
pub fn describe_unpinned(reason: Option<&str>) -> &'static str {
    use lockproof_lockfile::UnpinnedReason;
    match reason {
        Some("no-record-key") => "pinned, but lacks what the log keys it by (e.g. a file name)",
        Some(code) => {
            UnpinnedReason::from_code(code).map_or("not pinned", UnpinnedReason::describe)
        }
        None => "not pinned",
    }
}

impl Finding {
    /// `ecosystem:name@version[/artifact]`, the stable identity used in fingerprints.
    #[must_use]
    pub fn identity(&self) -> String {
        match &self.artifact {
            Some(a) => format!("{}:{}@{}/{}", self.ecosystem, self.name, self.version, a),
            None => format!("{}:{}@{}", self.ecosystem, self.name, self.version),
        }
    }

    /// One human sentence describing the finding.
    #[must_use]
    pub fn message(&self) -> String {
        let who = self.identity();
        match self.verdict {
            Verdict::Match => format!("{who} matches the log"),
            Verdict::Mismatch => format!(
                "{who}: checksum mismatch: lockfile has {}, log {} has {} (record {} in tree of size {})",
                self.expected.as_deref().unwrap_or("?"),
                self.checkpoint.as_ref().map_or("?", |c| c.log.as_str()),
                self.logged.as_deref().unwrap_or("?"),
                self.index.map_or_else(|| "?".to_owned(), |i| i.to_string()),
                self.checkpoint.as_ref().map_or(0, |c| c.size),
            ),
            Verdict::Missing => format!("{who} is not in the log"),
            Verdict::Unpinned => format!(
                "{who} is unpinned: {}",
                describe_unpinned(self.reason.as_deref())
            ),
        }
    }
}

/// A failure of a whole log: it could not be verified, or it was caught lying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogFailure {
    /// The log's key name.
    pub log: String,
    /// One sentence: what failed.
    pub message: String,
    /// Path of an evidence file (fork/rollback), if one was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// How many entries could not be checked because of this failure.
    pub entries_not_checked: usize,
}

/// Per-lockfile counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// Lockfile path (as in [`Finding::file`]).
    pub file: String,
    /// Entries checked, by verdict.
    pub matched: usize,
    /// Entries whose digest differs.
    pub mismatched: usize,
    /// Entries not in the log.
    pub missing: usize,
    /// Entries without a digest.
    pub unpinned: usize,
    /// Entries skipped by PR mode because they are unchanged since the base ref.
    pub skipped: usize,
}

/// The whole result of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool's version.
    pub tool_version: String,
    /// Checkpoints that were verified and are now trusted, one per log used.
    pub checkpoints: Vec<CheckpointRef>,
    /// Per-lockfile counts.
    pub files: Vec<FileSummary>,
    /// Every entry's verdict, most important first.
    pub findings: Vec<Finding>,
    /// Logs that failed verification.
    pub log_failures: Vec<LogFailure>,
    /// Entries skipped in PR mode (unchanged since the base ref).
    pub skipped_unchanged: usize,
}

impl Report {
    /// An empty report for this tool version.
    #[must_use]
    pub fn new(tool_version: &str) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool_version: tool_version.to_owned(),
            ..Report::default()
        }
    }

    /// Whether the run failed: any log failure, or any finding whose action is `fail`.
    #[must_use]
    pub fn failed(&self) -> bool {
        !self.log_failures.is_empty() || self.findings.iter().any(|f| f.action == Action::Fail)
    }

    /// Sort findings most important first (fail, warn, pass; then verdict, file, line) and
    /// recompute the per-file counts.
    pub fn finish(&mut self) {
        self.findings.sort_by(|a, b| {
            b.action
                .cmp(&a.action)
                .then(a.verdict.rank().cmp(&b.verdict.rank()))
                .then_with(|| a.file.cmp(&b.file))
                .then(a.line.cmp(&b.line))
        });
        let mut files: Vec<FileSummary> = Vec::new();
        for f in &self.findings {
            let idx = match files.iter().position(|s| s.file == f.file) {
                Some(i) => i,
                None => {
                    files.push(FileSummary {
                        file: f.file.clone(),
                        ..FileSummary::default()
                    });
                    files.len() - 1
                }
            };
            let s = &mut files[idx];
            match f.verdict {
                Verdict::Match => s.matched += 1,
                Verdict::Mismatch => s.mismatched += 1,
                Verdict::Missing => s.missing += 1,
                Verdict::Unpinned => s.unpinned += 1,
            }
        }
        for old in &self.files {
            if let Some(s) = files.iter_mut().find(|s| s.file == old.file) {
                s.skipped = old.skipped;
            } else if old.skipped > 0 {
                files.push(old.clone());
            }
        }
        files.sort_by(|a, b| a.file.cmp(&b.file));
        self.files = files;
    }

    /// Count of findings with a verdict.
    #[must_use]
    pub fn count(&self, verdict: Verdict) -> usize {
        self.findings
            .iter()
            .filter(|f| f.verdict == verdict)
            .count()
    }

    /// The final one-line verdict shared by every format.
    #[must_use]
    pub fn summary_line(&self) -> String {
        let checked = self.findings.len();
        let mut parts = vec![format!("{} matched", self.count(Verdict::Match))];
        for v in [Verdict::Mismatch, Verdict::Missing, Verdict::Unpinned] {
            let n = self.count(v);
            if n > 0 {
                parts.push(format!("{n} {}", v.as_str()));
            }
        }
        if !self.log_failures.is_empty() {
            parts.push(format!("{} log failure(s)", self.log_failures.len()));
        }
        if self.skipped_unchanged > 0 {
            parts.push(format!("{} unchanged skipped", self.skipped_unchanged));
        }
        let head = if self.failed() { "FAILED" } else { "VERIFIED" };
        format!("{head}: {checked} entries checked: {}", parts.join(", "))
    }
}
