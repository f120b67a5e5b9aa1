//! The directory backend: tiles and the checkpoint as plain files.
//!
//! Layout under the log directory (the same paths a static file server would serve for the
//! sumdb face):
//!
//! ```text
//! tile/8/<L>/<N>          full hash tile (256 × 32 bytes), immutable
//! tile/8/<L>/<N>.p/<W>    partial hash tile of width W
//! tile/8/data/<N>[.p/<W>] data tile: records, each followed by "\n"
//! checkpoint              the latest signed sumdb tree note
//! tmp/                    temporary files (same filesystem, so rename is atomic)
//! ```
//!
//! Every write goes temp file → `fsync` → `rename` → `fsync` of the directory, so a crash leaves
//! either the old or the new file, never a torn one, and a returned write survives power loss.
//! Paths are built only from parsed numbers, never from request text.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use lockproof_tlog::Tile;

use crate::Error;
use crate::storage::{StoredTile, TILE_HEIGHT, TILE_WIDTH, TileId, TileWrite};

/// The checkpoint file name.
const CHECKPOINT_FILE: &str = "checkpoint";
/// The temporary-file directory.
const TMP_DIR: &str = "tmp";

/// A log's tiles and checkpoint in a local directory.
#[derive(Debug)]
pub struct DirStorage {
    root: PathBuf,
    tmp_seq: AtomicU64,
}

impl DirStorage {
    /// Opens (creating the `tile/` and `tmp/` subdirectories if needed) storage rooted at `root`.
    /// Stale temporary files from a crash are removed.
    ///
    /// # Errors
    /// [`Error::Io`] if the directories cannot be created.
    pub fn open(root: &Path) -> Result<Self, Error> {
        let tmp = root.join(TMP_DIR);
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| Error::io("clean", &tmp, e))?;
        }
        ensure_dir(&tmp)?;
        ensure_dir(&root.join("tile"))?;
        Ok(DirStorage {
            root: root.to_path_buf(),
            tmp_seq: AtomicU64::new(0),
        })
    }

    /// Storage rooted at `root`, touching nothing (for read-only use).
    #[must_use]
    pub fn at(root: &Path) -> Self {
        DirStorage {
            root: root.to_path_buf(),
            tmp_seq: AtomicU64::new(0),
        }
    }

    /// The file of a full tile.
    fn full_path(&self, id: TileId) -> PathBuf {
        self.tile_path(id, TILE_WIDTH)
    }

    /// The directory holding a tile's partial versions (`<N>.p`).
    fn partial_dir(&self, id: TileId) -> PathBuf {
        let mut p = self.full_path(id).into_os_string();
        p.push(".p");
        PathBuf::from(p)
    }

    /// The file of version `width` of a tile: its Go sumdb path (`tile/8/L/N[.p/W]`).
    fn tile_path(&self, id: TileId, width: u16) -> PathBuf {
        let tile = Tile {
            height: TILE_HEIGHT,
            level: id.level,
            n: id.index,
            width: width.min(TILE_WIDTH),
        };
        self.root.join(tile.path())
    }

    /// Writes `files` durably: all temp files are written, then fsynced concurrently, then
    /// renamed, then every touched directory is fsynced (concurrently) once. Concurrent fsyncs
    /// let the device merge the flushes: on the benchmark VM one fsync costs ~6 ms, 50
    /// concurrent ones ~40 ms in total.
    fn write_files(&self, files: &[(PathBuf, &[u8])]) -> Result<(), Error> {
        let mut staged = Vec::with_capacity(files.len());
        for (dest, data) in files {
            let n = self.tmp_seq.fetch_add(1, Ordering::Relaxed);
            let tmp = self
                .root
                .join(TMP_DIR)
                .join(format!("{}-{n}", std::process::id()));
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(|e| Error::io("create", &tmp, e))?;
            f.write_all(data).map_err(|e| Error::io("write", &tmp, e))?;
            staged.push((f, tmp, dest));
        }
        for_each_concurrently(&staged, |(f, tmp, _)| {
            f.sync_all().map_err(|e| Error::io("fsync", tmp, e))
        })?;
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (_, tmp, dest) in &staged {
            let parent = dest.parent().unwrap_or(&self.root).to_path_buf();
            ensure_dir(&parent)?;
            fs::rename(tmp, dest).map_err(|e| Error::io("rename", dest, e))?;
            if !dirs.contains(&parent) {
                dirs.push(parent);
            }
        }
        for_each_concurrently(&dirs, |d| sync_dir(d))
    }

    /// The widths of the partial versions stored for `id`.
    fn partial_widths(&self, id: TileId) -> Result<Vec<u16>, Error> {
        let dir = self.partial_dir(id);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("list", &dir, e)),
        };
        let mut widths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("list", &dir, e))?;
            let width = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u16>().ok());
            if let Some(w) = width.filter(|w| (1..TILE_WIDTH).contains(w)) {
                widths.push(w);
            }
        }
        widths.sort_unstable();
        Ok(widths)
    }
}

impl crate::Storage for DirStorage {
    fn read_tile(&self, id: TileId, width: u16) -> Result<Option<StoredTile>, Error> {
        if width == 0 || width > TILE_WIDTH {
            return Ok(None);
        }
        if let Some(data) = read_optional(&self.tile_path(id, width))? {
            return Ok(Some(StoredTile { width, data }));
        }
        if width < TILE_WIDTH {
            if let Some(data) = read_optional(&self.full_path(id))? {
                return Ok(Some(StoredTile {
                    width: TILE_WIDTH,
                    data,
                }));
            }
            for w in self.partial_widths(id)? {
                if w <= width {
                    continue;
                }
                if let Some(data) = read_optional(&self.tile_path(id, w))? {
                    return Ok(Some(StoredTile { width: w, data }));
                }
            }
        }
        Ok(None)
    }

    fn write_tiles(&self, tiles: &[TileWrite]) -> Result<(), Error> {
        let files: Vec<(PathBuf, &[u8])> = tiles
            .iter()
            .map(|t| (self.tile_path(t.id, t.tile.width), t.tile.data.as_slice()))
            .collect();
        self.write_files(&files)
    }

    fn truncate_tile(&self, id: TileId, keep: u16) -> Result<(), Error> {
        if keep < TILE_WIDTH {
            remove_optional(&self.full_path(id))?;
        }
        if keep == 0 {
            let dir = self.partial_dir(id);
            match fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("remove", &dir, e)),
            }
        } else {
            for w in self.partial_widths(id)? {
                if w > keep {
                    remove_optional(&self.tile_path(id, w))?;
                }
            }
        }
        if let Some(parent) = self.full_path(id).parent().filter(|p| p.exists()) {
            sync_dir(parent)?;
        }
        Ok(())
    }

    fn remove_partials(&self, id: TileId) -> Result<(), Error> {
        let dir = self.partial_dir(id);
        match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("remove", &dir, e)),
        }
    }

    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, Error> {
        read_optional(&self.root.join(CHECKPOINT_FILE))
    }

    fn write_checkpoint(&self, note: &[u8]) -> Result<(), Error> {
        self.write_files(&[(self.root.join(CHECKPOINT_FILE), note)])
    }
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::read(path) {
        Ok(d) => Ok(Some(d)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

fn remove_optional(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove", path, e)),
    }
}

/// Most threads used to fsync one batch's files concurrently.
const MAX_SYNC_THREADS: usize = 32;

/// Runs `f` on every item, spread over up to [`MAX_SYNC_THREADS`] scoped threads; returns the
/// first error.
fn for_each_concurrently<T: Sync>(
    items: &[T],
    f: impl Fn(&T) -> Result<(), Error> + Sync,
) -> Result<(), Error> {
    if items.len() <= 1 {
        return items.iter().try_for_each(&f);
    }
    let per_thread = items.len().div_ceil(MAX_SYNC_THREADS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_thread)
            .map(|chunk| scope.spawn(|| chunk.iter().try_for_each(&f)))
            .collect();
        let mut result = Ok(());
        for h in handles {
            let r = h
                .join()
                .unwrap_or_else(|_| Err(Error::Stopped("an fsync thread panicked".into())));
            if result.is_ok() {
                result = r;
            }
        }
        result
    })
}

/// Fsyncs a directory, making renames and creations inside it durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("fsync dir", dir, e))
}

/// The directory holding `path`: its parent, or `.` for a bare relative name such as `log`
/// (whose `Path::parent` is the empty path, which no system call accepts).
fn parent_dir(path: &Path) -> Option<&Path> {
    path.parent().map(|p| {
        if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        }
    })
}

/// Creates `dir` and any missing parents, fsyncing each new directory's parent so the new
/// entries are durable.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), Error> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = parent_dir(dir) {
        ensure_dir(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(Error::io("mkdir", dir, e)),
    }
    if let Some(parent) = parent_dir(dir) {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Writes one small file atomically and durably (temp in the same directory, fsync, rename,
/// fsync dir). Used for the log's metadata and key files.
///
/// # Errors
/// [`Error::Io`].
pub(crate) fn write_file_atomic(path: &Path, data: &[u8]) -> Result<(), Error> {
    let dir = parent_dir(path).unwrap_or(Path::new("."));
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    let mut f = File::create(&tmp).map_err(|e| Error::io("create", &tmp, e))?;
    f.write_all(data).map_err(|e| Error::io("write", &tmp, e))?;
    f.sync_all().map_err(|e| Error::io("fsync", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io("rename", path, e))?;
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Storage as _;

    use crate::storage::TileLevel;

    fn hash_tile(width: u16, fill: u8) -> StoredTile {
        StoredTile {
            width,
            data: vec![fill; usize::from(width) * 32],
        }
    }

    #[test]
    fn reads_exact_then_wider_versions_of_a_tile() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = DirStorage::open(dir.path()).expect("open");
        let id = TileId {
            level: TileLevel::Hash(0),
            index: 3,
        };
        assert_eq!(s.read_tile(id, 5).expect("read"), None);
        s.write_tiles(&[TileWrite {
            id,
            tile: hash_tile(7, 1),
        }])
        .expect("write");
        assert_eq!(s.read_tile(id, 7).expect("read").map(|t| t.width), Some(7));
        assert_eq!(s.read_tile(id, 5).expect("read").map(|t| t.width), Some(7));
        assert_eq!(s.read_tile(id, 8).expect("read"), None);
        s.write_tiles(&[TileWrite {
            id,
            tile: hash_tile(256, 2),
        }])
        .expect("write");
        assert_eq!(
            s.read_tile(id, 9).expect("read").map(|t| t.width),
            Some(256)
        );
        assert!(dir.path().join("tile/8/0/003").is_file());
        assert!(dir.path().join("tile/8/0/003.p/7").is_file());
        s.remove_partials(id).expect("gc");
        assert_eq!(
            s.read_tile(id, 7).expect("read").map(|t| t.width),
            Some(256)
        );
    }

    #[test]
    fn truncation_removes_versions_beyond_the_kept_width() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = DirStorage::open(dir.path()).expect("open");
        let id = TileId {
            level: TileLevel::Data,
            index: 0,
        };
        for w in [3u16, 9, 256] {
            s.write_tiles(&[TileWrite {
                id,
                tile: hash_tile(w, 0),
            }])
            .expect("write");
        }
        s.truncate_tile(id, 5).expect("truncate");
        assert_eq!(s.read_tile(id, 3).expect("read").map(|t| t.width), Some(3));
        assert_eq!(s.read_tile(id, 4).expect("read"), None);
        s.truncate_tile(id, 0).expect("truncate");
        assert_eq!(s.read_tile(id, 1).expect("read"), None);
    }

    #[test]
    fn checkpoint_is_replaced_atomically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = DirStorage::open(dir.path()).expect("open");
        assert_eq!(s.read_checkpoint().expect("read"), None);
        s.write_checkpoint(b"one").expect("write");
        s.write_checkpoint(b"two").expect("write");
        assert_eq!(
            s.read_checkpoint().expect("read").as_deref(),
            Some(&b"two"[..])
        );
        assert_eq!(
            fs::read_dir(dir.path().join(TMP_DIR)).expect("tmp").count(),
            0
        );
    }
}
