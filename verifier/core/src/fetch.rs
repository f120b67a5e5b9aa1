//! The one narrow I/O trait the verifier reaches logs through.
//!
//! Everything a [`LogFetcher`] returns is untrusted bytes: the verifier authenticates it
//! (signatures, proofs, tile hashes) before using it. Implementations: [`crate::http::HttpFetcher`]
//! for `http(s)://` logs; the CLI adapts a local log directory (through the server crate's
//! `Log` handle) to the same trait, so the verifier never depends on the server.

use lockproof_tlog::Tile;

use crate::Error;

/// Largest signed note accepted (`/latest`), the same cap as `lockproof_tlog::note::MAX_NOTE_SIZE`.
pub const MAX_NOTE_BYTES: usize = lockproof_tlog::note::MAX_NOTE_SIZE;
/// Largest `/lookup` response: id line + record + signed note.
pub const MAX_LOOKUP_BYTES: usize = 2 * lockproof_tlog::note::MAX_NOTE_SIZE;
/// Largest batched-lookup response: 10,000 results with records and 64-hash proofs fit well
/// below this.
pub const MAX_BATCH_RESPONSE_BYTES: usize = 64 << 20;

/// Read access to one log.
///
/// Implementations must be usable from several threads at once (the verifier runs lookups
/// concurrently) and must apply their own timeouts and size caps.
pub trait LogFetcher: Sync {
    /// A short description for messages (URL or directory).
    fn describe(&self) -> String;

    /// How many requests this fetcher has made so far (for benchmarks and tests).
    fn requests(&self) -> u64 {
        0
    }

    /// The latest signed tree note (sumdb `/latest`).
    ///
    /// # Errors
    /// [`Error::Fetch`] on transport failure or a non-200 answer.
    fn latest(&self) -> Result<Vec<u8>, Error>;

    /// The sumdb lookup for an escaped key path (`/lookup/<key_path>`): `id\nrecord\nnote`.
    /// `Ok(None)` when the log answers "not found".
    ///
    /// # Errors
    /// [`Error::Fetch`] on transport failure or any other answer.
    fn lookup(&self, key_path: &str) -> Result<Option<Vec<u8>>, Error>;

    /// The batched lookup `POST /lockproof/v1/lookups` with a JSON request body; returns the
    /// JSON response body, or `Ok(None)` when the log does not offer the lockproof API.
    ///
    /// # Errors
    /// [`Error::Fetch`] on transport failure or an error answer.
    fn lookups_batch(&self, request_json: &[u8]) -> Result<Option<Vec<u8>>, Error>;

    /// The log's C2SP checkpoint (`/checkpoint`) with whatever witness cosignatures it
    /// carries, or `Ok(None)` when the log serves none (a plain sumdb server).
    ///
    /// # Errors
    /// [`Error::Fetch`] on transport failure or an answer other than 200 or 404.
    fn checkpoint(&self) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }

    /// A consistency proof (RFC 9162 §2.1.4, base64 hashes) from tree size `old` to tree size
    /// `new` that this fetcher already holds without asking the log (an offline bundle carries
    /// one for its cosigned checkpoint), or `None`, the default: the proof is then computed
    /// from hash tiles. Untrusted, like everything fetched: the caller checks it.
    fn carried_consistency(&self, _old: u64, _new: u64) -> Option<Vec<String>> {
        None
    }

    /// The bytes of each tile, in order, each exactly `width × 32` bytes long.
    ///
    /// # Errors
    /// [`Error::Fetch`] if any tile cannot be read.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error>;
}
