//! The batched lookup of the lockproof API: `POST /lockproof/v1/lookups`.
//!
//! Request `{"keys":[<lookup path component>…],"old_size":N|null}` (≤ [`MAX_BATCH_KEYS`]);
//! response `{"checkpoint":<signed tree note>,"consistency":[<b64>…],"results":[…]}`, where
//! each result is `{"key","status":"found","index","record","inclusion":[<b64>…]}` or
//! `{"key","status":"missing"}`. The client verifies every proof against the signed checkpoint,
//! so nothing in the response is trusted. See the shared design "HTTP faces".

use serde::{Deserialize, Serialize};

/// Most keys in one batched request (the server's limit).
pub const MAX_BATCH_KEYS: usize = 10_000;

/// Most hashes in one proof: a tree of at most 2^63 leaves needs fewer.
pub const MAX_PROOF_HASHES: usize = 64;

/// The request body.
#[derive(Debug, Serialize)]
pub struct BatchRequest<'a> {
    /// Lookup path components.
    pub keys: &'a [String],
    /// The tree size the client already trusts (for the consistency proof).
    pub old_size: Option<u64>,
}

/// The response body (untrusted until verified).
#[derive(Debug, Deserialize)]
pub struct BatchResponse {
    /// The signed sumdb tree note.
    pub checkpoint: String,
    /// Consistency proof from `old_size` to the checkpoint's size.
    #[serde(default)]
    pub consistency: Vec<String>,
    /// One result per requested key, in request order.
    pub results: Vec<BatchResult>,
}

/// One key's answer.
#[derive(Debug, Deserialize)]
pub struct BatchResult {
    /// The lookup path component asked for.
    pub key: String,
    /// `found` or `missing`.
    pub status: String,
    /// Leaf index, when found.
    pub index: Option<u64>,
    /// Record text, when found.
    pub record: Option<String>,
    /// Inclusion proof hashes (base64), when found.
    #[serde(default)]
    pub inclusion: Vec<String>,
}
