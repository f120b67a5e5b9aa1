//! Reproducible-build checker: rebuild under varied environments, compare, name the cause.
//!
//! `lockproof-repro` copies a source tree to fresh directories, runs a **control** build with
//! every variation pinned and **experiment** builds with variations applied
//! ([`Variation`]: build path, HOME, time through `SOURCE_DATE_EPOCH`, TZ, locale, umask, CPUs,
//! ASLR, file ordering, …, none of them needing root), hashes the artifacts, and when they
//! differ:
//!
//! 1. **attributes** the difference to the variation, or the minimal set of interacting
//!    variations, that causes it, by rebuilding with one variation at a time and bisecting;
//! 2. **locates** the first difference in each artifact in cause order (ELF section, archive
//!    member and header field, text line) — see [`compare`];
//! 3. **scans** both artifacts for the injected values (build path, HOME, time stamps) — see
//!    [`scan`];
//! 4. **suggests** a concrete fix per cause (`--remap-path-prefix`, `-trimpath`,
//!    `-ffile-prefix-map`, `SOURCE_DATE_EPOCH`, sorting, a pinned locale or TZ).
//!
//! ```no_run
//! use lockproof_repro::{Check, NoProgress, Verdict};
//! let check = Check::new(".".into(), vec!["make".into()]);
//! let report = check.run(&NoProgress)?;
//! if report.verdict == Verdict::Unreproducible {
//!     for cause in &report.causes {
//!         println!("{}: {}", cause.cause, cause.suggestion);
//!     }
//! }
//! # Ok::<(), lockproof_repro::Error>(())
//! ```

#![forbid(unsafe_code)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )
)]

mod attribute;
mod check;
pub mod compare;
mod copy;
mod digest;
mod error;
mod expect;
mod host;
mod plan;
mod report;
mod runner;
pub mod scan;
mod suggest;
mod timefmt;
mod variation;

pub use attribute::{Attribution, Probe, attribute};
pub use check::{Check, MAX_RUNS, NoProgress, Progress};
pub use copy::{EXCLUDED_DIRS, copy_tree};
pub use digest::{HASH_BUFFER_BYTES, Sha256Digest, sha256_file, sha256_reader};
pub use error::Error;
pub use expect::{Expectation, ExpectationResult, check_expectations};
pub use host::HostCapabilities;
pub use plan::{BuildSpec, DEFAULT_SOURCE_DATE_EPOCH, NOISE_VARIABLE, Setup, Values};
pub use report::{
    ArtifactReport, BuildSummary, CauseReport, REPORT_SCHEMA_VERSION, Report, Verdict,
};
pub use runner::{
    Artifact, ArtifactPatterns, BuildOutput, Runner, STDERR_TAIL_BYTES, STDERR_TAIL_LINES,
};
pub use suggest::{Cause, Toolchain, hints, suggestion};
pub use timefmt::show_time;
pub use variation::{Skipped, Variation, VariationSet};
