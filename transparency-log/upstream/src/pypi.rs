//! The Python package index's Simple API in its JSON form ([PEP 691]).
//!
//! `GET <index>/<normalised name>/` with `Accept: application/vnd.pypi.simple.v1+json` lists the
//! project's files, each with `hashes.sha256`. This is the index protocol pip and uv use, so it
//! works against any PEP 691 index, not only pypi.org. Records are keyed per file, because
//! wheels can be added to a release after it was first published.
//!
//! [PEP 691]: https://peps.python.org/pep-0691/

use serde::Deserialize;

use lockproof_tlog::DigestAlgorithm;

use crate::{Ecosystem, Error, Http, Record, RecordKey, Upstream, limits, malformed};

/// A PEP 691 index, such as `https://pypi.org/simple/`.
#[derive(Debug, Clone)]
pub struct PypiSimple {
    base: String,
    http: Http,
}

#[derive(Deserialize)]
struct Page {
    files: Vec<File>,
    #[serde(default)]
    versions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct File {
    filename: String,
    #[serde(default)]
    hashes: std::collections::BTreeMap<String, String>,
}

impl PypiSimple {
    /// An index at `base`.
    pub fn new(base: &str, http: Http) -> Self {
        Self {
            base: base.to_string(),
            http,
        }
    }
}

impl Upstream for PypiSimple {
    fn ecosystem(&self) -> Option<Ecosystem> {
        Some(Ecosystem::Pypi)
    }

    fn fetch(&self, key: &RecordKey) -> Result<Option<Record>, Error> {
        crate::expect_ecosystem(key, Ecosystem::Pypi)?;
        let name = lockproof_lockfile::pep503(key.package_name());
        if name != key.package_name() {
            return Err(Error::InvalidRequest(format!(
                "{key}: pypi names are logged in PEP 503 normalised form ({name})"
            )));
        }
        let Some(artifact) = key.artifact() else {
            return Err(Error::InvalidRequest(
                "pypi records are keyed per file: an artifact file name is required".into(),
            ));
        };
        let url = format!("{}/", crate::http::join(&self.base, &name));
        let Some(body) = self.http.get(
            &url,
            Some("application/vnd.pypi.simple.v1+json"),
            limits::PYPI_PROJECT_PAGE,
        )?
        else {
            return Ok(None);
        };
        let page: Page = serde_json::from_slice(&body)
            .map_err(|e| malformed(&url, format!("project page: {e}")))?;
        if let Some(versions) = &page.versions
            && !versions.iter().any(|v| v == key.version())
        {
            return Ok(None);
        }
        let Some(file) = page.files.iter().find(|f| f.filename == artifact) else {
            return Ok(None);
        };
        let Some(hex) = file.hashes.get("sha256") else {
            return Err(Error::Unsupported {
                url,
                reason: format!("{artifact} has no sha256 hash"),
            });
        };
        let digest = crate::decode_hex_digest(&url, "sha256", hex, 32)?;
        crate::ecosystem_record(&url, key, DigestAlgorithm::Sha256, digest).map(Some)
    }
}
