//! A local log directory as a [`LogFetcher`], through the server crate's in-process `Log`
//! handle. The verifier treats its answers exactly like a remote log's: untrusted until proven.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use lockproof_log::Log;
use lockproof_log::http::api::{LookupsRequest, answer_lookups};
use lockproof_tlog::{RecordKey, Tile};
use lockproof_verify::Error;
use lockproof_verify::fetch::LogFetcher;

/// A log directory opened read-only.
pub(crate) struct LocalLog {
    log: Log,
    dir: String,
    requests: AtomicU64,
}

impl LocalLog {
    pub(crate) fn open(dir: &Path) -> Result<Self, Error> {
        let log = Log::open_read_only(dir).map_err(|e| Error::Fetch {
            what: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(LocalLog {
            log,
            dir: dir.display().to_string(),
            requests: AtomicU64::new(0),
        })
    }

    fn fail(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::Fetch {
            what: format!("{}/{what}", self.dir),
            reason: e.to_string(),
        }
    }
}

impl LogFetcher for LocalLog {
    fn describe(&self) -> String {
        self.dir.clone()
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn latest(&self) -> Result<Vec<u8>, Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        Ok(self.log.checkpoint().note.clone())
    }

    fn lookup(&self, key_path: &str) -> Result<Option<Vec<u8>>, Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let key = RecordKey::parse_lookup_path(key_path).map_err(|e| self.fail(key_path, e))?;
        let snapshot = self.log.checkpoint();
        match self.log.lookup(&key).map_err(|e| self.fail(key_path, e))? {
            None => Ok(None),
            Some((index, record)) => {
                let mut out = format!("{index}\n{record}\n").into_bytes();
                out.extend_from_slice(&snapshot.note);
                Ok(Some(out))
            }
        }
    }

    fn lookups_batch(&self, request_json: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let req: LookupsRequest =
            serde_json::from_slice(request_json).map_err(|e| self.fail("lookups", e))?;
        let resp = answer_lookups(&self.log, &req).map_err(|e| self.fail("lookups", e))?;
        serde_json::to_vec(&resp)
            .map(Some)
            .map_err(|e| self.fail("lookups", e))
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        self.requests
            .fetch_add(tiles.len() as u64, Ordering::Relaxed);
        tiles
            .iter()
            .map(|t| self.log.read_tile(*t).map_err(|e| self.fail(&t.path(), e)))
            .collect()
    }
}
