//! yarn.lock from Yarn 2 and later ("Berry"): YAML with `__metadata: {version, cacheKey}`.
//!
//! Name and version come from `resolution` (`name@npm:1.2.3`). The `checksum`
//! (`<cacheKey>/<sha512 hex>`) hashes the zip Yarn builds in its cache, which no registry
//! publishes (yarnpkg/berry#6296), so every entry with one is
//! [`UnpinnedReason::YarnBerryChecksum`] and keeps the value as its digest for display.
//! `workspace:`, `link:`, `portal:`, `file:` and `exec:` resolutions are local; git URLs with
//! `#commit=<sha>` are git sources.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{Builder, NPM_REGISTRY, at, split_name_version, yaml_position};
use crate::{Algorithm, Digest, Ecosystem, Entry, Error, PinState, Source, UnpinnedReason};

/// Lockfile `__metadata.version` values written by Yarn 2 to 4.
const KNOWN_VERSIONS: std::ops::RangeInclusive<u32> = 4..=10;

#[derive(Deserialize)]
struct Item {
    version: Option<Spanned<String>>,
    resolution: Option<Spanned<String>>,
    checksum: Option<String>,
}

/// Parse Yarn Berry yarn.lock `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let documents: Vec<BTreeMap<String, Item>> = super::yaml_documents(path, text)?;
    let [lock] = &documents[..] else {
        return Err(Error::invalid(
            path,
            0,
            "(yaml)",
            "want exactly one YAML document",
        ));
    };
    let meta = lock
        .get("__metadata")
        .ok_or_else(|| Error::invalid(path, 0, "__metadata", "missing"))?;
    let version = meta
        .version
        .as_ref()
        .ok_or_else(|| Error::invalid(path, 0, "__metadata.version", "missing"))?;
    let known = version
        .value
        .parse::<u32>()
        .is_ok_and(|v| KNOWN_VERSIONS.contains(&v));
    if !known {
        let line = yaml_position(&version.referenced).0;
        let problem = format!(
            "unknown version {:?} (known: {KNOWN_VERSIONS:?})",
            version.value
        );
        return Err(Error::invalid(path, line, "__metadata.version", problem));
    }
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Npm,
    };
    let mut entries = Vec::new();
    for (key, item) in lock {
        if key == "__metadata" {
            continue;
        }
        let resolution = item
            .resolution
            .as_ref()
            .ok_or_else(|| Error::invalid(path, 0, key.as_str(), "entry has no resolution"))?;
        let pos = yaml_position(&resolution.referenced);
        let (name, reference) = split_name_version(&resolution.value).ok_or_else(|| {
            Error::invalid(
                path,
                pos.0,
                key.as_str(),
                "resolution is not name@reference",
            )
        })?;
        let (source, version) = classify(reference);
        let version = version
            .or_else(|| item.version.as_ref().map(|v| v.value.clone()))
            .unwrap_or_default();
        let digest = match &item.checksum {
            None => None,
            Some(c) => {
                let hex = c.split_once('/').map_or(c.as_str(), |(_, h)| h);
                let key = format!("{key}.checksum");
                Some(
                    Digest::from_hex(Algorithm::Sha512, hex)
                        .map_err(|e| at(path, pos.0, &key, e))?,
                )
            }
        };
        let mut entry = b.entry(name, &version, None, digest, source, pos);
        if entry.digest.is_some() && matches!(entry.source, Source::Registry { .. }) {
            entry.pin = PinState::Unpinned(UnpinnedReason::YarnBerryChecksum);
        }
        entries.push(entry);
    }
    entries.sort_by_key(|e| (e.location.line, e.location.column));
    Ok(entries)
}

/// The source of a resolution reference (`npm:1.2.3`, `workspace:.`, `patch:…`, a git URL),
/// and the version it names when it names one.
fn classify(reference: &str) -> (Source, Option<String>) {
    if let Some(v) = reference.strip_prefix("npm:") {
        return (
            Source::Registry {
                url: NPM_REGISTRY.to_owned(),
            },
            Some(v.to_owned()),
        );
    }
    if let Some(patch) = reference.strip_prefix("patch:") {
        // patch:<name>@npm%3A<version>#<patch>::version=<version>&hash=…: a local patch applied
        // to a registry package; the result exists only on this machine.
        let version = patch
            .split_once("::")
            .and_then(|(_, params)| params.split('&').find_map(|p| p.strip_prefix("version=")))
            .map(str::to_owned);
        return (Source::Path, version);
    }
    for local in ["workspace:", "link:", "portal:", "file:", "exec:"] {
        if reference.starts_with(local) {
            return (
                if local == "workspace:" {
                    Source::Workspace
                } else {
                    Source::Path
                },
                None,
            );
        }
    }
    if let Some((url, commit)) = reference.split_once("#commit=") {
        let url = url.strip_prefix("git+").unwrap_or(url).to_owned();
        return (
            Source::Git {
                url,
                commit: Some(commit.to_owned()),
            },
            None,
        );
    }
    if reference.starts_with("https://") || reference.starts_with("http://") {
        return (
            Source::Registry {
                url: reference.to_owned(),
            },
            None,
        );
    }
    (Source::Path, None)
}
