//! yarn.lock v1 ("classic"), a line format that looks like YAML but is not.
//!
//! ```text
//! # yarn lockfile v1
//!
//! "@scope/a@^1.0.0", "@scope/a@^1.1.0":
//!   version "1.2.0"
//!   resolved "https://registry.yarnpkg.com/@scope/a/-/a-1.2.0.tgz#<sha1 hex>"
//!   integrity sha512-<base64>
//!   dependencies:
//!     b "^2.0.0"
//! ```
//!
//! Grammar (as written by yarn 1's `lockfile/stringify.js`): an entry starts with a line at
//! indent 0 ending in `:` whose text is one or more comma-separated specifiers; its fields are
//! at indent 2 as `name value` or `name:` opening a block of indent-4 `key value` lines.
//! Values are bare words or JSON-style double-quoted strings. `#` lines are comments.
//! The digest is `integrity` (SRI, strongest wins), else the sha1 in the `resolved` fragment.

use std::collections::HashMap;
use std::path::Path;

use super::{Builder, NPM_REGISTRY, git_source, split_name_version, sri_at};
use crate::lines::to_u32;
use crate::{Algorithm, Digest, Ecosystem, Entry, Error, Source};

struct Pending {
    line: u32,
    name: String,
    fields: HashMap<String, (String, u32)>,
}

/// Parse yarn.lock v1 `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Npm,
    };
    let mut entries = Vec::new();
    let mut specifiers: HashMap<String, u32> = HashMap::new();
    let mut current: Option<Pending> = None;
    let mut in_block = false;
    let mut saw_header = false;
    for (i, raw) in text.lines().enumerate() {
        let line = to_u32(i + 1);
        if raw.trim_start().starts_with('#') {
            saw_header |= raw.trim() == "# yarn lockfile v1";
            continue;
        }
        if raw.trim().is_empty() {
            continue;
        }
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let content = &raw[indent..];
        if content.starts_with('\t') || raw.ends_with(' ') {
            return Err(Error::invalid(
                path,
                line,
                "(yarn.lock)",
                "unexpected tab or trailing space",
            ));
        }
        match indent {
            0 => {
                if let Some(done) = current.take() {
                    entries.push(finish(&b, done)?);
                }
                let Some(keys) = content.strip_suffix(':') else {
                    return Err(Error::invalid(
                        path,
                        line,
                        content,
                        "entry key must end with ':'",
                    ));
                };
                let mut name = None;
                for spec in keys.split(", ") {
                    let spec = unquote(path, line, spec)?;
                    if let Some(first) = specifiers.insert(spec.clone(), line) {
                        return Err(Error::invalid(
                            path,
                            line,
                            spec,
                            format!("duplicate key (first on line {first})"),
                        ));
                    }
                    let (n, _) = split_name_version(&spec).ok_or_else(|| {
                        Error::invalid(path, line, spec.as_str(), "not name@range")
                    })?;
                    match &name {
                        None => name = Some(n.to_owned()),
                        Some(existing) if existing != n => {
                            return Err(Error::invalid(
                                path,
                                line,
                                spec.as_str(),
                                "specifiers of different packages",
                            ));
                        }
                        Some(_) => {}
                    }
                }
                let name = name.ok_or_else(|| Error::invalid(path, line, keys, "empty key"))?;
                current = Some(Pending {
                    line,
                    name,
                    fields: HashMap::new(),
                });
                in_block = false;
            }
            2 => {
                let Some(entry) = current.as_mut() else {
                    return Err(Error::invalid(
                        path,
                        line,
                        content,
                        "field outside an entry",
                    ));
                };
                if let Some(block) = content.strip_suffix(':') {
                    if block.contains(' ') {
                        return Err(Error::invalid(path, line, block, "bad block name"));
                    }
                    in_block = true;
                    insert(path, entry, block, String::new(), line)?;
                    continue;
                }
                let (key, value) = content
                    .split_once(' ')
                    .ok_or_else(|| Error::invalid(path, line, content, "field without a value"))?;
                let value = unquote(path, line, value)?;
                in_block = false;
                insert(path, entry, key, value, line)?;
            }
            4 if in_block => {
                // dependency ranges; lockproof reads the resolved entries themselves.
                if !content.contains(' ') {
                    return Err(Error::invalid(
                        path,
                        line,
                        content,
                        "dependency without a range",
                    ));
                }
            }
            _ => {
                return Err(Error::invalid(
                    path,
                    line,
                    content,
                    format!("unexpected indentation {indent}"),
                ));
            }
        }
    }
    if let Some(done) = current.take() {
        entries.push(finish(&b, done)?);
    }
    if !saw_header {
        return Err(Error::invalid(
            path,
            0,
            "(yarn.lock)",
            "missing '# yarn lockfile v1' header",
        ));
    }
    Ok(entries)
}

fn insert(
    path: &Path,
    entry: &mut Pending,
    key: &str,
    value: String,
    line: u32,
) -> Result<(), Error> {
    if entry.fields.insert(key.to_owned(), (value, line)).is_some() {
        return Err(Error::invalid(path, line, key, "duplicate field"));
    }
    Ok(())
}

fn finish(b: &Builder<'_>, p: Pending) -> Result<Entry, Error> {
    let field = |k: &str| p.fields.get(k).map(|(v, l)| (v.as_str(), *l));
    let (version, _) = field("version")
        .ok_or_else(|| Error::invalid(b.file, p.line, p.name.as_str(), "entry has no version"))?;
    let resolved = field("resolved");
    let source = match resolved {
        None => Source::Registry {
            url: NPM_REGISTRY.to_owned(),
        },
        Some((r, _)) if r.starts_with("git+") || r.starts_with("git:") => git_source(r),
        Some((r, _)) if r.starts_with("file:") => Source::Path,
        Some((r, _)) => Source::Registry {
            url: r.split_once('#').map_or(r, |(u, _)| u).to_owned(),
        },
    };
    let digest = match (field("integrity"), resolved) {
        (Some((i, line)), _) => Some(sri_at(b.file, line, &format!("{}.integrity", p.name), i)?),
        (None, Some((r, line))) if matches!(source, Source::Registry { .. }) => {
            match r.split_once('#') {
                Some((_, sha1)) => Some(
                    Digest::from_hex(Algorithm::Sha1, sha1)
                        .map_err(|e| super::at(b.file, line, &format!("{}.resolved", p.name), e))?,
                ),
                None => None,
            }
        }
        _ => None,
    };
    Ok(b.entry(&p.name, version, None, digest, source, (p.line, 1)))
}

/// A bare word, or a JSON-style double-quoted string.
fn unquote(path: &Path, line: u32, s: &str) -> Result<String, Error> {
    if s.starts_with('"') {
        return serde_json::from_str(s)
            .map_err(|_| Error::invalid(path, line, s, "bad quoted string"));
    }
    if s.is_empty() || s.contains('"') {
        return Err(Error::invalid(path, line, s, "bad value"));
    }
    Ok(s.to_owned())
}
