//! lockproof's verifying client: log lookups, proofs, trust state, policy and reports.
//!
//! The shape is plan → fetch → compute: [`verifier::plan`] works out which keys each log must
//! answer, [`verifier::query_all`] fetches everything through ONE narrow trait
//! ([`fetch::LogFetcher`]) and checks signatures, witness quorum, consistency with the
//! persisted trust state and the inclusion of every record, and [`verifier::judge`] compares
//! digests. Nothing fetched is trusted until it is verified, and only verified tiles reach the
//! on-disk cache. Results go into one [`report::Report`] that every output format renders.
//! Offline bundles ([`bundle`]) carry the same proofs for verification with no network.

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

pub use error::Error;
pub use fsutil::write_atomic;
