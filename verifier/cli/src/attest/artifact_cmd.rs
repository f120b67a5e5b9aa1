//! `lockproof artifact verify FILE`: three independent checks of one release artifact.
//!
//! 1. **signature** — a Sigstore bundle signs FILE (`--bundle` + identity/issuer or `--key`);
//! 2. **log** — FILE's sha256 is the digest recorded for `artifact/<name> <version> <file>` in a
//!    lockproof log (`--log "<vkey> <dir|url>"`), with the record's inclusion proven against a
//!    checkpoint signed by that key;
//! 3. **rebuild** — the build command (`--rebuild -- CMD…`) rebuilds reproducibly under varied
//!    environments (lockproof-repro) and produces an artifact with FILE's sha256.
//!
//! Each configured check passes or fails with a reason; unconfigured ones are skipped. Exit 1
//! if any configured check fails, 0 if all pass, 2 on usage errors.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use lockproof_attest::Sha256Digest;
use lockproof_tlog::{
    Digest, DigestAlgorithm, Ecosystem, Hash, Record, RecordHashes, RecordKey, RecordProof,
    VerifierKey, Verifiers, check_record, parse_tree_note,
};

use super::{ArtifactData, SignerArgs, policy_and_verifier, read_artifact, verify_signature};
use crate::Outcome;

/// Timeout for one request to an HTTP log.
const LOG_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Arguments of `lockproof artifact verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct ArtifactVerifyArgs {
    /// The artifact file.
    file: PathBuf,
    /// Sigstore bundle signing FILE (enables the signature check).
    #[arg(long)]
    bundle: Option<PathBuf>,
    #[command(flatten)]
    signer: SignerArgs,
    /// Lockproof log holding FILE's digest: "<verifier key> <directory or http(s) URL>"
    /// (enables the log check; needs --name and --release-version).
    #[arg(long, requires_all = ["name", "version"])]
    log: Option<String>,
    /// Name in the `artifact/<name> <version> <file>` record.
    #[arg(long)]
    name: Option<String>,
    /// Version in the record (as in `lockproof repro --release-version`).
    #[arg(
        long = "release-version",
        visible_alias = "version",
        value_name = "VERSION"
    )]
    version: Option<String>,
    /// Rebuild with the command after `--` and require a reproducible build that produces
    /// FILE's digest (enables the rebuild check).
    #[arg(long, requires = "command")]
    rebuild: bool,
    /// Source tree for --rebuild.
    #[arg(long, default_value = ".")]
    source: PathBuf,
    /// Artifact glob for --rebuild, relative to the tree (default: every file the build makes).
    #[arg(long = "rebuild-artifact", value_name = "GLOB")]
    rebuild_artifacts: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// The build command (after `--`).
    #[arg(last = true, value_name = "BUILD COMMAND")]
    command: Vec<String>,
}

/// The state of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pass,
    Fail,
    Skipped,
}

/// One check's line in the report.
#[derive(Debug, serde::Serialize)]
struct CheckResult {
    check: &'static str,
    status: Status,
    reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Value>,
}

impl CheckResult {
    fn skipped(check: &'static str, reason: &str) -> Self {
        Self {
            check,
            status: Status::Skipped,
            reason: reason.to_owned(),
            details: None,
        }
    }
    fn pass(check: &'static str, reason: String) -> Self {
        Self {
            check,
            status: Status::Pass,
            reason,
            details: None,
        }
    }
    fn fail(check: &'static str, reason: String) -> Self {
        Self {
            check,
            status: Status::Fail,
            reason,
            details: None,
        }
    }
}

/// The whole report: one model behind the human and JSON outputs.
#[derive(Debug, serde::Serialize)]
struct Report {
    artifact: PathBuf,
    sha256: String,
    result: Status,
    checks: Vec<CheckResult>,
}

pub(crate) fn run(args: ArtifactVerifyArgs) -> anyhow::Result<Outcome> {
    if args.bundle.is_none() && args.log.is_none() && !args.rebuild {
        bail!(
            "nothing to check: give --bundle (signature), --log (log inclusion) and/or --rebuild -- CMD"
        );
    }
    if args.bundle.is_none() && args.signer.any() {
        bail!("--identity/--issuer/--key need --bundle");
    }
    if !args.rebuild && !args.command.is_empty() {
        bail!("a build command after -- needs --rebuild");
    }
    let file_name = args
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} has no UTF-8 file name", args.file.display()))?
        .to_owned();
    let digest = match read_artifact(&args.file)? {
        ArtifactData::Bytes(bytes) => Sha256Digest::of(&bytes),
        ArtifactData::Digest(d) => d,
    };

    let mut checks = Vec::new();
    checks.push(match &args.bundle {
        None => CheckResult::skipped("signature", "no --bundle given"),
        Some(bundle) => signature_check(&args, bundle)?,
    });
    checks.push(match &args.log {
        None => CheckResult::skipped("log", "no --log given"),
        Some(spec) => {
            // clap's `requires_all` guarantees both are present with --log.
            let (name, version) = (
                args.name.as_deref().unwrap_or_default(),
                args.version.as_deref().unwrap_or_default(),
            );
            log_check(spec, name, version, &file_name, digest)?
        }
    });
    checks.push(if args.rebuild {
        rebuild_check(&args, digest)?
    } else {
        CheckResult::skipped("rebuild", "no --rebuild given")
    });

    let failed = checks.iter().any(|c| c.status == Status::Fail);
    let report = Report {
        artifact: args.file.clone(),
        sha256: digest.to_hex(),
        result: if failed { Status::Fail } else { Status::Pass },
        checks,
    };
    print(&report, args.json)?;
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Passed
    })
}

fn signature_check(args: &ArtifactVerifyArgs, bundle: &Path) -> anyhow::Result<CheckResult> {
    let Some((policy, verifier)) = policy_and_verifier(&args.signer)? else {
        bail!("--bundle needs --identity and --issuer (or their -regexp forms), or --key");
    };
    let path = args.file.to_str().context("artifact path is not UTF-8")?;
    // A path that happens to look like `sha256:…` is still read as a file: `file` is a path.
    let report = verify_signature(&verifier, bundle, path, &policy)?;
    let (ok, reason) = report.summary();
    let mut result = if ok {
        CheckResult::pass("signature", reason)
    } else {
        CheckResult::fail("signature", reason)
    };
    result.details = Some(report.to_json());
    Ok(result)
}

/// What a log answered for one key, before any of it is trusted.
struct UntrustedLogAnswer {
    /// The signed sumdb tree note.
    note: Vec<u8>,
    /// `None` if the log says the key is missing.
    found: Option<(u64, String, Vec<Hash>)>,
}

fn log_check(
    spec: &str,
    name: &str,
    version: &str,
    file_name: &str,
    digest: Sha256Digest,
) -> anyhow::Result<CheckResult> {
    let (vkey_text, location) = spec
        .split_once(' ')
        .context("--log must be \"<verifier key> <directory or URL>\"")?;
    let vkey = VerifierKey::parse(vkey_text)
        .with_context(|| format!("--log verifier key {vkey_text:?}"))?;
    let key = RecordKey::ecosystem(Ecosystem::Artifact, name, version, Some(file_name))
        .with_context(|| format!("record key artifact/{name} {version} {file_name}"))?;
    let answer = if location.starts_with("http://") || location.starts_with("https://") {
        fetch_http(location, &key)?
    } else {
        fetch_dir(Path::new(location), &key)?
    };
    let what = format!("artifact/{name} {version} {file_name}");
    Ok(match judge_log_answer(&answer, &vkey, &key, digest) {
        Ok(msg) => CheckResult::pass("log", format!("{what}: {msg}")),
        Err(msg) => CheckResult::fail("log", format!("{what}: {msg}")),
    })
}

/// Verifies a log answer: the note is signed by `vkey`, the record is for `key`, its inclusion
/// proof leads to the signed root, and its digest is FILE's. `Err` is a failed check.
fn judge_log_answer(
    answer: &UntrustedLogAnswer,
    vkey: &VerifierKey,
    key: &RecordKey,
    digest: Sha256Digest,
) -> Result<String, String> {
    let note = lockproof_tlog::open(&answer.note, &Verifiers::new([vkey.clone()]))
        .map_err(|e| format!("checkpoint is not signed by the given key: {e}"))?;
    let tree =
        parse_tree_note(note.text()).map_err(|e| format!("signed checkpoint is malformed: {e}"))?;
    let Some((index, text, proof)) = &answer.found else {
        return Err(format!("not in the log (tree size {})", tree.size));
    };
    let record = Record::parse_for_key(text.as_bytes(), key)
        .map_err(|e| format!("logged record is malformed: {e}"))?;
    check_record(
        &RecordProof(proof.clone()),
        tree.size,
        tree.hash,
        *index,
        record.leaf_hash(),
    )
    .map_err(|_| {
        format!("inclusion proof for record {index} does not match the signed checkpoint")
    })?;
    let want = Digest::new(DigestAlgorithm::Sha256, digest.as_bytes().to_vec())
        .map_err(|e| e.to_string())?;
    match record.hashes() {
        RecordHashes::Digest(logged) if *logged == want => Ok(format!(
            "sha256 matches record {index} of the signed tree of size {}",
            tree.size
        )),
        RecordHashes::Digest(logged) if logged.algorithm() != DigestAlgorithm::Sha256 => {
            Err(format!(
                "the log records {}; artifact verify compares sha256 only",
                logged.algorithm().as_str()
            ))
        }
        RecordHashes::Digest(logged) => Err(format!(
            "the log records sha256:{} but the file is {digest} (record {index})",
            logged.to_hex()
        )),
        _ => Err("logged record is not an artifact digest record".to_owned()),
    }
}

/// A local log directory, opened read-only in-process.
fn fetch_dir(dir: &Path, key: &RecordKey) -> anyhow::Result<UntrustedLogAnswer> {
    let log = lockproof_log::Log::open_read_only(dir)
        .with_context(|| format!("opening log {}", dir.display()))?;
    let published = log.checkpoint();
    let found = match log.lookup(key)? {
        None => None,
        Some((index, text)) => {
            let proof = log
                .prove_records(published.tree.size, &[index])?
                .pop()
                .context("log returned no inclusion proof")?;
            Some((index, text, proof.0))
        }
    };
    Ok(UntrustedLogAnswer {
        note: published.note.clone(),
        found,
    })
}

/// An HTTP log, through the lockproof batched-lookup API.
fn fetch_http(base: &str, key: &RecordKey) -> anyhow::Result<UntrustedLogAnswer> {
    use lockproof_verify::fetch::LogFetcher as _;
    let fetcher = lockproof_verify::http::HttpFetcher::new(base, LOG_TIMEOUT)?;
    let keys = [key.lookup_path()];
    let request = serde_json::to_vec(&lockproof_verify::batch::BatchRequest {
        keys: &keys,
        old_size: None,
    })?;
    let body = fetcher
        .lookups_batch(&request)?
        .with_context(|| format!("{base} does not offer the lockproof lookups API"))?;
    let response: lockproof_verify::batch::BatchResponse = serde_json::from_slice(&body)
        .with_context(|| format!("{base}: malformed lookups response"))?;
    let result = response
        .results
        .into_iter()
        .find(|r| r.key == keys[0])
        .with_context(|| format!("{base}: response has no result for {}", keys[0]))?;
    let found = match (result.status.as_str(), result.index, result.record) {
        ("missing", _, _) => None,
        ("found", Some(index), Some(record)) => {
            if result.inclusion.len() > lockproof_verify::batch::MAX_PROOF_HASHES {
                bail!("{base}: inclusion proof too long");
            }
            let proof = result
                .inclusion
                .iter()
                .map(|h| {
                    let bytes = base64::engine::general_purpose::STANDARD.decode(h).ok()?;
                    <[u8; 32]>::try_from(bytes).ok().map(Hash)
                })
                .collect::<Option<Vec<_>>>()
                .with_context(|| {
                    format!("{base}: inclusion proof hash is not 32 bytes of base64")
                })?;
            Some((index, record, proof))
        }
        (status, _, _) => bail!("{base}: unexpected lookup status {status:?}"),
    };
    Ok(UntrustedLogAnswer {
        note: response.checkpoint.into_bytes(),
        found,
    })
}

fn rebuild_check(args: &ArtifactVerifyArgs, digest: Sha256Digest) -> anyhow::Result<CheckResult> {
    let source = args
        .source
        .canonicalize()
        .with_context(|| format!("source tree {}", args.source.display()))?;
    let mut check = lockproof_repro::Check::new(source, args.command.clone());
    check.artifacts = args.rebuild_artifacts.clone();
    // The verdict is what this check needs; attribution rebuilds are `lockproof repro`'s job.
    check.attribute = false;
    let report = match check.run(&lockproof_repro::NoProgress) {
        Ok(report) => report,
        Err(
            e @ (lockproof_repro::Error::BuildFailed { .. }
            | lockproof_repro::Error::NoArtifacts { .. }),
        ) => {
            return Ok(CheckResult::fail("rebuild", format!("rebuild failed: {e}")));
        }
        Err(e) => return Err(anyhow::Error::new(e).context("rebuild")),
    };
    let details = serde_json::to_value(&report).ok();
    let mut result = if report.verdict == lockproof_repro::Verdict::Unreproducible {
        let differing: Vec<&str> = report
            .artifacts
            .iter()
            .filter(|a| !a.reproducible)
            .map(|a| a.name.as_str())
            .collect();
        let causes: Vec<String> = report
            .causes
            .iter()
            .map(|c| format!("{}: {}", c.cause, c.suggestion))
            .collect();
        CheckResult::fail(
            "rebuild",
            format!(
                "not reproducible: {} differ between builds{}",
                differing.join(", "),
                if causes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", causes.join("; "))
                }
            ),
        )
    } else {
        let hex = digest.to_hex();
        match report.artifacts.iter().find(|a| {
            a.control
                .as_ref()
                .is_some_and(|c| c.sha256.0 == *digest.as_bytes())
        }) {
            Some(a) => CheckResult::pass(
                "rebuild",
                format!("rebuilt {} reproducibly with the same sha256", a.name),
            ),
            None => CheckResult::fail(
                "rebuild",
                format!(
                    "the build is reproducible but none of its {} artifacts has sha256 {hex}",
                    report.artifacts.len()
                ),
            ),
        }
    };
    result.details = details;
    Ok(result)
}

fn print(report: &Report, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    let verdict = if report.result == Status::Fail {
        "FAILED"
    } else {
        "verified"
    };
    println!(
        "{verdict}: {} (sha256:{})",
        report.artifact.display(),
        report.sha256
    );
    for c in &report.checks {
        let status = match c.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Skipped => "skipped",
        };
        println!("  {:<9} {status:<7} {}", c.check, c.reason);
    }
    Ok(())
}
