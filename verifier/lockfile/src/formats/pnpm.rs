//! pnpm-lock.yaml, lockfileVersion 5.x, 6.x and 9.x (<https://pnpm.io/lockfile-format>).
//!
//! Entries come from `packages` of every YAML document (pnpm 11 puts an environment document
//! first). Keys are `/name/version[_peers]` (v5), `/name@version[(peers)]` (v6) or
//! `name@version` (v9); a `name`/`version` field wins over the key. The `resolution` is
//! `{integrity}`, `{tarball, integrity}`, git `{type: git, repo, commit}` or
//! `{directory}`; a tarball without `integrity` is unpinned (pnpm ≥ 10.34 rejects those).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{Builder, NPM_REGISTRY, split_name_version, sri_at, yaml_position};
use crate::{Ecosystem, Entry, Error, Source};

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Option<Spanned<String>>,
    #[serde(default)]
    packages: BTreeMap<String, Package>,
}

#[derive(Deserialize)]
struct Package {
    name: Option<String>,
    version: Option<String>,
    resolution: Spanned<Resolution>,
}

#[derive(Deserialize)]
struct Resolution {
    integrity: Option<String>,
    tarball: Option<String>,
    commit: Option<String>,
    repo: Option<String>,
    directory: Option<String>,
}

/// Parse pnpm-lock.yaml `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let documents: Vec<Document> = super::yaml_documents(path, text)?;
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Npm,
    };
    let mut entries = Vec::new();
    for doc in &documents {
        let Some(version) = &doc.lockfile_version else {
            return Err(Error::invalid(path, 0, "lockfileVersion", "missing"));
        };
        let major = match version.value.split('.').next() {
            Some("5") => 5,
            Some("6") => 6,
            Some("9") => 9,
            _ => {
                return Err(Error::invalid(
                    path,
                    yaml_position(&version.referenced).0,
                    "lockfileVersion",
                    format!(
                        "unknown lockfileVersion {:?} (known: 5.x, 6.x, 9.x)",
                        version.value
                    ),
                ));
            }
        };
        for (key, p) in &doc.packages {
            entries.push(package(&b, major, key, p)?);
        }
    }
    entries.sort_by_key(|e| (e.location.line, e.location.column));
    Ok(entries)
}

fn package(b: &Builder<'_>, major: u32, key: &str, p: &Package) -> Result<Entry, Error> {
    let pos = yaml_position(&p.resolution.referenced);
    let (key_name, key_version) = split_key(major, key).unwrap_or((key, ""));
    let name = p.name.as_deref().unwrap_or(key_name);
    let version = p.version.as_deref().unwrap_or(key_version);
    let r = &p.resolution.value;
    let source = if let Some(commit) = &r.commit {
        Source::Git {
            url: r.repo.clone().unwrap_or_default(),
            commit: Some(commit.clone()),
        }
    } else if r.directory.is_some() || r.tarball.as_deref().is_some_and(|t| t.starts_with("file:"))
    {
        Source::Path
    } else {
        Source::Registry {
            url: r.tarball.clone().unwrap_or_else(|| NPM_REGISTRY.to_owned()),
        }
    };
    let digest = match &r.integrity {
        Some(i) => Some(sri_at(
            b.file,
            pos.0,
            &format!("{key}.resolution.integrity"),
            i,
        )?),
        None => None,
    };
    Ok(b.entry(name, version, None, digest, source, pos))
}

/// Name and version from a `packages` key of the given major lockfile version.
fn split_key(major: u32, key: &str) -> Option<(&str, &str)> {
    match major {
        5 => {
            let key = key.strip_prefix('/')?;
            let (name, version) = key.rsplit_once('/')?;
            Some((name, version.split_once('_').map_or(version, |(v, _)| v)))
        }
        6 => {
            let key = key.strip_prefix('/')?;
            let key = key.split_once('(').map_or(key, |(k, _)| k);
            split_name_version(key)
        }
        _ => {
            let key = key.split_once('(').map_or(key, |(k, _)| k);
            split_name_version(key)
        }
    }
}
