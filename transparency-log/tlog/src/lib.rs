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
//!
//! # Merkle example
//!
//! A log keeps its records and, in a flat append-only list, the hashes of every complete
//! subtree ([`stored_hashes`] says what to append for each record, numbered as Go's `tlog`
//! numbers them). From those it answers for any tree size: the tree hash, inclusion proofs
//! and consistency proofs. A client that trusts a tree head (from a verified checkpoint)
//! checks the proofs against it.
//!
//! ```
//! use lockproof_tlog::{
//!     Hash, Tree, check_record, check_tree, prove_record, prove_tree, record_hash,
//!     stored_hashes, tree_hash,
//! };
//!
//! // The log: append three records.
//! let records: [&[u8]; 3] = [b"a 1 sha256:aa\n", b"b 1 sha256:bb\n", b"c 1 sha256:cc\n"];
//! let mut stored: Vec<Hash> = Vec::new(); // a Vec<Hash> is a complete in-memory HashReader
//! for (n, record) in records.iter().enumerate() {
//!     let new = stored_hashes(n as u64, record, &stored)?;
//!     stored.extend(new);
//! }
//! let old = Tree { size: 2, hash: tree_hash(2, &stored)? };
//! let new = Tree { size: 3, hash: tree_hash(3, &stored)? };
//!
//! // The log proves that record 1 is in the new tree and that the new tree extends the old.
//! let inclusion = prove_record(new.size, 1, &stored)?;
//! let consistency = prove_tree(new.size, old.size, &stored)?;
//!
//! // The client checks both against tree heads it trusts; any change makes them fail.
//! check_record(&inclusion, new.size, new.hash, 1, record_hash(records[1]))?;
//! check_tree(&consistency, new.size, new.hash, old.size, old.hash)?;
//! let forged = record_hash(b"b 1 sha256:00\n");
//! assert!(check_record(&inclusion, new.size, new.hash, 1, forged).is_err());
//! assert!(check_tree(&consistency, new.size, new.hash, old.size, Hash([0; 32])).is_err());
//! # Ok::<(), lockproof_tlog::Error>(())
//! ```
//!
//! A tiled log serves the same stored hashes as [`Tile`]s ([`read_tile_data`], with paths for
//! the Go sumdb and C2SP tlog-tiles faces in [`tile_path`]); a client reads them through a
//! [`TileHashReader`], which authenticates every tile against its trusted [`Tree`] before use.

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used)]

mod error;
pub use error::Error;

// Merkle core (helper "merkle").
mod hash;
mod proof;
mod tile;
pub mod tile_path;
mod tile_reader;
mod tile_tree;
mod tree;
pub use hash::{EMPTY_TREE_HASH, HASH_SIZE, Hash, node_hash, record_hash};
pub use proof::{
    RecordProof, TreeProof, check_record, check_tree, prove_record, prove_records, prove_tree,
};
pub use tile::{
    LOCKPROOF_TILE_HEIGHT, MAX_TILE_HEIGHT, Tile, TileLevel, hash_from_tile, new_tiles,
    read_tile_data, tile_for_index, tree_tiles,
};
pub use tile_path::MAX_TILE_PATH_LEN;
pub use tile_reader::{TileHashReader, TileReader};
pub use tile_tree::TileTree;
pub use tree::{
    HashReader, HashReaderFn, MAX_TREE_SIZE, Tree, split_stored_hash_index, stored_hash_count,
    stored_hash_index, stored_hashes, stored_hashes_for_record_hash, tree_hash,
};

// Signed notes, keys, checkpoints, cosignatures and records (helper "notes").
pub mod checkpoint;
pub mod cosignature;
pub mod escape;
pub mod gomodule;
pub mod key;
pub mod note;
pub mod record;
pub mod record_key;
pub use checkpoint::{
    Checkpoint, SUMDB_TREE_ORIGIN, format_tree_note, parse_decimal, parse_tree_note,
};
pub use key::{KeyAlgorithm, KeyId, KeyName, SignerKey, VerifierKey, generate_key};
pub use note::{MAX_NOTE_SIZE, MAX_SIGNATURES, Note, Signature, SignedNote, Verifiers, open, sign};
pub use record::{Digest, DigestAlgorithm, Record, RecordHashes, parse_record_list};
pub use record_key::{Ecosystem, RecordKey};
pub mod lookup;
pub use lookup::{LookupResponse, format_lookup_response};
