//! The crate's one error type.

/// Everything that can go wrong while asking a registry for its published checksum.
///
/// None of these ever becomes a record: a caller that gets an error logs nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be made or the connection failed (DNS, refused, timeout, TLS).
    #[error("{url}: {reason}")]
    Transport {
        /// The URL asked for.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The registry answered with an unexpected HTTP status (404 and 410 are "not published",
    /// not errors).
    #[error("{url}: HTTP status {status}")]
    Status {
        /// The URL asked for.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The response body was larger than the cap for this kind of request.
    #[error("{url}: response larger than {limit} bytes")]
    TooLarge {
        /// The URL asked for.
        url: String,
        /// The cap, in bytes.
        limit: u64,
    },
    /// The response did not have the registry's documented shape, or a digest in it had the
    /// wrong length or encoding.
    #[error("{url}: malformed response: {reason}")]
    Malformed {
        /// The URL asked for.
        url: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The registry publishes no digest that lockproof accepts for this package (for example
    /// only SHA-1).
    #[error("{url}: {reason}")]
    Unsupported {
        /// The URL asked for.
        url: String,
        /// Why the published data cannot be logged.
        reason: String,
    },
    /// The request itself is invalid: an empty name, a name that cannot be put in a URL, a
    /// missing artifact for an ecosystem keyed per file.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// An upstream checksum database's tree, proof or signature did not verify.
    #[error("{url}: upstream checksum database failed verification: {reason}")]
    Verification {
        /// The URL asked for.
        url: String,
        /// What did not verify.
        reason: String,
    },
}
