//! The stored-hash layout of a log, tree hashes, and the [`HashReader`] trait.
//!
//! A log of `n` records stores, besides the records, every hash of every *complete* subtree:
//! the leaf hashes (level 0), the hash of each aligned pair (level 1), of each aligned four
//! (level 2), and so on. Those hashes never change once written, so they can live in an
//! append-only flat file. This module numbers them exactly as Go's `golang.org/x/mod/sumdb/tlog`
//! does (`StoredHashIndex`): the hashes are numbered in the order they are written, and
//! appending record `n` writes its leaf hash followed by one hash for each subtree that record
//! completes (`1 + trailing_ones(n)` hashes in all).
//!
//! For example, after 4 records the stored hashes are
//!
//! ```text
//! index:  0       1       2        3       4       5        6
//! hash:   L(0,0)  L(0,1)  L(1,0)   L(0,2)  L(0,3)  L(1,1)   L(2,0)
//! ```
//!
//! where `L(level, n)` is the hash of the `n`th complete subtree of `2^level` records.
//!
//! Every algorithm here runs in two phases, as in Go: plan which stored indexes it needs, read
//! them in **one** [`HashReader::read_hashes`] call, then compute.

use crate::Error;
use crate::hash::{EMPTY_TREE_HASH, Hash, node_hash, record_hash};

/// The largest tree size (number of records) this crate handles: 2^62.
///
/// Far beyond any real log, and small enough that every stored-hash index of such a tree
/// (about twice the size) fits in a `u64` without overflow. Larger sizes are
/// [`Error::OutOfRange`] (or [`Error::InvalidProof`] when they arrive in a proof check).
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// A tree head: a tree size and the tree hash (root) of that many records.
///
/// Whether it is trusted depends on where it came from: a `Tree` taken from a verified
/// checkpoint is trusted, one typed by hand is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Tree {
    /// The number of records in the tree.
    pub size: u64,
    /// The RFC 6962 tree hash of those records ([`EMPTY_TREE_HASH`] for size 0).
    pub hash: Hash,
}

/// Read access to a log's stored hashes, numbered by [`stored_hash_index`].
///
/// This is the only way the algorithms in this crate reach storage. Each algorithm calls it
/// once, with every index it needs (indexes may repeat and are not necessarily sorted).
///
/// Implemented for `[Hash]` and `Vec<Hash>` (element `i` is stored hash `i`), so a vector of
/// stored hashes, built with [`stored_hashes`], is a complete in-memory log.
pub trait HashReader {
    /// Returns the stored hashes at `indexes`, in the same order.
    ///
    /// # Errors
    /// Any error the implementation reports (missing hash, I/O failure). Returning a vector of
    /// the wrong length is also an error; callers in this crate turn it into [`Error::Reader`].
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error>;
}

impl HashReader for [Hash] {
    /// # Errors
    /// [`Error::Reader`] if an index is beyond the end of the slice.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.get(i))
                    .copied()
                    .ok_or_else(|| Error::Reader(format!("stored hash {i} not present")))
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    /// # Errors
    /// [`Error::Reader`] if an index is beyond the end of the vector.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.as_slice().read_hashes(indexes)
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        (**self).read_hashes(indexes)
    }
}

/// Adapts a closure to [`HashReader`] (Go's `HashReaderFunc`).
pub struct HashReaderFn<F>(pub F);

impl<F> HashReader for HashReaderFn<F>
where
    F: Fn(&[u64]) -> Result<Vec<Hash>, Error>,
{
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        (self.0)(indexes)
    }
}

/// Reads `indexes` in one call and checks the reader returned one hash per index.
pub(crate) fn read_exact<R: HashReader + ?Sized>(
    r: &R,
    indexes: &[u64],
) -> Result<Vec<Hash>, Error> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = r.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(Error::Reader(format!(
            "asked for {} hashes, got {}",
            indexes.len(),
            hashes.len()
        )));
    }
    Ok(hashes)
}

/// The stored-hash index of the `n`th hash at `level` (Go's `StoredHashIndex`).
///
/// `level` 0 holds leaf hashes; the `n`th hash at level `l` is the root of the complete subtree
/// over records `n·2^l .. (n+1)·2^l`.
///
/// # Panics
/// Never. For hashes of trees beyond [`MAX_TREE_SIZE`] (`(n+1)·2^level > 2^62`) the arithmetic
/// wraps and the result is meaningless; every caller in this crate checks sizes first.
#[must_use]
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    // Lift n to the last leaf under it: the hash at (level, n) is written right after the leaf
    // hash of record (n+1)·2^level − 1, as the level-th extra hash.
    let mut leaf = n;
    for _ in 0..level {
        leaf = leaf.wrapping_mul(2).wrapping_add(1);
    }
    // Records 0..leaf wrote leaf + leaf/2 + leaf/4 + … hashes before record `leaf`'s level-0
    // hash: each record writes one leaf hash plus one per completed subtree.
    let mut index = 0u64;
    let mut m = leaf;
    while m > 0 {
        index = index.wrapping_add(m);
        m >>= 1;
    }
    index.wrapping_add(u64::from(level))
}

/// The inverse of [`stored_hash_index`]: the `(level, n)` of a stored hash
/// (Go's `SplitStoredHashIndex`).
///
/// # Panics
/// Never; any `u64` is accepted (indexes beyond trees of [`MAX_TREE_SIZE`] give meaningless
/// but harmless results).
#[must_use]
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    // The first hash written by record n is at stored_hash_index(0, n) ≤ 2n, so the record that
    // wrote `index` is at least index/2 and at most index/2 + log2(index).
    let mut n = index / 2;
    let mut index_n = stored_hash_index(0, n);
    // Record n writes 1 + trailing_ones(n) hashes; the next record starts after them. (Near
    // the top of the u64 range no next record fits: stop there.)
    while let Some(next) = index_n.checked_add(1 + u64::from(n.trailing_ones())) {
        if next > index {
            break;
        }
        n += 1;
        index_n = next;
    }
    // The hash is one of (0, n), (1, n/2), (2, n/4), … written by record n.
    // index − index_n ≤ trailing_ones(n) ≤ 63, so it fits in a u8.
    let level = u8::try_from(index - index_n).unwrap_or(u8::MAX);
    (level, n.checked_shr(u32::from(level)).unwrap_or(0))
}

/// The number of stored hashes in a log of `n` records (Go's `StoredHashCount`).
///
/// # Panics
/// Never; meaningless (wrapping) beyond [`MAX_TREE_SIZE`].
#[must_use]
pub fn stored_hash_count(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    // Everything up to the last leaf hash, plus the subtrees that last leaf completes.
    stored_hash_index(0, n - 1)
        .wrapping_add(1)
        .wrapping_add(u64::from((n - 1).trailing_ones()))
}

/// The hashes to append to storage when adding record number `n` (the log currently holds
/// `n` records) with contents `data` (Go's `StoredHashes`).
///
/// The result is the record's leaf hash followed by the hash of each subtree it completes; they
/// belong at stored indexes `stored_hash_count(n) ..` in order.
///
/// # Errors
/// [`Error::OutOfRange`] if `n ≥ MAX_TREE_SIZE`; any error from `r`, or [`Error::Reader`] if it
/// returns the wrong number of hashes.
pub fn stored_hashes<R: HashReader + ?Sized>(
    n: u64,
    data: &[u8],
    r: &R,
) -> Result<Vec<Hash>, Error> {
    stored_hashes_for_record_hash(n, record_hash(data), r)
}

/// Like [`stored_hashes`], for a record whose leaf hash `h` is already known
/// (Go's `StoredHashesForRecordHash`).
///
/// # Errors
/// As [`stored_hashes`].
pub fn stored_hashes_for_record_hash<R: HashReader + ?Sized>(
    n: u64,
    h: Hash,
    r: &R,
) -> Result<Vec<Hash>, Error> {
    check_size(n.saturating_add(1))?;
    // Each trailing 1 bit of n completes a subtree whose left half is already stored.
    let completed = n.trailing_ones();
    // Plan: the left siblings, from the highest level down so the indexes are sorted.
    let indexes: Vec<u64> = (0..completed)
        .rev()
        .map(|level| {
            // level < 64 because n < 2^62; n >> level is odd, so (n >> level) − 1 is its sibling.
            let level = level as u8;
            stored_hash_index(level, (n >> level) - 1)
        })
        .collect();
    let siblings = read_exact(r, &indexes)?;
    // Compute: fold the new record's hash up through each completed subtree.
    let mut hashes = Vec::with_capacity(siblings.len() + 1);
    let mut acc = h;
    hashes.push(acc);
    for sibling in siblings.iter().rev() {
        acc = node_hash(sibling, &acc);
        hashes.push(acc);
    }
    Ok(hashes)
}

/// The RFC 6962 tree hash (Merkle tree head) of the first `n` records of the log
/// (Go's `TreeHash`). The tree hash of size 0 is [`EMPTY_TREE_HASH`].
///
/// Reads one stored hash per 1-bit of `n`, in one call.
///
/// # Errors
/// [`Error::OutOfRange`] if `n > MAX_TREE_SIZE`; any error from `r`, or [`Error::Reader`] if it
/// returns the wrong number of hashes.
pub fn tree_hash<R: HashReader + ?Sized>(n: u64, r: &R) -> Result<Hash, Error> {
    check_size(n)?;
    if n == 0 {
        return Ok(EMPTY_TREE_HASH);
    }
    let mut need = Vec::new();
    subtree_index(0, n, &mut need);
    let hashes = read_exact(r, &need)?;
    let mut cursor = HashCursor::new(&hashes);
    cursor.subtree_hash(0, n)
}

/// Checks that `n` records is within [`MAX_TREE_SIZE`].
pub(crate) fn check_size(n: u64) -> Result<(), Error> {
    if n > MAX_TREE_SIZE {
        return Err(Error::OutOfRange(format!(
            "tree size {n} exceeds the maximum {MAX_TREE_SIZE}"
        )));
    }
    Ok(())
}

/// `(k, l)` with `k = 2^l` the largest power of two strictly less than `n`, for `n ≥ 2`
/// (RFC 6962's split point); `(1, 0)` for `n ≤ 2`.
pub(crate) fn maxpow2(n: u64) -> (u64, u8) {
    if n <= 2 {
        return (1, 0);
    }
    // 2^l ≤ n − 1 < 2^(l+1), so 2^l < n ≤ 2^(l+1).
    let l = (63 - (n - 1).leading_zeros()) as u8;
    (1 << l, l)
}

/// Appends the stored indexes needed to compute the hash of records `lo..hi`: the roots of the
/// complete subtrees that cover the range from left to right, largest first.
///
/// `lo..hi` must be a range that arises in RFC 6962 splits (`lo` aligned to the largest power of
/// two ≤ `hi − lo`); every caller in this crate passes such ranges.
pub(crate) fn subtree_index(mut lo: u64, hi: u64, need: &mut Vec<u64>) {
    while lo < hi {
        let (k, level) = maxpow2(hi - lo + 1);
        debug_assert_eq!(lo & (k - 1), 0, "unaligned subtree");
        need.push(stored_hash_index(level, lo >> level));
        lo += k;
    }
}

/// Consumes hashes read for a plan, in plan order.
pub(crate) struct HashCursor<'a> {
    hashes: &'a [Hash],
}

impl<'a> HashCursor<'a> {
    pub(crate) fn new(hashes: &'a [Hash]) -> HashCursor<'a> {
        HashCursor { hashes }
    }

    /// Takes the next `count` hashes.
    pub(crate) fn take(&mut self, count: usize) -> Result<&'a [Hash], Error> {
        let Some((taken, rest)) = self.hashes.split_at_checked(count) else {
            // Unreachable: plan and compute walk the same ranges and read_exact checked the
            // count. Reported rather than panicking.
            return Err(Error::Reader("fewer hashes than planned".to_owned()));
        };
        self.hashes = rest;
        Ok(taken)
    }

    /// The hash of records `lo..hi` from the hashes [`subtree_index`] planned for it.
    pub(crate) fn subtree_hash(&mut self, mut lo: u64, hi: u64) -> Result<Hash, Error> {
        let mut count = 0usize;
        while lo < hi {
            let (k, _) = maxpow2(hi - lo + 1);
            count += 1;
            lo += k;
        }
        let hashes = self.take(count)?;
        let mut iter = hashes.iter().rev();
        let Some(&last) = iter.next() else {
            return Err(Error::Reader("empty subtree planned".to_owned()));
        };
        Ok(iter.fold(last, |acc, left| node_hash(left, &acc)))
    }
}
