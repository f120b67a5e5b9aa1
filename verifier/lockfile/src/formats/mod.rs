//! One parser per lockfile format, and the small helpers they share.

pub(crate) mod cargo;
pub(crate) mod composer;
pub(crate) mod gemfile;
pub(crate) mod gomod;
pub(crate) mod gosum;
pub(crate) mod npm;
pub(crate) mod pipfile;
pub(crate) mod pnpm;
pub(crate) mod poetry;
pub(crate) mod pylock;
pub(crate) mod requirements;
pub(crate) mod uv;
pub(crate) mod yarn_berry;
pub(crate) mod yarn_v1;

use std::path::Path;

use crate::{
    Algorithm, Digest, Ecosystem, Entry, Error, Location, PinState, Source, UnpinnedReason,
};

/// The default npm registry, for entries whose lockfile names no URL.
pub(crate) const NPM_REGISTRY: &str = "https://registry.npmjs.org/";
/// The default Python package index.
pub(crate) const PYPI_REGISTRY: &str = "https://pypi.org/simple";
/// The Go module proxy go.sum hashes are published for (via sum.golang.org).
pub(crate) const GO_PROXY: &str = "https://proxy.golang.org";
/// The default gem server.
pub(crate) const RUBYGEMS_REGISTRY: &str = "https://rubygems.org/";

/// `Digest::parse` with its error placed at `file:line`, `key`.
pub(crate) fn digest_at(file: &Path, line: u32, key: &str, text: &str) -> Result<Digest, Error> {
    Digest::parse(text).map_err(|e| at(file, line, key, e))
}

/// `Digest::from_sri` with its error placed at `file:line`, `key`.
pub(crate) fn sri_at(file: &Path, line: u32, key: &str, text: &str) -> Result<Digest, Error> {
    Digest::from_sri(text).map_err(|e| at(file, line, key, e))
}

/// Put a context-free error (an invalid digest) at `file:line`, `key`.
pub(crate) fn at(file: &Path, line: u32, key: &str, err: Error) -> Error {
    match err {
        Error::InvalidDigest(problem) => Error::invalid(file, line, key, problem),
        other => other,
    }
}

/// The pin state of a registry artifact with this digest: pinned when strong, unpinned
/// (sha1-only or no digest) otherwise.
pub(crate) fn registry_pin(digest: Option<&Digest>) -> PinState {
    match digest {
        None => PinState::Unpinned(UnpinnedReason::NoDigest),
        Some(d) if d.algorithm() == Algorithm::Sha1 => PinState::Unpinned(UnpinnedReason::Sha1Only),
        Some(_) => PinState::Pinned,
    }
}

/// The pin state implied by a source: git and local sources are unpinned whatever their
/// digest; registry sources follow [`registry_pin`].
pub(crate) fn pin_for(source: &Source, digest: Option<&Digest>) -> PinState {
    match source {
        Source::Git { .. } => PinState::Unpinned(UnpinnedReason::GitSource),
        Source::Path | Source::Workspace => PinState::Unpinned(UnpinnedReason::LocalSource),
        Source::Registry { .. } => registry_pin(digest),
    }
}

/// Builds entries for one file, so parsers only state what differs.
pub(crate) struct Builder<'a> {
    pub(crate) file: &'a Path,
    pub(crate) ecosystem: Ecosystem,
}

impl Builder<'_> {
    /// An entry whose pin state follows from its source and digest ([`pin_for`]).
    pub(crate) fn entry(
        &self,
        name: &str,
        version: &str,
        artifact: Option<String>,
        digest: Option<Digest>,
        source: Source,
        (line, column): (u32, u32),
    ) -> Entry {
        let pin = pin_for(&source, digest.as_ref());
        Entry {
            ecosystem: self.ecosystem,
            name: name.to_owned(),
            version: version.to_owned(),
            artifact,
            digest,
            source,
            location: Location {
                file: self.file.to_path_buf(),
                line,
                column,
            },
            pin,
        }
    }
}

/// A PyPI project name normalised per [PEP 503]: lowercase, runs of `-`, `_`, `.` become `-`
/// (Python's `re.sub(r"[-_.]+", "-", name).lower()`).
///
/// [PEP 503]: https://peps.python.org/pep-0503/#normalized-names
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// Split a `git+<url>#<commit>` or `<url>#<commit>` reference into a git source. The commit is
/// kept only when it looks like a full hex object id (40 or 64 digits).
pub(crate) fn git_source(reference: &str) -> Source {
    let url = reference.strip_prefix("git+").unwrap_or(reference);
    let (url, fragment) = match url.rsplit_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (url, None),
    };
    let commit = fragment.filter(|f| is_commit(f)).map(str::to_owned);
    Source::Git {
        url: url.to_owned(),
        commit,
    }
}

/// Whether `s` is a full git object id (40 or 64 lowercase hex digits).
pub(crate) fn is_commit(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Deserialize TOML, turning a syntax or type error into an [`Error::Invalid`] at its line.
pub(crate) fn toml_from_str<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
    index: &crate::lines::LineIndex<'_>,
) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| index.position(s.start).0);
        let key = "(toml)";
        Error::invalid(path, line, key, e.message().trim().to_owned())
    })
}

/// Deserialize JSON, turning a syntax or type error into an [`Error::Invalid`] at its line.
pub(crate) fn json_from_str<'a, T: serde::Deserialize<'a>>(
    path: &Path,
    text: &'a str,
) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| {
        Error::invalid(
            path,
            crate::lines::to_u32(e.line()),
            "(json)",
            e.to_string(),
        )
    })
}

/// Node limit for YAML lockfiles. serde-saphyr's default (250,000) is sized for config files;
/// a large pnpm-lock.yaml has tens of nodes per package. A YAML node takes at least two bytes
/// (`a\n`), so this admits any file under [`crate::MAX_LOCKFILE_BYTES`] of real lockfile shape
/// while still bounding work on hostile input (aliases stay limited by the default budget).
pub(crate) const YAML_MAX_NODES: usize = 32 * 1024 * 1024;
/// Parser event limit for YAML lockfiles (a few events per node).
pub(crate) const YAML_MAX_EVENTS: usize = 4 * YAML_MAX_NODES;

/// Deserialize every YAML document of `text` (pnpm 11 writes two), rejecting duplicate keys
/// and turning errors into an [`Error::Invalid`] at their line.
pub(crate) fn yaml_documents<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<Vec<T>, Error> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = YAML_MAX_NODES;
    budget.max_events = YAML_MAX_EVENTS;
    options.budget = Some(budget);
    serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
        let line = e.location().map_or(0, |l| yaml_line(&l));
        let message = e.to_string();
        let first = message.lines().next().unwrap_or("invalid YAML").to_owned();
        Error::invalid(path, line, "(yaml)", first)
    })
}

/// The 1-based (line, column) of a YAML location.
pub(crate) fn yaml_position(l: &serde_saphyr::Location) -> (u32, u32) {
    (yaml_line(l), u32::try_from(l.column()).unwrap_or(u32::MAX))
}

fn yaml_line(l: &serde_saphyr::Location) -> u32 {
    u32::try_from(l.line()).unwrap_or(u32::MAX)
}

/// Split an npm `name@version` at the `@` that is not the scope's leading one.
pub(crate) fn split_name_version(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..]))
}

/// The file name at the end of a download URL, percent-decoded (`%2B` → `+`), without query or
/// fragment.
pub(crate) fn url_file_name(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let last = path.rsplit('/').next().filter(|s| !s.is_empty())?;
    let mut out = Vec::with_capacity(last.len());
    let bytes = last.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
            && let Ok(b) = u8::from_str_radix(v, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}
