//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in the log server and its storage.
///
/// Variants that refer to a file carry its path, so the binary can print an actionable message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A filesystem operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done ("write", "fsync", "rename", …).
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The key → index database failed.
    #[error("index database {path}: {message}")]
    Index {
        /// The database file.
        path: PathBuf,
        /// What redb reported.
        message: String,
    },
    /// The log directory is missing, not a log, already a log, or locked by another process.
    #[error("log directory {path}: {reason}")]
    Directory {
        /// The log directory.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A record offered for appending is malformed (the reason names the rule it breaks).
    #[error("malformed record #{position}: {reason}")]
    MalformedRecord {
        /// 1-based position of the record in the request or file.
        position: usize,
        /// Why it was rejected.
        reason: String,
    },
    /// A different record is already logged for the same key; records are immutable.
    #[error("conflicting record for {key}: index {index} already holds a different record")]
    Conflict {
        /// The lookup key (`<escaped name>@<escaped version>[/<artifact>]`).
        key: String,
        /// The existing record's leaf index.
        index: u64,
        /// The existing record text.
        existing: String,
    },
    /// A request asked for something outside the current tree (tile, index, size).
    #[error("not found: {0}")]
    NotFound(String),
    /// A request is syntactically invalid (tile path, lookup key, size).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The stored log is inconsistent (found by recovery or audit); names the first problem.
    #[error("corrupt log: {0}")]
    Corrupt(String),
    /// A transparency-log core operation failed.
    #[error(transparent)]
    Tlog(#[from] lockproof_tlog::Error),
    /// The sequencer has stopped (the log is shutting down or hit a fatal storage error).
    #[error("sequencer stopped: {0}")]
    Stopped(String),
}

impl Error {
    /// Wraps an I/O error with the operation and path it came from.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
