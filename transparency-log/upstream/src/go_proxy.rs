//! A Go module proxy ([GOPROXY protocol]) and Go's `h1:` directory hash.
//!
//! For `(module, version)` the fetcher downloads `<proxy>/<escaped module>/@v/<escaped
//! version>.mod` and `.zip` and computes the two go.sum hashes exactly as the public checksum
//! database does (golang.org/x/mod/sumdb/dirhash `Hash1`): for each file, in byte order of
//! name, a line `<sha256 hex>  <name>\n`; the hash is `h1:` + base64(SHA-256(those lines)). The
//! zip's names keep their `module@version/` prefix; the go.mod hash is over the single name
//! `go.mod`.
//!
//! [GOPROXY protocol]: https://go.dev/ref/mod#goproxy-protocol

use std::io::{Cursor, Read};

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use lockproof_tlog::gomodule::{escape_path, escape_version};

use crate::{Ecosystem, Error, Http, Record, RecordKey, Upstream, limits, malformed};

/// The total uncompressed size Go accepts for a module zip (golang.org/x/mod/zip).
const MAX_UNZIPPED: u64 = 500 << 20;

/// A Go module proxy, `https://…` or `file:///…`.
#[derive(Debug, Clone)]
pub struct GoProxy {
    base: String,
    http: Http,
}

impl GoProxy {
    /// A proxy at `base`.
    pub fn new(base: &str, http: Http) -> Self {
        Self {
            base: base.to_string(),
            http,
        }
    }
}

/// `h1:` of a set of named files, given as (name, contents) in any order.
///
/// # Errors
///
/// [`Error::InvalidRequest`] when a name contains a newline, which the format cannot express.
fn hash1<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<String, Error> {
    let mut lines: Vec<(&str, String)> = Vec::new();
    for (name, data) in files {
        if name.contains('\n') {
            return Err(Error::InvalidRequest(format!(
                "file name {name:?} contains a newline"
            )));
        }
        lines.push((name, hex::encode(Sha256::digest(data))));
    }
    lines.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut summary = Sha256::new();
    for (name, hex) in &lines {
        summary.update(format!("{hex}  {name}\n").as_bytes());
    }
    Ok(format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary.finalize())
    ))
}

/// The go.sum hash of a go.mod file (`<module> <version>/go.mod h1:…`).
pub fn h1_go_mod(go_mod: &[u8]) -> String {
    // A single fixed name without a newline cannot fail.
    hash1([("go.mod", go_mod)]).unwrap_or_default()
}

/// The go.sum hash of a module zip (`<module> <version> h1:…`), reading at most 500 MiB of
/// uncompressed content as Go does.
///
/// # Errors
///
/// [`Error::Malformed`] (with `url` as the source name) for a zip that cannot be read, has a
/// duplicate or newline-bearing name, or is over the size limit.
pub fn h1_zip(url: &str, zip_bytes: &[u8]) -> Result<String, Error> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes))
        .map_err(|e| malformed(url, format!("module zip: {e}")))?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(archive.len());
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut f = archive
            .by_index(i)
            .map_err(|e| malformed(url, format!("module zip entry {i}: {e}")))?;
        if f.is_dir() {
            continue;
        }
        let name = f
            .name()
            .map_err(|e| malformed(url, format!("module zip entry {i}: {e}")))?
            .into_owned();
        let mut data = Vec::new();
        let budget = MAX_UNZIPPED - total;
        (&mut f)
            .take(budget + 1)
            .read_to_end(&mut data)
            .map_err(|e| malformed(url, format!("module zip entry {name:?}: {e}")))?;
        total += data.len() as u64;
        if total > MAX_UNZIPPED {
            return Err(malformed(url, "module zip is over 500 MiB uncompressed"));
        }
        files.push((name, data));
    }
    let mut names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(malformed(url, "module zip has a duplicate file name"));
    }
    hash1(files.iter().map(|(n, d)| (n.as_str(), d.as_slice())))
        .map_err(|e| malformed(url, e.to_string()))
}

impl Upstream for GoProxy {
    fn ecosystem(&self) -> Option<Ecosystem> {
        None
    }

    fn fetch(&self, key: &RecordKey) -> Result<Option<Record>, Error> {
        if !key.is_go() {
            return Err(Error::InvalidRequest(format!(
                "{key} is not a Go module key"
            )));
        }
        let module = escape_path(key.name()).map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let version =
            escape_version(key.version()).map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let base = crate::http::join(&self.base, &format!("{module}/@v/{version}"));
        let mod_url = format!("{base}.mod");
        let Some(go_mod) = self.http.get(&mod_url, None, limits::GO_MOD)? else {
            return Ok(None);
        };
        let zip_url = format!("{base}.zip");
        let Some(zip) = self.http.get(&zip_url, None, limits::GO_ZIP)? else {
            return Ok(None);
        };
        let zip_hash = h1_zip(&zip_url, &zip)?;
        let mod_hash = h1_go_mod(&go_mod);
        Record::go(key.name(), key.version(), &zip_hash, &mod_hash)
            .map(Some)
            .map_err(|e| malformed(&zip_url, e.to_string()))
    }
}
