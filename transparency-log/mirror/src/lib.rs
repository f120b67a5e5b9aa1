//! Mirror mode for lockproof logs: fill any log from the checksums the registries publish.
//!
//! The first time anyone asks a mirror-mode log about a `(name, version)`, it asks the
//! registry (through [`lockproof_upstream`]) for the digest it publishes, logs it, and answers
//! with a proof. From then on the answer is fixed and provable: a registry, mirror or pull
//! request that later disagrees is caught. This is what sum.golang.org does for Go, for every
//! ecosystem.
//!
//! - [`Filler`]: lookup miss → upstream fetch → append (waiting for the durable checkpoint) →
//!   answer; single-flight per key, a short negative cache that is never logged, typed upstream
//!   errors, a concurrency cap and rate limit toward upstream, and fill counters.
//! - [`http::router`]: the log server's router ([`lockproof_log::http::router`]) with filling in
//!   front of `/lookup/<key>` (also under `/sumdb/<name>/`) and `POST /lockproof/v1/lookups`;
//!   upstream failures are `502` with the reason.
//! - [`embedded`]: the embedded default log of `lockproof verify` under the XDG data dir.
//! - [`import`]: `lockproof log import`, lockfile entries logged on first use for ecosystems
//!   without an upstream.
//!
//! # Example
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use lockproof_mirror::{Fill, Filler, FillerConfig, Upstreams};
//! let dir = tempfile::tempdir()?;
//! lockproof_log::Log::init(dir.path(), "mirror.example.com", None)?;
//! let log = lockproof_log::Log::open(dir.path())?;
//! // No upstream for cargo keys here, so nothing is filled.
//! let filler = Filler::new(log, Upstreams::none(), FillerConfig::default());
//! let key = lockproof_tlog::RecordKey::ecosystem(
//!     lockproof_tlog::Ecosystem::Cargo, "serde", "1.0.0", None)?;
//! assert_eq!(filler.fill(&key)?, Fill::NoUpstream);
//! assert_eq!(filler.log().checkpoint().tree.size, 0);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used)]

pub mod embedded;
mod entries;
mod error;
mod filler;
pub mod http;
pub mod import;
mod limit;
mod metrics;
mod upstreams;

pub use entries::{Skipped, entry_key, entry_keys, entry_records, from_public_registry};
pub use error::Error;
pub use filler::{Fill, Filler, FillerConfig};
pub use limit::{Clock, Limits, SystemClock};
pub use metrics::{FillCounts, FillMetrics};
pub use upstreams::{
    CRATES_IO, GO_PROXY, GO_SUMDB, NPM_REGISTRY, PYPI_SIMPLE, RUBYGEMS, Upstreams,
};
