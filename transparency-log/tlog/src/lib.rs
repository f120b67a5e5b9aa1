//! The pure transparency-log core of lockproof.
//!
//! RFC 6962 Merkle hashing, Go `sumdb/tlog`'s stored-hash layout, inclusion and consistency
//! proofs (RFC 9162 §2.1.3–2.1.4), tiles (C2SP tlog-tiles and Go's sumdb tile paths), C2SP
//! signed notes, checkpoints and cosignatures, and the record formats lockproof logs.
//!
//! This crate does no I/O: no files, no sockets, no clock, no async. Everything that needs data
//! from storage or the network reaches it through one narrow reader trait, and follows the
//! plan → fetch → compute shape: work out which indexes are needed, read them in one batch,
//! then compute. Nothing read through a reader is trusted until it is verified.

#![forbid(unsafe_code)]

mod error;
pub use error::Error;
