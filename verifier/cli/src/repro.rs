//! `lockproof repro`: rebuild under varied environments, compare the artifacts and name the
//! cause.
//!
//! Exit codes: 0 reproducible (and every `--expect` matched), 1 unreproducible or an
//! expectation mismatch, 2 a build failure (with its stderr tail) or a usage error.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use lockproof_repro::{
    Check, Expectation, Progress, VariationSet, Verdict, check_expectations, sha256_file,
};

use crate::Outcome;

mod log;
mod render;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A verdict line, then per-artifact findings in cause order.
    Human,
    /// One JSON document (schema: docs/repro-json.md).
    Json,
}

/// Arguments of `lockproof repro`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReproArgs {
    /// Source tree to copy for each build.
    #[arg(long, short = 'C', default_value = ".")]
    source: PathBuf,
    /// Number of experiment builds with all variations applied.
    #[arg(long, default_value_t = 1)]
    runs: u32,
    /// Artifact glob relative to the tree root (repeatable); default: every file the build
    /// creates.
    #[arg(long = "artifact", value_name = "GLOB")]
    artifacts: Vec<String>,
    /// Variations, comma-separated: all, none, a name, or -name to remove one
    /// (build-path, wall-clock, source-date-epoch, home, timezone, locales, environment,
    /// exec-path, umask, file-ordering, num-cpus, aslr).
    #[arg(long, default_value = "all", value_name = "LIST")]
    vary: String,
    /// Keep build trees, logs and artifacts in DIR.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Kill and fail any build that runs longer than this many seconds (exit 2).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Do not rebuild to attribute a difference to variations.
    #[arg(long)]
    no_attribution: bool,
    /// The control build's SOURCE_DATE_EPOCH (default: inherited, else 1700000000).
    #[arg(long, value_name = "SECONDS")]
    source_date_epoch: Option<u64>,
    /// Also write diffoscope reports for differing artifacts into DIR (if installed).
    #[arg(long, value_name = "DIR")]
    diffoscope: Option<PathBuf>,
    /// A published digest the rebuilt artifact must match: `[ARTIFACT=]sha256:HEX`, or a FILE
    /// (the downloaded artifact; matched by file name). Repeatable.
    #[arg(long, value_name = "FILE|DIGEST")]
    expect: Vec<String>,
    /// Append the artifact digests to the lockproof log given by --log.
    #[arg(long, requires = "log", requires = "release_version")]
    record: bool,
    /// Base URL of a lockproof log (for --record).
    #[arg(long, value_name = "URL")]
    log: Option<String>,
    /// Bearer token for the log's write API.
    #[arg(
        long,
        env = "LOCKPROOF_LOG_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    log_token: Option<String>,
    /// Check the rebuilt artifacts against the digests recorded in a lockproof log, given as
    /// "<verifier key> <url>"; the checkpoint signature and inclusion proofs are verified.
    #[arg(long, value_name = "VKEY URL", requires = "release_version")]
    expect_log: Option<String>,
    /// Name used in `artifact/<name>` records (default: the source directory's name).
    #[arg(long)]
    name: Option<String>,
    /// Version used in `artifact/<name> <version> <file>` records.
    #[arg(long, value_name = "VERSION")]
    release_version: Option<String>,
    /// The build command.
    #[arg(last = true, required = true, value_name = "BUILD COMMAND")]
    command: Vec<String>,
}

/// Draws build progress on stderr: a spinner on a terminal, one line per build otherwise.
struct StderrProgress {
    bar: Option<indicatif::ProgressBar>,
}

impl StderrProgress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for StderrProgress {
    fn build_started(&self, index: usize, label: &str, variations: &VariationSet) {
        let msg = format!("build {index}: {label} (varying: {variations})");
        match &self.bar {
            Some(bar) => bar.set_message(msg),
            None => eprintln!("lockproof repro: {msg} …"),
        }
    }

    fn build_finished(&self, label: &str, ok: bool, seconds: f64) {
        let status = if ok { "done" } else { "FAILED" };
        let msg = format!("{label} {status} in {seconds:.1}s");
        match &self.bar {
            Some(bar) => bar.println(msg),
            None => eprintln!("lockproof repro: {msg}"),
        }
    }
}

pub(crate) fn run(args: ReproArgs) -> anyhow::Result<Outcome> {
    let vary = VariationSet::parse_list(&args.vary).context("--vary")?;
    let expectations = parse_expectations(&args.expect)?;
    let source = args
        .source
        .canonicalize()
        .with_context(|| format!("source tree {}", args.source.display()))?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("cannot derive --name from the source path; pass --name")?,
    };
    let mut check = Check::new(source, args.command.clone());
    check.artifacts = args.artifacts.clone();
    check.runs = args.runs;
    check.vary = vary;
    check.keep = args.keep.clone();
    check.attribute = !args.no_attribution;
    check.source_date_epoch = args.source_date_epoch;
    check.diffoscope = args.diffoscope.clone();
    check.timeout = args.timeout.map(std::time::Duration::from_secs);

    let progress = StderrProgress::new();
    let result = check.run(&progress);
    progress.finish();
    let report = result?;

    let mut expectations = expectations;
    if let Some(url) = &args.expect_log {
        let version = args.release_version.as_deref().unwrap_or_default();
        expectations.extend(log::expectations_from_log(url, &name, version, &report)?);
    }
    let results = check_expectations(&report, &expectations);

    match args.format {
        Format::Human => print!("{}", render::human(&report, &results)),
        Format::Json => println!("{}", render::json(&report, &results)?),
    }

    if args.record {
        anyhow::ensure!(
            report.verdict == Verdict::Reproducible,
            "refusing to --record digests of an unreproducible build"
        );
        let log = args.log.as_deref().unwrap_or_default();
        let version = args.release_version.as_deref().unwrap_or_default();
        let added = log::record(log, args.log_token.as_deref(), &name, version, &report)?;
        eprintln!("lockproof repro: recorded {added} artifact digest(s) in {log}");
    }

    let expectations_ok = results.iter().all(|r| r.matches);
    Ok(
        if report.verdict == Verdict::Reproducible && expectations_ok {
            Outcome::Passed
        } else {
            Outcome::Failed
        },
    )
}

/// `--expect` values: a digest (`[NAME=]sha256:HEX`) or a file to hash.
fn parse_expectations(values: &[String]) -> anyhow::Result<Vec<Expectation>> {
    values
        .iter()
        .map(|v| {
            if let Ok(e) = v.parse::<Expectation>() {
                return Ok(e);
            }
            let path = PathBuf::from(v);
            anyhow::ensure!(
                path.is_file(),
                "--expect {v:?} is neither [ARTIFACT=]sha256:<64 hex> nor an existing file"
            );
            let (digest, _) = sha256_file(&path)?;
            Ok(Expectation {
                artifact: path.file_name().map(|n| n.to_string_lossy().into_owned()),
                digest,
                origin: v.clone(),
            })
        })
        .collect()
}
