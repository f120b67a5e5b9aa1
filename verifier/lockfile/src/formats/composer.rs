//! composer.lock (<https://getcomposer.org/doc/01-basic-usage.md#commit-your-composer-lock-file-to-version-control>).
//!
//! `packages` and `packages-dev` list `{name, version, source: {type, url, reference},
//! dist: {type, url, reference, shasum}}`. `dist.shasum` (SHA-1 of the zip) is nearly always
//! `""` because GitHub zipballs are not byte-stable, so entries are unpinned: empty shasum →
//! [`UnpinnedReason::EmptyComposerShasum`], a real one → SHA-1 only, no dist → by source. The
//! source's git commit (`reference`) is kept as the only real pin.

use std::path::Path;

use serde::Deserialize;

use super::{Builder, at};
use crate::json_lines;
use crate::{Algorithm, Digest, Ecosystem, Entry, Error, PinState, Source, UnpinnedReason};

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "content-hash")]
    _content_hash: String,
    packages: Vec<Package>,
    #[serde(rename = "packages-dev", default)]
    packages_dev: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    source: Option<Location>,
    dist: Option<Location>,
}

#[derive(Deserialize)]
struct Location {
    #[serde(rename = "type")]
    kind: String,
    url: String,
    reference: Option<String>,
    shasum: Option<String>,
}

/// Parse composer.lock `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let lock: Lock = super::json_from_str(path, text)?;
    let lines = json_lines::scan(path, text)?;
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Composer,
    };
    let mut entries = Vec::new();
    for (section, packages) in [
        ("packages", &lock.packages),
        ("packages-dev", &lock.packages_dev),
    ] {
        for (i, p) in packages.iter().enumerate() {
            let pos = lines.at(&format!("/{section}/{i}"));
            let source = match (&p.source, &p.dist) {
                (Some(s), _) if s.kind == "git" => Source::Git {
                    url: s.url.clone(),
                    commit: s.reference.clone(),
                },
                (_, Some(d)) if d.kind == "path" => Source::Path,
                (Some(s), _) => Source::Registry { url: s.url.clone() },
                (None, Some(d)) => Source::Registry { url: d.url.clone() },
                (None, None) => Source::Path,
            };
            let shasum = p.dist.as_ref().and_then(|d| d.shasum.as_deref());
            let digest = match shasum {
                Some(s) if !s.is_empty() => {
                    let key = format!("{section}[{i}].dist.shasum");
                    Some(
                        Digest::from_hex(Algorithm::Sha1, s)
                            .map_err(|e| at(path, pos.0, &key, e))?,
                    )
                }
                _ => None,
            };
            let mut entry = b.entry(&p.name, &p.version, None, digest, source, pos);
            entry.pin = match shasum {
                Some("") => PinState::Unpinned(UnpinnedReason::EmptyComposerShasum),
                Some(_) => PinState::Unpinned(UnpinnedReason::Sha1Only),
                None => entry.pin,
            };
            entries.push(entry);
        }
    }
    Ok(entries)
}
