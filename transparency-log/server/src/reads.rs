//! Reading a published log: lookups, records, tiles, entry bundles and proofs.
//!
//! Everything here answers for a tree the log has signed and made durable (the latest
//! checkpoint, or an older size for tiles and proofs); nothing reads beyond it.

use lockproof_tlog::{Record, RecordKey, RecordProof, Tile, TileLevel, TreeProof, prove_tree};

use crate::Error;
use crate::edge::{StorageHashReader, read_exact_tile, split_data_tile, tile_width_at};
use crate::log::{Log, Published};
use crate::recovery::read_records;
use crate::storage::{MAX_LEVEL, Storage, TILE_HEIGHT, TILE_WIDTH, TileId};

impl Log {
    /// Looks up the record for `key` in the latest checkpoint: its index and text.
    ///
    /// # Errors
    /// [`Error::Index`], [`Error::Io`], [`Error::Corrupt`].
    pub fn lookup(&self, key: &RecordKey) -> Result<Option<(u64, String)>, Error> {
        let snapshot = self.checkpoint();
        self.lookup_in(&snapshot, &key.lookup_path())
    }

    /// Looks up a lookup path component (`<escaped name>@<escaped version>[/<artifact>]`) in the
    /// tree of `snapshot`.
    pub(crate) fn lookup_in(
        &self,
        snapshot: &Published,
        lookup_path: &str,
    ) -> Result<Option<(u64, String)>, Error> {
        let hit = match self.shared.index.get(lookup_path)? {
            Some(crate::index::IndexEntry { index: i, record }) => {
                let text = String::from_utf8(record)
                    .map_err(|_| Error::Corrupt(format!("record {i} in the index is not UTF-8")))?;
                Some((i, text))
            }
            None => self.shared.extra_keys.get(lookup_path).cloned(),
        };
        // The index may be ahead of `snapshot` (a batch being published right now).
        Ok(hit.filter(|(index, _)| *index < snapshot.tree.size))
    }

    /// The text of record `index` in the latest checkpoint's tree, read from its data tile.
    ///
    /// # Errors
    /// [`Error::NotFound`] if `index` is not below the tree size; [`Error::Io`],
    /// [`Error::Corrupt`].
    pub fn record(&self, index: u64) -> Result<String, Error> {
        let size = self.checkpoint().tree.size;
        if index >= size {
            return Err(Error::NotFound(format!(
                "record {index} (tree size {size})"
            )));
        }
        read_record(self.shared.storage.as_ref(), size, index)
    }

    /// Reads a tile of the latest checkpoint's tree: hash tiles as `W × 32` bytes, data tiles
    /// in the sumdb format (each record followed by `\n`). Any width up to the one the tree
    /// implies is served (by truncation), so every size ever signed stays servable.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the tile is not (wholly) inside the tree; [`Error::BadRequest`]
    /// if its height is not 8; [`Error::Io`], [`Error::Corrupt`].
    pub fn read_tile(&self, tile: Tile) -> Result<Vec<u8>, Error> {
        let size = self.checkpoint().tree.size;
        if tile.height != TILE_HEIGHT {
            return Err(Error::BadRequest(format!(
                "tile height {} (this log uses 8)",
                tile.height
            )));
        }
        if matches!(tile.level, TileLevel::Hash(l) if l > MAX_LEVEL) {
            return Err(Error::NotFound(tile.path()));
        }
        let available = tile_width_at(size, tile.level, tile.n);
        if tile.width == 0 || tile.width > available {
            return Err(Error::NotFound(format!(
                "{} is beyond tree size {size}",
                tile.path()
            )));
        }
        let id = TileId {
            level: tile.level,
            index: tile.n,
        };
        read_exact_tile(self.shared.storage.as_ref(), id, tile.width)
    }

    /// Reads a C2SP entry bundle (`tile/entries/…`): each record as a big-endian `u16` length
    /// followed by the record bytes.
    ///
    /// # Errors
    /// As [`Log::read_tile`].
    pub fn read_entries(&self, tile: Tile) -> Result<Vec<u8>, Error> {
        let data = self.read_tile(Tile {
            level: TileLevel::Data,
            ..tile
        })?;
        let mut out = Vec::with_capacity(data.len() + 512);
        for rec in split_data_tile(&data) {
            let len = u16::try_from(rec.len())
                .map_err(|_| Error::Corrupt("record longer than 65535 bytes".into()))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(rec);
        }
        Ok(out)
    }

    /// Inclusion proofs for `indexes` in the tree of `size` records (RFC 6962 audit paths).
    ///
    /// Cost: tiles store only their bottom row, so the first proof through a full tile hashes
    /// its inner levels once (255 node hashes) and keeps them (64 MiB at most, about every full
    /// tile of a 10^6-record log); later proofs read them. A batch of 64 or more proofs is split
    /// across the machine's cores (at most 8).
    ///
    /// # Errors
    /// [`Error::Tlog`] if an index is not below `size` or a hash cannot be read.
    pub fn prove_records(&self, size: u64, indexes: &[u64]) -> Result<Vec<RecordProof>, Error> {
        crate::edge::prove_records_in_parallel(
            self.shared.storage.as_ref(),
            &self.shared.tile_trees,
            size,
            indexes,
        )
    }

    /// A consistency proof from the tree of `old` records to the tree of `new` records
    /// (empty when `old` is 0 or equal to `new`).
    ///
    /// # Errors
    /// [`Error::BadRequest`] if `old > new`; [`Error::Tlog`] if a hash cannot be read.
    pub fn prove_tree(&self, new: u64, old: u64) -> Result<TreeProof, Error> {
        if old > new {
            return Err(Error::BadRequest(format!(
                "old size {old} is beyond the tree size {new}"
            )));
        }
        if old == 0 || old == new {
            return Ok(TreeProof(Vec::new()));
        }
        let reader = StorageHashReader {
            storage: self.shared.storage.as_ref(),
            size: new,
            trees: &self.shared.tile_trees,
        };
        Ok(prove_tree(new, old, &reader)?)
    }

    /// Reads records `from..to` of the tree of the latest checkpoint, parsed.
    ///
    /// # Errors
    /// [`Error::Corrupt`] if a stored record is invalid; [`Error::Io`].
    pub fn records(&self, from: u64, to: u64) -> Result<Vec<(u64, Record)>, Error> {
        let size = self.checkpoint().tree.size;
        read_records(self.shared.storage.as_ref(), size, from, to.min(size))
    }
}

/// The text of record `index` in a tree of `size` records.
pub(crate) fn read_record(storage: &dyn Storage, size: u64, index: u64) -> Result<String, Error> {
    let n = index >> TILE_HEIGHT;
    let id = TileId {
        level: TileLevel::Data,
        index: n,
    };
    let data = read_exact_tile(storage, id, tile_width_at(size, TileLevel::Data, n))?;
    let records = split_data_tile(&data);
    let pos = usize::try_from(index & u64::from(TILE_WIDTH - 1)).unwrap_or(usize::MAX);
    let rec = records
        .get(pos)
        .ok_or_else(|| Error::Corrupt(format!("data tile {n} lacks record {index}")))?;
    String::from_utf8(rec.to_vec())
        .map_err(|_| Error::Corrupt(format!("record {index} is not UTF-8")))
}
