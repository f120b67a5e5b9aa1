//! lockproof's verifying client: log lookups, proofs, trust state, policy and reports.
//!
//! The shape is plan → fetch → compute: [`verifier::plan`] works out which keys each log must
//! answer, [`verifier::query_all`] fetches everything through ONE narrow trait
//! ([`fetch::LogFetcher`]) and checks signatures, witness quorum, consistency with the
//! persisted trust state and the inclusion of every record, and [`verifier::judge`] compares
//! digests. Nothing fetched is trusted until it is verified, and only verified tiles reach the
//! on-disk cache. Results go into one [`report::Report`] that every output format renders.
//! Offline bundles ([`bundle`]) carry the same proofs for verification with no network.
//!
//! # Example: one report, every format
//!
//! ```
//! use lockproof_verify::policy::Policy;
//! use lockproof_verify::render::{Format, render};
//! use lockproof_verify::report::{CheckpointRef, Finding, Report, Verdict};
//!
//! // Defaults: mismatch and missing fail the run, unpinned warns.
//! let policy = Policy::default();
//! let mut report = Report::new("0.1.0");
//! report.findings.push(Finding {
//!     verdict: Verdict::Mismatch,
//!     action: policy.actions.for_verdict(Verdict::Mismatch),
//!     ecosystem: "cargo".into(),
//!     name: "serde".into(),
//!     version: "1.0.219".into(),
//!     artifact: None,
//!     file: "Cargo.lock".into(),
//!     line: 42,
//!     expected: Some(format!("sha256:{}", "ab".repeat(32))),
//!     logged: Some(format!("sha256:{}", "cd".repeat(32))),
//!     index: Some(7),
//!     checkpoint: Some(CheckpointRef { log: "sum.example.com".into(), size: 10, root: "A".repeat(43) + "=" }),
//!     reason: None,
//! });
//! report.finish();
//! assert!(report.failed()); // exit code 1
//! assert!(render(&report, Format::Human, false).contains("Cargo.lock:42"));
//! let sarif = render(&report, Format::Sarif, false);
//! assert!(sarif.contains("\"cargo:serde@1.0.219:checksum-mismatch\""));
//! assert!(render(&report, Format::Github, false).starts_with("::error file=Cargo.lock,line=42,"));
//! ```

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used)]

mod answers;
pub mod batch;
pub mod bundle;
pub mod cache;
pub mod client;
pub mod diff;
mod error;
pub mod fetch;
mod fsutil;
pub mod http;
mod lookup;
pub mod policy;
mod pool;
pub mod render;
pub mod report;
pub mod state;
pub mod verifier;
mod witnesses;

pub use error::Error;
pub use fsutil::{Pending, PendingWrite, write_atomic};
