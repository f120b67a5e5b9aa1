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
    /// A signature by a known key (matching name and key id) does not verify
    /// (C2SP signed-note: such a note is rejected as a whole).
    #[error("invalid signature by known key {name}")]
    InvalidSignature {
        /// The name of the key whose signature failed.
        name: String,
    },
    /// A note carries no signature from any known key (Go: "note has no verifiable signatures").
    #[error("note has no verifiable signatures")]
    UnverifiedNote,
    /// A record is well formed but is not the record for the key that was asked for.
    #[error("record is for {found}, not {expected}")]
    RecordKeyMismatch {
        /// The key that was asked for (lookup path form).
        expected: String,
        /// The key the record text is actually for (lookup path form).
        found: String,
    },
    /// The operating system could not supply randomness for key generation.
    #[error("no randomness available: {0}")]
    Entropy(String),
}
