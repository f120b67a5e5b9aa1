//! Reading hashes out of tiles fetched from an untrusted log, authenticated against a trusted
//! tree head.
//!
//! **Fetched tiles are suspect until verified.** A [`TileReader`] fetches tile data (over HTTP,
//! from a cache, from a local log); [`TileHashReader`] plans every tile it needs, including the
//! tiles that connect them to the trusted tree hash, fetches them in one
//! [`TileReader::read_tiles`] call, checks them against the tree, and only then hands the
//! verified tiles to [`TileReader::save_tiles`] and returns hashes from them. A tile that has
//! not been verified is never saved and never read from. This is Go's `tlog.TileHashReader`.

use std::collections::HashMap;

use crate::Error;
use crate::hash::{Hash, node_hash};
use crate::tile::{Tile, TileLevel, check_height, hash_from_tile, tile_for_index, tile_hash};
use crate::tree::{HashReader, Tree, check_size, stored_hash_index, subtree_index};

/// Access to the tiles of a log (Go's `tlog.TileReader`).
///
/// Implementations fetch; they never verify. [`TileHashReader`] verifies what they return.
pub trait TileReader {
    /// The tile height this reader serves (8 for lockproof and the `go` command).
    fn height(&self) -> u8;

    /// Fetches the data of each tile, in order: `width · 32` bytes per hash tile.
    ///
    /// The data is untrusted. A partial tile may be answered with the prefix of the full tile
    /// (Go's client does this when the partial tile is gone).
    ///
    /// # Errors
    /// Any fetch failure.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error>;

    /// Called with tiles that have been **verified** against a trusted tree, so the reader may
    /// cache them. Only ever called after verification succeeded, with exactly the tiles (and
    /// data) of the preceding [`read_tiles`](TileReader::read_tiles) call.
    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]);
}

/// A [`HashReader`] that reads stored hashes from tiles and authenticates every tile against a
/// trusted tree head before returning anything (Go's `tlog.TileHashReader`).
///
/// Use it with [`crate::tree_hash`] (to check a smaller tree is a prefix of the trusted one),
/// [`crate::prove_record`] and [`crate::prove_tree`], or directly with
/// [`TileHashReader::check_record_hashes`] to verify record lookups.
pub struct TileHashReader<'a, R: ?Sized> {
    tree: Tree,
    reader: &'a R,
}

impl<'a, R: TileReader + ?Sized> TileHashReader<'a, R> {
    /// A hash reader for the tree `tree`, which the caller must already trust (it comes from a
    /// verified checkpoint), reading tiles through `reader`.
    #[must_use]
    pub fn new(tree: Tree, reader: &'a R) -> TileHashReader<'a, R> {
        TileHashReader { tree, reader }
    }

    /// The trusted tree this reader authenticates against.
    #[must_use]
    pub fn tree(&self) -> Tree {
        self.tree
    }

    /// Verifies many record lookups against the trusted tree at once: for each
    /// `(index, leaf_hash)`, that record `index` of the tree has leaf hash `leaf_hash` (compute
    /// it with [`crate::record_hash`] from the record text the log returned).
    ///
    /// All leaf hashes are planned first and read through one [`TileReader::read_tiles`] call,
    /// so a thousand lookups cost one round of tile fetches, and shared upper tiles are fetched
    /// once. This is how the `go` command verifies a lookup: there is no separate proof, the
    /// authenticated tiles are the proof.
    ///
    /// # Errors
    /// [`Error::InvalidProof`] if any index is at or beyond the tree size, any tile fails to
    /// verify, or any leaf hash differs; any error from the tile reader.
    pub fn check_record_hashes(&self, records: &[(u64, Hash)]) -> Result<(), Error> {
        if records.iter().any(|&(index, _)| index >= self.tree.size) {
            return Err(Error::InvalidProof);
        }
        let indexes: Vec<u64> = records
            .iter()
            .map(|&(index, _)| stored_hash_index(0, index))
            .collect();
        let hashes = self.read_hashes(&indexes)?;
        if hashes.len() == records.len()
            && hashes
                .iter()
                .zip(records)
                .all(|(got, (_, want))| got == want)
        {
            Ok(())
        } else {
            Err(Error::InvalidProof)
        }
    }
}

impl<R: TileReader + ?Sized> HashReader for TileHashReader<'_, R> {
    /// Plans the tiles holding `indexes` plus every tile needed to authenticate them, reads
    /// them in one [`TileReader::read_tiles`] call, verifies them against the trusted tree,
    /// saves the verified tiles, and returns the hashes.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if an index is not a stored hash of the trusted tree or the tile
    /// height is unsupported; [`Error::Reader`] if the tile reader returns the wrong number of
    /// tiles; [`Error::InvalidProof`] if any tile has the wrong length or does not verify; any
    /// error from the tile reader.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        let height = self.reader.height();
        check_height(height)?;
        let size = self.tree.size;
        check_size(size)?;
        let limit = stored_hash_index(0, size);
        if let Some(bad) = indexes.iter().find(|&&x| x >= limit) {
            return Err(Error::OutOfRange(format!(
                "stored hash {bad} is not in a tree of size {size}"
            )));
        }
        if indexes.is_empty() {
            return Ok(Vec::new());
        }

        // Plan 1: the tiles holding the complete-subtree hashes the tree hash is made of.
        // Recomputing the tree hash from them authenticates them.
        let mut plan = Plan::default();
        let mut stx = Vec::new();
        subtree_index(0, size, &mut stx);
        let mut stx_tiles = Vec::with_capacity(stx.len());
        for &x in &stx {
            let tile = parent(tile_for_index(height, x)?, 0, size)?;
            stx_tiles.push(plan.add(tile));
        }
        let authenticated_by_root = plan.tiles.len();

        // Plan 2: the tile holding each wanted hash, and the chain of parent tiles up to one
        // already planned, parents before children, so each child can be checked against the
        // hash its parent holds for it.
        let mut index_tiles = Vec::with_capacity(indexes.len());
        for &x in indexes {
            let tile = tile_for_index(height, x)?;
            let mut k = 0u8;
            let found = loop {
                if let Some(j) = plan.get(&parent(tile, k, size)?) {
                    break j;
                }
                k = k.checked_add(1).ok_or_else(lost)?;
            };
            let mut slot = found;
            while k > 0 {
                k -= 1;
                let p = parent(tile, k, size)?;
                if !p.is_full() {
                    // Only full tiles have parents: this one had a parent, so it is full.
                    return Err(lost());
                }
                slot = plan.add(p);
            }
            index_tiles.push(slot);
        }

        // Fetch everything in one call.
        let data = self.reader.read_tiles(&plan.tiles)?;
        if data.len() != plan.tiles.len() {
            return Err(Error::Reader(format!(
                "asked for {} tiles, got {}",
                plan.tiles.len(),
                data.len()
            )));
        }
        if plan
            .tiles
            .iter()
            .zip(&data)
            .any(|(t, d)| d.len() != t.hash_data_len())
        {
            return Err(Error::InvalidProof);
        }

        // Verify 1: the subtree hashes recombine to the trusted tree hash.
        let mut root: Option<Hash> = None;
        for (&x, &j) in stx.iter().zip(&stx_tiles).rev() {
            let h = hash_from_tile(&plan.tiles[j], &data[j], x)?;
            root = Some(match root {
                None => h,
                Some(right) => node_hash(&h, &right),
            });
        }
        if root != Some(self.tree.hash) {
            return Err(Error::InvalidProof);
        }

        // Verify 2: every other tile hashes to the entry its (already verified) parent holds.
        // Parents precede children in the plan, so one forward pass suffices.
        for i in authenticated_by_root..plan.tiles.len() {
            let tile = plan.tiles[i];
            let p = parent(tile, 1, size)?;
            let j = plan.get(&p).filter(|&j| j < i).ok_or_else(lost)?;
            let level = p.tree_level().ok_or_else(lost)?;
            let expected = hash_from_tile(&p, &data[j], stored_hash_index(level, tile.n))?;
            if tile_hash(&data[i]) != expected {
                return Err(Error::InvalidProof);
            }
        }

        // Every tile is verified: only now may the reader keep them.
        self.reader.save_tiles(&plan.tiles, &data);

        indexes
            .iter()
            .zip(&index_tiles)
            .map(|(&x, &j)| hash_from_tile(&plan.tiles[j], &data[j], x))
            .collect()
    }
}

/// The tiles to fetch, each once, in planning order.
#[derive(Default)]
struct Plan {
    tiles: Vec<Tile>,
    order: HashMap<Tile, usize>,
}

impl Plan {
    fn get(&self, tile: &Tile) -> Option<usize> {
        self.order.get(tile).copied()
    }

    fn add(&mut self, tile: Tile) -> usize {
        *self.order.entry(tile).or_insert_with(|| {
            self.tiles.push(tile);
            self.tiles.len() - 1
        })
    }
}

/// An internal planning invariant broke. Reported, not panicked; no input can cause it.
fn lost() -> Error {
    Error::OutOfRange("tile plan lost a parent tile".to_owned())
}

/// The `k`th parent of `tile` in the tiling of a tree of `size` records (`k = 0`: the tile
/// itself), at the width that tree gives it (Go's `tileParent`).
///
/// # Errors
/// [`Error::OutOfRange`] if there is no such tile in the tree.
fn parent(tile: Tile, k: u8, size: u64) -> Result<Tile, Error> {
    let TileLevel::Hash(level) = tile.level else {
        return Err(lost());
    };
    let h = u32::from(tile.height);
    let level = level.checked_add(k).ok_or_else(lost)?;
    let n = tile.n.checked_shr(u32::from(k) * h).unwrap_or(0);
    let full = tile.full_width();
    // The number of hashes at this tile level in the tree.
    let available = size.checked_shr(u32::from(level) * h).unwrap_or(0);
    let start = n << h;
    if start >= available {
        return Err(lost());
    }
    let width = (available - start).min(full); // ≤ 2^15
    let tile = Tile {
        height: tile.height,
        level: TileLevel::Hash(level),
        n,
        width: u16::try_from(width).map_err(|_| lost())?,
    };
    tile.validate()?;
    Ok(tile)
}
