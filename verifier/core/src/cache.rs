//! The tile source of one run: verified tiles in memory, verified tiles on disk (XDG cache),
//! and the log's fetcher for everything else.
//!
//! Every tile is fetched at most once per run and shared between lookups. Tiles reach the disk
//! cache only through [`TileReader::save_tiles`], which `lockproof_tlog::TileHashReader` calls
//! after authenticating them against the trusted tree; nothing unverified is ever written.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use lockproof_tlog::{Tile, TileReader};

use crate::Error;
use crate::fetch::LogFetcher;
use crate::fsutil::{Xdg, safe_component, write_replace, xdg_dir};

/// The on-disk cache directory of verified tiles for one log.
///
/// # Errors
/// [`Error::Usage`] when no cache directory can be determined.
pub fn tile_cache_dir(log_id: &str) -> Result<PathBuf, Error> {
    Ok(xdg_dir(Xdg::Cache)?
        .join("tiles")
        .join(safe_component(log_id)))
}

/// Tiles for one log during one run.
pub struct RunTiles<'a> {
    fetcher: &'a dyn LogFetcher,
    disk: Option<PathBuf>,
    verified: Mutex<HashMap<Tile, Vec<u8>>>,
    fetched: AtomicU64,
    log_name: String,
}

impl std::fmt::Debug for RunTiles<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunTiles")
            .field("log", &self.log_name)
            .field("disk", &self.disk)
            .finish()
    }
}

impl<'a> RunTiles<'a> {
    /// Tiles of `fetcher`'s log, with verified tiles cached under `disk` (if given).
    #[must_use]
    pub fn new(log_name: &str, fetcher: &'a dyn LogFetcher, disk: Option<PathBuf>) -> Self {
        RunTiles {
            fetcher,
            disk,
            verified: Mutex::new(HashMap::new()),
            fetched: AtomicU64::new(0),
            log_name: log_name.to_owned(),
        }
    }

    /// How many tiles were fetched from the log in this run.
    #[must_use]
    pub fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    fn read_disk(&self, tile: &Tile) -> Option<Vec<u8>> {
        let dir = self.disk.as_ref()?;
        let want = tile.hash_data_len();
        if let Ok(b) = std::fs::read(dir.join(tile.path()))
            && b.len() == want
        {
            return Some(b);
        }
        // A cached full tile serves any partial width of the same tile.
        let full = Tile {
            width: 1u16 << tile.height.min(15),
            ..*tile
        };
        let b = std::fs::read(dir.join(full.path())).ok()?;
        if b.len() != full.hash_data_len() {
            return None;
        }
        b.get(..want).map(<[u8]>::to_vec)
    }
}

impl TileReader for RunTiles<'_> {
    fn height(&self) -> u8 {
        lockproof_tlog::LOCKPROOF_TILE_HEIGHT
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, lockproof_tlog::Error> {
        let mut out: Vec<Option<Vec<u8>>> = Vec::with_capacity(tiles.len());
        let mut missing: Vec<Tile> = Vec::new();
        {
            let mem = self
                .verified
                .lock()
                .map_err(|_| reader_err("tile cache lock poisoned"))?;
            for t in tiles {
                let hit = mem.get(t).cloned().or_else(|| self.read_disk(t));
                if hit.is_none() && !missing.contains(t) {
                    missing.push(*t);
                }
                out.push(hit);
            }
        }
        if !missing.is_empty() {
            self.fetched
                .fetch_add(missing.len() as u64, Ordering::Relaxed);
            let data = self
                .fetcher
                .read_tiles(&missing)
                .map_err(|e| lockproof_tlog::Error::Reader(e.to_string()))?;
            if data.len() != missing.len() {
                return Err(reader_err("fetcher returned the wrong number of tiles"));
            }
            for (slot, t) in out.iter_mut().zip(tiles) {
                if slot.is_none()
                    && let Some(i) = missing.iter().position(|m| m == t)
                {
                    *slot = data.get(i).cloned();
                }
            }
        }
        out.into_iter()
            .map(|o| o.ok_or_else(|| reader_err("tile not read")))
            .collect()
    }

    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        let Ok(mut mem) = self.verified.lock() else {
            return;
        };
        for (t, d) in tiles.iter().zip(data) {
            if mem.insert(*t, d.clone()).is_none()
                && let Some(dir) = &self.disk
            {
                let path = dir.join(t.path());
                let cached = std::fs::metadata(&path).is_ok_and(|m| m.len() == d.len() as u64);
                if !cached {
                    // The cache is an optimisation: a failed write only costs a refetch.
                    let _ = write_replace(&path, d, false);
                }
            }
        }
    }
}

fn reader_err(msg: &str) -> lockproof_tlog::Error {
    lockproof_tlog::Error::Reader(msg.to_owned())
}
