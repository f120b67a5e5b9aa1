//! Tiles: the fixed-size blocks of stored hashes a tiled log serves.
//!
//! A tile of height `H` at level `L` holds hashes at tree level `H·L`: tile number `N` holds the
//! hashes `N·2^H ..` at that level, each the root of a complete subtree of `2^(H·L)` records. A
//! full tile has `2^H` hashes; the last tile of a level may be partial (width `W < 2^H`). The
//! `H − 1` tree levels inside a tile are not stored: they are recomputed by hashing. This is
//! Go's `sumdb/tlog` tiling, and with `H = 8` it is [C2SP tlog-tiles]. A *data* tile (Go's
//! level −1, C2SP's entry bundle) holds the records themselves instead of hashes.
//!
//! Paths are in [`crate::tile_path`]; authenticating tiles against a trusted tree is
//! [`crate::TileHashReader`].
//!
//! [C2SP tlog-tiles]: https://c2sp.org/tlog-tiles

use crate::Error;
use crate::hash::{HASH_SIZE, Hash, node_hash};
use crate::tree::{HashReader, check_size, read_exact, split_stored_hash_index, stored_hash_index};

/// The tile height lockproof serves (C2SP tlog-tiles fixes it at 8; the `go` command asks for 8).
pub const LOCKPROOF_TILE_HEIGHT: u8 = 8;

/// The largest supported tile height.
///
/// A full tile of height 15 holds 32,768 hashes (1 MiB), its width still fits the `u16`
/// [`Tile::width`], and no deployed log uses more than 8. (Go allows up to 30.)
pub const MAX_TILE_HEIGHT: u8 = 15;

/// What a tile holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileLevel {
    /// Hashes at tree level `height · level` (`0 ≤ height · level ≤ 63`).
    Hash(u8),
    /// Records (Go's level −1 `data` tiles; C2SP `entries` bundles).
    Data,
}

/// One tile: `width` consecutive entries of a tiling of the given `height`, starting at entry
/// `n · 2^height` of `level` (Go's `tlog.Tile`).
///
/// A `Tile` value can be anything; [`Tile::validate`] checks the invariants, and every function
/// taking a tile checks them before use. Tiles from [`Tile::parse_path`] and the functions here
/// are always valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    /// Tile height: `1 ..= MAX_TILE_HEIGHT`; a full tile has `2^height` entries.
    pub height: u8,
    /// The tile level, or [`TileLevel::Data`].
    pub level: TileLevel,
    /// The tile number within its level.
    pub n: u64,
    /// The number of entries: `1 ..= 2^height`; `2^height` is a full tile.
    pub width: u16,
}

impl Tile {
    /// Checks the tile's invariants: height `1..=MAX_TILE_HEIGHT`, width `1..=2^height`, hash
    /// level with `height · level ≤ 63`, and the whole tile inside a tree of at most
    /// [`crate::MAX_TREE_SIZE`] records.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the broken invariant.
    pub fn validate(&self) -> Result<(), Error> {
        if !(1..=MAX_TILE_HEIGHT).contains(&self.height) {
            return Err(Error::OutOfRange(format!("tile height {}", self.height)));
        }
        if self.width == 0 || u64::from(self.width) > self.full_width() {
            return Err(Error::OutOfRange(format!(
                "tile width {} for height {}",
                self.width, self.height
            )));
        }
        let tree_level = self.tree_level().unwrap_or(0);
        if let TileLevel::Hash(l) = self.level
            && u32::from(self.height) * u32::from(l) > 63
        {
            return Err(Error::OutOfRange(format!(
                "tile level {l} at height {}",
                self.height
            )));
        }
        // The first record after the tile: (n·2^height + width) · 2^tree_level ≤ MAX_TREE_SIZE.
        let end = self
            .n
            .checked_mul(self.full_width())
            .and_then(|x| x.checked_add(u64::from(self.width)))
            .and_then(|x| x.checked_mul(1u64.checked_shl(u32::from(tree_level))?));
        match end {
            Some(end) => check_size(end),
            None => Err(Error::OutOfRange(format!("tile number {}", self.n))),
        }
    }

    /// `2^height`, the width of a full tile.
    #[must_use]
    pub fn full_width(&self) -> u64 {
        1u64.checked_shl(u32::from(self.height)).unwrap_or(0)
    }

    /// Whether the tile is full (`width == 2^height`).
    #[must_use]
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == self.full_width()
    }

    /// The tree level of the hashes in a hash tile (`height · level`); `None` for data tiles.
    #[must_use]
    pub fn tree_level(&self) -> Option<u8> {
        match self.level {
            TileLevel::Hash(l) => u8::try_from(u32::from(self.height) * u32::from(l)).ok(),
            TileLevel::Data => None,
        }
    }

    /// The length in bytes of a hash tile's data: `width · 32`.
    #[must_use]
    pub fn hash_data_len(&self) -> usize {
        usize::from(self.width) * HASH_SIZE
    }
}

/// Checks a tile height is in `1..=MAX_TILE_HEIGHT`.
pub(crate) fn check_height(height: u8) -> Result<(), Error> {
    if (1..=MAX_TILE_HEIGHT).contains(&height) {
        Ok(())
    } else {
        Err(Error::OutOfRange(format!("tile height {height}")))
    }
}

/// The smallest tile of the given height holding stored hash `index` (Go's `TileForIndex`).
///
/// The tile's width is just enough to reach the hash: for a level-0 hash, up to and including
/// it; for a hash at a tree level inside the tile, up to the last hash under it. Use
/// [`hash_from_tile`] to get the hash out of the tile's data.
///
/// # Errors
/// [`Error::OutOfRange`] if `height` is not in `1..=MAX_TILE_HEIGHT` or the index lies beyond
/// [`crate::MAX_TREE_SIZE`].
pub fn tile_for_index(height: u8, index: u64) -> Result<Tile, Error> {
    let (tile, _, _) = tile_for_index_with_range(height, index)?;
    Ok(tile)
}

/// [`tile_for_index`], plus the byte range of the tile data the hash is computed from.
pub(crate) fn tile_for_index_with_range(
    height: u8,
    index: u64,
) -> Result<(Tile, usize, usize), Error> {
    check_height(height)?;
    let (level, n) = split_stored_hash_index(index);
    let tile_level = level / height;
    let inner = level - tile_level * height; // level within the tile, < height
    let tile_n = (n << inner) >> height;
    // Position of the hash within its tile, counted at level `inner`.
    let pos = n - ((tile_n << height) >> inner);
    let start = pos << inner;
    let end = (pos + 1) << inner;
    let tile = Tile {
        height,
        level: TileLevel::Hash(tile_level),
        n: tile_n,
        // end ≤ 2^height ≤ 2^15, so it fits in a u16.
        width: u16::try_from(end).unwrap_or(u16::MAX),
    };
    tile.validate()?;
    let (start, end) = (usize::try_from(start), usize::try_from(end));
    match (start, end) {
        (Ok(s), Ok(e)) => Ok((tile, s * HASH_SIZE, e * HASH_SIZE)),
        _ => Err(Error::OutOfRange(format!("stored hash index {index}"))),
    }
}

/// Reads the hash at stored `index` out of the data of tile `tile` (Go's `HashFromTile`),
/// hashing the tile's inner levels as needed.
///
/// This does **not** authenticate anything: the result is only as trustworthy as `data`. Use
/// [`crate::TileHashReader`] for tiles fetched from a log.
///
/// # Errors
/// [`Error::OutOfRange`] if the tile is invalid, is a data tile, or does not contain `index`;
/// [`Error::InvalidProof`] if `data` is not exactly `tile.width · 32` bytes.
pub fn hash_from_tile(tile: &Tile, data: &[u8], index: u64) -> Result<Hash, Error> {
    check_hash_tile(tile, data)?;
    let (start, end) = stored_hash_range(tile, index)?;
    data.get(start..end)
        .map(tile_hash)
        .ok_or_else(|| Error::OutOfRange(format!("stored hash {index} beyond tile data")))
}

/// Checks that `tile` is a valid hash tile and `data` is exactly its `width · 32` bytes.
pub(crate) fn check_hash_tile(tile: &Tile, data: &[u8]) -> Result<(), Error> {
    tile.validate()?;
    if tile.level == TileLevel::Data {
        return Err(Error::OutOfRange(
            "data tiles hold records, not hashes".to_owned(),
        ));
    }
    if data.len() != tile.hash_data_len() {
        return Err(Error::InvalidProof);
    }
    Ok(())
}

/// The bytes of `tile`'s bottom row that stored hash `index` covers (a power-of-two run).
pub(crate) fn stored_hash_range(tile: &Tile, index: u64) -> Result<(usize, usize), Error> {
    let (t1, start, end) = tile_for_index_with_range(tile.height, index)?;
    if t1.level != tile.level || t1.n != tile.n || t1.width > tile.width {
        return Err(Error::OutOfRange(format!(
            "stored hash {index} is not in tile {:?}",
            tile
        )));
    }
    Ok((start, end))
}

/// The Merkle hash of a power-of-two run of hashes laid out back to back.
pub(crate) fn tile_hash(data: &[u8]) -> Hash {
    let count = data.len() / HASH_SIZE;
    if count <= 1 {
        let mut h = Hash::default();
        if let Some(bytes) = data.get(..HASH_SIZE) {
            h.0.copy_from_slice(bytes);
        }
        return h;
    }
    let (left, right) = data.split_at((count / 2) * HASH_SIZE);
    node_hash(&tile_hash(left), &tile_hash(right))
}

/// The tiles of the given height to publish (new or grown) when a log grows from `old_size` to
/// `new_size` records (Go's `NewTiles`): at each level, every full tile completed by the growth
/// and the new partial tile, if any. Data tiles are not listed; they mirror level 0.
///
/// Cost: one `Tile` per tile listed, about `(new_size − old_size) / 2^height` plus one per level.
///
/// # Errors
/// [`Error::OutOfRange`] if `height` is not in `1..=MAX_TILE_HEIGHT`, `old_size > new_size`, or
/// `new_size > MAX_TREE_SIZE`.
pub fn new_tiles(height: u8, old_size: u64, new_size: u64) -> Result<Vec<Tile>, Error> {
    check_height(height)?;
    check_size(new_size)?;
    if old_size > new_size {
        return Err(Error::OutOfRange(format!(
            "tree cannot shrink from {old_size} to {new_size}"
        )));
    }
    let h = u32::from(height);
    let mut tiles = Vec::new();
    let mut level: u8 = 0;
    loop {
        let shift = h * u32::from(level);
        let (Some(new_n), Some(old_n)) = (new_size.checked_shr(shift), old_size.checked_shr(shift))
        else {
            break;
        };
        if new_n == 0 {
            break;
        }
        if old_n != new_n {
            let full = u16::try_from(1u32 << h).unwrap_or(u16::MAX); // 2^h ≤ 2^15
            for n in (old_n >> h)..(new_n >> h) {
                tiles.push(Tile {
                    height,
                    level: TileLevel::Hash(level),
                    n,
                    width: full,
                });
            }
            let n = new_n >> h;
            let width = new_n - (n << h); // < 2^h ≤ 2^15
            if width > 0 {
                tiles.push(Tile {
                    height,
                    level: TileLevel::Hash(level),
                    n,
                    width: u16::try_from(width).unwrap_or(u16::MAX),
                });
            }
        }
        level += 1;
    }
    Ok(tiles)
}

/// Every hash tile of a tree of `size` records: at each level, the full tiles and the partial
/// tile (if any) that the tree consists of. Equivalent to `new_tiles(height, 0, size)`.
///
/// Cost: one `Tile` per tile of the tree, about `size / 2^height` of them; meant for tests,
/// audits and small logs, not for trees of billions of records.
///
/// # Errors
/// As [`new_tiles`].
pub fn tree_tiles(height: u8, size: u64) -> Result<Vec<Tile>, Error> {
    new_tiles(height, 0, size)
}

/// Builds the data of hash tile `tile` from stored hashes (Go's `ReadTileData`): the `width`
/// hashes at the tile's tree level, 32 bytes each, read in one call. This is how a log serves
/// tiles of any width, including partial ones, from its stored hashes.
///
/// # Errors
/// [`Error::OutOfRange`] if the tile is invalid or a data tile; any error from `r`, or
/// [`Error::Reader`] if it returns the wrong number of hashes.
pub fn read_tile_data<R: HashReader + ?Sized>(tile: &Tile, r: &R) -> Result<Vec<u8>, Error> {
    tile.validate()?;
    let Some(level) = tile.tree_level() else {
        return Err(Error::OutOfRange(
            "data tiles hold records, not hashes".to_owned(),
        ));
    };
    let start = tile.n << tile.height; // validate() bounded this below MAX_TREE_SIZE
    let indexes: Vec<u64> = (0..u64::from(tile.width))
        .map(|i| stored_hash_index(level, start + i))
        .collect();
    let hashes = read_exact(r, &indexes)?;
    Ok(hashes.iter().flat_map(|h| h.0).collect())
}
