//! `lockproof verify` and `lockproof prove`.

use crate::Outcome;

/// Arguments of `lockproof verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// Lockfiles to verify; found under the current directory when none are given.
    paths: Vec<std::path::PathBuf>,
}

/// Arguments of `lockproof prove`.
#[derive(Debug, clap::Args)]
pub(crate) struct ProveArgs {
    /// Lockfiles to prove; found under the current directory when none are given.
    paths: Vec<std::path::PathBuf>,
}

pub(crate) fn run(args: VerifyArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("verify is not built yet ({} paths)", args.paths.len())
}

pub(crate) fn run_prove(args: ProveArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("prove is not built yet ({} paths)", args.paths.len())
}
