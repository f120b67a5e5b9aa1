//! `lockproof entries`: show what lockproof extracted from lockfiles.

use crate::Outcome;

/// Arguments of `lockproof entries`.
#[derive(Debug, clap::Args)]
pub(crate) struct EntriesArgs {
    /// Lockfiles to read; found under the current directory when none are given.
    paths: Vec<std::path::PathBuf>,
}

pub(crate) fn run(args: EntriesArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("entries is not built yet ({} paths)", args.paths.len())
}
