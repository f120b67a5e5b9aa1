//! `lockproof`: verify lockfiles against a Merkle transparency log, host a checksum log,
//! check reproducible builds and artifact provenance.
//!
//! This binary is glue: it parses arguments (clap), calls the library crates, prints, and maps
//! outcomes to the fixed exit codes documented in [`Outcome`]. Each subcommand lives in its own
//! module.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod attest;
mod ci;
mod entries;
mod log;
mod mirror;
mod repro;
mod verify;

/// The result of a subcommand that ran to completion.
///
/// Exit codes are a public contract: 0 verified / reproducible, 1 a verification failed,
/// 2 a usage or operational error (returned as `Err` from a subcommand).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Everything checked passed (exit 0).
    Passed,
    /// A check failed: mismatch, bad proof, fork, unreproducible build, … (exit 1).
    Failed,
}

/// Verify lockfiles against a transparency log; host a checksum log; check builds.
#[derive(Debug, Parser)]
#[command(name = "lockproof", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify every entry of the lockfiles against transparency logs.
    Verify(verify::VerifyArgs),
    /// Write an offline proof bundle for the lockfiles' entries.
    Prove(verify::ProveArgs),
    /// Show the entries lockproof extracts from lockfiles.
    Entries(entries::EntriesArgs),
    /// Create, fill, serve and audit a checksum log.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Rebuild under varied environments, compare the artifacts and name the cause.
    Repro(repro::ReproArgs),
    /// Verify Sigstore bundles offline.
    #[command(subcommand)]
    Attest(attest::AttestCommand),
    /// Check an artifact three ways: signature, log inclusion and reproducible rebuild.
    #[command(subcommand)]
    Artifact(attest::ArtifactCommand),
    /// Write CI pipelines whose stages are verify, vet, test and race.
    #[command(subcommand)]
    Ci(ci::CiCommand),
    /// sigstore-conformance entry point (`verify-bundle …`); exit 0 means verified.
    #[command(hide = true)]
    VerifyBundle(attest::VerifyBundleArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify(args) => verify::run(args),
        Command::Prove(args) => verify::run_prove(args),
        Command::Entries(args) => entries::run(args),
        Command::Log(cmd) => log::run(cmd),
        Command::Repro(args) => repro::run(args),
        Command::Attest(cmd) => attest::run(cmd),
        Command::Artifact(cmd) => attest::run_artifact(cmd),
        Command::Ci(cmd) => ci::run(cmd),
        Command::VerifyBundle(args) => attest::run_verify_bundle(args),
    };
    match result {
        Ok(Outcome::Passed) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(err) => {
            eprintln!("lockproof: error: {}", describe(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, `: `-separated, leaving out a cause whose text the message
/// already holds (the library errors print their I/O source themselves).
fn describe(err: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if msg.contains(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}
