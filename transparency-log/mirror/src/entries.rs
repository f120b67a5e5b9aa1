//! From lockfile entries to log keys and records.

use std::collections::BTreeMap;

use lockproof_lockfile::{Algorithm, Ecosystem, Entry, PinState};
use lockproof_tlog::{Digest, DigestAlgorithm, Record, RecordKey};

/// The log key of a pinned lockfile entry: [`Entry::record_key`] (the one rule the verifier
/// uses too), or `None` when the entry is not pinned or can have no record (composer, a PyPI
/// hash without a file name, a name or version no log key admits).
#[must_use]
pub fn entry_key(entry: &Entry) -> Option<RecordKey> {
    if entry.pin != PinState::Pinned {
        return None;
    }
    entry.record_key()
}

/// The distinct keys of `entries`, in first-seen order.
#[must_use]
pub fn entry_keys<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<RecordKey> {
    let mut seen = std::collections::HashSet::new();
    entries
        .into_iter()
        .filter_map(entry_key)
        .filter(|k| seen.insert(k.lookup_path()))
        .collect()
}

/// Whether an entry comes from its ecosystem's public registry (crates.io, registry.npmjs.org or
/// its yarnpkg alias, pypi.org, rubygems.org; every Go module, since the public checksum
/// database covers all public modules). The embedded default log fills only these from the
/// public registries: a crate of the same name from a private registry is another package, and
/// crates.io's checksum for it would be a false mismatch.
#[must_use]
pub fn from_public_registry(entry: &Entry) -> bool {
    let lockproof_lockfile::Source::Registry { url } = &entry.source else {
        return false;
    };
    let url = url.strip_prefix("sparse+").unwrap_or(url);
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    match entry.ecosystem {
        Ecosystem::Cargo => {
            host == "index.crates.io"
                || url.starts_with("https://github.com/rust-lang/crates.io-index")
        }
        Ecosystem::Npm => host == "registry.npmjs.org" || host == "registry.yarnpkg.com",
        Ecosystem::Pypi => host == "pypi.org" || host == "files.pythonhosted.org",
        Ecosystem::Gem => host == "rubygems.org" || host == "index.rubygems.org",
        Ecosystem::Go => true,
        _ => false,
    }
}

/// A Go module version's go.sum lines: (zip `h1:`, go.mod `h1:`, the first entry seen).
type GoLines<'a> = (Option<String>, Option<String>, &'a Entry);

/// Why an entry gave no record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `<lockfile>:<line>` and the entry, for messages.
    pub entry: String,
    /// Why.
    pub reason: String,
}

fn describe(e: &Entry) -> String {
    let artifact = e
        .artifact
        .as_deref()
        .map(|a| format!(" {a}"))
        .unwrap_or_default();
    format!(
        "{}:{}: {}/{} {}{artifact}",
        e.location.file.display(),
        e.location.line,
        e.ecosystem,
        e.name,
        e.version
    )
}

/// The records a lockfile's entries pin, as a trust-on-first-use import logs them, with the
/// entries that give none and why. A Go module needs both go.sum lines (`h1:` of the zip and of
/// the go.mod) to form its sumdb record; one with only the `/go.mod` line is skipped.
#[must_use]
pub fn entry_records(entries: &[Entry]) -> (Vec<Record>, Vec<Skipped>) {
    let mut records: Vec<Record> = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut go: BTreeMap<(String, String), GoLines<'_>> = BTreeMap::new();
    for e in entries {
        let Some(key) = entry_key(e) else {
            if e.pin == PinState::Pinned {
                skipped.push(Skipped {
                    entry: describe(e),
                    reason: "has no log key (no file name or no registry digest)".into(),
                });
            }
            continue;
        };
        let Some(digest) = e.digest.as_ref() else {
            continue;
        };
        if e.ecosystem == Ecosystem::Go {
            let slot = go
                .entry((key.name().to_owned(), key.version().to_owned()))
                .or_insert((None, None, e));
            if digest.algorithm() == Algorithm::GoH1 {
                match e.artifact.as_deref() {
                    Some("go.mod") => slot.1 = Some(digest.to_sri()),
                    _ => slot.0 = Some(digest.to_sri()),
                }
            }
            continue;
        }
        let algorithm = match digest.algorithm() {
            Algorithm::Sha256 => DigestAlgorithm::Sha256,
            Algorithm::Sha384 => DigestAlgorithm::Sha384,
            Algorithm::Sha512 => DigestAlgorithm::Sha512,
            other => {
                skipped.push(Skipped {
                    entry: describe(e),
                    reason: format!("{} digests are not logged", other.name()),
                });
                continue;
            }
        };
        let record = Digest::new(algorithm, digest.bytes().to_vec())
            .and_then(|d| Record::ecosystem(key.clone(), d));
        match record {
            Ok(r) => {
                if seen.insert(key.lookup_path()) {
                    records.push(r);
                }
            }
            Err(err) => skipped.push(Skipped {
                entry: describe(e),
                reason: err.to_string(),
            }),
        }
    }
    for ((module, version), (zip, go_mod, first)) in go {
        match (zip, go_mod) {
            (Some(zip), Some(go_mod)) => match Record::go(&module, &version, &zip, &go_mod) {
                Ok(r) => records.push(r),
                Err(err) => skipped.push(Skipped {
                    entry: describe(first),
                    reason: err.to_string(),
                }),
            },
            _ => skipped.push(Skipped {
                entry: describe(first),
                reason: "go.sum has only one of the module's two lines; a sumdb record needs both"
                    .into(),
            }),
        }
    }
    (records, skipped)
}
