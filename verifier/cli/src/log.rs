//! `lockproof log …`: create, fill, serve and audit a checksum log.

use crate::Outcome;

/// The `lockproof log` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum LogCommand {
    /// Create a log and print its verifier key.
    Init {
        /// The log directory.
        #[arg(long)]
        dir: std::path::PathBuf,
    },
}

pub(crate) fn run(cmd: LogCommand) -> anyhow::Result<Outcome> {
    anyhow::bail!("log is not built yet: {cmd:?}")
}
