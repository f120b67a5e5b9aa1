//! `lockproof attest verify`, `lockproof artifact verify` and the conformance entry point.

use crate::Outcome;

/// The `lockproof attest` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum AttestCommand {
    /// Verify a Sigstore bundle offline.
    Verify {
        /// The bundle file.
        #[arg(long)]
        bundle: std::path::PathBuf,
    },
}

/// The `lockproof artifact` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ArtifactCommand {
    /// Check an artifact: signature, log inclusion and rebuild.
    Verify {
        /// The artifact file.
        file: std::path::PathBuf,
    },
}

/// Arguments of the hidden `verify-bundle` conformance entry point.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyBundleArgs {
    /// The bundle file.
    #[arg(long)]
    bundle: std::path::PathBuf,
}

pub(crate) fn run(cmd: AttestCommand) -> anyhow::Result<Outcome> {
    anyhow::bail!("attest is not built yet: {cmd:?}")
}

pub(crate) fn run_artifact(cmd: ArtifactCommand) -> anyhow::Result<Outcome> {
    anyhow::bail!("artifact is not built yet: {cmd:?}")
}

pub(crate) fn run_verify_bundle(args: VerifyBundleArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("verify-bundle is not built yet: {args:?}")
}
