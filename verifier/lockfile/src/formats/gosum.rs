//! go.sum: `<module> <version>[/go.mod] h1:<base64>` lines, read with the go.mod next to it.
//!
//! Every line is an entry, whether or not go.mod needs that version: artifact `zip` for the
//! module zip hash, `go.mod` for the `/go.mod` hash. When a go.mod is given, each module it
//! `require`s that has no go.sum line at all becomes an entry without digest
//! ([`crate::UnpinnedReason::NoDigest`]), located at the require line; a module replaced by a local
//! directory becomes a [`Source::Path`] entry instead. Modules replaced by another module are
//! left to the replacement's own go.sum lines.
//!
//! See <https://go.dev/ref/mod#go-sum-files>.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::gomod::{self, GoMod};
use super::{Builder, GO_PROXY, digest_at};
use crate::lines::to_u32;
use crate::{Algorithm, Ecosystem, Entry, Error, Source};

/// Parse a go.sum or go.mod at `path` together with its sibling.
pub(crate) fn parse_files(path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    let is_mod = path.file_name().is_some_and(|n| n == "go.mod");
    let sibling = path.with_file_name(if is_mod { "go.sum" } else { "go.mod" });
    let other = if sibling.is_file() {
        Some(crate::read_capped(&sibling)?)
    } else {
        None
    };
    let (sum_path, sum_text, mod_file) = if is_mod {
        (
            sibling.as_path(),
            other.as_deref().unwrap_or(""),
            Some((path, text)),
        )
    } else {
        (path, text, other.as_deref().map(|t| (sibling.as_path(), t)))
    };
    let go_mod = match mod_file {
        Some((p, t)) => Some((p, gomod::parse(p, t)?)),
        None => None,
    };
    parse(sum_path, sum_text, go_mod.as_ref().map(|(p, m)| (*p, m)))
}

/// Parse go.sum `text`, adding entries for modules `go_mod` requires but go.sum lacks.
pub(crate) fn parse(
    path: &Path,
    text: &str,
    go_mod: Option<(&Path, &GoMod)>,
) -> Result<Vec<Entry>, Error> {
    let b = Builder {
        file: path,
        ecosystem: Ecosystem::Go,
    };
    let mut entries = Vec::new();
    let mut seen: HashMap<(String, String, &'static str), u32> = HashMap::new();
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line = to_u32(i + 1);
        let content = raw.strip_suffix('\n').unwrap_or(raw);
        let content = content.strip_suffix('\r').unwrap_or(content); // CRLF checkouts
        if content.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = content.split(' ').collect();
        let [module, version, hash] = fields[..] else {
            return Err(Error::invalid(
                path,
                line,
                "go.sum line",
                "want exactly three space-separated fields: module, version, h1: hash",
            ));
        };
        let (version, artifact) = match version.strip_suffix("/go.mod") {
            Some(v) => (v, "go.mod"),
            None => (version, "zip"),
        };
        if module.is_empty() || module.chars().any(char::is_control) {
            return Err(Error::invalid(
                path,
                line,
                "module",
                "empty or has control characters",
            ));
        }
        if !version.starts_with('v') || version.len() < 2 {
            return Err(Error::invalid(
                path,
                line,
                module,
                format!("bad version {version:?}"),
            ));
        }
        if !hash.starts_with("h1:") {
            return Err(Error::invalid(
                path,
                line,
                module,
                "hash is not an h1: hash",
            ));
        }
        let digest = digest_at(path, line, module, hash)?;
        debug_assert_eq!(digest.algorithm(), Algorithm::GoH1);
        if let Some(first) = seen.insert((module.to_owned(), version.to_owned(), artifact), line) {
            return Err(Error::invalid(
                path,
                line,
                format!("{module} {version} {artifact}"),
                format!("duplicate go.sum line (first on line {first})"),
            ));
        }
        let source = Source::Registry {
            url: GO_PROXY.to_owned(),
        };
        entries.push(b.entry(
            module,
            version,
            Some(artifact.to_owned()),
            Some(digest),
            source,
            (line, 1),
        ));
    }
    if let Some((mod_path, go_mod)) = go_mod {
        let summed: HashSet<(&str, &str)> = seen
            .keys()
            .map(|(m, v, _)| (m.as_str(), v.as_str()))
            .collect();
        let mb = Builder {
            file: mod_path,
            ecosystem: Ecosystem::Go,
        };
        for req in &go_mod.requires {
            if summed.contains(&(req.module.as_str(), req.version.as_str())) {
                continue;
            }
            let source = match go_mod.replacement(&req.module, &req.version) {
                Some(gomod::Replacement::Local) => Source::Path,
                Some(gomod::Replacement::Module) => continue,
                None => Source::Registry {
                    url: GO_PROXY.to_owned(),
                },
            };
            let artifact = Some("zip".to_owned());
            entries.push(mb.entry(
                &req.module,
                &req.version,
                artifact,
                None,
                source,
                (req.line, 1),
            ));
        }
    }
    Ok(entries)
}
