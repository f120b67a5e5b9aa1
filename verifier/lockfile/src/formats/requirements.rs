//! pip requirements files (<https://pip.pypa.io/en/stable/reference/requirements-file-format/>),
//! hash-checking mode included.
//!
//! A logical line is physical lines joined at a trailing `\`; a `#` at the start or after
//! whitespace starts a comment. Each requirement `name[extras]==version ; markers` gives one
//! entry per `--hash=<alg>:<hex>` (sha256/384/512; artifact unknown, any one file must match),
//! or one digest-less entry. `-r`/`--requirement FILE` includes are read relative to the
//! including file by [`parse_file`]; `-e`/`--editable` and `name @ url` requirements are git or
//! path sources; `-i`/`--index-url` sets the registry URL. `-c` constraint files only constrain
//! versions and are not read. Other options are accepted and ignored.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{Builder, PYPI_REGISTRY, digest_at, pep503};
use crate::lines::to_u32;
use crate::{Ecosystem, Entry, Error, Source};

/// How deep `-r` includes may nest.
pub(crate) const MAX_INCLUDE_DEPTH: usize = 16;

/// Parse the requirements file at `path` (already read as `text`), following `-r` includes.
pub(crate) fn parse_file(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let mut visiting = HashSet::new();
    let mut out = Vec::new();
    parse_into(path, text, Some(&mut visiting), 0, &mut out)?;
    Ok(out)
}

/// Parse requirements `text` alone; an `-r` include is an error.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let mut out = Vec::new();
    parse_into(path, text, None, 0, &mut out)?;
    Ok(out)
}

fn parse_into(
    path: &Path,
    text: &str,
    mut includes: Option<&mut HashSet<PathBuf>>,
    depth: usize,
    out: &mut Vec<Entry>,
) -> Result<(), Error> {
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Pypi,
    };
    let mut index = PYPI_REGISTRY.to_owned();
    for (line, logical) in logical_lines(text) {
        let mut tokens = logical.split_whitespace().peekable();
        let Some(first) = tokens.peek().copied() else {
            continue;
        };
        if first.starts_with('-') {
            let (option, value) = option(&mut tokens);
            let value = || {
                value.clone().ok_or_else(|| {
                    Error::invalid(path, line, option.as_str(), "option needs a value")
                })
            };
            match option.as_str() {
                "-r" | "--requirement" => {
                    let target = value()?;
                    let Some(visiting) = includes.as_deref_mut() else {
                        return Err(Error::invalid(
                            path,
                            line,
                            option,
                            "includes need parse(path), not parse_str",
                        ));
                    };
                    include(path, line, &target, visiting, depth, out)?;
                }
                "-i" | "--index-url" => index = value()?,
                "-e" | "--editable" => {
                    let target = value()?;
                    let source = if target.starts_with("git+") {
                        pip_git(&target)
                    } else {
                        Source::Path
                    };
                    let name = target
                        .rsplit_once("#egg=")
                        .map_or(target.as_str(), |(_, n)| n);
                    out.push(b.entry(&pep503(name), "", None, None, source, (line, 1)));
                }
                _ if option.starts_with("--hash") => {
                    return Err(Error::invalid(
                        path,
                        line,
                        "--hash",
                        "hash without a requirement",
                    ));
                }
                _ => {}
            }
            continue;
        }
        requirement(&b, line, &logical, &index, out)?;
    }
    Ok(())
}

/// The option at the front of `tokens` and its value (`--opt=value`, `--opt value`, `-rfile`).
fn option<'a>(
    tokens: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>,
) -> (String, Option<String>) {
    let first = tokens.next().unwrap_or_default();
    if let Some((o, v)) = first.split_once('=') {
        return (o.to_owned(), Some(v.to_owned()));
    }
    // `-rfile`: a short option glued to its value (split after the second character).
    if let Some((i, _)) = first.char_indices().nth(2)
        && !first.starts_with("--")
    {
        return (first[..i].to_owned(), Some(first[i..].to_owned()));
    }
    (first.to_owned(), tokens.next().map(str::to_owned))
}

fn include(
    path: &Path,
    line: u32,
    target: &str,
    visiting: &mut HashSet<PathBuf>,
    depth: usize,
    out: &mut Vec<Entry>,
) -> Result<(), Error> {
    if depth >= MAX_INCLUDE_DEPTH {
        return Err(Error::invalid(
            path,
            line,
            "-r",
            format!("includes nested deeper than {MAX_INCLUDE_DEPTH}"),
        ));
    }
    let file = path.parent().unwrap_or(Path::new("")).join(target);
    let canonical = file
        .canonicalize()
        .map_err(|e| Error::invalid(path, line, "-r", format!("{}: {e}", file.display())))?;
    if !visiting.insert(canonical.clone()) {
        return Err(Error::invalid(
            path,
            line,
            "-r",
            format!("{} is included twice or in a cycle", file.display()),
        ));
    }
    let text = crate::read_capped(&file)?;
    parse_into(&file, &text, Some(visiting), depth + 1, out)
}

fn requirement(
    b: &Builder<'_>,
    line: u32,
    logical: &str,
    index: &str,
    out: &mut Vec<Entry>,
) -> Result<(), Error> {
    let path = b.file;
    let (spec, options) = match logical.find(" --") {
        Some(i) => (logical[..i].trim(), &logical[i..]),
        None => (logical.trim(), ""),
    };
    let spec = spec.split_once(';').map_or(spec, |(s, _marker)| s).trim();
    let mut hashes = Vec::new();
    for token in options.split_whitespace() {
        if let Some(h) = token.strip_prefix("--hash=") {
            hashes.push(digest_at(path, line, &format!("{spec} --hash"), h)?);
        } else if token.starts_with("--") {
            // per-requirement options such as --config-settings; nothing to pin
        } else {
            return Err(Error::invalid(
                path,
                line,
                spec,
                format!("unexpected {token:?} after options"),
            ));
        }
    }
    let (name, version, source) = if let Some((name, url)) = spec.split_once(" @ ") {
        let url = url.trim();
        let source = if url.starts_with("git+") {
            pip_git(url)
        } else if url.starts_with("file:") {
            Source::Path
        } else {
            Source::Registry {
                url: url.to_owned(),
            }
        };
        (name.trim(), String::new(), source)
    } else {
        let end = spec
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(spec.len());
        let (name, rest) = spec.split_at(end);
        let rest = match rest.strip_prefix('[') {
            Some(r) => r
                .split_once(']')
                .map(|(_, r)| r)
                .ok_or_else(|| Error::invalid(path, line, spec, "unclosed extras"))?,
            None => rest,
        };
        let rest = rest.trim();
        let version = rest
            .strip_prefix("===")
            .or_else(|| rest.strip_prefix("=="))
            .map_or(rest, str::trim);
        (
            name,
            version.to_owned(),
            Source::Registry {
                url: index.to_owned(),
            },
        )
    };
    if name.is_empty() {
        return Err(Error::invalid(path, line, spec, "no project name"));
    }
    let name = pep503(name);
    if hashes.is_empty() {
        out.push(b.entry(&name, &version, None, None, source.clone(), (line, 1)));
    }
    for digest in hashes {
        out.push(b.entry(
            &name,
            &version,
            None,
            Some(digest),
            source.clone(),
            (line, 1),
        ));
    }
    Ok(())
}

/// Logical lines with the 1-based number of their first physical line, comments removed.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let content = strip_comment(raw);
        let (content, continued) = match content.strip_suffix('\\') {
            Some(c) => (c, true),
            None => (content, false),
        };
        let entry = current.get_or_insert_with(|| (to_u32(i + 1), String::new()));
        entry.1.push(' ');
        entry.1.push_str(content);
        if !continued && let Some(done) = current.take() {
            out.push(done);
        }
    }
    out.extend(current);
    out
}

fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return line[..i].trim_end();
        }
    }
    line.trim_end()
}

/// A pip VCS reference `git+<url>[@<rev>][#egg=…]`; the revision is the commit when it is a
/// full commit id.
fn pip_git(reference: &str) -> Source {
    let without_fragment = reference.split_once('#').map_or(reference, |(u, _)| u);
    let url = without_fragment
        .strip_prefix("git+")
        .unwrap_or(without_fragment);
    let last_slash = url.rfind('/').unwrap_or(0);
    match url[last_slash..].rfind('@') {
        Some(at) => {
            let (u, rev) = url.split_at(last_slash + at);
            let rev = &rev[1..];
            Source::Git {
                url: u.to_owned(),
                commit: super::is_commit(rev).then(|| rev.to_owned()),
            }
        }
        None => Source::Git {
            url: url.to_owned(),
            commit: None,
        },
    }
}
