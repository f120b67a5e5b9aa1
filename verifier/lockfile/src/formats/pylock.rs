//! pylock.toml, PEP 751 `lock-version = "1.0"`
//! (<https://packaging.python.org/en/latest/specifications/pylock-toml/>).
//!
//! One entry per `sdist`, `wheels` element and `archive`, with the strongest of its `hashes`;
//! a `vcs` package is a git source (`commit-id`), a `directory` package a path. When one
//! package names the same file twice with different hashes (pipenv's generator does, because
//! Pipfile.lock never recorded which hash belongs to which file), those file names cannot be
//! trusted and the entries carry no artifact, like Pipfile.lock entries.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{Builder, PYPI_REGISTRY, at, pep503, url_file_name};
use crate::lines::LineIndex;
use crate::{Algorithm, Digest, Ecosystem, Entry, Error, Source};

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "lock-version")]
    lock_version: Spanned<String>,
    #[serde(default)]
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: Spanned<String>,
    version: Option<String>,
    index: Option<String>,
    sdist: Option<Dist>,
    #[serde(default)]
    wheels: Vec<Dist>,
    archive: Option<Dist>,
    vcs: Option<Vcs>,
    directory: Option<toml::Value>,
}

#[derive(Deserialize)]
struct Dist {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    hashes: Spanned<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct Vcs {
    url: Option<String>,
    #[serde(rename = "commit-id")]
    commit_id: String,
}

/// Parse pylock.toml `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let index = LineIndex::new(text);
    let lock: Lock = super::toml_from_str(path, text, &index)?;
    let v = &lock.lock_version;
    if v.get_ref() != "1.0" {
        let line = index.position(v.span().start).0;
        return Err(Error::invalid(
            path,
            line,
            "lock-version",
            format!("unknown lock-version {:?} (known: 1.0)", v.get_ref()),
        ));
    }
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Pypi,
    };
    let mut entries = Vec::new();
    for p in &lock.packages {
        let name = pep503(p.name.get_ref());
        let pos = index.position(p.name.span().start);
        let version = p.version.as_deref().unwrap_or("");
        let source = if let Some(vcs) = &p.vcs {
            Source::Git {
                url: vcs.url.clone().unwrap_or_default(),
                commit: Some(vcs.commit_id.clone()),
            }
        } else if p.directory.is_some() {
            Source::Path
        } else {
            Source::Registry {
                url: p.index.clone().unwrap_or_else(|| PYPI_REGISTRY.to_owned()),
            }
        };
        let dists: Vec<&Dist> = p.sdist.iter().chain(&p.wheels).chain(&p.archive).collect();
        let mut names: HashMap<String, usize> = HashMap::new();
        for d in &dists {
            if let Some(n) = file_name(d) {
                *names.entry(n).or_default() += 1;
            }
        }
        if dists.is_empty() {
            entries.push(b.entry(&name, version, None, None, source.clone(), pos));
        }
        for d in dists {
            let line = index.position(d.hashes.span().start);
            let digest = strongest(path, line.0, &name, d.hashes.get_ref())?;
            let file = file_name(d).filter(|n| names.get(n) == Some(&1));
            entries.push(b.entry(&name, version, file, Some(digest), source.clone(), line));
        }
    }
    Ok(entries)
}

fn file_name(d: &Dist) -> Option<String> {
    d.name.clone().or_else(|| {
        d.url
            .as_deref()
            .or(d.path.as_deref())
            .and_then(url_file_name)
    })
}

/// The strongest known digest of a `hashes` table; unknown algorithms are ignored (PEP 751
/// allows any `hashlib` name) but at least one known one must be present.
fn strongest(
    path: &Path,
    line: u32,
    name: &str,
    hashes: &BTreeMap<String, String>,
) -> Result<Digest, Error> {
    let mut best: Option<Digest> = None;
    for (alg, hex) in hashes {
        let Some(algorithm) = Algorithm::from_name(alg).filter(|a| *a != Algorithm::GoH1) else {
            continue;
        };
        let d = Digest::from_hex(algorithm, hex)
            .map_err(|e| at(path, line, &format!("{name}.hashes.{alg}"), e))?;
        if best.as_ref().is_none_or(|b| d.algorithm() > b.algorithm()) {
            best = Some(d);
        }
    }
    best.ok_or_else(|| {
        Error::invalid(
            path,
            line,
            format!("{name}.hashes"),
            "no sha256, sha384 or sha512 hash",
        )
    })
}
