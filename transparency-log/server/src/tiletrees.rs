//! Full hash tiles with their inner levels hashed, kept in memory for proofs.
//!
//! An inclusion proof in a 10^6-record tree reads stored hashes from three tile levels, and a
//! stored hash inside a tile costs up to 127 node hashes to recompute from the tile's bottom
//! row (plus a file read). Full tiles never change in an append-only log, so the first proof
//! through one expands it ([`TileTree::expand`], 255 node hashes for 256 entries) and every
//! later proof reads its hashes by lookup. The partial tiles at the right edge, which every
//! proof crosses, are kept for the largest tree size asked about so far only (a handful of
//! tiles, replaced when the log grows); a partial tile of a given width never changes either.
//!
//! Bounded at [`TILE_TREES_BYTES`] (64 MiB: about 4,000 tiles, all the full tiles of a
//! 10^6-record log). A full shard drops an arbitrary entry to make room; the cache only saves
//! work, it never changes an answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use lockproof_tlog::TileTree;

use crate::Error;
use crate::storage::TILE_WIDTH;

/// Memory bound of the expanded-tile cache.
pub(crate) const TILE_TREES_BYTES: usize = 64 << 20;

const SHARDS: usize = 16;

/// One full tile expanded: 2 × 256 − 1 hashes of 32 bytes, plus the map entry.
const ENTRY_BYTES: usize = (2 * TILE_WIDTH as usize - 1) * 32 + 64;

/// Expanded tiles by (level, tile number).
type Tiles = HashMap<(u8, u64), Arc<TileTree>>;

/// One shard of the full tiles.
type Shard = Mutex<Tiles>;

/// Expanded full hash tiles by (level, tile number).
pub(crate) struct TileTrees {
    shards: [Shard; SHARDS],
    per_shard: usize,
    /// The partial tiles of the largest tree size asked about: (size, tiles by level and
    /// number).
    edge: Mutex<(u64, Tiles)>,
}

impl Default for TileTrees {
    fn default() -> TileTrees {
        TileTrees::with_budget(TILE_TREES_BYTES)
    }
}

impl TileTrees {
    /// A cache holding at most `bytes` of expanded tiles (0 keeps nothing).
    pub(crate) fn with_budget(bytes: usize) -> TileTrees {
        TileTrees {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            per_shard: bytes / ENTRY_BYTES / SHARDS,
            edge: Mutex::new((0, HashMap::new())),
        }
    }

    /// The expanded partial tile `n` at hash level `level` of the tree of `size` records (its
    /// width follows from `size`), from the cache or else by expanding what `read` returns.
    /// Kept only while `size` is the largest size asked about, so a proof at an older size
    /// never pushes out the current right edge.
    pub(crate) fn get_or_expand_edge(
        &self,
        size: u64,
        level: u8,
        n: u64,
        read: impl FnOnce() -> Result<TileTree, Error>,
    ) -> Result<Arc<TileTree>, Error> {
        {
            let edge = self.edge.lock().unwrap_or_else(PoisonError::into_inner);
            if edge.0 == size
                && let Some(tree) = edge.1.get(&(level, n))
            {
                return Ok(Arc::clone(tree));
            }
        }
        let tree = Arc::new(read()?);
        if self.per_shard > 0 {
            let mut edge = self.edge.lock().unwrap_or_else(PoisonError::into_inner);
            if size > edge.0 {
                *edge = (size, HashMap::new());
            }
            if size == edge.0 {
                edge.1.insert((level, n), Arc::clone(&tree));
            }
        }
        Ok(tree)
    }

    /// The expanded full tile `n` at hash level `level`, from the cache or else by expanding
    /// what `read` returns (the tile's exact bytes, from the log's own storage).
    pub(crate) fn get_or_expand(
        &self,
        level: u8,
        n: u64,
        read: impl FnOnce() -> Result<TileTree, Error>,
    ) -> Result<Arc<TileTree>, Error> {
        // Tile numbers are dense per level: spread neighbours over the shards.
        let shard = &self.shards[(n as usize ^ usize::from(level)) % SHARDS];
        if let Some(tree) = shard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(level, n))
        {
            return Ok(Arc::clone(tree));
        }
        // Expanded outside the lock: two threads may both expand the same tile (same result).
        let tree = Arc::new(read()?);
        if self.per_shard > 0 {
            let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            if map.len() >= self.per_shard
                && let Some(victim) = map.keys().next().copied()
            {
                map.remove(&victim);
            }
            map.insert((level, n), Arc::clone(&tree));
        }
        Ok(tree)
    }

    /// Tiles held now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockproof_tlog::{Tile, TileLevel};

    fn tree(n: u64) -> Result<TileTree, Error> {
        let tile = Tile {
            height: 8,
            level: TileLevel::Hash(0),
            n,
            width: 256,
        };
        Ok(TileTree::expand(tile, &[n as u8; 256 * 32])?)
    }

    #[test]
    fn expands_each_tile_once_while_it_is_held() {
        let trees = TileTrees::default();
        let a = trees.get_or_expand(0, 5, || tree(5)).unwrap();
        let b = trees
            .get_or_expand(0, 5, || panic!("expanded twice"))
            .unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn stays_within_its_budget() {
        let trees = TileTrees::with_budget(SHARDS * 2 * ENTRY_BYTES);
        for n in 0..1000 {
            trees.get_or_expand(0, n, || tree(n)).unwrap();
        }
        assert!(trees.len() <= SHARDS * 2, "{} tiles held", trees.len());
    }

    #[test]
    fn keeps_nothing_with_a_zero_budget_but_still_answers() {
        let trees = TileTrees::with_budget(0);
        let t = trees.get_or_expand(0, 1, || tree(1)).unwrap();
        assert_eq!(t.tile().n, 1);
        assert_eq!(trees.len(), 0);
    }

    fn partial(n: u64, width: u16) -> Result<TileTree, Error> {
        let tile = Tile {
            height: 8,
            level: TileLevel::Hash(0),
            n,
            width,
        };
        Ok(TileTree::expand(
            tile,
            &vec![n as u8; usize::from(width) * 32],
        )?)
    }

    #[test]
    fn keeps_the_right_edge_of_the_largest_size_only() {
        let trees = TileTrees::default();
        // Size 300: tile 1 of level 0 is 44 wide.
        let a = trees
            .get_or_expand_edge(300, 0, 1, || partial(1, 44))
            .unwrap();
        let b = trees
            .get_or_expand_edge(300, 0, 1, || panic!("expanded twice"))
            .unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        // An older size is answered but does not replace the edge of size 300.
        let old = trees
            .get_or_expand_edge(290, 0, 1, || partial(1, 34))
            .unwrap();
        assert_eq!(old.tile().width, 34);
        let again = trees
            .get_or_expand_edge(300, 0, 1, || panic!("size 300 was pushed out"))
            .unwrap();
        assert_eq!(again.tile().width, 44);
        // The log grew: the new edge replaces the old one.
        let grown = trees
            .get_or_expand_edge(301, 0, 1, || partial(1, 45))
            .unwrap();
        assert_eq!(grown.tile().width, 45);
        let fresh = trees
            .get_or_expand_edge(300, 0, 1, || partial(1, 44))
            .unwrap();
        assert!(!Arc::ptr_eq(&fresh, &a));
    }

    #[test]
    fn passes_read_errors_through_and_caches_nothing() {
        let trees = TileTrees::default();
        let err = trees.get_or_expand(0, 1, || Err(Error::Corrupt("gone".into())));
        assert!(err.is_err());
        assert_eq!(trees.len(), 0);
    }
}
