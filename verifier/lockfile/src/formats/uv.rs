//! uv.lock, `version = 1` (<https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile>).
//!
//! One entry per `sdist` and per `wheels` element (artifact = file name from its URL, digest =
//! `hash`), or one digest-less entry for a package with neither (editable, virtual, path or
//! git packages). `source` is `{registry = url}`, `{git = "url?…#commit"}`, `{url = …}`, or a
//! local `{editable|path|directory|virtual = …}`.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{Builder, digest_at, git_source, pep503, url_file_name};
use crate::lines::LineIndex;
use crate::{Ecosystem, Entry, Error, Source};

#[derive(Deserialize)]
struct Lock {
    version: Spanned<i64>,
    #[serde(default)]
    package: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: Spanned<String>,
    version: Option<String>,
    source: PackageSource,
    sdist: Option<Dist>,
    #[serde(default)]
    wheels: Vec<Dist>,
}

#[derive(Deserialize)]
struct PackageSource {
    registry: Option<String>,
    git: Option<String>,
    url: Option<String>,
    editable: Option<String>,
    path: Option<String>,
    directory: Option<String>,
    #[serde(rename = "virtual")]
    virtual_: Option<String>,
}

#[derive(Deserialize)]
struct Dist {
    url: Option<String>,
    path: Option<String>,
    filename: Option<String>,
    hash: Option<Spanned<String>>,
}

/// Parse uv.lock `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let index = LineIndex::new(text);
    let lock: Lock = super::toml_from_str(path, text, &index)?;
    if *lock.version.get_ref() != 1 {
        let line = index.position(lock.version.span().start).0;
        return Err(Error::invalid(
            path,
            line,
            "version",
            format!(
                "unknown uv.lock version {} (known: 1)",
                lock.version.get_ref()
            ),
        ));
    }
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Pypi,
    };
    let mut entries = Vec::new();
    for p in &lock.package {
        let name = pep503(p.name.get_ref());
        let pos = index.position(p.name.span().start);
        let version = p.version.as_deref().unwrap_or("");
        let s = &p.source;
        let source = if let Some(url) = s.registry.as_ref().or(s.url.as_ref()) {
            Source::Registry { url: url.clone() }
        } else if let Some(git) = &s.git {
            git_source(git)
        } else if s.editable.is_some() || s.path.is_some() || s.directory.is_some() {
            Source::Path
        } else if s.virtual_.is_some() {
            Source::Workspace
        } else {
            return Err(Error::invalid(
                path,
                pos.0,
                format!("{name}.source"),
                "unknown source kind",
            ));
        };
        let dists: Vec<&Dist> = p.sdist.iter().chain(&p.wheels).collect();
        if dists.is_empty() {
            entries.push(b.entry(&name, version, None, None, source.clone(), pos));
        }
        for d in dists {
            let file = d.filename.clone().or_else(|| {
                d.url
                    .as_deref()
                    .or(d.path.as_deref())
                    .and_then(url_file_name)
            });
            let (digest, at) = match &d.hash {
                Some(h) => {
                    let at = index.position(h.span().start);
                    (
                        Some(digest_at(path, at.0, &format!("{name}.hash"), h.get_ref())?),
                        at,
                    )
                }
                None => (None, pos),
            };
            entries.push(b.entry(&name, version, file, digest, source.clone(), at));
        }
    }
    Ok(entries)
}
