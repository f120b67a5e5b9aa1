//! Shared helpers for the Merkle tests: an in-memory log built with the crate's own
//! `stored_hashes`, an in-memory tile store, and an independent, deliberately naive rendering of
//! the RFC 6962 §2.1 definitions (`MTH`, `PATH`, `PROOF`) to compare against.

#![allow(dead_code, unreachable_pub, missing_docs)]

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use lockproof_tlog::{
    Error, Hash, HashReader, Tile, TileReader, Tree, node_hash, read_tile_data, record_hash,
    stored_hashes, tree_hash,
};

/// A log held in memory: its stored hashes and its leaf hashes.
pub struct MemLog {
    pub stored: Vec<Hash>,
    pub leaves: Vec<Hash>,
}

impl MemLog {
    /// A log of `n` records `"leaf <i>"`, appended one by one with `stored_hashes`.
    pub fn with_records(n: u64) -> MemLog {
        let mut log = MemLog {
            stored: Vec::new(),
            leaves: Vec::new(),
        };
        for i in 0..n {
            log.append(format!("leaf {i}").as_bytes());
        }
        log
    }

    pub fn append(&mut self, data: &[u8]) {
        let n = self.leaves.len() as u64;
        let hashes = stored_hashes(n, data, &self.stored).expect("stored_hashes");
        self.stored.extend(hashes);
        self.leaves.push(record_hash(data));
    }

    pub fn size(&self) -> u64 {
        self.leaves.len() as u64
    }

    pub fn tree(&self, size: u64) -> Tree {
        Tree {
            size,
            hash: tree_hash(size, &self.stored).expect("tree_hash"),
        }
    }
}

/// The RFC 6962 §2.1 definitions, written recursively as in the RFC, over a fixed list of leaf
/// hashes, with `MTH` memoised so exhaustive tests stay fast.
pub struct Rfc6962<'a> {
    leaves: &'a [Hash],
    memo: RefCell<HashMap<(usize, usize), Hash>>,
}

impl<'a> Rfc6962<'a> {
    pub fn new(leaves: &'a [Hash]) -> Rfc6962<'a> {
        Rfc6962 {
            leaves,
            memo: RefCell::new(HashMap::new()),
        }
    }

    /// `MTH(D[lo:hi])`, for `hi > lo`.
    pub fn mth(&self, lo: usize, hi: usize) -> Hash {
        if let Some(h) = self.memo.borrow().get(&(lo, hi)) {
            return *h;
        }
        let h = match hi - lo {
            0 => panic!("MTH of nothing"),
            1 => self.leaves[lo],
            n => {
                let k = largest_power_of_two_below(n);
                node_hash(&self.mth(lo, lo + k), &self.mth(lo + k, hi))
            }
        };
        self.memo.borrow_mut().insert((lo, hi), h);
        h
    }

    /// `PATH(m, D[0:n])` of RFC 6962 §2.1.1.
    pub fn path(&self, m: usize, n: usize) -> Vec<Hash> {
        self.path_in(m, 0, n)
    }

    fn path_in(&self, m: usize, lo: usize, hi: usize) -> Vec<Hash> {
        if hi - lo <= 1 {
            return Vec::new();
        }
        let k = largest_power_of_two_below(hi - lo);
        let mut p;
        if m < k {
            p = self.path_in(m, lo, lo + k);
            p.push(self.mth(lo + k, hi));
        } else {
            p = self.path_in(m - k, lo + k, hi);
            p.push(self.mth(lo, lo + k));
        }
        p
    }

    /// `PROOF(m, D[0:n])` of RFC 6962 §2.1.2.
    pub fn proof(&self, m: usize, n: usize) -> Vec<Hash> {
        self.subproof(m, 0, n, true)
    }

    fn subproof(&self, m: usize, lo: usize, hi: usize, b: bool) -> Vec<Hash> {
        if m == hi - lo {
            return if b {
                Vec::new()
            } else {
                vec![self.mth(lo, hi)]
            };
        }
        let k = largest_power_of_two_below(hi - lo);
        let mut p;
        if m <= k {
            p = self.subproof(m, lo, lo + k, b);
            p.push(self.mth(lo + k, hi));
        } else {
            p = self.subproof(m - k, lo + k, hi, false);
            p.push(self.mth(lo, lo + k));
        }
        p
    }
}

/// `MTH(D[n])` of RFC 6962 §2.1 over leaf hashes, for `n ≥ 1` (not memoised).
pub fn naive_mth(leaves: &[Hash]) -> Hash {
    Rfc6962::new(leaves).mth(0, leaves.len())
}

fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// Flips one bit of one hash.
pub fn flip(h: &Hash) -> Hash {
    let mut out = *h;
    out.0[0] ^= 1;
    out
}

/// Changes a tile's data as it is served.
pub type Tamper<'a> = Box<dyn Fn(&Tile, &mut Vec<u8>) + 'a>;

/// A tile store serving tiles built from a log's stored hashes, with an optional tampering
/// hook, recording what was read and saved.
pub struct MemTiles<'a> {
    pub height: u8,
    pub stored: &'a [Hash],
    pub tamper: Option<Tamper<'a>>,
    pub reads: RefCell<usize>,
    pub saved: RefCell<BTreeMap<Tile, Vec<u8>>>,
}

impl<'a> MemTiles<'a> {
    pub fn new(height: u8, stored: &'a [Hash]) -> MemTiles<'a> {
        MemTiles {
            height,
            stored,
            tamper: None,
            reads: RefCell::new(0),
            saved: RefCell::new(BTreeMap::new()),
        }
    }
}

impl TileReader for MemTiles<'_> {
    fn height(&self) -> u8 {
        self.height
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        *self.reads.borrow_mut() += 1;
        tiles
            .iter()
            .map(|t| {
                let mut data = read_tile_data(t, self.stored)?;
                if let Some(tamper) = &self.tamper {
                    tamper(t, &mut data);
                }
                Ok(data)
            })
            .collect()
    }

    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        assert_eq!(tiles.len(), data.len());
        let mut saved = self.saved.borrow_mut();
        for (t, d) in tiles.iter().zip(data) {
            saved.insert(*t, d.clone());
        }
    }
}

/// A reader that counts how many times it was called.
pub struct CountingReader<'a> {
    pub stored: &'a [Hash],
    pub calls: RefCell<usize>,
}

impl HashReader for CountingReader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        *self.calls.borrow_mut() += 1;
        self.stored.read_hashes(indexes)
    }
}
