//! An in-memory mirror of the key index (lookup key → leaf index and record), so that a lookup
//! is one hash-table probe instead of a B-tree read.
//!
//! Why: with lookups spread uniformly over a large log almost every B-tree read misses redb's
//! page cache, and every read, hit or miss, takes the same lock and reference count of the
//! tree's root page on every core (`perf`: `PagedCachedFile::read`; benchmarks/server.md). Go's
//! reference server keeps every record in memory; this table does the same in a compact form
//! (about the key and record bytes plus [`ENTRY_OVERHEAD`] per record: ~230 bytes for a Go
//! record, ~230 MB for a log of 10^6; the budget bounds it) and the B-tree stays the durable copy.
//!
//! The contract:
//! * The table is **complete or absent**. It is loaded from a B-tree snapshot on request
//!   ([`crate::Log::load_memory_index`]; servers do it on a background thread) and written
//!   through by every index commit, right after the commit succeeds (so, like the B-tree
//!   snapshot, before the sequencer publishes the checkpoint covering the commit). Commits made
//!   while it loads are kept too ([`KeyTable::start_filling`]). Until it is complete, and after
//!   it is dropped, probes answer [`Probe::Unknown`]; otherwise [`Probe::Hit`] or
//!   [`Probe::Miss`], with the same authority as the B-tree.
//! * It is bounded by a byte budget. When loading or a commit would take it over the budget,
//!   the table is dropped for good (for this process) and every probe answers
//!   [`Probe::Unknown`]: the caller then reads the B-tree as before. Memory never grows past
//!   the budget.
//! * Entries are never changed or removed (the log is append-only and deduplicated), so a
//!   probe never sees a stale answer.
//!
//! Layout: entries are appended to fixed-capacity chunks (never reallocated, so growth never
//! copies the table's bytes) as `index: u64 LE, key length: u32 LE, record length: u32 LE,
//! key, record`; the hash table holds only the 8-byte position of each entry, and hashes are
//! recomputed from the stored key when the table grows. Keys are hashed with std's randomly
//! keyed SipHash, so clients cannot aim lookups at one bucket.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use hashbrown::HashTable;

/// Default memory budget of the table (1 GiB: about 4.5 million Go records).
pub(crate) const KEY_TABLE_MAX_BYTES: usize = 1 << 30;
/// Bytes charged per entry besides its key and record: the 16-byte entry header, the table's
/// 8-byte slot at its worst load factor (1/2 right after growing, so 16 bytes) plus its control
/// byte, and chunk slack.
pub(crate) const ENTRY_OVERHEAD: usize = 40;
/// Size of one chunk of entries (an entry larger than this gets a chunk of its own). Each
/// shard has at most one chunk partly empty.
const CHUNK_BYTES: usize = 1 << 20;
const HEADER: usize = 16;

/// What the table knows about one key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    /// In the index: its leaf index and record text.
    Hit(u64, Vec<u8>),
    /// Not in the index.
    Miss,
    /// Not loaded yet, or dropped (over budget): ask the B-tree.
    Unknown,
}

/// Independent parts of the table, each behind its own lock on its own cache lines, so that
/// lookups on different cores do not bounce one lock word (and the fields beside it) between
/// them. A power of two.
const SHARDS: usize = 16;

#[derive(Default)]
struct Entries {
    chunks: Vec<Vec<u8>>,
    /// Positions (`chunk << 32 | offset`) of the entries, keyed by the hash of their key.
    table: HashTable<u64>,
}

/// One shard: `None` once the table has been dropped.
#[repr(align(128))]
struct Shard(RwLock<Option<Entries>>);

/// The table; see the module docs.
pub(crate) struct KeyTable {
    shards: Box<[Shard]>,
    hasher: RandomState,
    max_bytes: usize,
    /// Bytes charged so far (entries plus [`ENTRY_OVERHEAD`] each).
    bytes: AtomicUsize,
    /// [`OFF`], [`FILLING`], [`COMPLETE`] or [`DROPPED`].
    state: AtomicU8,
}

/// Not loaded: pushes are ignored, probes are [`Probe::Unknown`].
const OFF: u8 = 0;
/// Being loaded: pushes are kept, probes are still [`Probe::Unknown`].
const FILLING: u8 = 1;
/// Loaded and written through: probes answer.
const COMPLETE: u8 = 2;
/// Over budget or failed, for good: pushes are ignored, probes are [`Probe::Unknown`].
const DROPPED: u8 = 3;

impl std::fmt::Debug for KeyTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTable")
            .field("max_bytes", &self.max_bytes)
            .field("bytes", &self.bytes)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// The entry at `pos`: (leaf index, key, record).
fn entry_at(chunks: &[Vec<u8>], pos: u64) -> (u64, &[u8], &[u8]) {
    let chunk = &chunks[(pos >> 32) as usize];
    let at = (pos & 0xffff_ffff) as usize;
    let word = |from: usize, len: usize| {
        let mut b = [0u8; 8];
        b[..len].copy_from_slice(&chunk[at + from..at + from + len]);
        u64::from_le_bytes(b)
    };
    let index = word(0, 8);
    let key_len = word(8, 4) as usize;
    let rec_len = word(12, 4) as usize;
    let key = &chunk[at + HEADER..at + HEADER + key_len];
    let record = &chunk[at + HEADER + key_len..at + HEADER + key_len + rec_len];
    (index, key, record)
}

impl KeyTable {
    /// An empty table with a budget of `max_bytes` (`0`: no table, every probe is
    /// [`Probe::Unknown`]).
    pub(crate) fn new(max_bytes: usize) -> Self {
        let table = KeyTable {
            shards: (0..SHARDS)
                .map(|_| Shard(RwLock::new(Some(Entries::default()))))
                .collect(),
            hasher: RandomState::new(),
            max_bytes,
            bytes: AtomicUsize::new(0),
            state: AtomicU8::new(OFF),
        };
        if max_bytes == 0 {
            table.drop_all();
        }
        table
    }

    /// Starts loading: from now on pushes are kept. Returns `false` if the table was already
    /// started, or dropped (then there is nothing to load).
    pub(crate) fn start_filling(&self) -> bool {
        self.state
            .compare_exchange(OFF, FILLING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Ends loading: every key the index held when [`KeyTable::start_filling`] was called,
    /// and every key written since, has been pushed; probes now answer.
    pub(crate) fn finish_filling(&self) {
        let _ = self
            .state
            .compare_exchange(FILLING, COMPLETE, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Whether probes answer from the table.
    pub(crate) fn is_complete(&self) -> bool {
        self.state.load(Ordering::Acquire) == COMPLETE
    }

    fn accepts_pushes(&self) -> bool {
        matches!(self.state.load(Ordering::Acquire), FILLING | COMPLETE)
    }

    fn hash_and_shard(&self, key: &[u8]) -> (u64, &RwLock<Option<Entries>>) {
        let hash = self.hasher.hash_one(key);
        // hashbrown uses the low bits for the bucket and the top 7 for its tag.
        (hash, &self.shards[(hash >> 40) as usize % SHARDS].0)
    }

    /// What the index holds for `key`.
    pub(crate) fn get(&self, key: &str) -> Probe {
        if !self.is_complete() {
            return Probe::Unknown;
        }
        let (hash, shard) = self.hash_and_shard(key.as_bytes());
        let guard = match shard.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let Some(e) = guard.as_ref() else {
            return Probe::Unknown;
        };
        match e
            .table
            .find(hash, |&pos| entry_at(&e.chunks, pos).1 == key.as_bytes())
        {
            Some(&pos) => {
                let (index, _, record) = entry_at(&e.chunks, pos);
                Probe::Hit(index, record.to_vec())
            }
            None => Probe::Miss,
        }
    }

    /// Adds `(key, leaf index, record)` entries (keys not already present; a key already in
    /// the table keeps its entry). Drops the table if they do not fit in the budget.
    pub(crate) fn extend<'a>(&self, items: impl IntoIterator<Item = (&'a str, u64, &'a [u8])>) {
        for (key, index, record) in items {
            if !self.push(key, index, record) {
                return;
            }
        }
    }

    /// Drops every shard and makes every later probe [`Probe::Unknown`].
    pub(crate) fn drop_all(&self) {
        self.state.store(DROPPED, Ordering::Release);
        for shard in &self.shards {
            match shard.0.write() {
                Ok(mut g) => *g = None,
                Err(p) => *p.into_inner() = None,
            }
        }
    }

    /// Adds one entry unless its key is present; drops the table if it would exceed the
    /// budget. Returns whether the table is still complete.
    pub(crate) fn push(&self, key: &str, index: u64, record: &[u8]) -> bool {
        if !self.accepts_pushes() {
            return false;
        }
        let len = HEADER + key.len() + record.len();
        let charged = self
            .bytes
            .fetch_add(len + ENTRY_OVERHEAD, Ordering::Relaxed);
        if u32::try_from(len).is_err() || charged + len + ENTRY_OVERHEAD > self.max_bytes {
            self.drop_all();
            return false;
        }
        let (hash, shard) = self.hash_and_shard(key.as_bytes());
        let mut guard = match shard.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let Some(e) = guard.as_mut() else {
            return false;
        };
        let chunks = &e.chunks;
        if e.table
            .find(hash, |&pos| entry_at(chunks, pos).1 == key.as_bytes())
            .is_some()
        {
            self.bytes
                .fetch_sub(len + ENTRY_OVERHEAD, Ordering::Relaxed);
            return true;
        }
        let fits = e
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= len);
        if !fits {
            if e.chunks.len() >= u32::MAX as usize {
                drop(guard);
                self.drop_all();
                return false;
            }
            e.chunks.push(Vec::with_capacity(len.max(CHUNK_BYTES)));
        }
        let chunk_no = (e.chunks.len() - 1) as u64;
        let Some(chunk) = e.chunks.last_mut() else {
            return false;
        };
        let pos = chunk_no << 32 | chunk.len() as u64;
        chunk.extend_from_slice(&index.to_le_bytes());
        // Both fit in u32: `len` does (checked above) and each is at most `len`.
        chunk.extend_from_slice(&(key.len() as u32).to_le_bytes());
        chunk.extend_from_slice(&(record.len() as u32).to_le_bytes());
        chunk.extend_from_slice(key.as_bytes());
        chunk.extend_from_slice(record);
        let (chunks, hasher) = (&e.chunks, &self.hasher);
        e.table
            .insert_unique(hash, pos, |&p| hasher.hash_one(entry_at(chunks, p).1));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(max_bytes: usize) -> KeyTable {
        let t = KeyTable::new(max_bytes);
        assert!(t.start_filling());
        t.finish_filling();
        t
    }

    #[test]
    fn answers_unknown_until_filled_but_keeps_pushes_made_while_filling() {
        let t = KeyTable::new(usize::MAX);
        t.extend([("early@v1", 0, &b"ignored"[..])]);
        assert!(t.start_filling());
        assert!(!t.start_filling());
        t.extend([("a@v1", 1, &b"kept"[..])]);
        assert_eq!(t.get("a@v1"), Probe::Unknown);
        t.finish_filling();
        assert_eq!(t.get("a@v1"), Probe::Hit(1, b"kept".to_vec()));
        assert_eq!(t.get("early@v1"), Probe::Miss);
    }

    #[test]
    fn a_zero_budget_never_answers() {
        let t = KeyTable::new(0);
        assert!(!t.start_filling());
        t.extend([("a@v1", 1, &b"r"[..])]);
        assert_eq!(t.get("a@v1"), Probe::Unknown);
    }

    #[test]
    fn answers_hits_and_misses_after_growing_across_chunks() {
        let t = loaded(usize::MAX);
        let big = vec![b'x'; CHUNK_BYTES / 3];
        let keys: Vec<String> = (0..5000)
            .map(|i| format!("example.com/m{i}@v1.0.0"))
            .collect();
        t.extend(keys.iter().enumerate().map(|(i, k)| {
            (
                k.as_str(),
                i as u64,
                if i % 1000 == 7 {
                    &big[..]
                } else {
                    k.as_bytes()
                },
            )
        }));
        for (i, k) in keys.iter().enumerate() {
            let want = if i % 1000 == 7 {
                big.clone()
            } else {
                k.as_bytes().to_vec()
            };
            assert_eq!(t.get(k), Probe::Hit(i as u64, want), "{k}");
        }
        assert_eq!(t.get("example.com/m5000@v1.0.0"), Probe::Miss);
        assert_eq!(t.get(""), Probe::Miss);
        assert!(t.is_complete());
    }

    #[test]
    fn keeps_the_first_entry_for_a_key() {
        let t = loaded(usize::MAX);
        t.extend([("a@v1", 0, &b"first"[..])]);
        t.extend([("a@v1", 9, &b"second"[..])]);
        assert_eq!(t.get("a@v1"), Probe::Hit(0, b"first".to_vec()));
    }

    #[test]
    fn drops_itself_for_good_when_over_budget() {
        let t = loaded(3 * (HEADER + 8 + ENTRY_OVERHEAD));
        t.extend([("a@v1", 0, &b"rec1"[..]), ("b@v1", 1, &b"rec2"[..])]);
        assert_eq!(t.get("a@v1"), Probe::Hit(0, b"rec1".to_vec()));
        t.extend([("c@v1", 2, &b"rec3"[..]), ("d@v1", 3, &b"rec4"[..])]);
        assert!(!t.is_complete());
        assert_eq!(t.get("a@v1"), Probe::Unknown);
        assert_eq!(t.get("zz@v1"), Probe::Unknown);
        t.extend([("e@v1", 4, &b"rec5"[..])]);
        assert_eq!(t.get("e@v1"), Probe::Unknown);
    }
}
