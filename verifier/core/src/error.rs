//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while verifying lockfiles against logs.
///
/// Variants split into two families that the CLI maps to different exit codes:
/// [`Error::is_security`] failures (the log lied or could not be verified: exit 1) and
/// everything else (usage or local operational problems: exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A policy or config file is malformed.
    #[error("{file}:{line}: {reason}")]
    Policy {
        /// The file being parsed.
        file: PathBuf,
        /// 1-based line number (0 when the problem is not tied to one line).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A log answered something that does not verify: bad signature, broken proof, fork,
    /// rollback, a record for another key, a malformed or oversized response, a timeout.
    #[error("log {log}: {reason}")]
    Log {
        /// The log's key name.
        log: String,
        /// What is wrong, in one sentence.
        reason: String,
    },
    /// The log's history is inconsistent with a checkpoint this client trusted before.
    #[error("log {log}: {reason} (evidence written to {})", evidence.display())]
    Inconsistent {
        /// The log's key name.
        log: String,
        /// "rollback" or "fork" with sizes.
        reason: String,
        /// The evidence file holding both signed checkpoints and the proof.
        evidence: PathBuf,
    },
    /// An offline bundle does not verify or is malformed.
    #[error("bundle: {0}")]
    Bundle(String),
    /// A transport problem talking to a log (connection refused, HTTP status, timeout).
    #[error("fetching {what}: {reason}")]
    Fetch {
        /// What was being fetched (a URL or path).
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// Reading or writing local files (state, cache, output).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Reading lockfiles from git (PR mode).
    #[error("git: {0}")]
    Git(String),
    /// Invalid input that is the user's fault (bad flag combination, bad key text).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Whether this error means verification failed (exit 1) rather than a usage or local
    /// operational problem (exit 2).
    #[must_use]
    pub fn is_security(&self) -> bool {
        matches!(
            self,
            Error::Log { .. } | Error::Inconsistent { .. } | Error::Bundle(_) | Error::Fetch { .. }
        )
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn log(log: &str, reason: impl Into<String>) -> Self {
        Error::Log {
            log: log.to_owned(),
            reason: reason.into(),
        }
    }
}
