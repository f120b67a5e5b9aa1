//! An upstream Go checksum database (a GOSUMDB such as `sum.golang.org`), copied record by
//! record only after verifying it.
//!
//! For `(module, version)` the fetcher asks `<base>/lookup/<escaped module>@<escaped version>`
//! ([sumdb protocol]), then, before it returns anything:
//!
//! 1. opens the signed tree note with the database's verifier key (Ed25519 signed note);
//! 2. checks that the new tree is consistent with every tree this fetcher saw before (one is a
//!    prefix of the other, recomputed from authenticated hash tiles), so a database that forks
//!    its history between two lookups is caught;
//! 3. checks that the record is exactly the record for the key asked for, and that its leaf hash
//!    is at the claimed index of the signed tree, by reading the hash tiles
//!    (`<base>/tile/8/<L>/<N>[.p/<W>]`) through [`TileHashReader`], which authenticates every tile
//!    against the signed root first. This is how the `go` command verifies a lookup.
//!
//! Only then is the record handed out, byte for byte as the upstream logged it. A 404 or 410 on
//! the lookup means "no such module version" (`Ok(None)`).
//!
//! [sumdb protocol]: https://go.dev/design/25530-sumdb#checksum-database

use std::collections::HashMap;
use std::sync::Mutex;

use lockproof_tlog::{
    LookupResponse, Tile, TileHashReader, TileReader, Tree, VerifierKey, Verifiers, open,
    parse_tree_note, tree_hash,
};

use crate::{Error, Http, Record, RecordKey, Upstream};

/// The tile height of every Go checksum database (Go's client hard-codes 8).
const SUMDB_TILE_HEIGHT: u8 = 8;
/// Largest `/lookup` body accepted: an index line, a record and a signed note.
pub const MAX_LOOKUP_BODY: u64 = lockproof_tlog::lookup::MAX_LOOKUP_RESPONSE_SIZE as u64;
/// Verified tiles kept in memory between lookups (8 KiB each for full tiles: at most 32 MiB).
/// Upper-level tiles are shared by every lookup, so a handful of cached tiles saves most
/// tile fetches of a large fill.
const MAX_CACHED_TILES: usize = 4096;

/// The verifier key of the public Go checksum database, as hard-coded in the `go` command
/// (`cmd/go/internal/modfetch/key.go`).
pub const SUM_GOLANG_ORG_KEY: &str =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

/// An upstream Go checksum database at `base`, trusted only through its verifier key.
#[derive(Debug)]
pub struct GoSumdb {
    base: String,
    key: VerifierKey,
    http: Http,
    /// The largest tree verified so far; every later tree must be consistent with it.
    latest: Mutex<Option<Tree>>,
    /// Tiles that verified against a signed tree (full tiles never change; partial ones are
    /// only reused at the same width).
    tiles: Mutex<HashMap<Tile, Vec<u8>>>,
}

impl GoSumdb {
    /// A database at `base` (e.g. `https://sum.golang.org`, or `<proxy>/sumdb/<name>`) whose
    /// tree notes must be signed by `key`.
    pub fn new(base: &str, key: VerifierKey, http: Http) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            key,
            http,
            latest: Mutex::new(None),
            tiles: Mutex::new(HashMap::new()),
        }
    }

    /// Like [`GoSumdb::new`], but already trusting `tree` (for example one persisted by an
    /// earlier run): every tree the database shows must be consistent with it.
    pub fn with_trusted_tree(base: &str, key: VerifierKey, http: Http, tree: Tree) -> Self {
        let db = Self::new(base, key, http);
        *lock(&db.latest) = Some(tree);
        db
    }

    /// The largest tree this fetcher has verified so far.
    pub fn latest_tree(&self) -> Option<Tree> {
        *lock(&self.latest)
    }

    /// Check `tree` against the latest verified tree (either may be the larger), then make the
    /// larger one the latest.
    fn check_consistent(&self, url: &str, tree: Tree) -> Result<(), Error> {
        let prev = self.latest_tree();
        let Some(prev) = prev else {
            *lock(&self.latest) = Some(tree);
            return Ok(());
        };
        let (small, large) = if tree.size >= prev.size {
            (prev, tree)
        } else {
            (tree, prev)
        };
        let consistent = if small.size == large.size {
            small.hash == large.hash
        } else if small.size == 0 {
            true
        } else {
            let reader = Tiles { db: self };
            let hashes = TileHashReader::new(large, &reader);
            match tree_hash(small.size, &hashes) {
                Ok(h) => h == small.hash,
                Err(e) => return Err(self.tile_error(url, e)),
            }
        };
        if !consistent {
            return Err(verification(
                url,
                format!(
                    "the database forked: its tree of size {} is not a prefix of its tree of size {}",
                    small.size, large.size
                ),
            ));
        }
        let mut latest = lock(&self.latest);
        if latest.is_none_or(|l| large.size > l.size) {
            *latest = Some(large);
        }
        Ok(())
    }

    /// A tile problem: a fetch failure stays a transport error, anything else is a failed
    /// verification.
    fn tile_error(&self, url: &str, e: lockproof_tlog::Error) -> Error {
        match e {
            lockproof_tlog::Error::Reader(reason) => Error::Transport {
                url: format!("{}/tile/…", self.base),
                reason,
            },
            other => verification(
                url,
                format!("hash tiles do not match the signed tree: {other}"),
            ),
        }
    }
}

/// The upstream's tiles, fetched over HTTP (or from the cache of verified tiles).
struct Tiles<'a> {
    db: &'a GoSumdb,
}

impl Tiles<'_> {
    fn fetch(&self, tile: &Tile) -> Result<Vec<u8>, lockproof_tlog::Error> {
        if let Some(data) = lock(&self.db.tiles).get(tile) {
            return Ok(data.clone());
        }
        let want = tile.hash_data_len();
        let limit = want as u64;
        let get = |path: String| {
            let url = crate::http::join(&self.db.base, &path);
            self.db
                .http
                .get(&url, None, limit)
                .map_err(|e| lockproof_tlog::Error::Reader(e.to_string()))
        };
        if let Some(data) = get(tile.path())? {
            return Ok(data);
        }
        // Go's client falls back to the full tile when a partial one is gone; so do we.
        if !tile.is_full() {
            let full = Tile {
                width: u16::try_from(tile.full_width()).unwrap_or(u16::MAX),
                ..*tile
            };
            let url_limit = full.hash_data_len() as u64;
            let url = crate::http::join(&self.db.base, &full.path());
            if let Some(mut data) = self
                .db
                .http
                .get(&url, None, url_limit)
                .map_err(|e| lockproof_tlog::Error::Reader(e.to_string()))?
            {
                data.truncate(want);
                return Ok(data);
            }
        }
        Err(lockproof_tlog::Error::Reader(format!(
            "{}: not found",
            crate::http::join(&self.db.base, &tile.path())
        )))
    }
}

impl TileReader for Tiles<'_> {
    fn height(&self) -> u8 {
        SUMDB_TILE_HEIGHT
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, lockproof_tlog::Error> {
        tiles.iter().map(|t| self.fetch(t)).collect()
    }

    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        let mut cache = lock(&self.db.tiles);
        for (tile, bytes) in tiles.iter().zip(data) {
            if cache.len() >= MAX_CACHED_TILES {
                cache.clear();
            }
            cache.insert(*tile, bytes.clone());
        }
    }
}

fn verification(url: &str, reason: impl Into<String>) -> Error {
    Error::Verification {
        url: url.to_string(),
        reason: reason.into(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Upstream for GoSumdb {
    fn ecosystem(&self) -> Option<lockproof_tlog::Ecosystem> {
        None
    }

    fn fetch(&self, key: &RecordKey) -> Result<Option<Record>, Error> {
        if !key.is_go() {
            return Err(Error::InvalidRequest(format!(
                "{key} is not a Go module key"
            )));
        }
        let url = crate::http::join(&self.base, &format!("lookup/{}", key.lookup_path()));
        let Some(body) = self.http.get(&url, None, MAX_LOOKUP_BODY)? else {
            return Ok(None);
        };
        let resp = LookupResponse::parse_unauthenticated(&body)
            .map_err(|e| crate::malformed(&url, e.to_string()))?;
        let note = open(&resp.signed_note, &Verifiers::new([self.key.clone()]))
            .map_err(|e| verification(&url, format!("tree note: {e}")))?;
        let tree = parse_tree_note(note.text())
            .map_err(|e| verification(&url, format!("tree note: {e}")))?;
        if resp.index >= tree.size {
            return Err(verification(
                &url,
                format!(
                    "record index {} is not inside the signed tree of size {}",
                    resp.index, tree.size
                ),
            ));
        }
        resp.record
            .check_key(key)
            .map_err(|e| verification(&url, format!("answered with another record: {e}")))?;
        self.check_consistent(&url, tree)?;
        let reader = Tiles { db: self };
        TileHashReader::new(tree, &reader)
            .check_record_hashes(&[(resp.index, resp.record.leaf_hash())])
            .map_err(|e| match e {
                lockproof_tlog::Error::InvalidProof => verification(
                    &url,
                    format!(
                        "the record is not at index {} of the signed tree of size {}",
                        resp.index, tree.size
                    ),
                ),
                other => self.tile_error(&url, other),
            })?;
        Ok(Some(resp.record))
    }
}
