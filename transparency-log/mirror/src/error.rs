//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while filling or importing into a log.
///
/// Cloneable, because one fill's outcome is handed to every caller that waited on it
/// (single-flight). No error ever leaves a record in the log: a fill appends only a record the
/// upstream published and the fetcher fully checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The upstream registry (or checksum database) failed: transport, status, timeout, size
    /// cap, malformed answer, failed verification. The HTTP layer answers 502 with this text.
    #[error("upstream for {key}: {reason}")]
    Upstream {
        /// The lookup key (`<escaped name>@<escaped version>[/<artifact>]`).
        key: String,
        /// What the upstream fetcher reported.
        reason: String,
    },
    /// The log refused or failed the append (conflict with an existing record, storage error,
    /// stopped sequencer).
    #[error("log: {0}")]
    Log(String),
    /// A different record is already logged for this key; records never change. During an
    /// import this is a lockfile that disagrees with what was logged first.
    #[error("{key}: the log holds a different record at index {index}: {existing}")]
    Conflict {
        /// The lookup key.
        key: String,
        /// The existing record's leaf index.
        index: u64,
        /// The existing record's text.
        existing: String,
    },
    /// A configuration value is invalid (`--mirror` list, `--upstream` spec, key text).
    #[error("configuration: {0}")]
    Config(String),
    /// A lockfile could not be read or parsed.
    #[error("{path}: {reason}")]
    Lockfile {
        /// The lockfile.
        path: PathBuf,
        /// What went wrong, with the line where known.
        reason: String,
    },
    /// A directory of the embedded default log could not be found or created.
    #[error("embedded log {path}: {reason}")]
    Embedded {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl From<lockproof_log::Error> for Error {
    fn from(e: lockproof_log::Error) -> Self {
        match e {
            lockproof_log::Error::Conflict {
                key,
                index,
                existing,
            } => Error::Conflict {
                key,
                index,
                existing,
            },
            other => Error::Log(other.to_string()),
        }
    }
}
