//! `lockproof verify` and `lockproof prove`.
//!
//! Glue only: parse flags, load the policy, open each log (HTTP or a local directory), run the
//! verifier core, render the report, map the outcome to the exit code.

mod local;

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use lockproof_tlog::VerifierKey;
use lockproof_verify::bundle::Bundle;
use lockproof_verify::client::{LogAnswers, LogHandle, TrustContext};
use lockproof_verify::fetch::LogFetcher;
use lockproof_verify::http::HttpFetcher;
use lockproof_verify::policy::{LogSpec, Policy};
use lockproof_verify::render::{Format, render};
use lockproof_verify::state::TrustStore;
use lockproof_verify::verifier::{self, Lockfile};
use lockproof_verify::{Error, Pending, cache, write_atomic};

use crate::Outcome;

/// Flags shared by `verify` and `prove`: which logs, and how to reach them.
#[derive(Debug, clap::Args)]
pub(crate) struct LogArgs {
    /// A log: "<vkey> <url-or-dir>" (repeatable). Offline, "<vkey>" alone is enough. HTTPS
    /// logs are trusted through Mozilla's roots, or the PEM bundle SSL_CERT_FILE names.
    #[arg(long = "log", value_name = "VKEY URL")]
    logs: Vec<String>,
    /// Policy file (sigsum-like text: log / witness / quorum / verdict lines).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Config file with a [verify] table (default: ./lockproof.toml when present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Seconds allowed for each request to a log.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    timeout: u64,
    /// Do not read or write the on-disk tile cache.
    #[arg(long)]
    no_cache: bool,
    /// Use the batched lockproof lookup API even when every entry is a Go module.
    #[arg(long)]
    batch: bool,
    /// Print how many requests each log was sent (on standard error).
    #[arg(long)]
    stats: bool,
}

/// Arguments of `lockproof verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// Lockfiles to verify; found under the current directory when none are given.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    logs: LogArgs,
    /// Output format: human, json, sarif, markdown or github.
    #[arg(long, default_value = "human")]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// PR mode: only verify entries added or changed since this git ref.
    #[arg(long, value_name = "REF")]
    changed_since: Option<String>,
    /// Verify from a proof bundle with no network (needs --bundle).
    #[arg(long, requires = "bundle")]
    offline: bool,
    /// The proof bundle written by `lockproof prove`.
    #[arg(long, value_name = "FILE", requires = "offline")]
    bundle: Option<PathBuf>,
    /// What a mismatch does: fail, warn or ignore (default from the policy: fail).
    #[arg(long, value_name = "ACTION")]
    mismatch: Option<String>,
    /// What a missing entry does: fail, warn or ignore (default: fail).
    #[arg(long, value_name = "ACTION")]
    missing: Option<String>,
    /// What an unpinned entry does: fail, warn or ignore (default: warn).
    #[arg(long, value_name = "ACTION")]
    unpinned: Option<String>,
    /// Colour for the human format: auto, always or never (NO_COLOR is respected).
    #[arg(long, default_value = "auto", value_name = "WHEN")]
    color: String,
    /// With no log given (the embedded default log): verify only what is already logged,
    /// without asking the registries for missing entries.
    #[arg(long)]
    no_fill: bool,
    /// No progress bar or informational messages on standard error.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// Arguments of `lockproof prove`.
#[derive(Debug, clap::Args)]
pub(crate) struct ProveArgs {
    /// Lockfiles to prove; found under the current directory when none are given.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    logs: LogArgs,
    /// Where to write the bundle.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
}

/// With `allow_empty`, a policy without logs is returned as is (verify then uses the embedded
/// default log).
fn load_policy(args: &LogArgs, offline: bool, allow_empty: bool) -> anyhow::Result<Policy> {
    let mut policy = Policy::default();
    let config = match &args.config {
        Some(c) => Some(c.clone()),
        None => Some(PathBuf::from("lockproof.toml")).filter(|p| p.is_file()),
    };
    if let Some(c) = config {
        policy.merge_toml(&c)?;
    }
    if let Some(p) = &args.policy {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        policy.merge_text(p, &text)?;
    }
    for l in &args.logs {
        let spec = if offline && l.split_whitespace().count() == 1 {
            LogSpec {
                vkey: l.trim().to_owned(),
                location: String::new(),
                ecosystems: Vec::new(),
            }
        } else {
            LogSpec::parse_flag(l)?
        };
        // Flags come first: they override a policy's logs for the same ecosystems.
        policy.logs.insert(0, spec);
    }
    if policy.logs.is_empty() && !allow_empty {
        bail!("no log given: use --log \"<vkey> <url-or-dir>\", --policy FILE or lockproof.toml");
    }
    Ok(policy)
}

fn read_lockfiles(paths: &[PathBuf], changed_since: Option<&str>) -> anyhow::Result<Vec<Lockfile>> {
    let paths = if paths.is_empty() {
        let found = lockproof_lockfile::discover(Path::new("."))?;
        if found.is_empty() {
            bail!("no lockfiles found under the current directory");
        }
        found
    } else {
        paths.to_vec()
    };
    let mut out = Vec::new();
    for p in &paths {
        let entries = lockproof_lockfile::parse(p)?;
        let (entries, skipped) = match changed_since {
            Some(rev) => lockproof_verify::diff::changed_since(p, entries, rev)?,
            None => (entries, 0),
        };
        out.push(Lockfile {
            display: lockproof_verify::diff::display_path(p),
            entries,
            skipped,
        });
    }
    Ok(out)
}

/// Open every log of the policy: an HTTP fetcher or a local directory. HTTPS logs are trusted
/// through Mozilla's root certificates, or the PEM bundle `SSL_CERT_FILE` names.
fn open_fetchers(policy: &Policy, timeout: Duration) -> anyhow::Result<Vec<Box<dyn LogFetcher>>> {
    let mut out: Vec<Box<dyn LogFetcher>> = Vec::new();
    let https = policy
        .logs
        .iter()
        .any(|l| l.location.starts_with("https://"));
    let tls = https
        .then(crate::mirror::root_certificates)
        .flatten()
        .map(|r| r.tls_config());
    for l in &policy.logs {
        if l.location.starts_with("http://") || l.location.starts_with("https://") {
            out.push(Box::new(HttpFetcher::with_tls(
                &l.location,
                timeout,
                tls.clone(),
            )?));
        } else if Path::new(&l.location).is_dir() {
            out.push(Box::new(local::LocalLog::open(Path::new(&l.location))?));
        } else {
            bail!(
                "log {}: {:?} is neither an http(s) URL nor a directory",
                l.name(),
                l.location
            );
        }
    }
    Ok(out)
}

/// How long a run waits for a log's witnesses to cosign a tree that has just grown.
const WITNESS_WAIT: Duration = Duration::from_secs(3);

fn trust_context(
    policy: &Policy,
    args: &LogArgs,
    collect_proofs: bool,
) -> anyhow::Result<TrustContext> {
    let witnesses = policy
        .witnesses
        .iter()
        .map(|w| VerifierKey::parse(&w.vkey).with_context(|| format!("witness {}", w.name)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let tile_cache = if args.no_cache {
        None
    } else {
        Some(cache::tile_cache_dir("")?)
    };
    Ok(TrustContext {
        witnesses,
        required: policy.required_cosignatures(),
        store: TrustStore::from_env()?,
        tile_cache,
        collect_proofs,
        prefer_batch: args.batch,
        witness_wait: WITNESS_WAIT,
    })
}

fn handles<'a>(
    policy: &Policy,
    fetchers: &'a [Box<dyn LogFetcher>],
) -> anyhow::Result<Vec<LogHandle<'a>>> {
    policy
        .logs
        .iter()
        .zip(fetchers)
        .map(|(l, f)| {
            let key =
                VerifierKey::parse(&l.vkey).with_context(|| format!("log key {:?}", l.vkey))?;
            Ok(LogHandle {
                key,
                fetcher: f.as_ref(),
            })
        })
        .collect()
}

/// Query every log; per-log tile caches live under `<cache>/tiles/<log id>`. The trust-state
/// writes may still be under way: wait for them before reporting.
fn query(
    stats: bool,
    handles: &[LogHandle<'_>],
    ctx: &TrustContext,
    plan: &verifier::Plan,
) -> anyhow::Result<(Vec<verifier::LogResult>, Pending)> {
    let mut results = Vec::new();
    let mut pending = Pending::default();
    for (i, h) in handles.iter().enumerate() {
        let mut one = verifier::Plan::default();
        one.keys.push(plan.keys[i].clone());
        one.all_go.push(plan.all_go[i]);
        let ctx_i = TrustContext {
            witnesses: ctx.witnesses.clone(),
            required: ctx.required,
            store: ctx.store.clone(),
            tile_cache: ctx
                .tile_cache
                .as_ref()
                .map(|_| cache::tile_cache_dir(&h.id()))
                .transpose()?,
            collect_proofs: ctx.collect_proofs,
            prefer_batch: ctx.prefer_batch,
            witness_wait: ctx.witness_wait,
        };
        let (r, writes) = verifier::query_all_deferred(std::slice::from_ref(h), &ctx_i, &one)?;
        pending.extend(writes);
        if stats && let Some(Ok(a)) = r.first() {
            eprintln!(
                "lockproof: log {}: {} requests for {} keys",
                h.key.name(),
                a.requests,
                plan.keys[i].len()
            );
        }
        results.extend(r);
    }
    Ok((results, pending))
}

fn use_color(when: &str, to_file: bool) -> anyhow::Result<bool> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Ok(match when {
        "always" => true,
        "never" => false,
        "auto" => !no_color && !to_file && std::io::stdout().is_terminal(),
        other => bail!("--color {other:?}: expected auto, always or never"),
    })
}

pub(crate) fn run(args: VerifyArgs) -> anyhow::Result<Outcome> {
    let mut policy = load_policy(&args.logs, args.offline, !args.offline)?;
    for (verdict, flag) in [
        ("mismatch", &args.mismatch),
        ("missing", &args.missing),
        ("unpinned", &args.unpinned),
    ] {
        if let Some(action) = flag {
            policy
                .actions
                .set(verdict, action)
                .map_err(|e| anyhow::anyhow!("--{verdict}: {e}"))?;
        }
    }
    let files = read_lockfiles(&args.paths, args.changed_since.as_deref())?;
    if policy.logs.is_empty() {
        let entries = files.iter().flat_map(|f| &f.entries);
        policy.logs.push(crate::mirror::embedded_log(
            entries,
            args.no_fill,
            args.quiet,
        )?);
    }
    let plan = verifier::plan(&policy.logs, &files);
    let (results, pending) = if let Some(bundle_path) = &args.bundle {
        let bytes = std::fs::read(bundle_path)
            .with_context(|| format!("reading {}", bundle_path.display()))?;
        (
            verify_bundle(&policy, &args.logs, &bytes)?,
            Pending::default(),
        )
    } else {
        let fetchers = open_fetchers(&policy, Duration::from_secs(args.logs.timeout))?;
        let hs = handles(&policy, &fetchers)?;
        let ctx = trust_context(&policy, &args.logs, false)?;
        query(args.logs.stats, &hs, &ctx, &plan)?
    };
    let report = verifier::judge(
        env!("CARGO_PKG_VERSION"),
        &policy.logs,
        &files,
        &results,
        &policy.actions,
    );
    // Judging overlapped the trust-state fsyncs; nothing is reported until they are done.
    pending.wait()?;
    let color = use_color(&args.color, args.output.is_some())?;
    let text = render(&report, args.format, color);
    match &args.output {
        Some(path) => write_atomic(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    if args.output.is_some() || args.format != Format::Human {
        eprintln!("{}", report.summary_line());
    }
    Ok(if report.failed() {
        Outcome::Failed
    } else {
        Outcome::Passed
    })
}

/// Verify each policy log's part of a bundle. A bundle that does not verify fails every log.
fn verify_bundle(
    policy: &Policy,
    args: &LogArgs,
    bytes: &[u8],
) -> anyhow::Result<Vec<verifier::LogResult>> {
    // Offline, the bundle's cosigned checkpoint is all there is: no waiting for witnesses.
    let ctx = TrustContext {
        tile_cache: None,
        witness_wait: Duration::ZERO,
        ..trust_context(policy, args, false)?
    };
    let parsed = Bundle::parse(bytes);
    let mut out = Vec::new();
    for l in &policy.logs {
        let key = VerifierKey::parse(&l.vkey).with_context(|| format!("log key {:?}", l.vkey))?;
        out.push(match &parsed {
            Ok(b) => b.verify_log(&key, &ctx),
            Err(e) => Err(Error::Bundle(e.to_string())),
        });
    }
    Ok(out)
}

pub(crate) fn run_prove(args: ProveArgs) -> anyhow::Result<Outcome> {
    let policy = load_policy(&args.logs, false, false)?;
    let files = read_lockfiles(&args.paths, None)?;
    let plan = verifier::plan(&policy.logs, &files);
    let fetchers = open_fetchers(&policy, Duration::from_secs(args.logs.timeout))?;
    let hs = handles(&policy, &fetchers)?;
    let ctx = trust_context(&policy, &args.logs, true)?;
    let (results, pending) = query(args.logs.stats, &hs, &ctx, &plan)?;
    pending.wait()?;
    let mut answers: Vec<LogAnswers> = Vec::new();
    let mut names = Vec::new();
    for (l, r) in policy.logs.iter().zip(results) {
        match r {
            Ok(a) => {
                names.push(l.name().to_owned());
                answers.push(a);
            }
            Err(e) => {
                eprintln!("lockproof: log {} failed verification: {e}", l.name());
                return Ok(Outcome::Failed);
            }
        }
    }
    let mut bundle = Bundle::from_answers(&names, &answers);
    if ctx.required > 0 {
        // The quorum may have been met on a log's C2SP checkpoint, possibly of a larger tree:
        // carry it along, with the consistency proof to it, so that it holds offline too.
        for ((name, h), a) in names.iter().zip(&hs).zip(&answers) {
            if a.note.is_none() {
                continue;
            }
            match h.cosigned_for_bundle(&ctx, a.tree) {
                Ok(Some((c2sp, proof))) => bundle.attach_cosigned(name, &c2sp, &proof),
                Ok(None) => {}
                Err(e) => {
                    eprintln!("lockproof: log {name}: cosigned checkpoint for the bundle: {e}");
                    return Ok(Outcome::Failed);
                }
            }
        }
    }
    write_atomic(&args.output, &bundle.to_bytes())?;
    eprintln!(
        "wrote {} ({} answers from {} logs)",
        args.output.display(),
        bundle.answers.len(),
        bundle.logs.len()
    );
    Ok(Outcome::Passed)
}
