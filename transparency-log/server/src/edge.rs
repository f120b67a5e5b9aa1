//! The sequencer's in-memory right edge of the tree, and the tile reader over storage.
//!
//! Appending only ever touches the last (incomplete) tile at each level, so the sequencer keeps
//! exactly those tiles in memory ([`Edge`]): every hash a new record's stored hashes or the new
//! tree hash depend on lies inside them (a left sibling at tree level `8L + s` shares the
//! level-`L` tile with the new node). Older hashes, needed only for proofs, are read from
//! storage through [`StorageHashReader`].

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use lockproof_tlog::Error as TlogError;
use lockproof_tlog::{
    HASH_SIZE, Hash, HashReader, RecordProof, Tile, TileLevel, TileTree, hash_from_tile,
    prove_records, record_hash, stored_hashes_for_record_hash, tile_for_index, tree_hash,
};

use crate::Error;
use crate::storage::{Storage, StoredTile, TILE_HEIGHT, TILE_WIDTH, TileId, TileWrite};
use crate::tiletrees::TileTrees;

/// How many entries tile `n` at `level` has in a tree of `size` records (0 if it is not part
/// of the tree, 256 if it is full).
#[must_use]
pub fn tile_width_at(size: u64, level: TileLevel, n: u64) -> u16 {
    let entries = match level {
        TileLevel::Hash(l) => size
            .checked_shr(u32::from(TILE_HEIGHT) * u32::from(l))
            .unwrap_or(0),
        TileLevel::Data => size,
    };
    let start = n.saturating_mul(u64::from(TILE_WIDTH));
    let w = entries.saturating_sub(start).min(u64::from(TILE_WIDTH));
    // w ≤ 256, so it fits in a u16.
    u16::try_from(w).unwrap_or(TILE_WIDTH)
}

/// The right edge: for each hash level, the entries of its last incomplete tile, and the
/// records of the last incomplete data tile.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    /// The tree size the edge describes.
    pub(crate) size: u64,
    /// `levels[L]` = the hashes of tile `(size >> 8L) / 256` at level `L` (fewer than 256),
    /// back to back (tile bytes, so reads need no copying).
    levels: Vec<Vec<u8>>,
    /// The records of data tile `size / 256`, each followed by `\n` (the data tile bytes).
    data: Vec<u8>,
    /// Number of records in `data`.
    data_count: u16,
}

impl Edge {
    /// The edge of the empty tree.
    pub(crate) fn empty() -> Edge {
        Edge {
            size: 0,
            levels: Vec::new(),
            data: Vec::new(),
            data_count: 0,
        }
    }

    /// Loads the edge of a tree of `size` records from storage.
    pub(crate) fn load(storage: &dyn Storage, size: u64) -> Result<Edge, Error> {
        let mut levels = Vec::new();
        let mut l: u8 = 0;
        while size
            .checked_shr(u32::from(TILE_HEIGHT) * u32::from(l))
            .unwrap_or(0)
            > 0
        {
            let level = TileLevel::Hash(l);
            let n = (size >> (u32::from(TILE_HEIGHT) * u32::from(l))) >> TILE_HEIGHT;
            let w = tile_width_at(size, level, n);
            let mut hashes = Vec::new();
            if w > 0 && w < TILE_WIDTH {
                hashes = read_exact_tile(storage, TileId { level, index: n }, w)?;
            }
            levels.push(hashes);
            l += 1;
        }
        let n = size >> TILE_HEIGHT;
        let w = tile_width_at(size, TileLevel::Data, n);
        let mut data = Vec::new();
        if w > 0 && w < TILE_WIDTH {
            data = read_exact_tile(
                storage,
                TileId {
                    level: TileLevel::Data,
                    index: n,
                },
                w,
            )?;
        }
        Ok(Edge {
            size,
            levels,
            data,
            data_count: if w < TILE_WIDTH { w } else { 0 },
        })
    }

    /// Appends records, returning the tiles to write (every full tile completed and the final
    /// partial tile of every level that changed, data tiles included).
    pub(crate) fn append(&mut self, records: &[Vec<u8>]) -> Result<Vec<TileWrite>, Error> {
        let old_size = self.size;
        let mut writes = Vec::new();
        for rec in records {
            let n = self.size;
            let hashes = stored_hashes_for_record_hash(n, record_hash(rec), &*self)?;
            // hashes[k] is the new hash at tree level k; tile level L gets hashes[8L].
            for (l, h) in hashes.iter().step_by(usize::from(TILE_HEIGHT)).enumerate() {
                if self.levels.len() <= l {
                    self.levels.push(Vec::new());
                }
                let entries = &mut self.levels[l];
                entries.extend_from_slice(&h.0);
                if entries.len() == usize::from(TILE_WIDTH) * HASH_SIZE {
                    let level_u8 = u8::try_from(l).unwrap_or(u8::MAX);
                    // The completed tile's number: its last entry is at (n >> 8L) at that level.
                    let index = (n >> (usize::from(TILE_HEIGHT) * l)) >> TILE_HEIGHT;
                    writes.push(TileWrite {
                        id: TileId {
                            level: TileLevel::Hash(level_u8),
                            index,
                        },
                        tile: StoredTile {
                            width: TILE_WIDTH,
                            data: std::mem::take(entries),
                        },
                    });
                }
            }
            self.data.extend_from_slice(rec);
            self.data.push(b'\n');
            self.data_count += 1;
            if self.data_count == TILE_WIDTH {
                writes.push(TileWrite {
                    id: TileId {
                        level: TileLevel::Data,
                        index: n >> TILE_HEIGHT,
                    },
                    tile: StoredTile {
                        width: TILE_WIDTH,
                        data: std::mem::take(&mut self.data),
                    },
                });
                self.data_count = 0;
            }
            self.size += 1;
        }
        if self.size == old_size {
            return Ok(writes);
        }
        // The final partial tiles of every level that grew.
        for (l, entries) in self.levels.iter().enumerate() {
            let shift = usize::from(TILE_HEIGHT) * l;
            if entries.is_empty() || (old_size >> shift) == (self.size >> shift) {
                continue;
            }
            let level_u8 = u8::try_from(l).unwrap_or(u8::MAX);
            writes.push(TileWrite {
                id: TileId {
                    level: TileLevel::Hash(level_u8),
                    index: (self.size >> shift) >> TILE_HEIGHT,
                },
                tile: StoredTile {
                    width: u16::try_from(entries.len() / HASH_SIZE).unwrap_or(TILE_WIDTH),
                    data: entries.clone(),
                },
            });
        }
        if self.data_count > 0 {
            writes.push(TileWrite {
                id: TileId {
                    level: TileLevel::Data,
                    index: self.size >> TILE_HEIGHT,
                },
                tile: StoredTile {
                    width: self.data_count,
                    data: self.data.clone(),
                },
            });
        }
        Ok(writes)
    }

    /// The tree hash of the edge's tree.
    pub(crate) fn tree_hash(&self) -> Result<Hash, Error> {
        Ok(tree_hash(self.size, self)?)
    }
}

impl HashReader for Edge {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
        indexes
            .iter()
            .map(|&i| {
                let t = tile_for_index(TILE_HEIGHT, i)?;
                let TileLevel::Hash(l) = t.level else {
                    return Err(TlogError::Reader("data tile for a hash index".into()));
                };
                let entries = self
                    .levels
                    .get(usize::from(l))
                    .ok_or_else(|| TlogError::Reader(format!("stored hash {i} not in the edge")))?;
                let edge_n = (self.size >> (u32::from(TILE_HEIGHT) * u32::from(l))) >> TILE_HEIGHT;
                let len = usize::from(t.width) * HASH_SIZE;
                if t.n != edge_n || len > entries.len() {
                    return Err(TlogError::Reader(format!(
                        "stored hash {i} not in the edge"
                    )));
                }
                hash_from_tile(&t, &entries[..len], i)
            })
            .collect()
    }
}

/// Reads tile `id` from storage and truncates it to exactly `width` entries.
///
/// # Errors
/// [`Error::Corrupt`] if the tile is missing or malformed.
pub(crate) fn read_exact_tile(
    storage: &dyn Storage,
    id: TileId,
    width: u16,
) -> Result<Vec<u8>, Error> {
    let stored = storage
        .read_tile(id, width)?
        .ok_or_else(|| Error::Corrupt(format!("tile {id:?} of width {width} is missing")))?;
    truncate_tile(id, stored, width)
}

/// Cuts a stored tile down to its first `width` entries.
///
/// # Errors
/// [`Error::Corrupt`] if the stored bytes do not hold `stored.width` well-formed entries.
pub(crate) fn truncate_tile(id: TileId, stored: StoredTile, width: u16) -> Result<Vec<u8>, Error> {
    let mut data = stored.data;
    match id.level {
        TileLevel::Hash(_) => {
            if data.len() != usize::from(stored.width) * HASH_SIZE || stored.width < width {
                return Err(Error::Corrupt(format!(
                    "tile {id:?}: {} bytes for width {}",
                    data.len(),
                    stored.width
                )));
            }
            data.truncate(usize::from(width) * HASH_SIZE);
            Ok(data)
        }
        TileLevel::Data => {
            let end = data_prefix_len(&data, width).ok_or_else(|| {
                Error::Corrupt(format!("data tile {id:?} holds fewer than {width} records"))
            })?;
            data.truncate(end);
            Ok(data)
        }
    }
}

/// The byte length of the first `count` records of a data tile (each record ends in `\n` and
/// is followed by one more `\n`; records never contain blank lines).
pub(crate) fn data_prefix_len(data: &[u8], count: u16) -> Option<usize> {
    if count == 0 {
        return Some(0);
    }
    let mut seen = 0u16;
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] == b'\n' && data[i + 1] == b'\n' {
            seen += 1;
            i += 2;
            if seen == count {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Splits data tile bytes into its records (each with its own trailing `\n`).
pub(crate) fn split_data_tile(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] == b'\n' && data[i + 1] == b'\n' {
            out.push(&data[start..=i]);
            i += 2;
            start = i;
        } else {
            i += 1;
        }
    }
    out
}

/// A [`HashReader`] over the tiles in storage for a tree of `size` records (unauthenticated:
/// the server's own durable tiles). Used for proofs and audit.
///
/// Stored hashes come from the expanded-tile cache `trees`: full tiles, and the partial tiles
/// at the right edge of the largest size asked about.
pub(crate) struct StorageHashReader<'a> {
    pub(crate) storage: &'a dyn Storage,
    pub(crate) size: u64,
    pub(crate) trees: &'a TileTrees,
}

impl HashReader for StorageHashReader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
        let reader_error = |e: Error| TlogError::Reader(e.to_string());
        // Every tile this call touches, looked up once per call: full ones and the right edge
        // (which every proof in a batch crosses) shared through `trees`.
        let mut tiles: HashMap<(u8, u64), Arc<TileTree>> = HashMap::new();
        let mut out = Vec::with_capacity(indexes.len());
        for &i in indexes {
            let t = tile_for_index(TILE_HEIGHT, i)?;
            let TileLevel::Hash(l) = t.level else {
                return Err(TlogError::Reader("data tile for a hash index".into()));
            };
            let width = tile_width_at(self.size, t.level, t.n);
            if width < t.width {
                return Err(TlogError::Reader(format!(
                    "stored hash {i} is beyond tree size {}",
                    self.size
                )));
            }
            let tree = match tiles.entry((l, t.n)) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(slot) => {
                    let read = || -> Result<TileTree, Error> {
                        let id = TileId {
                            level: t.level,
                            index: t.n,
                        };
                        let data = read_exact_tile(self.storage, id, width)?;
                        Ok(TileTree::expand(Tile { width, ..t }, &data)?)
                    };
                    let tree = if width == TILE_WIDTH {
                        self.trees.get_or_expand(l, t.n, read)
                    } else {
                        self.trees.get_or_expand_edge(self.size, l, t.n, read)
                    };
                    slot.insert(tree.map_err(reader_error)?)
                }
            };
            out.push(tree.hash(i)?);
        }
        Ok(out)
    }
}

/// Batches of at least this many inclusion proofs are computed on several threads.
pub(crate) const PARALLEL_PROOFS: usize = 64;
/// At most this many threads compute one batch of proofs.
pub(crate) const MAX_PROOF_THREADS: usize = 8;

/// Inclusion proofs for `indexes` in the tree of `size` records, read from `storage` through
/// the expanded full tiles in `trees`, on up to [`MAX_PROOF_THREADS`] threads for batches of
/// [`PARALLEL_PROOFS`] or more (a tile not yet expanded costs up to 255 node hashes).
pub(crate) fn prove_records_in_parallel(
    storage: &dyn Storage,
    trees: &TileTrees,
    size: u64,
    indexes: &[u64],
) -> Result<Vec<RecordProof>, Error> {
    let reader = StorageHashReader {
        storage,
        size,
        trees,
    };
    let prove = |part: &[u64]| prove_records(size, part, &reader);
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let threads = *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(MAX_PROOF_THREADS)
    });
    if threads < 2 || indexes.len() < PARALLEL_PROOFS {
        return Ok(prove(indexes)?);
    }
    let parts: Vec<Result<Vec<RecordProof>, TlogError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = indexes
            .chunks(indexes.len().div_ceil(threads))
            .map(|part| scope.spawn(move || prove(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(TlogError::Reader("a proof thread panicked".into())))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(indexes.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_widths_follow_the_tree_size() {
        assert_eq!(tile_width_at(0, TileLevel::Hash(0), 0), 0);
        assert_eq!(tile_width_at(300, TileLevel::Hash(0), 0), 256);
        assert_eq!(tile_width_at(300, TileLevel::Hash(0), 1), 44);
        assert_eq!(tile_width_at(300, TileLevel::Hash(0), 2), 0);
        assert_eq!(tile_width_at(300, TileLevel::Hash(1), 0), 1);
        assert_eq!(tile_width_at(70_000, TileLevel::Hash(1), 1), 17);
        assert_eq!(tile_width_at(70_000, TileLevel::Hash(2), 0), 1);
        assert_eq!(tile_width_at(300, TileLevel::Data, 1), 44);
    }

    proptest::proptest! {
        #[test]
        fn data_tile_splitting_never_panics(data in proptest::collection::vec(
            proptest::prop_oneof![proptest::strategy::Just(b'\n'), proptest::prelude::any::<u8>()], 0..600),
            count in 0u16..300) {
            let records = split_data_tile(&data);
            if let Some(end) = data_prefix_len(&data, count) {
                proptest::prop_assert!(end <= data.len());
                proptest::prop_assert!(usize::from(count) <= records.len());
            }
        }
    }

    #[test]
    fn data_tiles_split_and_truncate_on_record_boundaries() {
        let data = b"a 1\nb 2\n\nc 3\n\nd 4\n\n";
        assert_eq!(
            split_data_tile(data),
            vec![&b"a 1\nb 2\n"[..], b"c 3\n", b"d 4\n"]
        );
        assert_eq!(data_prefix_len(data, 2), Some(14));
        assert_eq!(data_prefix_len(data, 3), Some(data.len()));
        assert_eq!(data_prefix_len(data, 4), None);
    }
}
