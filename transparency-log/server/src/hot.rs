//! A bounded in-memory cache of recent index hits (lookup key → leaf index and record).
//!
//! Why it is always correct: the log is append-only and deduplicated, so once a key is in the
//! index its leaf index and record never change; a cached hit can never go stale and is never
//! invalidated. Misses are not cached (the key may be appended later).
//!
//! Why it exists: every index read walks the B-tree from its root, and the root's cache entry
//! (a lock and a reference count) is shared by every concurrent lookup, so on more than one
//! core the lookups contend on it. A hit here touches one of [`SHARDS`] independent locks.
//!
//! The bound: at most [`HOT_CACHE_BYTES`] of keys and records (plus [`ENTRY_OVERHEAD`] per
//! entry for the map's bookkeeping); when a shard is over its share, arbitrary entries of that
//! shard are dropped until it fits. Records larger than [`MAX_HOT_RECORD`] are not cached.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash as _, Hasher as _};
use std::sync::{Arc, Mutex};

/// Memory budget of the cache (keys + records + per-entry overhead), part of the RSS bound in
/// `benchmarks/server.md`.
pub(crate) const HOT_CACHE_BYTES: usize = 32 << 20;
/// Independent locks; a power of two.
pub(crate) const SHARDS: usize = 16;
/// Records longer than this are read from the index each time.
pub(crate) const MAX_HOT_RECORD: usize = 4096;
/// Bytes charged per entry besides its key and record (map slot, `Arc` header, allocator).
pub(crate) const ENTRY_OVERHEAD: usize = 96;

#[derive(Default)]
struct Shard {
    map: HashMap<Box<str>, (u64, Arc<[u8]>)>,
    bytes: usize,
}

/// The cache; see the module docs.
pub(crate) struct HotEntries {
    shards: Vec<Mutex<Shard>>,
}

impl std::fmt::Debug for HotEntries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotEntries").finish_non_exhaustive()
    }
}

fn cost(key: &str, record: &[u8]) -> usize {
    key.len() + record.len() + ENTRY_OVERHEAD
}

impl HotEntries {
    /// An empty cache.
    pub(crate) fn new() -> Self {
        HotEntries {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }

    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, Shard> {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        // The modulus keeps the index below `SHARDS`, and `SHARDS` shards were created.
        let i = (h.finish() as usize) % SHARDS;
        match self.shards[i].lock() {
            Ok(s) => s,
            // A panic while holding the lock cannot leave the map inconsistent (std's HashMap
            // is panic-safe), so the poisoned shard is still usable.
            Err(p) => p.into_inner(),
        }
    }

    /// The cached leaf index and record of `key`, if cached.
    pub(crate) fn get(&self, key: &str) -> Option<(u64, Arc<[u8]>)> {
        self.shard(key).map.get(key).cloned()
    }

    /// Caches the index hit `key` → (`index`, `record`), evicting to stay within the budget.
    pub(crate) fn insert(&self, key: &str, index: u64, record: &[u8]) {
        if record.len() > MAX_HOT_RECORD {
            return;
        }
        let c = cost(key, record);
        let mut shard = self.shard(key);
        if shard.map.contains_key(key) {
            return;
        }
        while shard.bytes + c > HOT_CACHE_BYTES / SHARDS {
            let Some(victim) = shard.map.keys().next().cloned() else {
                break;
            };
            if let Some((_, r)) = shard.map.remove(&victim) {
                shard.bytes -= cost(&victim, &r);
            }
        }
        shard.bytes += c;
        shard.map.insert(key.into(), (index, record.into()));
    }

    /// Bytes currently charged (for tests).
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.bytes))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_what_was_inserted_and_nothing_else() {
        let hot = HotEntries::new();
        hot.insert("a@v1", 7, b"a v1 h1:x");
        assert_eq!(hot.get("a@v1"), Some((7, Arc::from(&b"a v1 h1:x"[..]))));
        assert_eq!(hot.get("b@v1"), None);
    }

    #[test]
    fn stays_within_its_byte_budget() {
        let hot = HotEntries::new();
        let record = vec![b'x'; MAX_HOT_RECORD];
        let n = 2 * HOT_CACHE_BYTES / MAX_HOT_RECORD;
        for i in 0..n {
            hot.insert(&format!("m{i}@v1"), i as u64, &record);
        }
        assert!(hot.bytes() <= HOT_CACHE_BYTES, "{} bytes", hot.bytes());
        // The latest insert is always kept.
        let last = format!("m{}@v1", n - 1);
        assert_eq!(hot.get(&last).map(|(i, _)| i), Some(n as u64 - 1));
    }

    #[test]
    fn does_not_cache_oversized_records() {
        let hot = HotEntries::new();
        hot.insert("big@v1", 1, &vec![b'x'; MAX_HOT_RECORD + 1]);
        assert_eq!(hot.get("big@v1"), None);
    }
}
