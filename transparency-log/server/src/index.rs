//! The key → leaf-index index, in an embedded [redb] database (`index.redb`).
//!
//! Why redb: it is pure Rust (no C toolchain or bundled SQLite to audit), ACID with
//! copy-on-write B-trees, has exactly the single-writer / many-concurrent-readers model of a log
//! with one sequencer, and readers never block the writer. The index is a cache of the data
//! tiles: it is committed *after* the checkpoint that covers it and records the tree size it
//! covers (`indexed_size`), so batches commit it without `fsync` ([`redb::Durability::None`]) and
//! recovery re-indexes the records between `indexed_size` and the checkpoint size from the
//! durable data tiles. A crash can therefore lose index work but never an acknowledged record.
//!
//! Lookups do not open a read transaction each: the index keeps one open table snapshot,
//! replaced right after every commit (so before the sequencer publishes the checkpoint that the
//! commit covers). Opening a transaction and its table cost ~4,300 instructions per lookup
//! (a tracker lock plus a read of the table directory; callgrind), more than a warm B-tree read.
//! The cost: the one superseded snapshot stays pinned until the lookups still using it finish,
//! which only delays the reuse of the pages one commit replaced.
//!
//! Reads go to memory first: a small cache of recent hits ([`crate::hot`]), then a complete
//! in-memory mirror of the table ([`crate::keytable`], within a byte budget) that answers
//! lookups and the sequencer's dedup checks without a B-tree read. Only when a log outgrows
//! that budget do reads go to the B-tree, and then every hit goes into the hot cache.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use redb::{
    Database, Durability, ReadOnlyDatabase, ReadOnlyTable, ReadableDatabase, TableDefinition,
};

use crate::Error;
use crate::hot::HotEntries;
use crate::keytable::{KEY_TABLE_MAX_BYTES, KeyTable, Probe};

/// lookup key → (leaf index, record text). The text is a copy of the data-tile entry, kept so
/// that a lookup is one B-tree read instead of a data-tile read and split.
const KEYS: TableDefinition<&str, (u64, &[u8])> = TableDefinition::new("records_by_key");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const INDEXED_SIZE: &str = "indexed_size";

/// Memory redb may use to cache index pages (its default is 1 GiB). This is the main term of
/// the server's RSS bound. With glibc's per-thread malloc arenas the process can hold up to
/// about twice this much (pages freed by another thread than the one that read them are not
/// returned; benchmarks/server.md). 128 MiB serves uniform lookups over a 10^6-record index
/// (285 MB file) as fast as 256 MiB did once lookups stopped opening a transaction each and hot
/// keys were cached in memory ([`crate::hot`]); the OS page cache serves the rest.
pub(crate) const INDEX_CACHE_BYTES: usize = 128 << 20;

enum Db {
    ReadWrite(Database),
    ReadOnly(ReadOnlyDatabase),
}

/// What the index holds for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    /// The record's leaf index.
    pub(crate) index: u64,
    /// The record text.
    pub(crate) record: Vec<u8>,
}

/// The open `records_by_key` table of one read snapshot.
struct KeysSnapshot(ReadOnlyTable<&'static str, (u64, &'static [u8])>);

impl KeysSnapshot {
    /// The B-tree's entry for `key` (`path` names the index in errors).
    fn get(&self, key: &str, path: &Path) -> Result<Option<IndexEntry>, Error> {
        let v = self.0.get(key).map_err(|e| err(path, e))?;
        Ok(v.map(|g| {
            let (index, rec) = g.value();
            IndexEntry {
                index,
                record: rec.to_vec(),
            }
        }))
    }
}

/// The key → leaf-index map of one log.
pub(crate) struct Index {
    db: Db,
    path: PathBuf,
    /// The snapshot lookups read: the latest commit (see the module docs).
    keys: RwLock<Option<Arc<KeysSnapshot>>>,
    /// Every key in memory, while the log fits the budget.
    table: KeyTable,
    /// Recent hits, asked before `table` (which promotes one hit in 16 into it) and the only
    /// cache in front of the B-tree once `table` is dropped.
    hot: HotEntries,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Index {
    /// Opens (creating if missing) the index for writing.
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let db = Database::builder()
            .set_cache_size(INDEX_CACHE_BYTES)
            .create(path)
            .map_err(|e| err(path, e))?;
        let idx = Index {
            db: Db::ReadWrite(db),
            path: path.to_path_buf(),
            keys: RwLock::new(None),
            table: KeyTable::new(table_budget()),
            hot: HotEntries::new(),
        };
        // Make sure the tables exist so readers never see "table does not exist".
        idx.write(&[], &[], None, true)?;
        Ok(idx)
    }

    /// Opens an existing index read-only (for in-process verification of a local log).
    pub(crate) fn open_read_only(path: &Path) -> Result<Self, Error> {
        let db = Database::builder()
            .set_cache_size(INDEX_CACHE_BYTES)
            .open_read_only(path)
            .map_err(|e| err(path, e))?;
        let idx = Index {
            db: Db::ReadOnly(db),
            path: path.to_path_buf(),
            keys: RwLock::new(None),
            table: KeyTable::new(table_budget()),
            hot: HotEntries::new(),
        };
        idx.refresh()?;
        Ok(idx)
    }

    /// An empty index that lives in memory: what a read-only handle uses when the index file
    /// cannot be opened (held by a running server, or not closed cleanly and waiting for a
    /// writer to repair it). It covers no records, so the handle indexes every record itself.
    pub(crate) fn empty_in_memory() -> Result<Self, Error> {
        let path = PathBuf::from("<in memory>");
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(|e| err(&path, e))?;
        let idx = Index {
            db: Db::ReadWrite(db),
            path,
            keys: RwLock::new(None),
            table: KeyTable::new(0),
            hot: HotEntries::new(),
        };
        idx.write(&[], &[], None, true)?;
        Ok(idx)
    }

    /// Fills the in-memory table from the B-tree; until it is complete, reads go to the
    /// B-tree. Stops early, leaving reads on the B-tree, if the budget is exceeded; a read
    /// error drops the table too, and so does `keep_going` returning `false` (asked every
    /// 4,096 keys). Returns whether the table is complete. A second call does nothing.
    pub(crate) fn load_table(&self, keep_going: impl Fn() -> bool) -> Result<bool, Error> {
        use redb::ReadableTable as _;
        if !self.table.start_filling() {
            return Ok(self.table.is_complete());
        }
        // A fresh snapshot, taken after pushes started being kept: every commit is either in
        // it or pushed by `write` (or both; the table keeps the first copy of a key).
        let loaded = (|| {
            let txn = self.begin_read()?;
            let keys = txn.open_table(KEYS).map_err(|e| err(&self.path, e))?;
            for (n, item) in keys.iter().map_err(|e| err(&self.path, e))?.enumerate() {
                let (k, v) = item.map_err(|e| err(&self.path, e))?;
                let (index, record) = v.value();
                if !self.table.push(k.value(), index, record) || (n % 4096 == 4095 && !keep_going())
                {
                    self.table.drop_all();
                    return Ok(false);
                }
            }
            Ok::<_, Error>(true)
        })();
        match loaded {
            Ok(true) => {
                self.table.finish_filling();
                Ok(true)
            }
            Ok(false) => Ok(false),
            Err(e) => {
                self.table.drop_all();
                Err(e)
            }
        }
    }

    /// Replaces the lookup snapshot by one of the latest commit.
    fn refresh(&self) -> Result<(), Error> {
        let txn = self.begin_read()?;
        let table = txn.open_table(KEYS).map_err(|e| err(&self.path, e))?;
        let snapshot = Some(Arc::new(KeysSnapshot(table)));
        match self.keys.write() {
            Ok(mut k) => *k = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
        Ok(())
    }

    /// The lookup snapshot (opened by `open`/`open_read_only`, so always present there).
    fn keys(&self) -> Result<Arc<KeysSnapshot>, Error> {
        let k = match self.keys.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        k.ok_or_else(|| Error::Index {
            path: self.path.clone(),
            message: "index not open for lookups".into(),
        })
    }

    fn begin_read(&self) -> Result<redb::ReadTransaction, Error> {
        match &self.db {
            Db::ReadWrite(db) => db.begin_read(),
            Db::ReadOnly(db) => db.begin_read(),
        }
        .map_err(|e| err(&self.path, e))
    }

    /// The leaf index and record stored for `key`, if any, as of the latest commit.
    pub(crate) fn get(&self, key: &str) -> Result<Option<IndexEntry>, Error> {
        if let Some((index, record)) = self.hot.get(key) {
            return Ok(Some(IndexEntry {
                index,
                record: record.to_vec(),
            }));
        }
        match self.table.get(key) {
            Probe::Hit(index, record) => {
                if promote_to_hot() {
                    self.hot.insert(key, index, &record);
                }
                return Ok(Some(IndexEntry { index, record }));
            }
            Probe::Miss => return Ok(None),
            Probe::Unknown => {}
        }
        let hit = self.keys()?.get(key, &self.path)?;
        if let Some(e) = &hit {
            self.hot.insert(key, e.index, &e.record);
        }
        Ok(hit)
    }

    /// The leaf indexes stored for `keys` (from memory, or one B-tree snapshot for all of them).
    pub(crate) fn get_many<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<Vec<Option<IndexEntry>>, Error> {
        let mut btree = None;
        keys.into_iter()
            .map(|k| match self.table.get(k) {
                Probe::Hit(index, record) => Ok(Some(IndexEntry { index, record })),
                Probe::Miss => Ok(None),
                Probe::Unknown => {
                    let keys = match &btree {
                        Some(keys) => keys,
                        None => btree.insert(self.keys()?),
                    };
                    keys.get(k, &self.path)
                }
            })
            .collect()
    }

    /// The tree size the index covers (records `0..indexed_size` are indexed).
    pub(crate) fn indexed_size(&self) -> Result<u64, Error> {
        let txn = self.begin_read()?;
        let table = txn.open_table(META).map_err(|e| err(&self.path, e))?;
        let v = table.get(INDEXED_SIZE).map_err(|e| err(&self.path, e))?;
        Ok(v.map_or(0, |g| g.value()))
    }

    /// Inserts `entries` (`(key, index)`, with `records[i]` the record of `entries[i]`) and sets `indexed_size` in one transaction. With `durable == false`
    /// the commit is not fsynced (see the module docs for why that is safe).
    pub(crate) fn write(
        &self,
        entries: &[(String, u64)],
        records: &[Vec<u8>],
        indexed_size: Option<u64>,
        durable: bool,
    ) -> Result<(), Error> {
        let Db::ReadWrite(db) = &self.db else {
            return Err(Error::Index {
                path: self.path.clone(),
                message: "opened read-only".into(),
            });
        };
        let mut txn = db.begin_write().map_err(|e| err(&self.path, e))?;
        txn.set_durability(if durable {
            Durability::Immediate
        } else {
            Durability::None
        })
        .map_err(|e| err(&self.path, e))?;
        {
            let mut keys = txn.open_table(KEYS).map_err(|e| err(&self.path, e))?;
            for ((k, i), rec) in entries.iter().zip(records) {
                keys.insert(k.as_str(), (*i, rec.as_slice()))
                    .map_err(|e| err(&self.path, e))?;
            }
            let mut meta = txn.open_table(META).map_err(|e| err(&self.path, e))?;
            if let Some(size) = indexed_size {
                meta.insert(INDEXED_SIZE, size)
                    .map_err(|e| err(&self.path, e))?;
            }
        }
        txn.commit().map_err(|e| err(&self.path, e))?;
        self.table.extend(
            entries
                .iter()
                .zip(records)
                .map(|((k, i), rec)| (k.as_str(), *i, rec.as_slice())),
        );
        self.refresh()
    }

    /// Number of keys in the index.
    pub(crate) fn len(&self) -> Result<u64, Error> {
        use redb::ReadableTableMetadata as _;
        let txn = self.begin_read()?;
        let table = txn.open_table(KEYS).map_err(|e| err(&self.path, e))?;
        table.len().map_err(|e| err(&self.path, e))
    }
}

/// Whether a hit in the in-memory table should also go into the hot cache: one in
/// [`HOT_PROMOTE_EVERY`] per thread. The hot cache is small, so its entries stay in the CPU's
/// caches and TLB where the table's are spread over hundreds of MB; a key asked for often is
/// promoted after a few lookups, while a stream of distinct keys churns the cache (and its
/// eviction) 16 times less.
fn promote_to_hot() -> bool {
    thread_local! {
        static HITS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    HITS.with(|h| {
        let n = h.get().wrapping_add(1);
        h.set(n);
        n % HOT_PROMOTE_EVERY == 0
    })
}

/// See [`promote_to_hot`].
const HOT_PROMOTE_EVERY: u32 = 16;

/// The in-memory table's budget: [`KEY_TABLE_MAX_BYTES`], or `LOCKPROOF_LOG_MEMORY_INDEX_BYTES`
/// from the environment (`0` keeps every read on the B-tree).
fn table_budget() -> usize {
    std::env::var("LOCKPROOF_LOG_MEMORY_INDEX_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(KEY_TABLE_MAX_BYTES)
}

fn err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_keys_and_indexed_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("index.redb");
        let idx = Index::open(&p).expect("open");
        assert_eq!(idx.indexed_size().expect("size"), 0);
        idx.write(
            &[("a@v1".into(), 0), ("b@v1".into(), 1)],
            &[b"a\n".to_vec(), b"b\n".to_vec()],
            Some(2),
            false,
        )
        .expect("write");
        assert_eq!(
            idx.get("b@v1").expect("get"),
            Some(IndexEntry {
                index: 1,
                record: b"b\n".to_vec()
            })
        );
        assert_eq!(idx.get("c@v1").expect("get"), None);
        assert_eq!(idx.indexed_size().expect("size"), 2);
        assert_eq!(idx.len().expect("len"), 2);
    }
}
