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
#![warn(clippy::unwrap_used)]

mod error;
pub use error::Error;

// Merkle core (helper "merkle").
mod hash;
mod proof;
mod tile;
pub mod tile_path;
mod tile_reader;
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
