//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while checking a build.
///
/// A build that runs but produces different artifacts is *not* an error: it is a
/// [`Verdict::Unreproducible`](crate::Verdict) in the report. Errors are operational: the build
/// could not run, a file could not be read, an argument was malformed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("copy", "read", "create directory", …).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The build command could not be started at all (not found, not executable).
    #[error("cannot start the build command {program:?} for build {label}: {source}")]
    Spawn {
        /// The build's label (`control`, `experiment-1`, …).
        label: String,
        /// The program that failed to start.
        program: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The build command ran and exited unsuccessfully.
    #[error("build {label} failed ({status}); last lines of its stderr:\n{stderr_tail}")]
    BuildFailed {
        /// The build's label.
        label: String,
        /// The exit status, as the OS describes it.
        status: String,
        /// The last lines of the build's standard error.
        stderr_tail: String,
    },
    /// The control build succeeded and an experiment failed; rebuilding with one variation at
    /// a time found the variations under which the build fails.
    #[error("the build fails when varying {variations} (the control build succeeds)")]
    VariationBreaksBuild {
        /// Comma-separated variation names.
        variations: String,
        /// The experiment's failure (with its stderr tail).
        #[source]
        source: Box<Error>,
    },
    /// The build succeeded but no file matched the artifact patterns.
    #[error("build {label} produced no artifact matching {patterns:?}")]
    NoArtifacts {
        /// The build's label.
        label: String,
        /// The artifact patterns that matched nothing.
        patterns: Vec<String>,
    },
    /// A variation name in `--vary` is unknown.
    #[error("unknown variation {name:?}; known: {known}")]
    UnknownVariation {
        /// The name as given.
        name: String,
        /// The comma-separated list of known names.
        known: String,
    },
    /// An artifact glob is malformed.
    #[error("invalid artifact pattern {pattern:?}: {reason}")]
    BadPattern {
        /// The pattern as given.
        pattern: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A digest string is malformed.
    #[error("invalid digest {text:?}: expected sha256:<64 lowercase hex digits>")]
    BadDigest {
        /// The text as given.
        text: String,
    },
    /// The configuration is inconsistent (no build command, zero runs, …).
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// Wraps an I/O error with the action and path it concerns.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
