//! A tile with its inner levels hashed once: every stored hash the tile covers, by lookup.
//!
//! Tiles store only their bottom row ([`crate::Tile`]); the `height − 1` levels above it are
//! recomputed by [`crate::hash_from_tile`], which costs up to `2^(height−1) − 1` node hashes
//! per stored hash. A server that proves many records against the same immutable full tiles
//! can pay that once per tile instead: [`TileTree::expand`] hashes all inner levels (`width −
//! 1` node hashes for a full tile) and [`TileTree::hash`] then answers in O(1).
//!
//! Like [`crate::hash_from_tile`], this authenticates nothing: the hashes are only as
//! trustworthy as the tile data they were computed from.

use crate::Error;
use crate::hash::{HASH_SIZE, Hash, node_hash};
use crate::tile::{Tile, check_hash_tile, stored_hash_range};

/// One hash tile and all its inner levels: level 0 (the stored row) first, then each level
/// above it, `width >> k` hashes at inner level `k`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileTree {
    tile: Tile,
    nodes: Box<[Hash]>,
}

impl TileTree {
    /// Hashes the inner levels of hash tile `tile` from its `data` (`tile.width · 32` bytes).
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if `tile` is invalid or a data tile; [`Error::InvalidProof`] if
    /// `data` is not exactly `tile.width · 32` bytes (as [`crate::hash_from_tile`]).
    pub fn expand(tile: Tile, data: &[u8]) -> Result<TileTree, Error> {
        check_hash_tile(&tile, data)?;
        let width = usize::from(tile.width);
        let mut nodes: Vec<Hash> = Vec::with_capacity(2 * width);
        nodes.extend(data.chunks_exact(HASH_SIZE).map(|c| {
            let mut h = Hash::default();
            h.0.copy_from_slice(c);
            h
        }));
        let (mut start, mut count) = (0, width);
        while count >= 2 {
            for i in 0..count / 2 {
                let h = node_hash(&nodes[start + 2 * i], &nodes[start + 2 * i + 1]);
                nodes.push(h);
            }
            start += count;
            count /= 2;
        }
        Ok(TileTree {
            tile,
            nodes: nodes.into_boxed_slice(),
        })
    }

    /// The tile this tree expands.
    #[must_use]
    pub fn tile(&self) -> Tile {
        self.tile
    }

    /// The stored hash at stored-hash `index`, which must lie in this tile (the same result as
    /// [`crate::hash_from_tile`] on the tile's data).
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if `index` is not covered by this tile.
    pub fn hash(&self, index: u64) -> Result<Hash, Error> {
        let (start, end) = stored_hash_range(&self.tile, index)?;
        // The hash covers bottom-row entries start/32 .. end/32: inner level k = log2(span).
        let span = (end - start) / HASH_SIZE;
        let k = span.trailing_zeros();
        let pos = (start / HASH_SIZE) >> k;
        let width = usize::from(self.tile.width);
        let offset: usize = (0..k).map(|j| width >> j).sum();
        self.nodes
            .get(offset + pos)
            .copied()
            .ok_or_else(|| Error::OutOfRange(format!("stored hash {index} beyond tile data")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::record_hash;
    use crate::tile::{TileLevel, hash_from_tile};
    use crate::tree::stored_hash_index;
    use proptest::prelude::*;

    fn tile_data(width: u16, seed: u8) -> Vec<u8> {
        (0..width)
            .flat_map(|i| record_hash(&[seed, (i >> 8) as u8, i as u8]).0)
            .collect()
    }

    #[test]
    fn answers_every_stored_hash_of_a_full_tile_like_hash_from_tile() {
        let tile = Tile {
            height: 8,
            level: TileLevel::Hash(1),
            n: 3,
            width: 256,
        };
        let data = tile_data(256, 7);
        let tree = TileTree::expand(tile, &data).unwrap();
        for level in 8..16 {
            let first = 3u64 << (8 - (level - 8));
            for n in first..first + (256 >> (level - 8)) {
                let i = stored_hash_index(level, n);
                assert_eq!(
                    tree.hash(i).unwrap(),
                    hash_from_tile(&tile, &data, i).unwrap()
                );
            }
        }
    }

    #[test]
    fn rejects_indexes_outside_the_tile() {
        let tile = Tile {
            height: 8,
            level: TileLevel::Hash(0),
            n: 1,
            width: 256,
        };
        let tree = TileTree::expand(tile, &tile_data(256, 1)).unwrap();
        assert!(tree.hash(stored_hash_index(0, 0)).is_err());
        assert!(tree.hash(stored_hash_index(0, 512)).is_err());
        assert!(tree.hash(stored_hash_index(8, 1)).is_err());
    }

    #[test]
    fn rejects_data_of_the_wrong_length_and_data_tiles() {
        let tile = Tile {
            height: 8,
            level: TileLevel::Hash(0),
            n: 0,
            width: 4,
        };
        assert_eq!(
            TileTree::expand(tile, &[0; 31 * 4]),
            Err(Error::InvalidProof)
        );
        let data = Tile {
            level: TileLevel::Data,
            ..tile
        };
        assert!(TileTree::expand(data, &tile_data(4, 0)).is_err());
    }

    proptest! {
        #[test]
        fn partial_tiles_agree_with_hash_from_tile(width in 1u16..=256, seed: u8, n in 0u64..4) {
            let tile = Tile { height: 8, level: TileLevel::Hash(0), n, width };
            let data = tile_data(width, seed);
            let tree = TileTree::expand(tile, &data).unwrap();
            for level in 0..8u8 {
                for i in 0..u64::from(width >> level) {
                    let idx = stored_hash_index(level, (n << (8 - level)) + i);
                    prop_assert_eq!(tree.hash(idx).unwrap(), hash_from_tile(&tile, &data, idx).unwrap());
                }
            }
        }
    }
}
