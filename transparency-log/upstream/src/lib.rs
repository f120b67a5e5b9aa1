//! Fetch the checksums that package registries publish, as lockproof records.
//!
//! A mirror-mode log (and the embedded default log of `lockproof verify`) asks a registry for
//! the digest it publishes for a `(name, version[, artifact])` the first time anyone looks it
//! up, logs the answer, and from then on the answer is fixed and provable. This crate is the
//! "ask the registry" half: one small [`Upstream`] trait with one implementation per
//! ecosystem, each with a configurable base URL so tests can point it at a local server.
//!
//! | ecosystem | source | what is read |
//! |---|---|---|
//! | `cargo` | sparse index (`1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`) | `cksum` of the version's JSON line |
//! | `npm` | packument (abbreviated, `application/vnd.npm.install-v1+json`) | `versions[v].dist.integrity` |
//! | `pypi` | Simple API, JSON form ([PEP 691]) | `files[].hashes.sha256` for the file name |
//! | `go` | a GOPROXY (`.mod` + `.zip`, hashed with Go's dirhash `h1:`) | the two go.sum lines |
//! | `go` | an upstream checksum database ([`GoSumdb`]; note signature, tree consistency and record inclusion verified) | the logged record |
//! | `gem` | compact index `info/<gem>` | `checksum:` per platform |
//!
//! Every fetcher answers `Ok(None)` when the registry says the version (or file) does not
//! exist, and an [`Error`] for everything else (malformed JSON, a digest of the wrong length, a
//! timeout, a body over the cap). Nothing in an error path ever produces a record.
//!
//! The records follow lockproof's record format: the byte-exact sumdb record for Go, and one
//! `<ecosystem>/<name> <version>[ <artifact>] <algorithm>:<hex>` line for everything else.
//!
//! [PEP 691]: https://peps.python.org/pep-0691/

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used)]

mod cargo;
mod error;
mod go_proxy;
mod go_sumdb;
mod http;
mod npm;
mod pypi;
mod rubygems;

pub use cargo::CratesIndex;
pub use error::Error;
pub use go_proxy::{GoProxy, h1_go_mod, h1_zip};
pub use go_sumdb::{GoSumdb, MAX_LOOKUP_BODY, SUM_GOLANG_ORG_KEY};
pub use http::{Http, HttpConfig, RootCertificates};
pub use npm::NpmRegistry;
pub use pypi::PypiSimple;
pub use rubygems::CompactIndex;

use lockproof_tlog::{Digest, DigestAlgorithm};
pub use lockproof_tlog::{Ecosystem, Record, RecordKey};

/// A registry that publishes checksums.
pub trait Upstream: Send + Sync {
    /// The ecosystem whose keys this upstream answers; `None` for Go modules.
    fn ecosystem(&self) -> Option<Ecosystem>;

    /// The record for `key`, built from the digest the registry publishes, or `None` when the
    /// registry says there is no such version or file. The record's key is exactly `key`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] when `key` belongs to another ecosystem, and any transport,
    /// status, size or format problem; see [`Error`]. An error never carries a partial or
    /// guessed record.
    fn fetch(&self, key: &RecordKey) -> Result<Option<Record>, Error>;
}

/// Size caps for registry responses, with the reason for each.
pub mod limits {
    /// A crate's sparse-index file: one JSON line per version; the largest on crates.io are a
    /// few MiB.
    pub const CRATES_INDEX_FILE: u64 = 16 << 20;
    /// An abbreviated npm packument; the largest public ones are tens of MiB.
    pub const NPM_PACKUMENT: u64 = 64 << 20;
    /// A PEP 691 project page; a project with thousands of files is a few MiB.
    pub const PYPI_PROJECT_PAGE: u64 = 32 << 20;
    /// A Go module zip: Go itself refuses zips over 500 MiB (golang.org/x/mod/zip).
    pub const GO_ZIP: u64 = 500 << 20;
    /// A go.mod file: Go refuses go.mod files over 16 MiB.
    pub const GO_MOD: u64 = 16 << 20;
    /// A RubyGems compact-index `info/` file.
    pub const GEM_INFO: u64 = 16 << 20;
}

/// Build the record for `key` from a published digest.
fn ecosystem_record(
    url: &str,
    key: &RecordKey,
    algorithm: DigestAlgorithm,
    digest: Vec<u8>,
) -> Result<Record, Error> {
    let digest = Digest::new(algorithm, digest).map_err(|e| malformed(url, e.to_string()))?;
    Record::ecosystem(key.clone(), digest).map_err(|e| malformed(url, e.to_string()))
}

/// Check that `key` is in `ecosystem` before asking that ecosystem's registry about it.
fn expect_ecosystem(key: &RecordKey, ecosystem: Ecosystem) -> Result<(), Error> {
    if key.ecosystem_kind() == Some(ecosystem) {
        Ok(())
    } else {
        Err(Error::InvalidRequest(format!(
            "{key} is not a {ecosystem} key"
        )))
    }
}

/// Decode a lowercase or uppercase hex digest of exactly `len` bytes.
fn decode_hex_digest(url: &str, what: &str, text: &str, len: usize) -> Result<Vec<u8>, Error> {
    let bytes = hex::decode(text).map_err(|e| Error::Malformed {
        url: url.to_string(),
        reason: format!("{what} {text:?} is not hex: {e}"),
    })?;
    if bytes.len() != len {
        return Err(Error::Malformed {
            url: url.to_string(),
            reason: format!("{what} has {} bytes, want {len}", bytes.len()),
        });
    }
    Ok(bytes)
}

fn malformed(url: &str, reason: impl Into<String>) -> Error {
    Error::Malformed {
        url: url.to_string(),
        reason: reason.into(),
    }
}
