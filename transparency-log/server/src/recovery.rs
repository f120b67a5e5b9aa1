//! Opening a log directory: its config, the verified checkpoint, and crash recovery (tiles
//! beyond the checkpoint dropped, the key index caught up from the data tiles).

use std::fs;
use std::path::Path;

use lockproof_tlog::{Record, SignerKey, Tile, TileLevel, VerifierKey, Verifiers, parse_tree_note};
use serde::{Deserialize, Serialize};

use crate::dir::DirStorage;
use crate::edge::{read_exact_tile, split_data_tile, tile_width_at};
use crate::log::{Published, Shared, sign_tree};
use crate::storage::{MAX_LEVEL, Storage, TILE_HEIGHT, TILE_WIDTH, TileId};
use crate::{Error, MAX_BATCH_RECORDS};

pub(crate) const CONFIG_FILE: &str = "config.json";
/// Identifies the directory layout version in `config.json`.
pub(crate) const FORMAT: &str = "lockproof-log-v1";

/// `config.json`: what a log is, written once by [`Log::init`].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Config {
    pub(crate) format: String,
    pub(crate) name: String,
    pub(crate) vkey: String,
}

pub(crate) fn read_config(dir: &Path) -> Result<(Config, VerifierKey), Error> {
    let path = dir.join(CONFIG_FILE);
    let bytes = fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Directory {
                path: dir.to_path_buf(),
                reason: format!("not a lockproof log (no {CONFIG_FILE}; run `lockproof log init`)"),
            }
        } else {
            Error::io("read", &path, e)
        }
    })?;
    let config: Config = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Corrupt(format!("{}: {e}", path.display())))?;
    if config.format != FORMAT {
        return Err(Error::Corrupt(format!(
            "{}: unknown format {:?} (expected {FORMAT})",
            path.display(),
            config.format
        )));
    }
    let vkey = VerifierKey::parse(&config.vkey)?;
    if vkey.name().as_str() != config.name {
        return Err(Error::Corrupt(format!(
            "{}: name and vkey disagree",
            path.display()
        )));
    }
    Ok((config, vkey))
}

/// Reads and verifies the stored checkpoint; re-signs the C2SP form (deterministic Ed25519, so
/// the same tree always yields the same bytes) when the signer is at hand.
pub(crate) fn read_published(
    storage: &dyn Storage,
    vkey: &VerifierKey,
    config: &Config,
    signer: Option<&SignerKey>,
) -> Result<Published, Error> {
    let note = storage
        .read_checkpoint()?
        .ok_or_else(|| Error::Corrupt("the log has no checkpoint".into()))?;
    let opened = lockproof_tlog::open(&note, &Verifiers::new([vkey.clone()]))
        .map_err(|e| Error::Corrupt(format!("checkpoint does not verify: {e}")))?;
    let tree = parse_tree_note(opened.text())?;
    match signer {
        Some(s) => {
            let p = sign_tree(s, tree)?;
            if p.note != note {
                return Err(Error::Corrupt(
                    "stored checkpoint is not the log's own signature".into(),
                ));
            }
            Ok(p)
        }
        None => {
            // Without the signer the C2SP form cannot be re-made; serve the sumdb note only.
            let _ = config;
            Ok(Published {
                tree,
                note,
                checkpoint: Vec::new(),
            })
        }
    }
}

/// Deletes every stored tile version that the checkpoint of `size` does not cover (left by a
/// batch that crashed before its checkpoint was written). A batch writes at most
/// [`MAX_BATCH_RECORDS`] records, so only a bounded number of tile positions can be affected.
pub(crate) fn remove_tiles_beyond(storage: &dyn Storage, size: u64) -> Result<(), Error> {
    let probe = (MAX_BATCH_RECORDS as u64 >> TILE_HEIGHT) + 2;
    let levels = (0..=MAX_LEVEL)
        .map(TileLevel::Hash)
        .chain([TileLevel::Data]);
    for level in levels {
        let entries = match level {
            TileLevel::Hash(l) => size >> (u32::from(TILE_HEIGHT) * u32::from(l)),
            TileLevel::Data => size,
        };
        let edge_n = entries >> TILE_HEIGHT;
        let width = tile_width_at(size, level, edge_n);
        storage.truncate_tile(
            TileId {
                level,
                index: edge_n,
            },
            width,
        )?;
        for n in edge_n + 1..=edge_n + probe {
            storage.truncate_tile(TileId { level, index: n }, 0)?;
        }
    }
    Ok(())
}

/// Reads and parses records `from..to` of a tree of `size` records.
pub(crate) fn read_records(
    storage: &dyn Storage,
    size: u64,
    from: u64,
    to: u64,
) -> Result<Vec<(u64, Record)>, Error> {
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        let n = i >> TILE_HEIGHT;
        let id = TileId {
            level: TileLevel::Data,
            index: n,
        };
        let data = read_exact_tile(storage, id, tile_width_at(size, TileLevel::Data, n))?;
        for (pos, rec) in split_data_tile(&data).into_iter().enumerate() {
            let idx = (n << TILE_HEIGHT) + pos as u64;
            if idx < i || idx >= to {
                continue;
            }
            let record = Record::parse(rec).map_err(|e| {
                Error::Corrupt(format!(
                    "record {idx} ({}): {e}",
                    Tile {
                        height: TILE_HEIGHT,
                        level: TileLevel::Data,
                        n,
                        width: TILE_WIDTH
                    }
                    .path()
                ))
            })?;
            out.push((idx, record));
        }
        i = (n + 1) << TILE_HEIGHT;
    }
    Ok(out)
}

/// Indexes the records the index is missing (it is committed after the checkpoint and without
/// fsync, so after a crash it may lag behind).
pub(crate) fn catch_up_index(shared: &Shared, size: u64) -> Result<(), Error> {
    let indexed = shared.index.indexed_size()?;
    if indexed > size {
        return Err(Error::Corrupt(format!(
            "the index covers {indexed} records but the checkpoint only {size}"
        )));
    }
    if indexed == size {
        return Ok(());
    }
    let records = read_records(shared.storage.as_ref(), size, indexed, size)?;
    let entries: Vec<(String, u64)> = records
        .iter()
        .map(|(i, r)| (r.key().lookup_path(), *i))
        .collect();
    let texts: Vec<Vec<u8>> = records.iter().map(|(_, r)| r.as_bytes().to_vec()).collect();
    shared.index.write(&entries, &texts, Some(size), true)
}

/// Key files are secrets: owner read/write only.
pub(crate) fn restrict_permissions(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io("chmod", path, e))?;
    }
    let _ = path;
    Ok(())
}

/// A read-only view of a directory backend: writes are refused.
pub(crate) struct ReadOnlyDir(pub(crate) DirStorage);

impl Storage for ReadOnlyDir {
    fn read_tile(&self, id: TileId, width: u16) -> Result<Option<crate::StoredTile>, Error> {
        self.0.read_tile(id, width)
    }
    fn write_tiles(&self, _: &[crate::TileWrite]) -> Result<(), Error> {
        Err(Error::Stopped("read-only log".into()))
    }
    fn truncate_tile(&self, _: TileId, _: u16) -> Result<(), Error> {
        Err(Error::Stopped("read-only log".into()))
    }
    fn remove_partials(&self, _: TileId) -> Result<(), Error> {
        Err(Error::Stopped("read-only log".into()))
    }
    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, Error> {
        self.0.read_checkpoint()
    }
    fn write_checkpoint(&self, _: &[u8]) -> Result<(), Error> {
        Err(Error::Stopped("read-only log".into()))
    }
}
