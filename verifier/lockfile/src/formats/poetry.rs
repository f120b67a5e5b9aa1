//! poetry.lock, lock-version 1.x and 2.x.
//!
//! 2.x lists `files = [{file, hash}]` per `[[package]]`; 1.x lists the same under
//! `[metadata.files]`, keyed by package name. One entry per file (artifact = file name), or one
//! digest-less entry for a package without files. `[package.source]` of type `git` is a git
//! source (commit in `resolved_reference`), `directory`/`file` a path, `legacy`/`url` a registry.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{Builder, PYPI_REGISTRY, digest_at, pep503};
use crate::lines::LineIndex;
use crate::{Ecosystem, Entry, Error, Source};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Package>,
    metadata: Metadata,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(rename = "lock-version")]
    lock_version: Spanned<String>,
    #[serde(default)]
    files: BTreeMap<String, Vec<File>>,
}

#[derive(Deserialize)]
struct Package {
    name: Spanned<String>,
    version: String,
    files: Option<Vec<File>>,
    source: Option<PackageSource>,
}

#[derive(Deserialize)]
struct File {
    file: String,
    hash: Spanned<String>,
}

#[derive(Deserialize)]
struct PackageSource {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    resolved_reference: Option<String>,
}

/// Parse poetry.lock `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let index = LineIndex::new(text);
    let lock: Lock = super::toml_from_str(path, text, &index)?;
    let v = &lock.metadata.lock_version;
    let major = v.get_ref().split('.').next().unwrap_or("");
    if !matches!(major, "1" | "2") {
        let line = index.position(v.span().start).0;
        return Err(Error::invalid(
            path,
            line,
            "metadata.lock-version",
            format!("unknown lock-version {:?} (known: 1.x, 2.x)", v.get_ref()),
        ));
    }
    let mut legacy: HashMap<String, &Vec<File>> = lock
        .metadata
        .files
        .iter()
        .map(|(k, v)| (pep503(k), v))
        .collect();
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Pypi,
    };
    let mut entries = Vec::new();
    for p in &lock.package {
        let name = pep503(p.name.get_ref());
        let pos = index.position(p.name.span().start);
        let source = match &p.source {
            None => Source::Registry {
                url: PYPI_REGISTRY.to_owned(),
            },
            Some(s) => match s.kind.as_str() {
                "git" => Source::Git {
                    url: s.url.clone().unwrap_or_default(),
                    commit: s.resolved_reference.clone(),
                },
                "directory" | "file" => Source::Path,
                "legacy" | "url" => Source::Registry {
                    url: s.url.clone().unwrap_or_default(),
                },
                other => {
                    return Err(Error::invalid(
                        path,
                        pos.0,
                        format!("{name}.source.type"),
                        format!("unknown source type {other:?}"),
                    ));
                }
            },
        };
        let files = match (&p.files, legacy.remove(&name)) {
            (Some(f), None) => f.as_slice(),
            (None, Some(f)) => f.as_slice(),
            (None, None) => &[],
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    path,
                    pos.0,
                    name,
                    "files both in [[package]] and [metadata.files]",
                ));
            }
        };
        if files.is_empty() {
            entries.push(b.entry(&name, &p.version, None, None, source.clone(), pos));
        }
        for f in files {
            let line = index.position(f.hash.span().start);
            let digest = digest_at(
                path,
                line.0,
                &format!("{name}.files.hash"),
                f.hash.get_ref(),
            )?;
            entries.push(b.entry(
                &name,
                &p.version,
                Some(f.file.clone()),
                Some(digest),
                source.clone(),
                line,
            ));
        }
    }
    if let Some(orphan) = legacy.keys().next() {
        return Err(Error::invalid(
            path,
            0,
            "metadata.files",
            format!("files for {orphan}, which is not a [[package]]"),
        ));
    }
    Ok(entries)
}
