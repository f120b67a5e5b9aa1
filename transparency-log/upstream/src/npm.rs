//! The npm registry's packuments.
//!
//! `GET <registry>/<name>` (a scoped name's `/` is sent as `%2f`) returns the package's
//! metadata; lockproof asks for the abbreviated form (`application/vnd.npm.install-v1+json`),
//! which still carries `versions[v].dist.integrity`, a [Subresource Integrity] string such as
//! `sha512-<base64>`. When it lists several hashes the strongest is used; a version that
//! publishes only SHA-1 (`shasum`) cannot be logged.
//!
//! [Subresource Integrity]: https://www.w3.org/TR/SRI/

use base64::Engine as _;
use serde::Deserialize;

use lockproof_tlog::DigestAlgorithm;

use crate::{Ecosystem, Error, Http, Record, RecordKey, Upstream, limits, malformed};

/// An npm registry, such as `https://registry.npmjs.org/`.
#[derive(Debug, Clone)]
pub struct NpmRegistry {
    base: String,
    http: Http,
}

#[derive(Deserialize)]
struct Packument {
    #[serde(default)]
    versions: std::collections::BTreeMap<String, Version>,
}

#[derive(Deserialize)]
struct Version {
    dist: Dist,
}

#[derive(Deserialize)]
struct Dist {
    integrity: Option<String>,
}

impl NpmRegistry {
    /// A registry at `base`.
    pub fn new(base: &str, http: Http) -> Self {
        Self {
            base: base.to_string(),
            http,
        }
    }

    /// The packument path for `name`: `@scope/pkg` becomes `@scope%2fpkg`.
    fn packument_path(name: &str) -> String {
        name.replacen('/', "%2f", 1)
    }
}

/// Pick the strongest hash of an SRI string; returns (algorithm, digest bytes).
fn strongest_sri(url: &str, sri: &str) -> Result<(DigestAlgorithm, Vec<u8>), Error> {
    let mut best: Option<(u8, DigestAlgorithm, Vec<u8>)> = None;
    for token in sri.split_ascii_whitespace() {
        let Some((alg, rest)) = token.split_once('-') else {
            return Err(malformed(
                url,
                format!("integrity {token:?} has no algorithm prefix"),
            ));
        };
        // An SRI hash may carry `?options` after the base64; none are defined, so drop them.
        let b64 = rest.split('?').next().unwrap_or(rest);
        let (rank, name, len) = match alg {
            "sha512" => (3, DigestAlgorithm::Sha512, 64),
            "sha384" => (2, DigestAlgorithm::Sha384, 48),
            "sha256" => (1, DigestAlgorithm::Sha256, 32),
            "sha1" => continue,
            other => {
                return Err(malformed(
                    url,
                    format!("integrity uses unknown algorithm {other:?}"),
                ));
            }
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| malformed(url, format!("integrity {token:?} is not base64: {e}")))?;
        if bytes.len() != len {
            return Err(malformed(
                url,
                format!(
                    "{} integrity has {} bytes, want {len}",
                    name.as_str(),
                    bytes.len()
                ),
            ));
        }
        if best.as_ref().is_none_or(|(r, _, _)| rank > *r) {
            best = Some((rank, name, bytes));
        }
    }
    best.map(|(_, name, bytes)| (name, bytes))
        .ok_or_else(|| Error::Unsupported {
            url: url.to_string(),
            reason:
                "the registry publishes only SHA-1 for this version; lockproof does not log SHA-1"
                    .into(),
        })
}

impl Upstream for NpmRegistry {
    fn ecosystem(&self) -> Option<Ecosystem> {
        Some(Ecosystem::Npm)
    }

    fn fetch(&self, key: &RecordKey) -> Result<Option<Record>, Error> {
        crate::expect_ecosystem(key, Ecosystem::Npm)?;
        let url = crate::http::join(&self.base, &Self::packument_path(key.package_name()));
        let accept = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8";
        let Some(body) = self.http.get(&url, Some(accept), limits::NPM_PACKUMENT)? else {
            return Ok(None);
        };
        let doc: Packument = serde_json::from_slice(&body)
            .map_err(|e| malformed(&url, format!("packument: {e}")))?;
        let Some(version) = doc.versions.get(key.version()) else {
            return Ok(None);
        };
        let Some(integrity) = version.dist.integrity.as_deref() else {
            return Err(Error::Unsupported {
                url,
                reason: format!("version {} has no dist.integrity", key.version()),
            });
        };
        let (alg, digest) = strongest_sri(&url, integrity)?;
        crate::ecosystem_record(&url, key, alg, digest).map(Some)
    }
}
