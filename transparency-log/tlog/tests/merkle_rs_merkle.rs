//! An independent implementation agrees: `rs_merkle`, configured for RFC 6962 (interior hash
//! `SHA-256(0x01 ‖ left ‖ right)`, unpaired nodes promoted), computes the same tree hash for
//! every size and the same single-leaf audit paths. rs_merkle is used only as a cross-check of
//! construction here, never to verify anything: its `verify` accepts proofs with extra hashes.

mod merkle_support;

use lockproof_tlog::{Hash, prove_record, tree_hash};
use merkle_support::MemLog;
use rs_merkle::{Hasher, MerkleTree};
use sha2::{Digest as _, Sha256};

/// rs_merkle hasher whose `hash` is the RFC 6962 interior-node hash of its (64-byte) input.
#[derive(Clone)]
struct Rfc6962Node;

impl Hasher for Rfc6962Node {
    type Hash = [u8; 32];

    fn hash(data: &[u8]) -> [u8; 32] {
        Sha256::new()
            .chain_update([0x01])
            .chain_update(data)
            .finalize()
            .into()
    }
}

#[test]
fn rs_merkle_agrees_on_every_tree_hash_up_to_300() {
    let log = MemLog::with_records(300);
    for size in 1..=300usize {
        let leaves: Vec<[u8; 32]> = log.leaves[..size].iter().map(|h| h.0).collect();
        let tree = MerkleTree::<Rfc6962Node>::from_leaves(&leaves);
        let theirs = tree.root().map(Hash);
        assert_eq!(
            theirs,
            tree_hash(size as u64, &log.stored).ok(),
            "size {size}"
        );
    }
}

#[test]
fn rs_merkle_agrees_on_single_leaf_audit_paths() {
    let log = MemLog::with_records(130);
    for size in [1usize, 2, 3, 7, 8, 9, 64, 100, 127, 128, 129, 130] {
        let leaves: Vec<[u8; 32]> = log.leaves[..size].iter().map(|h| h.0).collect();
        let tree = MerkleTree::<Rfc6962Node>::from_leaves(&leaves);
        for n in 0..size {
            let theirs: Vec<Hash> = tree
                .proof(&[n])
                .proof_hashes()
                .iter()
                .copied()
                .map(Hash)
                .collect();
            let ours = prove_record(size as u64, n as u64, &log.stored).expect("prove_record");
            assert_eq!(ours.0, theirs, "record {n} of {size}");
        }
    }
}
