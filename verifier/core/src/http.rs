//! [`LogFetcher`] over HTTP(S) with `ureq`: one keep-alive agent, timeouts, a size cap on every
//! response, and a bounded pool of threads for concurrent requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lockproof_tlog::Tile;

use crate::Error;
use crate::fetch::{LogFetcher, MAX_BATCH_RESPONSE_BYTES, MAX_LOOKUP_BYTES, MAX_NOTE_BYTES};

/// Requests in flight at once per fetcher.
pub const MAX_CONCURRENCY: usize = 8;

/// Default time allowed for a whole request, connect to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A log reached over HTTP(S) at a base URL (`https://sum.example.com` or
/// `http://127.0.0.1:8080/sumdb/name`).
#[derive(Debug)]
pub struct HttpFetcher {
    base: String,
    agent: ureq::Agent,
    requests: AtomicU64,
}

impl HttpFetcher {
    /// A fetcher for `base` whose every request must finish within `timeout`, trusting
    /// Mozilla's root certificates for `https://`.
    ///
    /// # Errors
    /// [`Error::Usage`] unless `base` starts with `http://` or `https://`.
    pub fn new(base: &str, timeout: Duration) -> Result<Self, Error> {
        Self::with_tls(base, timeout, None)
    }

    /// Like [`HttpFetcher::new`], with `tls` (for instance trusting a private CA) instead of
    /// the default TLS configuration when it is given.
    ///
    /// # Errors
    /// [`Error::Usage`] unless `base` starts with `http://` or `https://`.
    pub fn with_tls(
        base: &str,
        timeout: Duration,
        tls: Option<ureq::tls::TlsConfig>,
    ) -> Result<Self, Error> {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Usage(format!(
                "log URL {base:?} must start with http:// or https://"
            )));
        }
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(3)
            .max_response_header_size(64 * 1024)
            .max_idle_connections_per_host(MAX_CONCURRENCY)
            .user_agent(concat!("lockproof/", env!("CARGO_PKG_VERSION")));
        if let Some(tls) = tls {
            config = config.tls_config(tls);
        }
        let config = config.build();
        Ok(HttpFetcher {
            base: base.trim_end_matches('/').to_owned(),
            agent: config.into(),
            requests: AtomicU64::new(0),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    fn fail(&self, url: &str, reason: impl std::fmt::Display) -> Error {
        Error::Fetch {
            what: url.to_owned(),
            reason: reason.to_string(),
        }
    }

    /// GET `path`; returns the status and, for 200, the body read up to `limit` bytes.
    fn get(&self, path: &str, limit: u64) -> Result<(u16, Vec<u8>), Error> {
        let url = self.url(path);
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut resp = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| self.fail(&url, describe(&e)))?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Ok((status, Vec::new()));
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| self.fail(&url, describe(&e)))?;
        Ok((status, body))
    }
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::BodyExceedsLimit(n) => format!("response larger than {n} bytes"),
        other => other.to_string(),
    }
}

impl LogFetcher for HttpFetcher {
    fn describe(&self) -> String {
        self.base.clone()
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn latest(&self) -> Result<Vec<u8>, Error> {
        match self.get("latest", MAX_NOTE_BYTES as u64)? {
            (200, body) => Ok(body),
            (status, _) => Err(self.fail(&self.url("latest"), format!("HTTP {status}"))),
        }
    }

    fn checkpoint(&self) -> Result<Option<Vec<u8>>, Error> {
        match self.get("checkpoint", MAX_NOTE_BYTES as u64)? {
            (200, body) => Ok(Some(body)),
            (404 | 410, _) => Ok(None),
            (status, _) => Err(self.fail(&self.url("checkpoint"), format!("HTTP {status}"))),
        }
    }

    fn lookup(&self, key_path: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = format!("lookup/{key_path}");
        match self.get(&path, MAX_LOOKUP_BYTES as u64)? {
            (200, body) => Ok(Some(body)),
            (404 | 410, _) => Ok(None),
            (status, _) => Err(self.fail(&self.url(&path), format!("HTTP {status}"))),
        }
    }

    fn lookups_batch(&self, body: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        let url = self.url("lockproof/v1/lookups");
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut resp = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|e| self.fail(&url, describe(&e)))?;
        match resp.status().as_u16() {
            200 => resp
                .body_mut()
                .with_config()
                .limit(MAX_BATCH_RESPONSE_BYTES as u64)
                .read_to_vec()
                .map(Some)
                .map_err(|e| self.fail(&url, describe(&e))),
            404 | 405 | 501 => Ok(None),
            status => Err(self.fail(&url, format!("HTTP {status}"))),
        }
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        crate::pool::pool_map(tiles, MAX_CONCURRENCY, |t| self.read_one_tile(t))
            .into_iter()
            .collect()
    }
}

impl HttpFetcher {
    /// One tile: the exact partial width first, then the full tile truncated (Go's fallback for
    /// logs that dropped partials). The length must be exactly `width × 32`.
    fn read_one_tile(&self, tile: &Tile) -> Result<Vec<u8>, Error> {
        let want = tile.hash_data_len();
        let path = tile.path();
        let (status, body) = self.get(&path, want as u64 + 1)?;
        let body = match status {
            200 => body,
            404 if !tile.is_full() => {
                let full = Tile {
                    width: 1u16 << tile.height.min(15),
                    ..*tile
                };
                let full_len = full.hash_data_len();
                let (status, mut body) = self.get(&full.path(), full_len as u64 + 1)?;
                if status != 200 {
                    return Err(self.fail(&self.url(&path), format!("HTTP {status}")));
                }
                if body.len() != full_len {
                    return Err(self.fail(
                        &self.url(&full.path()),
                        format!("tile has {} bytes, want {full_len}", body.len()),
                    ));
                }
                body.truncate(want);
                body
            }
            s => return Err(self.fail(&self.url(&path), format!("HTTP {s}"))),
        };
        if body.len() != want {
            return Err(self.fail(
                &self.url(&path),
                format!("tile has {} bytes, want {want}", body.len()),
            ));
        }
        Ok(body)
    }
}
