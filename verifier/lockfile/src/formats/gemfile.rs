//! Gemfile.lock (Bundler), with the `CHECKSUMS` section of Bundler ≥ 2.6.
//!
//! ```text
//! GEM
//!   remote: https://rubygems.org/
//!   specs:
//!     nokogiri (1.18.6-x86_64-linux-gnu)
//!       racc (~> 1.4)
//!
//! CHECKSUMS
//!   nokogiri (1.18.6-x86_64-linux-gnu) sha256=df06…
//! ```
//!
//! Sections start at column 0; `GEM`, `GIT` and `PATH` sections hold `remote:` (and for git
//! `revision:`) at indent 2 and specs at indent 4 (their dependencies at indent 6). Each spec
//! is one entry, artifact = the `.gem` file name `<name>-<version>[-<platform>].gem`, digest =
//! its `CHECKSUMS` line (`sha256=<hex>`, several comma-separated algorithms allowed, strongest
//! wins), located at the CHECKSUMS line, or at the spec line when it has none. Other sections
//! (`PLATFORMS`, `DEPENDENCIES`, `RUBY VERSION`, `BUNDLED WITH`, …) are skipped.

use std::collections::HashMap;
use std::path::Path;

use super::{Builder, RUBYGEMS_REGISTRY, at};
use crate::lines::to_u32;
use crate::{Algorithm, Digest, Ecosystem, Entry, Error, Source};

struct Spec {
    id: String,
    line: u32,
    source: Source,
}

/// Parse Gemfile.lock `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let mut specs: Vec<Spec> = Vec::new();
    let mut checksums: HashMap<String, (Option<Digest>, u32)> = HashMap::new();
    let mut section = String::new();
    let (mut remote, mut revision) = (None::<String>, None::<String>);
    for (i, raw) in text.lines().enumerate() {
        let line = to_u32(i + 1);
        if raw.trim().is_empty() {
            continue;
        }
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let content = raw[indent..].trim_end();
        if indent == 0 {
            section = content.to_owned();
            (remote, revision) = (None, None);
            continue;
        }
        match (section.as_str(), indent) {
            ("GEM" | "GIT" | "PATH" | "PLUGIN SOURCE", 2) => {
                if let Some(r) = content.strip_prefix("remote: ") {
                    remote = Some(r.to_owned());
                } else if let Some(r) = content.strip_prefix("revision: ") {
                    revision = Some(r.to_owned());
                }
            }
            ("GEM" | "GIT" | "PATH", 4) => {
                let id = spec_id(path, line, content)?;
                let source = match section.as_str() {
                    "GEM" => Source::Registry {
                        url: remote
                            .clone()
                            .unwrap_or_else(|| RUBYGEMS_REGISTRY.to_owned()),
                    },
                    "GIT" => Source::Git {
                        url: remote.clone().unwrap_or_default(),
                        commit: revision.clone(),
                    },
                    _ => Source::Path,
                };
                specs.push(Spec { id, line, source });
            }
            ("GEM" | "GIT" | "PATH", 6) => {}
            ("CHECKSUMS", 2) => {
                let (spec, sums) = match content.find(") ") {
                    Some(i) => (&content[..=i], Some(content[i + 2..].trim())),
                    None => (content, None),
                };
                let id = spec_id(path, line, spec)?;
                let digest = match sums {
                    Some(s) => Some(strongest(path, line, &id, s)?),
                    None => None,
                };
                if checksums.insert(id.clone(), (digest, line)).is_some() {
                    return Err(Error::invalid(path, line, id, "duplicate CHECKSUMS line"));
                }
            }
            ("GEM" | "GIT" | "PATH" | "CHECKSUMS", _) => {
                return Err(Error::invalid(
                    path,
                    line,
                    section.as_str(),
                    format!("unexpected indentation {indent}"),
                ));
            }
            _ => {}
        }
    }
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Gem,
    };
    let mut entries = Vec::with_capacity(specs.len());
    let mut seen = HashMap::new();
    for spec in specs {
        if let Some(first) = seen.insert(spec.id.clone(), spec.line) {
            return Err(Error::invalid(
                path,
                spec.line,
                spec.id,
                format!("duplicate spec (first on line {first})"),
            ));
        }
        let (name, full_version) = split(&spec.id);
        let (digest, pos) = match checksums.remove(&spec.id) {
            Some((d, line)) => (d, (line, 3)),
            None => (None, (spec.line, 5)),
        };
        let version = gem_version(full_version);
        let artifact = Some(format!("{name}-{full_version}.gem"));
        entries.push(b.entry(name, version, artifact, digest, spec.source, pos));
    }
    if let Some((id, (_, line))) = checksums.iter().next() {
        return Err(Error::invalid(
            path,
            *line,
            id.as_str(),
            "CHECKSUMS line for a gem no section lists",
        ));
    }
    Ok(entries)
}

/// `name (version[-platform])` as `name version[-platform]`, validated.
fn spec_id(path: &Path, line: u32, s: &str) -> Result<String, Error> {
    let bad = || Error::invalid(path, line, s, "want 'name (version)'");
    let (name, rest) = s.split_once(" (").ok_or_else(bad)?;
    let version = rest.strip_suffix(')').ok_or_else(bad)?;
    if name.is_empty()
        || version.is_empty()
        || name.contains(' ')
        || version.contains([' ', '(', ')'])
    {
        return Err(bad());
    }
    Ok(format!("{name} {version}"))
}

fn split(id: &str) -> (&str, &str) {
    id.split_once(' ').unwrap_or((id, ""))
}

/// The version without a platform suffix: RubyGems versions never contain `-`, so the first
/// `-` starts the platform (`1.18.6-x86_64-linux-gnu`).
fn gem_version(full: &str) -> &str {
    full.split_once('-').map_or(full, |(v, _)| v)
}

fn strongest(path: &Path, line: u32, id: &str, sums: &str) -> Result<Digest, Error> {
    let mut best: Option<Digest> = None;
    for sum in sums.split(',') {
        let (alg, hex) = sum.split_once('=').ok_or_else(|| {
            Error::invalid(path, line, id, format!("checksum {sum:?} is not alg=hex"))
        })?;
        let algorithm = Algorithm::from_name(alg)
            .filter(|a| *a != Algorithm::GoH1)
            .ok_or_else(|| {
                Error::invalid(
                    path,
                    line,
                    id,
                    format!("unknown checksum algorithm {alg:?}"),
                )
            })?;
        let d = Digest::from_hex(algorithm, hex).map_err(|e| at(path, line, id, e))?;
        if best.as_ref().is_none_or(|b| d.algorithm() > b.algorithm()) {
            best = Some(d);
        }
    }
    best.ok_or_else(|| Error::invalid(path, line, id, "empty checksum"))
}
