//! Pipfile.lock, `_meta.pipfile-spec: 6`.
//!
//! `default` and `develop` map names to `{version: "==x", hashes: ["sha256:…"], …}`. The
//! hashes are a set for the version's files with no file names, so each becomes an entry
//! without artifact. `git` packages are git sources (commit in `ref`); `path`/`file`/`editable`
//! ones are paths.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{Builder, PYPI_REGISTRY, digest_at, git_source, pep503};
use crate::json_lines::{self, escape};
use crate::{Ecosystem, Entry, Error, Source};

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "_meta")]
    meta: Meta,
    #[serde(default)]
    default: BTreeMap<String, Package>,
    #[serde(default)]
    develop: BTreeMap<String, Package>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "pipfile-spec")]
    pipfile_spec: u64,
    #[serde(default)]
    sources: Vec<IndexSource>,
}

#[derive(Deserialize)]
struct IndexSource {
    url: String,
}

#[derive(Deserialize)]
struct Package {
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
    git: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    path: Option<String>,
    file: Option<String>,
}

/// Parse Pipfile.lock `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let lock: Lock = super::json_from_str(path, text)?;
    let lines = json_lines::scan(path, text)?;
    if lock.meta.pipfile_spec != 6 {
        let line = lines.at("/_meta/pipfile-spec").0;
        return Err(Error::invalid(
            path,
            line,
            "_meta.pipfile-spec",
            format!("unknown pipfile-spec {} (known: 6)", lock.meta.pipfile_spec),
        ));
    }
    let index = lock
        .meta
        .sources
        .first()
        .map_or(PYPI_REGISTRY, |s| s.url.as_str());
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Pypi,
    };
    let mut entries = Vec::new();
    for (section, packages) in [("default", &lock.default), ("develop", &lock.develop)] {
        for (raw_name, p) in packages {
            let pos = lines.at(&format!("/{section}/{}", escape(raw_name)));
            let name = pep503(raw_name);
            let version = p
                .version
                .as_deref()
                .map_or("", |v| v.strip_prefix("==").unwrap_or(v));
            let source = if let Some(git) = &p.git {
                match (git_source(git), &p.reference) {
                    (Source::Git { url, commit: None }, Some(r)) if super::is_commit(r) => {
                        Source::Git {
                            url,
                            commit: Some(r.clone()),
                        }
                    }
                    (s, _) => s,
                }
            } else if p.path.is_some() || p.file.is_some() {
                Source::Path
            } else {
                Source::Registry {
                    url: index.to_owned(),
                }
            };
            if p.hashes.is_empty() {
                entries.push(b.entry(&name, version, None, None, source.clone(), pos));
            }
            for h in &p.hashes {
                let digest = digest_at(path, pos.0, &format!("{section}.{raw_name}.hashes"), h)?;
                entries.push(b.entry(&name, version, None, Some(digest), source.clone(), pos));
            }
        }
    }
    entries.sort_by_key(|e| (e.location.line, e.location.column));
    Ok(entries)
}
