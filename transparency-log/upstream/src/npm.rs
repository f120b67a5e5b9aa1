//! The npm registry's packuments.
//!
//! `GET <registry>/<name>` (a scoped name's `/` is sent as `%2f`) returns the package's
//! metadata; lockproof asks for the abbreviated form (`application/vnd.npm.install-v1+json`),
//! which still carries `versions[v].dist.integrity`, a [Subresource Integrity] string such as
//! `sha512-<base64>`. When it lists several hashes the strongest is used; a version that
//! publishes only SHA-1 (`shasum`) cannot be logged.
//!
//! [Subresource Integrity]: https://www.w3.org/TR/SRI/

use serde::Deserialize;

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
        // The strongest hash wins (W3C SRI); lockfiles and registries share one normaliser.
        let digest = lockproof_lockfile::Digest::from_sri(integrity)
            .map_err(|e| malformed(&url, format!("dist.integrity: {e}")))?;
        let Some(digest) = digest.to_record_digest() else {
            return Err(Error::Unsupported {
                url,
                reason: "the registry publishes only SHA-1 for this version; lockproof does not \
                         log SHA-1"
                    .into(),
            });
        };
        Record::ecosystem(key.clone(), digest)
            .map(Some)
            .map_err(|e| malformed(&url, e.to_string()))
    }
}
