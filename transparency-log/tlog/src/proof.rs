//! Inclusion (record) and consistency (tree) proofs.
//!
//! Proofs are generated from stored hashes through a [`HashReader`] (plan, read once, compute,
//! as Go's `tlog` does) and verified by the algorithms of [RFC 9162 §2.1.3.2] (inclusion) and
//! [RFC 9162 §2.1.4.2] (consistency). Proof hashes are ordered leaf side first, root side last,
//! as RFC 6962 `PATH` and `PROOF` define them, so they are interchangeable with Go's
//! `tlog.RecordProof`/`tlog.TreeProof` and with CT/tlog-tiles proofs.
//!
//! Verification is strict: a proof with a hash too many or too few, a zero-size tree, an index
//! at or beyond the size, or an old size above the new size fails with the single opaque
//! [`Error::InvalidProof`]. It never panics and never passes.
//!
//! [RFC 9162 §2.1.3.2]: https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2
//! [RFC 9162 §2.1.4.2]: https://www.rfc-editor.org/rfc/rfc9162#section-2.1.4.2

use std::collections::HashMap;

use crate::Error;
use crate::hash::{Hash, node_hash};
use crate::tree::{HashCursor, HashReader, check_size, maxpow2, read_exact, subtree_index};

/// An inclusion proof: the audit path `PATH(n, D[t])` of [RFC 6962 §2.1.1] proving that record
/// `n` is in the tree of size `t` (Go's `tlog.RecordProof`).
///
/// [RFC 6962 §2.1.1]: https://www.rfc-editor.org/rfc/rfc6962#section-2.1.1
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RecordProof(pub Vec<Hash>);

/// A consistency proof: `PROOF(n, D[t])` of [RFC 6962 §2.1.2] proving that the tree of size
/// `n` is a prefix of the tree of size `t` (Go's `tlog.TreeProof`).
///
/// [RFC 6962 §2.1.2]: https://www.rfc-editor.org/rfc/rfc6962#section-2.1.2
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TreeProof(pub Vec<Hash>);

/// Builds the inclusion proof for record `n` in the tree of size `t` (Go's `ProveRecord`).
///
/// Reads O(log² t) stored hashes in one call.
///
/// # Errors
/// [`Error::OutOfRange`] if `n ≥ t` or `t > MAX_TREE_SIZE`; any error from `r`, or
/// [`Error::Reader`] if it returns the wrong number of hashes.
pub fn prove_record<R: HashReader + ?Sized>(t: u64, n: u64, r: &R) -> Result<RecordProof, Error> {
    let mut proofs = prove_records(t, &[n], r)?;
    proofs
        .pop()
        .ok_or_else(|| Error::Reader("no proof computed".to_owned()))
}

/// Builds inclusion proofs for many records of the tree of size `t` with **one** read: the
/// stored hashes every proof needs are planned first, de-duplicated and read in a single
/// [`HashReader::read_hashes`] call. Proof `i` is for record `ns[i]`.
///
/// # Errors
/// As [`prove_record`], for any of `ns`.
pub fn prove_records<R: HashReader + ?Sized>(
    t: u64,
    ns: &[u64],
    r: &R,
) -> Result<Vec<RecordProof>, Error> {
    check_size(t)?;
    let mut plans = Vec::with_capacity(ns.len());
    for &n in ns {
        if n >= t {
            return Err(Error::OutOfRange(format!(
                "record {n} is not in a tree of size {t}"
            )));
        }
        let mut need = Vec::new();
        leaf_proof_index(0, t, n, &mut need);
        plans.push(need);
    }
    let hashes = read_planned(r, &plans)?;
    ns.iter()
        .zip(&hashes)
        .map(|(&n, hashes)| {
            let mut proof = Vec::new();
            leaf_proof(0, t, n, &mut HashCursor::new(hashes), &mut proof)?;
            Ok(RecordProof(proof))
        })
        .collect()
}

/// Builds the consistency proof that the tree of size `n` is a prefix of the tree of size `t`
/// (Go's `ProveTree`). The proof for `n == t` is empty.
///
/// # Errors
/// [`Error::OutOfRange`] unless `1 ≤ n ≤ t ≤ MAX_TREE_SIZE` (a proof from the empty tree means
/// nothing; see [`check_tree`]); any error from `r`, or [`Error::Reader`] if it returns the
/// wrong number of hashes.
pub fn prove_tree<R: HashReader + ?Sized>(t: u64, n: u64, r: &R) -> Result<TreeProof, Error> {
    check_size(t)?;
    if n == 0 || n > t {
        return Err(Error::OutOfRange(format!(
            "no consistency proof from size {n} to size {t}"
        )));
    }
    let mut need = Vec::new();
    tree_proof_index(0, t, n, &mut need);
    let hashes = read_exact(r, &need)?;
    let mut proof = Vec::new();
    tree_proof(0, t, n, &mut HashCursor::new(&hashes), &mut proof)?;
    Ok(TreeProof(proof))
}

/// Verifies that `p` proves record `n` with leaf hash `h` is in the tree of size `t` with tree
/// hash `th` (Go's `CheckRecord`), by the algorithm of [RFC 9162 §2.1.3.2].
///
/// # Errors
/// [`Error::InvalidProof`] if the proof does not verify, including when `t == 0`, `n ≥ t`, or
/// the proof has any hash too many or too few.
///
/// [RFC 9162 §2.1.3.2]: https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2
pub fn check_record(p: &RecordProof, t: u64, th: Hash, n: u64, h: Hash) -> Result<(), Error> {
    if n >= t || p.0.len() != inclusion_proof_len(n, t) {
        return Err(Error::InvalidProof);
    }
    let mut fnode = n;
    let mut snode = t - 1;
    let mut r = h;
    for c in &p.0 {
        if snode == 0 {
            // More hashes than the path has levels.
            return Err(Error::InvalidProof);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(c, &r);
            if fnode & 1 == 0 {
                // fnode is the last node of its level: skip the levels where it has no sibling.
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && r == th {
        Ok(())
    } else {
        Err(Error::InvalidProof)
    }
}

/// Verifies that `p` proves the tree of size `n` with tree hash `h` is a prefix of the tree of
/// size `t` with tree hash `th` (Go's `CheckTree`), by the algorithm of [RFC 9162 §2.1.4.2].
///
/// `n == t` verifies exactly when the proof is empty and `h == th`. A proof from the empty tree
/// (`n == 0`) is always rejected, even `0 → 0`: it would prove nothing, and Go's `CheckTree`
/// and the transparency-dev verifier vectors reject it too. (C2SP tlog-witness accepts
/// `old 0` with an empty proof; a witness handles that case before calling this.)
///
/// # Errors
/// [`Error::InvalidProof`] if the proof does not verify, including when `n == 0`, `n > t`, or
/// the proof has any hash too many or too few.
///
/// [RFC 9162 §2.1.4.2]: https://www.rfc-editor.org/rfc/rfc9162#section-2.1.4.2
pub fn check_tree(p: &TreeProof, t: u64, th: Hash, n: u64, h: Hash) -> Result<(), Error> {
    if n == 0 || n > t {
        return Err(Error::InvalidProof);
    }
    if n == t {
        return if p.0.is_empty() && h == th {
            Ok(())
        } else {
            Err(Error::InvalidProof)
        };
    }
    if p.0.len() != consistency_proof_len(n, t) {
        return Err(Error::InvalidProof);
    }
    // n is a power of two: the old tree is a complete left subtree whose root the proof
    // omits, so the old root seeds the computation.
    let (seed, rest) = if n.is_power_of_two() {
        (h, p.0.as_slice())
    } else {
        match p.0.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(Error::InvalidProof),
        }
    };
    let mut fnode = n - 1;
    let mut snode = t - 1;
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let mut fr = seed;
    let mut sr = seed;
    for c in rest {
        if snode == 0 {
            return Err(Error::InvalidProof);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && fr == h && sr == th {
        Ok(())
    } else {
        Err(Error::InvalidProof)
    }
}

/// The length of `PATH(n, D[t])` for `n < t`: the levels where the paths to leaves `n` and
/// `t − 1` differ ("inner"), plus one left sibling per 1-bit of `n` above them ("border").
/// Checked before any hashing, so a proof of the wrong length fails fast; the RFC 9162 loop
/// enforces the same length again on its own.
fn inclusion_proof_len(n: u64, t: u64) -> usize {
    let inner = 64 - (n ^ (t - 1)).leading_zeros();
    let border = n.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// The length of `PROOF(n, D[t])` for `0 < n < t`: the inclusion path of leaf `n − 1` above
/// the level of the old tree's last complete subtree, plus that subtree's root unless it is the
/// whole old tree (`n` a power of two).
fn consistency_proof_len(n: u64, t: u64) -> usize {
    let shift = n.trailing_zeros();
    let inner = (64 - ((n - 1) ^ (t - 1)).leading_zeros()).saturating_sub(shift);
    let border = (n - 1).checked_shr(inner + shift).unwrap_or(0).count_ones();
    let seed = usize::from(!n.is_power_of_two());
    seed + (inner + border) as usize
}

/// Reads the union of several plans in one call and hands each plan its hashes back in order.
fn read_planned<R: HashReader + ?Sized>(
    r: &R,
    plans: &[Vec<u64>],
) -> Result<Vec<Vec<Hash>>, Error> {
    let mut unique: Vec<u64> = plans.iter().flatten().copied().collect();
    unique.sort_unstable();
    unique.dedup();
    let hashes = read_exact(r, &unique)?;
    let by_index: HashMap<u64, Hash> = unique.into_iter().zip(hashes).collect();
    plans
        .iter()
        .map(|plan| {
            plan.iter()
                .map(|i| {
                    by_index
                        .get(i)
                        .copied()
                        .ok_or_else(|| Error::Reader(format!("stored hash {i} not read")))
                })
                .collect()
        })
        .collect()
}

/// Plans `PATH(n − lo, D[lo:hi])`: appends the stored indexes [`leaf_proof`] will consume.
fn leaf_proof_index(lo: u64, hi: u64, n: u64, need: &mut Vec<u64>) {
    if hi - lo <= 1 {
        return;
    }
    let (k, _) = maxpow2(hi - lo);
    if n < lo + k {
        leaf_proof_index(lo, lo + k, n, need);
        subtree_index(lo + k, hi, need);
    } else {
        subtree_index(lo, lo + k, need);
        leaf_proof_index(lo + k, hi, n, need);
    }
}

/// Computes `PATH(n − lo, D[lo:hi])` from the hashes [`leaf_proof_index`] planned, appending
/// it to `proof` leaf side first.
fn leaf_proof(
    lo: u64,
    hi: u64,
    n: u64,
    hashes: &mut HashCursor<'_>,
    proof: &mut Vec<Hash>,
) -> Result<(), Error> {
    if hi - lo <= 1 {
        return Ok(());
    }
    let (k, _) = maxpow2(hi - lo);
    let sibling = if n < lo + k {
        leaf_proof(lo, lo + k, n, hashes, proof)?;
        hashes.subtree_hash(lo + k, hi)?
    } else {
        let sibling = hashes.subtree_hash(lo, lo + k)?;
        leaf_proof(lo + k, hi, n, hashes, proof)?;
        sibling
    };
    proof.push(sibling);
    Ok(())
}

/// Plans `SUBPROOF(n − lo, D[lo:hi], lo == 0)`: appends the stored indexes [`tree_proof`] will
/// consume. Requires `lo < n ≤ hi`.
fn tree_proof_index(lo: u64, hi: u64, n: u64, need: &mut Vec<u64>) {
    if n == hi {
        if lo != 0 {
            subtree_index(lo, hi, need);
        }
        return;
    }
    let (k, _) = maxpow2(hi - lo);
    if n <= lo + k {
        tree_proof_index(lo, lo + k, n, need);
        subtree_index(lo + k, hi, need);
    } else {
        subtree_index(lo, lo + k, need);
        tree_proof_index(lo + k, hi, n, need);
    }
}

/// Computes `SUBPROOF(n − lo, D[lo:hi], lo == 0)` ([RFC 6962 §2.1.2]) from the hashes
/// [`tree_proof_index`] planned, appending it to `proof`.
///
/// [RFC 6962 §2.1.2]: https://www.rfc-editor.org/rfc/rfc6962#section-2.1.2
fn tree_proof(
    lo: u64,
    hi: u64,
    n: u64,
    hashes: &mut HashCursor<'_>,
    proof: &mut Vec<Hash>,
) -> Result<(), Error> {
    if n == hi {
        // The old tree's subtree itself: omitted when it is the whole old tree (lo == 0).
        if lo != 0 {
            proof.push(hashes.subtree_hash(lo, hi)?);
        }
        return Ok(());
    }
    let (k, _) = maxpow2(hi - lo);
    let sibling = if n <= lo + k {
        tree_proof(lo, lo + k, n, hashes, proof)?;
        hashes.subtree_hash(lo + k, hi)?
    } else {
        let sibling = hashes.subtree_hash(lo, lo + k)?;
        tree_proof(lo + k, hi, n, hashes, proof)?;
        sibling
    };
    proof.push(sibling);
    Ok(())
}
