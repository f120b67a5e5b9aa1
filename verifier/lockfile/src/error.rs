//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while finding, reading or parsing a lockfile.
///
/// Errors about a file's content always name the file, the 1-based line (0 when the problem is
/// the file as a whole) and the key or field that is wrong. A parse that returns an error never
/// returns entries: there is no partial list.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("{}: cannot read", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`crate::MAX_LOCKFILE_BYTES`].
    #[error("{}: {size} bytes is over the {limit}-byte limit for lockfiles", file.display())]
    TooLarge {
        /// The file.
        file: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Neither the file name nor the content says which lockfile format this is.
    #[error("{}: not a lockfile format lockproof knows", file.display())]
    UnknownFormat {
        /// The file.
        file: PathBuf,
    },
    /// The content is malformed, has a wrong type, a duplicate key, an unknown version, an
    /// invalid digest, or a reference to a file that cannot be read.
    #[error("{}:{line}: {key}: {problem}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line of the problem, or 0 when it concerns the whole file.
        line: u32,
        /// The key, field or section that is wrong (e.g. `package.checksum`).
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A digest string is not a valid encoding of a digest (no file context; see
    /// [`crate::Digest::parse`]).
    #[error("invalid digest: {0}")]
    InvalidDigest(String),
}

impl Error {
    /// An [`Error::Invalid`] for `file` at `line` about `key`.
    pub(crate) fn invalid(
        file: &std::path::Path,
        line: u32,
        key: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            file: file.to_path_buf(),
            line,
            key: key.into(),
            problem: problem.into(),
        }
    }
}
