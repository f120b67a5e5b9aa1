//! `lockproof entries`: show what lockproof extracted from lockfiles.
//!
//! Prints every entry of every lockfile given (or found under the current directory) with its
//! ecosystem, name, version, artifact, normalised digest (`algorithm:hex`), pin state and
//! `file:line`. `--format json` prints the document described in `docs/entries-json.md`.
//! A lockfile that cannot be parsed is an error (exit 2); nothing is printed for the run, so a
//! partial listing is never mistaken for a complete one.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use lockproof_lockfile::{Entry, Format, PinState, Source};

use crate::Outcome;

/// Version of the JSON document `lockproof entries --format json` prints.
const JSON_SCHEMA_VERSION: u32 = 1;

/// Arguments of `lockproof entries`.
#[derive(Debug, clap::Args)]
pub(crate) struct EntriesArgs {
    /// Lockfiles to read; found under the current directory when none are given (skipping
    /// node_modules, target, vendor and .git).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
}

/// How `lockproof entries` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutputFormat {
    /// An aligned table per lockfile and a summary.
    Human,
    /// One JSON document (see docs/entries-json.md).
    Json,
}

pub(crate) fn run(args: EntriesArgs) -> anyhow::Result<Outcome> {
    let paths = if args.paths.is_empty() {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let found = lockproof_lockfile::discover(&cwd)?;
        if found.is_empty() {
            anyhow::bail!("no lockfiles found under {}", cwd.display());
        }
        found
            .into_iter()
            .map(|p| p.strip_prefix(&cwd).map(PathBuf::from).unwrap_or(p))
            .collect()
    } else {
        args.paths
    };
    let mut files = Vec::with_capacity(paths.len());
    for path in &paths {
        files.push(lockproof_lockfile::parse_with_format(path)?);
    }
    let text = match args.format {
        OutputFormat::Human => human(&paths, &files),
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&paths, &files))?;
            s.push('\n');
            s
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .context("cannot write to stdout")?;
    Ok(Outcome::Passed)
}

fn pin_text(pin: PinState) -> String {
    match pin {
        PinState::Pinned => "pinned".to_owned(),
        PinState::Unpinned(reason) => format!("unpinned ({reason})"),
    }
}

fn summary(files: &[(Format, Vec<Entry>)]) -> (usize, usize, BTreeMap<&'static str, usize>) {
    let (mut total, mut pinned, mut reasons) = (0, 0, BTreeMap::new());
    for e in files.iter().flat_map(|(_, entries)| entries) {
        total += 1;
        match e.pin {
            PinState::Pinned => pinned += 1,
            PinState::Unpinned(r) => *reasons.entry(r.code()).or_insert(0) += 1,
        }
    }
    (total, pinned, reasons)
}

fn human(paths: &[PathBuf], files: &[(Format, Vec<Entry>)]) -> String {
    const HEADER: [&str; 7] = [
        "ECOSYSTEM",
        "NAME",
        "VERSION",
        "ARTIFACT",
        "DIGEST",
        "PIN",
        "LOCATION",
    ];
    let mut out = String::new();
    for (path, (format, entries)) in paths.iter().zip(files) {
        out.push_str(&format!(
            "{} ({format}, {} entries)\n",
            path.display(),
            entries.len()
        ));
        let rows: Vec<[String; 7]> = entries
            .iter()
            .map(|e| {
                [
                    e.ecosystem.to_string(),
                    e.name.clone(),
                    e.version.clone(),
                    e.artifact.clone().unwrap_or_else(|| "-".to_owned()),
                    e.digest
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), ToString::to_string),
                    pin_text(e.pin),
                    format!("{}:{}", e.location.file.display(), e.location.line),
                ]
            })
            .collect();
        let mut widths = HEADER.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let header = HEADER.map(str::to_owned);
        for row in std::iter::once(&header).chain(&rows) {
            let mut line = String::new();
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}  "));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push('\n');
    }
    let (total, pinned, reasons) = summary(files);
    let unpinned: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
    out.push_str(&format!(
        "{total} entries in {} lockfiles: {pinned} pinned, {} unpinned{}\n",
        files.len(),
        total - pinned,
        if unpinned.is_empty() {
            String::new()
        } else {
            format!(" ({})", unpinned.join(", "))
        }
    ));
    out
}

/// One entry in the JSON document (field order is the documented order).
#[derive(serde::Serialize)]
struct EntryJson<'a> {
    ecosystem: &'static str,
    name: &'a str,
    version: &'a str,
    artifact: Option<&'a str>,
    digest: Option<String>,
    source: SourceJson<'a>,
    pin: &'static str,
    unpinned_reason: Option<&'static str>,
    location: LocationJson,
    record_key: Option<String>,
    record: Option<String>,
}

#[derive(serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum SourceJson<'a> {
    Registry {
        url: &'a str,
    },
    Git {
        url: &'a str,
        commit: Option<&'a str>,
    },
    Path,
    Workspace,
}

#[derive(serde::Serialize)]
struct LocationJson {
    file: String,
    line: u32,
    column: u32,
}

#[derive(serde::Serialize)]
struct FileJson<'a> {
    path: String,
    format: &'static str,
    entries: Vec<EntryJson<'a>>,
}

#[derive(serde::Serialize)]
struct SummaryJson {
    entries: usize,
    pinned: usize,
    unpinned: usize,
    unpinned_by_reason: BTreeMap<&'static str, usize>,
}

#[derive(serde::Serialize)]
struct DocumentJson<'a> {
    schema_version: u32,
    files: Vec<FileJson<'a>>,
    summary: SummaryJson,
}

fn entry_json(e: &Entry) -> EntryJson<'_> {
    let source = match &e.source {
        Source::Registry { url } => SourceJson::Registry { url },
        Source::Git { url, commit } => SourceJson::Git {
            url,
            commit: commit.as_deref(),
        },
        Source::Workspace => SourceJson::Workspace,
        // Path, and any source kind added later, shows as a local path: never as a registry.
        _ => SourceJson::Path,
    };
    let (pin, unpinned_reason) = match e.pin {
        PinState::Pinned => ("pinned", None),
        PinState::Unpinned(r) => ("unpinned", Some(r.code())),
    };
    EntryJson {
        ecosystem: e.ecosystem.name(),
        name: &e.name,
        version: &e.version,
        artifact: e.artifact.as_deref(),
        digest: e.digest.as_ref().map(ToString::to_string),
        source,
        pin,
        unpinned_reason,
        location: LocationJson {
            file: e.location.file.display().to_string(),
            line: e.location.line,
            column: e.location.column,
        },
        record_key: e.record_key().map(|k| k.to_string()),
        record: e.record_line(),
    }
}

fn to_json<'a>(paths: &[PathBuf], files: &'a [(Format, Vec<Entry>)]) -> DocumentJson<'a> {
    let (total, pinned, reasons) = summary(files);
    let files = paths
        .iter()
        .zip(files)
        .map(|(path, (format, entries))| FileJson {
            path: path.display().to_string(),
            format: format.name(),
            entries: entries.iter().map(entry_json).collect(),
        })
        .collect();
    DocumentJson {
        schema_version: JSON_SCHEMA_VERSION,
        files,
        summary: SummaryJson {
            entries: total,
            pinned,
            unpinned: total - pinned,
            unpinned_by_reason: reasons,
        },
    }
}
