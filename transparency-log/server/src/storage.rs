//! The storage trait: the narrow surface every backend implements.
//!
//! A log is stored as tiles (see [C2SP tlog-tiles]): hash tiles of height 8 at levels
//! `0..=MAX_LEVEL` and data tiles (sumdb data format: each record followed by `\n`), plus the
//! latest signed checkpoint. Tiles at one position only ever grow: a tile of width `W` is a
//! prefix of every wider tile at the same position, so a backend may keep only some widths and
//! the log derives narrower ones by truncation. Everything else (the key index, the sequencer,
//! proofs) sits above this trait, so an S3-compatible object store only has to implement these
//! few methods (with a compare-and-swap on the checkpoint object when several sequencers could
//! race; one sequencer per log holds the lock in the directory backend).
//!
//! [C2SP tlog-tiles]: https://c2sp.org/tlog-tiles

use crate::Error;

/// Tiles have height 8: 256 entries per full tile (C2SP tlog-tiles, Go sumdb clients).
pub const TILE_HEIGHT: u8 = 8;
/// Entries in a full tile.
pub const TILE_WIDTH: u16 = 1 << TILE_HEIGHT;
/// The highest hash-tile level a `u64`-sized tree can need (256^8 = 2^64 leaves).
pub const MAX_LEVEL: u8 = 7;

pub use lockproof_tlog::TileLevel;

/// A tile position: level and index at that level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Hash level or data.
    pub level: TileLevel,
    /// The tile's index at its level (the `N` of `tile/8/L/N`).
    pub index: u64,
}

/// One stored version of a tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTile {
    /// How many entries (hashes or records) it holds, `1..=256`.
    pub width: u16,
    /// The tile bytes: `width × 32` hash bytes, or `width` records each followed by `\n`.
    pub data: Vec<u8>,
}

/// A tile to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileWrite {
    /// Where.
    pub id: TileId,
    /// The tile (its width and bytes).
    pub tile: StoredTile,
}

/// The storage backend of a log: tiles and the latest checkpoint.
///
/// Contract shared by all backends:
/// - [`Storage::write_tiles`] and [`Storage::write_checkpoint`] return only once the data is
///   durable (survives power loss); a reader never sees a torn object.
/// - A reader may observe tiles wider than the published checkpoint (a batch in flight or one
///   discarded by a crash); the log never serves entries beyond its checkpoint.
pub trait Storage: Send + Sync + 'static {
    /// Reads the narrowest stored version of tile `id` that holds at least `width` entries
    /// (preferring exactly `width`). `None` if no such version is stored.
    ///
    /// # Errors
    /// [`Error::Io`] when the backend fails (not when the tile is absent).
    fn read_tile(&self, id: TileId, width: u16) -> Result<Option<StoredTile>, Error>;

    /// Writes tiles durably. Full tiles (width 256) are immutable once a checkpoint covers them.
    ///
    /// # Errors
    /// [`Error::Io`]; on error some tiles may have been written, none torn.
    fn write_tiles(&self, tiles: &[TileWrite]) -> Result<(), Error>;

    /// Removes every stored version of tile `id` wider than `keep` entries (`keep == 0` removes
    /// the tile entirely). Used by crash recovery to drop tiles no checkpoint covers.
    ///
    /// # Errors
    /// [`Error::Io`].
    fn truncate_tile(&self, id: TileId, keep: u16) -> Result<(), Error>;

    /// Removes the partial versions of tile `id` once its full version is durable and covered by
    /// a published checkpoint (narrower widths are then served by truncating the full tile).
    ///
    /// # Errors
    /// [`Error::Io`].
    fn remove_partials(&self, id: TileId) -> Result<(), Error>;

    /// Reads the latest signed checkpoint (the sumdb tree note), if any.
    ///
    /// # Errors
    /// [`Error::Io`].
    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, Error>;

    /// Atomically and durably replaces the latest signed checkpoint.
    ///
    /// # Errors
    /// [`Error::Io`]; the previous checkpoint is then still in place.
    fn write_checkpoint(&self, note: &[u8]) -> Result<(), Error>;
}
