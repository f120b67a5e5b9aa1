//! Mirror mode, the embedded default log and `log import`: glue over `lockproof-mirror`.
//!
//! - `lockproof log serve --mirror crates,npm,pypi,go[,gem] [--upstream NAME=URL …]`: the log's
//!   router with filling in front ([`serve`]).
//! - `lockproof log import --dir DIR LOCKFILE…`: trust-on-first-use import ([`import`]).
//! - `lockproof verify` with no `--log`/`--policy`/`lockproof.toml`: the embedded default log
//!   under `$XDG_DATA_HOME/lockproof/default-log`, filled from the public registries first
//!   unless `--no-fill` ([`embedded_log`]). `LOCKPROOF_UPSTREAM="NAME=URL,…"` points it at other
//!   registries (private mirrors, tests).
//!
//! Registry requests trust Mozilla's root certificates, or the PEM bundle `SSL_CERT_FILE` names
//! ([`root_certificates`]).

use std::io::IsTerminal as _;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use lockproof_lockfile::{Ecosystem, Entry};
use lockproof_log::Log;
use lockproof_log::http::{ServeConfig, serve_on_workers};
use lockproof_mirror::embedded::{default_log_dir, fill_keys, open_embedded};
use lockproof_mirror::import::import_entries;
use lockproof_mirror::{
    Filler, FillerConfig, Upstreams, entry_key, entry_keys, from_public_registry,
};
use lockproof_upstream::{Http, HttpConfig, RootCertificates};
use lockproof_verify::policy::LogSpec;

use crate::Outcome;

/// The environment variable with `NAME=URL` upstream overrides for the embedded default log,
/// comma-separated (as `--upstream` takes them one by one).
pub(crate) const UPSTREAM_ENV: &str = "LOCKPROOF_UPSTREAM";
/// How long `verify` waits for another process that is filling the embedded log.
const EMBEDDED_WAIT: Duration = Duration::from_secs(120);

/// The root certificates the PEM bundle `SSL_CERT_FILE` names, to trust instead of the
/// built-in Mozilla set (behind a TLS-intercepting proxy, or for a log with a private CA).
/// `None` when it is unset; a file that cannot be read or holds no certificate is reported and
/// ignored.
pub(crate) fn root_certificates() -> Option<RootCertificates> {
    let path = std::env::var_os("SSL_CERT_FILE")?;
    match std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|pem| RootCertificates::from_pem(&pem).map_err(|e| e.to_string()))
    {
        Ok(roots) => Some(roots),
        Err(e) => {
            eprintln!(
                "lockproof: ignoring SSL_CERT_FILE {}: {e}",
                std::path::Path::new(&path).display()
            );
            None
        }
    }
}

/// The registry client, trusting [`root_certificates`] when `SSL_CERT_FILE` is set.
fn http() -> Http {
    Http::new(&HttpConfig {
        root_certificates: root_certificates(),
        ..HttpConfig::default()
    })
}

/// Serves `log` on `workers` threads: plain, or in mirror mode when `mirror` names ecosystems.
///
/// # Errors
/// A bad `--mirror`/`--upstream` value, or the server failing (the caller adds "serving").
pub(crate) async fn serve(
    log: Log,
    listener: tokio::net::TcpListener,
    config: ServeConfig,
    mirror: Option<&str>,
    upstream: &[String],
    workers: NonZeroUsize,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let Some(mirror) = mirror else {
        if !upstream.is_empty() {
            bail!("--upstream needs --mirror");
        }
        let service = lockproof_log::http::service(log, config);
        return Ok(serve_on_workers(service, listener, workers, shutdown).await?);
    };
    let upstreams =
        Upstreams::from_flags(mirror, upstream, &http()).context("--mirror / --upstream")?;
    eprintln!(
        "mirror mode: lookup misses for {} are filled from upstream",
        upstreams.names().join(", ")
    );
    let filler = Arc::new(Filler::new(log, upstreams, FillerConfig::default()));
    let router = lockproof_mirror::http::router(filler, config);
    Ok(serve_on_workers(router, listener, workers, shutdown).await?)
}

/// `lockproof log import --dir DIR LOCKFILE…`. Exit 1 when a lockfile disagrees with what the
/// log already holds.
///
/// # Errors
/// Unreadable lockfiles, a log that cannot be opened or appended to.
pub(crate) fn import(dir: &Path, lockfiles: &[PathBuf]) -> anyhow::Result<Outcome> {
    if lockfiles.is_empty() {
        bail!("log import: name at least one lockfile");
    }
    let mut entries = Vec::new();
    for p in lockfiles {
        entries.extend(
            lockproof_lockfile::parse(p).with_context(|| format!("reading {}", p.display()))?,
        );
    }
    let log = Log::open(dir).with_context(|| format!("opening {}", dir.display()))?;
    let report = import_entries(&log, &entries)
        .with_context(|| format!("importing into {}", dir.display()))?;
    println!(
        "imported {} new records, {} already present; checkpoint size {}",
        report.added, report.present, report.size
    );
    if !report.skipped.is_empty() {
        eprintln!(
            "skipped {} entries that give no record:",
            report.skipped.len()
        );
        for s in report.skipped.iter().take(10) {
            eprintln!("  {}: {}", s.entry, s.reason);
        }
        if report.skipped.len() > 10 {
            eprintln!("  … and {} more", report.skipped.len() - 10);
        }
    }
    for c in &report.conflicts {
        eprintln!("conflict: {c}");
    }
    Ok(if report.conflicts.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}

/// Opens (creating on first use) the embedded default log, fills the entries it lacks from the
/// registries unless `no_fill`, closes it, and returns it as a log spec for the verifier. The
/// progress bar shows on a terminal only, never with `quiet`.
///
/// # Errors
/// No usable data directory; the log cannot be created or opened; a bad `LOCKPROOF_UPSTREAM`.
pub(crate) fn embedded_log<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    no_fill: bool,
    quiet: bool,
) -> anyhow::Result<LogSpec> {
    let dir = default_log_dir(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"))?;
    let embedded = open_embedded(&dir, EMBEDDED_WAIT)?;
    if embedded.created && !quiet {
        eprintln!(
            "lockproof: created the embedded log {} (key {})",
            dir.display(),
            embedded.vkey
        );
    }
    let spec = LogSpec {
        vkey: embedded.vkey.to_string(),
        location: dir.display().to_string(),
        ecosystems: Vec::new(),
    };
    if no_fill {
        return Ok(spec);
    }
    let overrides: Vec<String> = std::env::var(UPSTREAM_ENV)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let upstreams = Upstreams::public(&overrides, &http()).context(UPSTREAM_ENV)?;
    let filler = Filler::new(embedded.log, upstreams, FillerConfig::default());
    // Only entries from the public registries are filled from them (or from the registry the
    // override names for their ecosystem): a same-named package of a private registry is
    // another package.
    let (public, other): (Vec<&Entry>, Vec<&Entry>) = entries
        .into_iter()
        .filter(|e| entry_key(e).is_some())
        .partition(|e| from_public_registry(e) || overridden(&overrides, e));
    if !other.is_empty() && !quiet {
        eprintln!(
            "lockproof: {} entries come from other registries and are not filled (set {UPSTREAM_ENV}, or `lockproof log import` them)",
            other.len()
        );
    }
    let keys = entry_keys(public);
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "filling the embedded log from the registries {bar:30} {pos}/{len}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if quiet || !std::io::stderr().is_terminal() || !std::io::stdout().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let summary = fill_keys(&filler, &keys, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    if !summary.errors.is_empty() {
        eprintln!(
            "lockproof: {} entries could not be filled from their registries (they verify as missing):",
            summary.errors.len()
        );
        for e in summary.errors.iter().take(5) {
            eprintln!("  {e}");
        }
    }
    if !quiet && summary.filled > 0 {
        eprintln!(
            "lockproof: logged {} new registry checksums in {}",
            summary.filled,
            dir.display()
        );
    }
    // Dropping the filler closes the log, so the verifier can open it.
    drop(filler);
    Ok(spec)
}

/// Whether an `NAME=URL` override names the registry for `entry`'s ecosystem.
fn overridden(overrides: &[String], entry: &Entry) -> bool {
    overrides.iter().any(|o| {
        let name = o.split_once('=').map_or("", |(n, _)| n.trim());
        match entry.ecosystem {
            Ecosystem::Cargo => matches!(name, "crates" | "cargo"),
            Ecosystem::Npm => name == "npm",
            Ecosystem::Pypi => name == "pypi",
            Ecosystem::Gem => matches!(name, "gem" | "rubygems"),
            Ecosystem::Go => matches!(name, "go" | "go-sumdb"),
            _ => false,
        }
    })
}
