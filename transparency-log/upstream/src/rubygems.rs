//! The RubyGems compact index (`info/<gem>`).
//!
//! After a `---` line, each line is `<version>[-<platform>] <deps>|<requirements>`, and the
//! requirements include `checksum:<sha256 hex>` of that platform's `.gem` file. Records are
//! keyed per gem file (`<name>-<version>[-<platform>].gem`), because one version can have
//! several platform gems.

use lockproof_tlog::DigestAlgorithm;

use crate::{Ecosystem, Error, Http, Record, RecordKey, Upstream, limits, malformed};

/// A compact index, such as `https://rubygems.org/`.
#[derive(Debug, Clone)]
pub struct CompactIndex {
    base: String,
    http: Http,
}

impl CompactIndex {
    /// An index at `base`.
    pub fn new(base: &str, http: Http) -> Self {
        Self {
            base: base.to_string(),
            http,
        }
    }
}

impl Upstream for CompactIndex {
    fn ecosystem(&self) -> Option<Ecosystem> {
        Some(Ecosystem::Gem)
    }

    fn fetch(&self, key: &RecordKey) -> Result<Option<Record>, Error> {
        crate::expect_ecosystem(key, Ecosystem::Gem)?;
        let name = key.package_name();
        let Some(artifact) = key.artifact() else {
            return Err(Error::InvalidRequest(
                "gem records are keyed per gem file".into(),
            ));
        };
        let url = crate::http::join(&self.base, &format!("info/{name}"));
        let Some(body) = self.http.get(&url, None, limits::GEM_INFO)? else {
            return Ok(None);
        };
        let text =
            std::str::from_utf8(&body).map_err(|_| malformed(&url, "info file is not UTF-8"))?;
        let mut lines = text.lines().enumerate();
        if lines.next().map(|(_, l)| l) != Some("---") {
            return Err(malformed(&url, "info file does not start with ---"));
        }
        for (i, line) in lines {
            let Some((head, reqs)) = line.split_once('|') else {
                return Err(malformed(&url, format!("line {}: no '|'", i + 1)));
            };
            let ver_plat = head.split(' ').next().unwrap_or_default();
            if format!("{name}-{ver_plat}.gem") != artifact {
                continue;
            }
            let version = key.version();
            if !(ver_plat == version || ver_plat.starts_with(&format!("{version}-"))) {
                return Err(Error::InvalidRequest(format!(
                    "{artifact} is not a file of version {version}"
                )));
            }
            let checksum = reqs
                .split(',')
                .find_map(|r| r.strip_prefix("checksum:"))
                .ok_or_else(|| malformed(&url, format!("line {}: no checksum", i + 1)))?;
            let digest = crate::decode_hex_digest(&url, "checksum", checksum, 32)?;
            return crate::ecosystem_record(&url, key, DigestAlgorithm::Sha256, digest).map(Some);
        }
        Ok(None)
    }
}
