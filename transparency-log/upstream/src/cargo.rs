//! The Rust crate registry's sparse index ([RFC 2789]).
//!
//! The index file of a crate lives at a path derived from its lowercased name: `1/a`, `2/ab`,
//! `3/a/abc`, and `ab/cd/abcd…` for longer names. It holds one JSON object per line, one per
//! published version; `cksum` is the SHA-256 of the `.crate` file, in hex.
//!
//! [RFC 2789]: https://rust-lang.github.io/rfcs/2789-sparse-index.html

use serde::Deserialize;

use lockproof_tlog::DigestAlgorithm;

use crate::{Ecosystem, Error, Http, Record, RecordKey, Upstream, limits, malformed};

/// A sparse crate index, such as `https://index.crates.io/` or an alternate registry's
/// `sparse+https://…` index URL (the `sparse+` prefix is accepted and dropped).
#[derive(Debug, Clone)]
pub struct CratesIndex {
    base: String,
    http: Http,
}

#[derive(Deserialize)]
struct IndexLine {
    name: String,
    vers: String,
    cksum: String,
}

impl CratesIndex {
    /// An index at `base`.
    pub fn new(base: &str, http: Http) -> Self {
        let base = base.strip_prefix("sparse+").unwrap_or(base).to_string();
        Self { base, http }
    }

    /// The path of a crate's index file relative to the index root.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for names that are empty or not ASCII.
    pub fn index_path(name: &str) -> Result<String, Error> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::InvalidRequest(format!(
                "crate name {name:?} is not valid"
            )));
        }
        let n = name.to_ascii_lowercase();
        Ok(match n.len() {
            1 => format!("1/{n}"),
            2 => format!("2/{n}"),
            3 => format!("3/{}/{n}", &n[..1]),
            _ => format!("{}/{}/{n}", &n[..2], &n[2..4]),
        })
    }
}

impl Upstream for CratesIndex {
    fn ecosystem(&self) -> Option<Ecosystem> {
        Some(Ecosystem::Cargo)
    }

    fn fetch(&self, key: &RecordKey) -> Result<Option<Record>, Error> {
        crate::expect_ecosystem(key, Ecosystem::Cargo)?;
        let url = crate::http::join(&self.base, &Self::index_path(key.package_name())?);
        let Some(body) = self.http.get(&url, None, limits::CRATES_INDEX_FILE)? else {
            return Ok(None);
        };
        let text =
            std::str::from_utf8(&body).map_err(|_| malformed(&url, "index file is not UTF-8"))?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: IndexLine = serde_json::from_str(line)
                .map_err(|e| malformed(&url, format!("line {}: {e}", i + 1)))?;
            if entry.vers != key.version() {
                continue;
            }
            if entry.name != key.package_name() {
                return Err(malformed(
                    &url,
                    format!("line {}: index names crate {:?}", i + 1, entry.name),
                ));
            }
            let digest = crate::decode_hex_digest(&url, "cksum", &entry.cksum, 32)?;
            return crate::ecosystem_record(&url, key, DigestAlgorithm::Sha256, digest).map(Some);
        }
        Ok(None)
    }
}
