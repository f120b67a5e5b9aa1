//! Every small tree, every leaf, every pair of sizes: proofs are generated exactly as RFC 6962
//! defines them, verify, and stop verifying when anything about them is changed.

mod merkle_support;

use lockproof_tlog::{
    EMPTY_TREE_HASH, Error, Hash, RecordProof, TreeProof, check_record, check_tree, prove_record,
    prove_records, prove_tree, split_stored_hash_index, stored_hash_count, stored_hash_index,
    tree_hash,
};
use merkle_support::{CountingReader, MemLog, Rfc6962, flip, naive_mth};

const MAX_INCLUSION_SIZE: u64 = 300;
const MAX_CONSISTENCY_SIZE: u64 = 100;

#[test]
fn stored_hash_index_round_trips_through_split() {
    for level in 0..12u8 {
        for n in 0..300u64 {
            let x = stored_hash_index(level, n);
            assert_eq!(split_stored_hash_index(x), (level, n), "index {x}");
        }
    }
}

#[test]
fn stored_hash_numbering_matches_go_layout() {
    // After 4 records: L(0,0) L(0,1) L(1,0) L(0,2) L(0,3) L(1,1) L(2,0).
    let expected = [(0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 1), (2, 0)];
    for (index, &(level, n)) in expected.iter().enumerate() {
        assert_eq!(stored_hash_index(level, n), index as u64);
    }
    assert_eq!(stored_hash_count(4), 7);
}

#[test]
fn stored_hashes_fill_exactly_stored_hash_count_slots() {
    let mut log = MemLog::with_records(0);
    assert_eq!(stored_hash_count(0), 0);
    for i in 0..MAX_INCLUSION_SIZE {
        log.append(format!("leaf {i}").as_bytes());
        assert_eq!(stored_hash_count(i + 1), log.stored.len() as u64);
        // Every stored hash is the root of the complete subtree its index names.
        let first_new = stored_hash_count(i) as usize;
        for (x, h) in log.stored.iter().enumerate().skip(first_new) {
            let (level, n) = split_stored_hash_index(x as u64);
            let lo = (n << level) as usize;
            let hi = ((n + 1) << level) as usize;
            assert_eq!(*h, Rfc6962::new(&log.leaves).mth(lo, hi), "stored hash {x}");
        }
    }
}

#[test]
fn tree_hash_matches_rfc6962_definition_for_every_size() {
    let log = MemLog::with_records(MAX_INCLUSION_SIZE);
    assert_eq!(tree_hash(0, &log.stored), Ok(EMPTY_TREE_HASH));
    for size in 1..=MAX_INCLUSION_SIZE {
        let reader = CountingReader {
            stored: &log.stored,
            calls: Default::default(),
        };
        let th = tree_hash(size, &reader).expect("tree_hash");
        assert_eq!(th, naive_mth(&log.leaves[..size as usize]), "size {size}");
        assert_eq!(*reader.calls.borrow(), 1, "tree_hash reads once");
    }
}

#[test]
fn every_inclusion_proof_verifies_and_every_corruption_fails() {
    let log = MemLog::with_records(MAX_INCLUSION_SIZE);
    let rfc = Rfc6962::new(&log.leaves);
    for t in 1..=MAX_INCLUSION_SIZE {
        let th = rfc.mth(0, t as usize);
        for n in 0..t {
            let h = log.leaves[n as usize];
            let p = prove_record(t, n, &log.stored).expect("prove_record");
            assert_eq!(p.0, rfc.path(n as usize, t as usize), "PATH({n}, {t})");
            assert_eq!(
                check_record(&p, t, th, n, h),
                Ok(()),
                "record {n} in tree {t}"
            );
            assert_inclusion_corruptions_fail(&p, t, th, n, h);
        }
    }
}

fn assert_inclusion_corruptions_fail(p: &RecordProof, t: u64, th: Hash, n: u64, h: Hash) {
    let fails = |p: &RecordProof, t: u64, th: Hash, n: u64, h: Hash, what: &str| {
        assert_eq!(
            check_record(p, t, th, n, h),
            Err(Error::InvalidProof),
            "{what}: record {n} in tree {t}"
        );
    };
    for k in 0..p.0.len() {
        let mut bad = p.clone();
        bad.0[k] = flip(&bad.0[k]);
        assert_eq!(
            check_record(&bad, t, th, n, h),
            Err(Error::InvalidProof),
            "corrupt hash #{k}: record {n} in tree {t}"
        );
    }
    let mut extra = p.clone();
    extra.0.push(th);
    fails(&extra, t, th, n, h, "trailing root");
    let mut extra = p.clone();
    extra.0.push(Hash::default());
    fails(&extra, t, th, n, h, "trailing zero hash");
    let mut preceding = p.clone();
    preceding.0.insert(0, h);
    fails(&preceding, t, th, n, h, "preceding leaf");
    if !p.0.is_empty() {
        let mut truncated = p.clone();
        truncated.0.pop();
        fails(&truncated, t, th, n, h, "truncated");
        let mut removed = p.clone();
        removed.0.remove(0);
        fails(&removed, t, th, n, h, "first hash removed");
    }
    fails(p, t, flip(&th), n, h, "wrong root");
    fails(p, t, th, n, flip(&h), "wrong leaf");
    fails(p, t, th, t, h, "index = size");
    fails(p, t, th, u64::MAX, h, "huge index");
    fails(p, 0, th, n, h, "zero-size tree");
    fails(p, t * 2, th, n, h, "size * 2");
    if n > 0 {
        fails(p, t, th, n - 1, h, "index - 1");
    }
    if n + 1 < t {
        fails(p, t, th, n + 1, h, "index + 1");
    }
    if n ^ 2 < t {
        fails(p, t, th, n ^ 2, h, "index ^ 2");
    }
    if t > 1 {
        fails(p, t / 2, th, n, h, "size / 2");
    }
}

#[test]
fn prove_records_batches_one_read_and_matches_single_proofs() {
    let log = MemLog::with_records(MAX_INCLUSION_SIZE);
    let t = MAX_INCLUSION_SIZE;
    let ns: Vec<u64> = (0..t).rev().step_by(7).chain([0, 0, t - 1]).collect();
    let reader = CountingReader {
        stored: &log.stored,
        calls: Default::default(),
    };
    let proofs = prove_records(t, &ns, &reader).expect("prove_records");
    assert_eq!(*reader.calls.borrow(), 1);
    for (&n, p) in ns.iter().zip(&proofs) {
        assert_eq!(*p, prove_record(t, n, &log.stored).expect("prove_record"));
    }
}

#[test]
fn proving_outside_the_tree_is_out_of_range() {
    let log = MemLog::with_records(10);
    assert!(matches!(
        prove_record(10, 10, &log.stored),
        Err(Error::OutOfRange(_))
    ));
    assert!(matches!(
        prove_record(0, 0, &log.stored),
        Err(Error::OutOfRange(_))
    ));
    assert!(matches!(
        prove_tree(10, 0, &log.stored),
        Err(Error::OutOfRange(_))
    ));
    assert!(matches!(
        prove_tree(9, 10, &log.stored),
        Err(Error::OutOfRange(_))
    ));
    assert!(matches!(
        prove_record(u64::MAX, 1, &log.stored),
        Err(Error::OutOfRange(_))
    ));
    // Beyond what the reader holds: a reader error, not a panic.
    assert!(matches!(
        prove_record(12, 0, &log.stored),
        Err(Error::Reader(_))
    ));
    assert!(matches!(tree_hash(11, &log.stored), Err(Error::Reader(_))));
}

#[test]
fn every_consistency_proof_verifies_and_every_corruption_fails() {
    let log = MemLog::with_records(MAX_CONSISTENCY_SIZE);
    let rfc = Rfc6962::new(&log.leaves);
    let root = |s: u64| rfc.mth(0, s as usize);
    for t in 1..=MAX_CONSISTENCY_SIZE {
        for n in 1..=t {
            let p = prove_tree(t, n, &log.stored).expect("prove_tree");
            assert_eq!(p.0, rfc.proof(n as usize, t as usize), "PROOF({n}, {t})");
            assert_eq!(
                check_tree(&p, t, root(t), n, root(n)),
                Ok(()),
                "tree {n} in {t}"
            );
            assert_consistency_corruptions_fail(&p, t, root(t), n, root(n));
        }
    }
}

fn assert_consistency_corruptions_fail(p: &TreeProof, t: u64, th: Hash, n: u64, h: Hash) {
    let fails = |p: &TreeProof, t: u64, th: Hash, n: u64, h: Hash, what: &str| {
        assert_eq!(
            check_tree(p, t, th, n, h),
            Err(Error::InvalidProof),
            "{what}: tree {n} in tree {t}"
        );
    };
    for k in 0..p.0.len() {
        let mut bad = p.clone();
        bad.0[k] = flip(&bad.0[k]);
        assert_eq!(
            check_tree(&bad, t, th, n, h),
            Err(Error::InvalidProof),
            "corrupt hash #{k}: tree {n} in tree {t}"
        );
    }
    for extra_hash in [h, th, Hash::default()] {
        let mut extra = p.clone();
        extra.0.push(extra_hash);
        fails(&extra, t, th, n, h, "trailing hash");
        let mut preceding = p.clone();
        preceding.0.insert(0, extra_hash);
        fails(&preceding, t, th, n, h, "preceding hash");
    }
    if let Some(first) = p.0.first() {
        let mut preceding = p.clone();
        preceding.0.insert(0, *first);
        fails(&preceding, t, th, n, h, "preceding proof[0]");
        let mut truncated = p.clone();
        truncated.0.pop();
        fails(&truncated, t, th, n, h, "truncated");
        fails(&TreeProof(Vec::new()), t, th, n, h, "empty proof");
    }
    fails(p, t, flip(&th), n, h, "wrong new root");
    fails(p, t, th, n, flip(&h), "wrong old root");
    fails(p, t, th, 0, h, "old size zero");
    fails(p, 0, th, 0, h, "both sizes zero");
    fails(p, n.saturating_sub(1), th, n, h, "old size above new size");
    if h != th {
        fails(p, t, h, n, th, "swapped roots");
    }
    if n < t {
        // Changed sizes (as transparency-dev's corruptions do).
        fails(p, t, th, n - 1, h, "old size - 1");
        fails(p, t, th, n + 1, h, "old size + 1");
        fails(p, t, th, n ^ 2, h, "old size ^ 2");
        fails(p, t * 2, th, n, h, "new size * 2");
        fails(p, t / 2, th, n, h, "new size / 2");
        fails(p, t, th, t, h, "old size = new size");
    }
}

#[test]
fn consistency_with_equal_sizes_needs_an_empty_proof_and_equal_roots() {
    let log = MemLog::with_records(5);
    let th = log.tree(5).hash;
    assert_eq!(check_tree(&TreeProof(Vec::new()), 5, th, 5, th), Ok(()));
    assert_eq!(
        check_tree(&TreeProof(vec![th]), 5, th, 5, th),
        Err(Error::InvalidProof)
    );
    assert_eq!(
        check_tree(&TreeProof(Vec::new()), 5, th, 5, flip(&th)),
        Err(Error::InvalidProof)
    );
}

#[test]
fn consistency_from_the_empty_tree_is_rejected() {
    let empty = TreeProof(Vec::new());
    assert_eq!(
        check_tree(&empty, 0, EMPTY_TREE_HASH, 0, EMPTY_TREE_HASH),
        Err(Error::InvalidProof)
    );
    let log = MemLog::with_records(3);
    let th = log.tree(3).hash;
    assert_eq!(
        check_tree(&empty, 3, th, 0, EMPTY_TREE_HASH),
        Err(Error::InvalidProof)
    );
}

#[test]
fn huge_sizes_are_rejected_without_panicking() {
    let h = Hash::default();
    let long = RecordProof(vec![h; 70]);
    for (t, n) in [
        (u64::MAX, u64::MAX - 1),
        (u64::MAX, 0),
        (1 << 63, 1 << 62),
        (1, 0),
    ] {
        assert_eq!(check_record(&long, t, h, n, h), Err(Error::InvalidProof));
        assert_eq!(
            check_tree(&TreeProof(long.0.clone()), t, h, n.max(1), h),
            Err(Error::InvalidProof)
        );
    }
}
