//! The crate's one error type.

/// Everything that can go wrong in the transparency-log core.
///
/// Every proof failure is the single opaque [`Error::InvalidProof`]: a caller must not be able
/// to distinguish "wrong length" from "wrong hash", and must treat both the same way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An inclusion or consistency proof (or a tile) does not verify against the trusted tree.
    #[error("invalid proof")]
    InvalidProof,
    /// Input text or bytes are not in the expected canonical format.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being parsed ("note", "checkpoint", "tile path", "record", …).
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// An index or size is out of range for the tree it refers to.
    #[error("index out of range: {0}")]
    OutOfRange(String),
    /// A [`HashReader`](crate) or tile reader failed or returned the wrong number of hashes.
    #[error("hash reader: {0}")]
    Reader(String),
}
