//! package-lock.json and npm-shrinkwrap.json, lockfileVersion 1, 2 and 3
//! (<https://docs.npmjs.com/cli/configuring-npm/package-lock-json>).
//!
//! * v2 and v3 are read from `packages`, keyed by install path; the root `""` is the project
//!   itself and not an entry. v2's legacy `dependencies` tree repeats the same packages and is
//!   ignored.
//! * v1 is read from the nested `dependencies` tree, each level keyed by package name.
//! * `integrity` is SRI; with several hashes the strongest wins; SHA-1 only is unpinned.
//! * `link: true` entries and install paths outside `node_modules` are workspace members;
//!   `git…` references are git sources; `file:` references are paths.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{Builder, NPM_REGISTRY, git_source, sri_at};
use crate::json_lines::{self, KeyLines, escape};
use crate::{Ecosystem, Entry, Error, Source};

// Strings are borrowed from the text (`Cow`) unless they contain escapes: a large lockfile has
// several strings per entry, and copying them dominated the parse time.
#[derive(Deserialize)]
struct Lock<'a> {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Option<serde_json::Value>,
    #[serde(borrow)]
    packages: Option<BTreeMap<Cow<'a, str>, Package<'a>>>,
    #[serde(borrow)]
    dependencies: Option<BTreeMap<Cow<'a, str>, Dependency<'a>>>,
}

#[derive(Deserialize)]
struct Package<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resolved: Option<Cow<'a, str>>,
    #[serde(borrow)]
    integrity: Option<Cow<'a, str>>,
    #[serde(default)]
    link: bool,
}

#[derive(Deserialize)]
struct Dependency<'a> {
    #[serde(borrow)]
    version: Cow<'a, str>,
    #[serde(borrow)]
    resolved: Option<Cow<'a, str>>,
    #[serde(borrow)]
    integrity: Option<Cow<'a, str>>,
    #[serde(borrow)]
    dependencies: Option<BTreeMap<Cow<'a, str>, Dependency<'a>>>,
}

/// Parse package-lock.json `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let lock: Lock = super::json_from_str(path, text)?;
    let lines = json_lines::scan(path, text)?;
    let version_line = lines.at("/lockfileVersion").0;
    let version = match &lock.lockfile_version {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        None => {
            return Err(Error::invalid(
                path,
                0,
                "lockfileVersion",
                "missing (npm 5 or later writes it)",
            ));
        }
        Some(_) => None,
    };
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Npm,
    };
    let mut entries = Vec::new();
    match version {
        Some(1) => {
            let deps = lock.dependencies.unwrap_or_default();
            walk_v1(&b, &lines, &deps, "/dependencies", &mut entries)?;
        }
        Some(2 | 3) => {
            let packages = lock.packages.ok_or_else(|| {
                Error::invalid(
                    path,
                    version_line,
                    "packages",
                    "missing in a v2/v3 lockfile",
                )
            })?;
            for (key, p) in &packages {
                if key.is_empty() {
                    continue;
                }
                let pointer = format!("/packages/{}", escape(key));
                entries.push(package(&b, &lines, key, &pointer, p)?);
            }
        }
        _ => {
            return Err(Error::invalid(
                path,
                version_line,
                "lockfileVersion",
                "unknown lockfileVersion (known: 1, 2, 3)",
            ));
        }
    }
    entries.sort_by_key(|e| (e.location.line, e.location.column));
    Ok(entries)
}

fn package(
    b: &Builder<'_>,
    lines: &KeyLines,
    key: &str,
    pointer: &str,
    p: &Package,
) -> Result<Entry, Error> {
    let pos = lines.at(pointer);
    let installed = key.rsplit_once("node_modules/").map(|(_, n)| n);
    let name = p.name.as_deref().or(installed).unwrap_or(key);
    let version = p.version.as_deref().unwrap_or("");
    let source = if p.link || installed.is_none() {
        Source::Workspace
    } else {
        source(p.resolved.as_deref())
    };
    let digest = match &p.integrity {
        Some(i) => Some(sri_at(b.file, pos.0, &format!("{key}.integrity"), i)?),
        None => None,
    };
    Ok(b.entry(name, version, None, digest, source, pos))
}

fn walk_v1(
    b: &Builder<'_>,
    lines: &KeyLines,
    deps: &BTreeMap<Cow<'_, str>, Dependency<'_>>,
    pointer: &str,
    out: &mut Vec<Entry>,
) -> Result<(), Error> {
    for (name, d) in deps {
        let here = format!("{pointer}/{}", escape(name));
        let pos = lines.at(&here);
        // v1 writes git and local dependencies into `version` itself.
        let source = if is_git(&d.version) {
            git_source(d.resolved.as_deref().unwrap_or(&d.version))
        } else if d.version.starts_with("file:") {
            Source::Path
        } else {
            source(d.resolved.as_deref())
        };
        let digest = match &d.integrity {
            Some(i) => Some(sri_at(b.file, pos.0, &format!("{name}.integrity"), i)?),
            None => None,
        };
        out.push(b.entry(name, &d.version, None, digest, source, pos));
        if let Some(children) = &d.dependencies {
            walk_v1(b, lines, children, &format!("{here}/dependencies"), out)?;
        }
    }
    Ok(())
}

fn is_git(reference: &str) -> bool {
    ["git+", "git:", "github:", "gitlab:", "bitbucket:"]
        .iter()
        .any(|p| reference.starts_with(p))
}

fn source(resolved: Option<&str>) -> Source {
    match resolved {
        None => Source::Registry {
            url: NPM_REGISTRY.to_owned(),
        },
        Some(r) if is_git(r) => git_source(r),
        Some(r) if r.starts_with("file:") => Source::Path,
        Some(r) if r.starts_with("http://") || r.starts_with("https://") => {
            Source::Registry { url: r.to_owned() }
        }
        Some(_) => Source::Path,
    }
}
