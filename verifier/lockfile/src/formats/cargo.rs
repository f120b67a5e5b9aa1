//! Cargo.lock, versions 1 to 4 (cargo `src/resolver/encode.rs`, `ResolveVersion`).
//!
//! * `version = 3` or `4`: v3/v4; any other `version` is rejected.
//! * no `version`: v1 when `[metadata]` holds `"checksum NAME VER (SOURCE)"` keys, else v2.
//! * Checksums are the lowercase hex SHA-256 of the `.crate` file; v1 keeps them in
//!   `[metadata]` (`"<none>"` for none), v2+ inline as `checksum`.
//! * Sources: `registry+URL` and `sparse+URL` are registries, `git+URL?query#commit` is git,
//!   no source is a path (workspace member or path dependency).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{Builder, at, git_source};
use crate::lines::LineIndex;
use crate::{Algorithm, Digest, Ecosystem, Entry, Error, Source};

#[derive(Deserialize)]
struct Lock {
    version: Option<Spanned<i64>>,
    #[serde(default)]
    package: Vec<Package>,
    #[serde(default)]
    metadata: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
struct Package {
    name: Spanned<String>,
    version: String,
    source: Option<String>,
    checksum: Option<Spanned<String>>,
}

/// Parse Cargo.lock `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let index = LineIndex::new(text);
    let lock: Lock = super::toml_from_str(path, text, &index)?;
    let v1_checksums = lock
        .metadata
        .keys()
        .any(|k| k.get_ref().starts_with("checksum "));
    if let Some(version) = &lock.version {
        let line = index.position(version.span().start).0;
        if !matches!(version.get_ref(), 3 | 4) {
            return Err(Error::invalid(
                path,
                line,
                "version",
                format!(
                    "unknown Cargo.lock version {} (known: 1 to 4)",
                    version.get_ref()
                ),
            ));
        }
        if v1_checksums {
            return Err(Error::invalid(
                path,
                line,
                "metadata",
                "[metadata] checksums in a v3+ lockfile (a bad merge; let cargo regenerate it)",
            ));
        }
    }
    // v1: "checksum NAME VER (SOURCE)" -> (hex or "<none>", position)
    let mut metadata: HashMap<String, (&Spanned<String>, &Spanned<String>)> = HashMap::new();
    for (key, value) in &lock.metadata {
        if let Some(rest) = key.get_ref().strip_prefix("checksum ") {
            metadata.insert(rest.to_owned(), (key, value));
        }
    }
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Cargo,
    };
    let mut entries = Vec::with_capacity(lock.package.len());
    let mut seen = HashMap::new();
    for p in &lock.package {
        let name = p.name.get_ref();
        let mut pos = index.position(p.name.span().start);
        let source = match p.source.as_deref() {
            None => Source::Path,
            Some(s) => source(s).ok_or_else(|| {
                Error::invalid(
                    path,
                    pos.0,
                    format!("{name}.source"),
                    format!("unknown source {s:?}"),
                )
            })?,
        };
        let id = format!(
            "{name} {} ({})",
            p.version,
            p.source.as_deref().unwrap_or("")
        );
        if let Some(first) = seen.insert(id.clone(), pos.0) {
            return Err(Error::invalid(
                path,
                pos.0,
                name,
                format!("duplicate package (first on line {first})"),
            ));
        }
        let mut checksum = p
            .checksum
            .as_ref()
            .map(|c| (c.get_ref().as_str(), c.span().start));
        if let Some((key, value)) = p.source.as_ref().and_then(|_| metadata.remove(&id)) {
            if checksum.is_some() {
                return Err(Error::invalid(
                    path,
                    pos.0,
                    name,
                    "checksum both inline and in [metadata]",
                ));
            }
            pos = index.position(key.span().start);
            checksum = (value.get_ref() != "<none>")
                .then_some((value.get_ref().as_str(), value.span().start));
        }
        let digest = match checksum {
            None => None,
            Some((hex, offset)) => {
                let line = index.position(offset).0;
                Some(
                    Digest::from_hex(Algorithm::Sha256, hex)
                        .map_err(|e| at(path, line, &format!("{name}.checksum"), e))?,
                )
            }
        };
        entries.push(b.entry(name, &p.version, None, digest, source, pos));
    }
    if let Some((id, (key, _))) = metadata.iter().next() {
        let line = index.position(key.span().start).0;
        return Err(Error::invalid(
            path,
            line,
            "metadata",
            format!("checksum for {id}, which is not a [[package]]"),
        ));
    }
    Ok(entries)
}

fn source(s: &str) -> Option<Source> {
    if let Some(url) = s.strip_prefix("registry+") {
        return Some(Source::Registry {
            url: url.to_owned(),
        });
    }
    if s.starts_with("sparse+") {
        return Some(Source::Registry { url: s.to_owned() });
    }
    if s.starts_with("git+") {
        let Source::Git { url, commit } = git_source(s) else {
            return None;
        };
        let url = url
            .split_once('?')
            .map_or(url.as_str(), |(u, _)| u)
            .to_owned();
        return Some(Source::Git { url, commit });
    }
    None
}
