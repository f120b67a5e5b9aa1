//! `lockproof attest verify`, `lockproof artifact verify` and the sigstore-conformance entry
//! point `verify-bundle`.
//!
//! Glue only: arguments → `lockproof_attest` → one report printed as human text or JSON.
//! Exit codes: 0 verified, 1 a check failed, 2 usage or I/O error.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use lockproof_attest::{Artifact, Matcher, Policy, Sha256Digest, TrustRoot, Verified, Verifier};

use crate::Outcome;

mod artifact_cmd;

/// Artifacts up to this size are read into memory (every signature scheme, including
/// Ed25519 message signatures, can then be checked); larger ones are hashed while streaming
/// and verified by digest.
const MAX_IN_MEMORY_ARTIFACT: u64 = 256 << 20;

/// The `lockproof attest` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum AttestCommand {
    /// Verify a Sigstore bundle offline: signature, certificate chain, identity, Rekor
    /// inclusion proof + checkpoint or inclusion promise, RFC 3161 timestamps.
    Verify(AttestVerifyArgs),
}

/// Who must have signed, and against which trusted root (shared by `attest verify` and
/// `artifact verify`).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SignerArgs {
    /// Certificate SAN that must have signed (exact match).
    #[arg(
        long,
        visible_alias = "certificate-identity",
        conflicts_with = "identity_regexp"
    )]
    identity: Option<String>,
    /// Certificate SAN regular expression (unanchored, like cosign; use ^…$ to pin).
    #[arg(long, visible_alias = "certificate-identity-regexp")]
    identity_regexp: Option<String>,
    /// OIDC issuer of the signing certificate (exact match).
    #[arg(
        long,
        visible_alias = "certificate-oidc-issuer",
        conflicts_with = "issuer_regexp"
    )]
    issuer: Option<String>,
    /// OIDC issuer regular expression (unanchored, like cosign).
    #[arg(long, visible_alias = "certificate-oidc-issuer-regexp")]
    issuer_regexp: Option<String>,
    /// PEM public key of a managed-key bundle (instead of an identity and issuer).
    #[arg(long, conflicts_with_all = ["identity", "identity_regexp", "issuer", "issuer_regexp"])]
    key: Option<PathBuf>,
    /// trusted_root.json to verify against [default: the pinned public-good root].
    #[arg(long)]
    trusted_root: Option<PathBuf>,
}

impl SignerArgs {
    fn policy(&self) -> anyhow::Result<Policy> {
        if let Some(key) = &self.key {
            let pem = std::fs::read_to_string(key)
                .with_context(|| format!("reading --key {}", key.display()))?;
            return Ok(Policy::PublicKey { pem });
        }
        let identity = match (&self.identity, &self.identity_regexp) {
            (Some(exact), None) => Matcher::exact(exact.clone()),
            (None, Some(re)) => Matcher::regex("identity", re)?,
            _ => bail!("give --identity or --identity-regexp (or --key for a managed-key bundle)"),
        };
        let issuer = match (&self.issuer, &self.issuer_regexp) {
            (Some(exact), None) => Matcher::exact(exact.clone()),
            (None, Some(re)) => Matcher::regex("issuer", re)?,
            _ => bail!("give --issuer or --issuer-regexp together with the identity"),
        };
        Ok(Policy::Keyless { identity, issuer })
    }

    fn verifier(&self) -> anyhow::Result<Verifier> {
        let root = match &self.trusted_root {
            Some(path) => {
                let json = read_capped(
                    path,
                    lockproof_attest::MAX_TRUSTED_ROOT_BYTES,
                    "trusted root",
                )?;
                TrustRoot::from_json(&json)
                    .with_context(|| format!("trusted root {}", path.display()))?
            }
            None => TrustRoot::public_good().context("the built-in public-good trusted root")?,
        };
        Ok(Verifier::new(&root)?)
    }

    /// Whether any signer option was given (for `artifact verify`, where the check is optional).
    fn any(&self) -> bool {
        self.identity.is_some()
            || self.identity_regexp.is_some()
            || self.issuer.is_some()
            || self.issuer_regexp.is_some()
            || self.key.is_some()
    }
}

/// Arguments of `lockproof attest verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct AttestVerifyArgs {
    /// The Sigstore bundle (.sigstore.json).
    #[arg(long)]
    bundle: PathBuf,
    /// The artifact: a file, or sha256:<64 hex> of it.
    #[arg(long)]
    artifact: String,
    #[command(flatten)]
    signer: SignerArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The `lockproof artifact` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ArtifactCommand {
    /// Check an artifact three ways (signature, log inclusion, reproducible rebuild);
    /// each configured check passes or fails, the others are reported as skipped.
    // `--version` is the record's version here, not lockproof's.
    #[command(disable_version_flag = true)]
    Verify(artifact_cmd::ArtifactVerifyArgs),
}

/// Arguments of the hidden `verify-bundle` conformance entry point (sigstore-conformance
/// `docs/cli_protocol.md`): exit 0 means verified.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyBundleArgs {
    /// Use the staging instance's trusted root (not shipped: needs --trusted-root).
    #[arg(long)]
    staging: bool,
    /// The bundle file.
    #[arg(long)]
    bundle: PathBuf,
    /// Expected certificate SAN.
    #[arg(long, requires = "certificate_oidc_issuer", conflicts_with = "key")]
    certificate_identity: Option<String>,
    /// Expected OIDC issuer.
    #[arg(long, requires = "certificate_identity")]
    certificate_oidc_issuer: Option<String>,
    /// PEM public key for a managed-key bundle.
    #[arg(long)]
    key: Option<PathBuf>,
    /// trusted_root.json [default: the pinned public-good root].
    #[arg(long)]
    trusted_root: Option<PathBuf>,
    /// The artifact path, or sha256:<64 hex>.
    file_or_digest: String,
}

pub(crate) fn run(cmd: AttestCommand) -> anyhow::Result<Outcome> {
    let AttestCommand::Verify(args) = cmd;
    let policy = args.signer.policy()?;
    let verifier = args.signer.verifier()?;
    let report = verify_signature(&verifier, &args.bundle, &args.artifact, &policy)?;
    print_signature_report(&report, args.json);
    Ok(if report.result.is_ok() {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}

pub(crate) fn run_artifact(cmd: ArtifactCommand) -> anyhow::Result<Outcome> {
    let ArtifactCommand::Verify(args) = cmd;
    artifact_cmd::run(args)
}

pub(crate) fn run_verify_bundle(args: VerifyBundleArgs) -> anyhow::Result<Outcome> {
    if args.staging && args.trusted_root.is_none() {
        bail!("--staging needs --trusted-root: lockproof ships only the public-good root");
    }
    let signer = SignerArgs {
        identity: args.certificate_identity,
        identity_regexp: None,
        issuer: args.certificate_oidc_issuer,
        issuer_regexp: None,
        key: args.key,
        trusted_root: args.trusted_root,
    };
    let policy = signer.policy()?;
    let verifier = signer.verifier()?;
    let report = verify_signature(&verifier, &args.bundle, &args.file_or_digest, &policy)?;
    print_signature_report(&report, false);
    Ok(if report.result.is_ok() {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}

/// The outcome of one bundle verification: `Err` is a rejection (exit 1), usage and I/O
/// errors are returned as `anyhow` errors instead (exit 2).
pub(crate) struct SignatureReport {
    bundle: PathBuf,
    artifact: String,
    result: Result<Verified, lockproof_attest::Error>,
}

impl SignatureReport {
    /// A one-line reason for the combined `artifact verify` report.
    pub(crate) fn summary(&self) -> (bool, String) {
        match &self.result {
            Ok(v) => (
                true,
                format!(
                    "signed by {} ({})",
                    v.identity.as_deref().unwrap_or("managed key"),
                    v.issuer.as_deref().unwrap_or("-")
                ),
            ),
            Err(e) => (false, e.to_string()),
        }
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        match &self.result {
            Ok(v) => serde_json::json!({
                "result": "pass", "bundle": self.bundle, "artifact": self.artifact, "verified": v,
            }),
            Err(e) => serde_json::json!({
                "result": "fail", "bundle": self.bundle, "artifact": self.artifact,
                "reason": e.reason().map(|r| r.as_str()), "detail": e.to_string(),
            }),
        }
    }
}

/// Reads the bundle and the artifact (a path, or `sha256:<hex>` when that is not an existing
/// path, as the conformance protocol says) and verifies.
pub(crate) fn verify_signature(
    verifier: &Verifier,
    bundle: &Path,
    artifact: &str,
    policy: &Policy,
) -> anyhow::Result<SignatureReport> {
    let bundle_json = read_capped(bundle, lockproof_attest::MAX_BUNDLE_BYTES, "bundle")?;
    let result =
        if artifact.starts_with(lockproof_attest::SHA256_PREFIX) && !Path::new(artifact).exists() {
            let digest = Sha256Digest::parse(artifact)?;
            verifier.verify(&bundle_json, Artifact::Sha256(digest), policy)
        } else {
            match read_artifact(Path::new(artifact))? {
                ArtifactData::Bytes(bytes) => {
                    verifier.verify(&bundle_json, Artifact::Bytes(&bytes), policy)
                }
                ArtifactData::Digest(digest) => {
                    verifier.verify(&bundle_json, Artifact::Sha256(digest), policy)
                }
            }
        };
    match result {
        Ok(v) => Ok(SignatureReport {
            bundle: bundle.to_owned(),
            artifact: artifact.to_owned(),
            result: Ok(v),
        }),
        Err(e @ lockproof_attest::Error::Rejected { .. }) => Ok(SignatureReport {
            bundle: bundle.to_owned(),
            artifact: artifact.to_owned(),
            result: Err(e),
        }),
        Err(e) => Err(anyhow::Error::new(e).context(format!("verifying {}", bundle.display()))),
    }
}

pub(crate) fn policy_and_verifier(
    signer: &SignerArgs,
) -> anyhow::Result<Option<(Policy, Verifier)>> {
    if !signer.any() {
        return Ok(None);
    }
    Ok(Some((signer.policy()?, signer.verifier()?)))
}

fn print_signature_report(report: &SignatureReport, json: bool) {
    if json {
        println!("{}", report.to_json());
        return;
    }
    match &report.result {
        Ok(v) => {
            println!(
                "verified: {} signs {}",
                report.bundle.display(),
                report.artifact
            );
            println!("  artifact sha256: {}", v.artifact_sha256);
            println!(
                "  identity:        {}",
                v.identity.as_deref().unwrap_or("(managed key)")
            );
            println!("  issuer:          {}", v.issuer.as_deref().unwrap_or("-"));
            for t in &v.verified_times {
                println!("  verified time:   {t}");
            }
            for l in &v.log_inclusions {
                println!(
                    "  log inclusion:   {} leaf {} of {}",
                    l.origin, l.leaf_index, l.tree_size
                );
            }
        }
        Err(e) => {
            let reason = e.reason().map_or("error", |r| r.as_str());
            println!(
                "FAILED ({reason}): {} does not verify {}",
                report.bundle.display(),
                report.artifact
            );
            println!("  {e}");
        }
    }
}

pub(crate) enum ArtifactData {
    Bytes(Vec<u8>),
    Digest(Sha256Digest),
}

/// Reads an artifact: into memory up to [`MAX_IN_MEMORY_ARTIFACT`], else streams its digest.
pub(crate) fn read_artifact(path: &Path) -> anyhow::Result<ArtifactData> {
    let context = || format!("reading artifact {}", path.display());
    let file = std::fs::File::open(path).with_context(context)?;
    let len = file.metadata().with_context(context)?.len();
    let mut reader = std::io::BufReader::new(file);
    if len <= MAX_IN_MEMORY_ARTIFACT {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).with_context(context)?;
        return Ok(ArtifactData::Bytes(bytes));
    }
    Ok(ArtifactData::Digest(
        Sha256Digest::of_reader(reader).with_context(context)?,
    ))
}

/// Reads a UTF-8 file of at most `limit` bytes.
fn read_capped(path: &Path, limit: usize, what: &str) -> anyhow::Result<String> {
    let file =
        std::fs::File::open(path).with_context(|| format!("opening {what} {}", path.display()))?;
    let mut text = String::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    file.take(cap)
        .read_to_string(&mut text)
        .with_context(|| format!("reading {what} {} (must be UTF-8 JSON)", path.display()))?;
    if text.len() > limit {
        bail!("{what} {} is over the {limit}-byte limit", path.display());
    }
    Ok(text)
}
