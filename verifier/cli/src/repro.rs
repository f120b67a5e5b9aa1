//! `lockproof repro`: rebuild under varied environments and compare.

use crate::Outcome;

/// Arguments of `lockproof repro`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReproArgs {
    /// The build command.
    #[arg(last = true)]
    command: Vec<String>,
}

pub(crate) fn run(args: ReproArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("repro is not built yet: {:?}", args.command)
}
