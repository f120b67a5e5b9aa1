//! `lockproof ci init`: write CI pipelines.

use crate::Outcome;

/// The `lockproof ci` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum CiCommand {
    /// Detect the repository's languages and write the matching templates.
    Init {
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
}

pub(crate) fn run(cmd: CiCommand) -> anyhow::Result<Outcome> {
    anyhow::bail!("ci is not built yet: {cmd:?}")
}
