//! The one entry model every lockfile format is parsed into.

use std::fmt;
use std::path::PathBuf;

use crate::Digest;

/// The package ecosystem an entry belongs to. Its [`Ecosystem::name`] is the first element of
/// log record names (`cargo/serde`), see the shared design "Records and keys".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Ecosystem {
    /// Rust crates (Cargo.lock).
    Cargo,
    /// Go modules (go.sum / go.mod).
    Go,
    /// npm packages (package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml).
    Npm,
    /// Python distributions (poetry.lock, uv.lock, pylock.toml, Pipfile.lock, requirements.txt).
    Pypi,
    /// Ruby gems (Gemfile.lock).
    Gem,
    /// PHP packages (composer.lock).
    Composer,
}

impl Ecosystem {
    /// The lowercase name: `cargo`, `go`, `npm`, `pypi`, `gem`, `composer`.
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "cargo",
            Ecosystem::Go => "go",
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an entry's artifact comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// A package registry. `url` is what the lockfile states (a Cargo source without its
    /// `registry+` prefix but with any `sparse+` prefix, an npm `resolved` tarball URL, a
    /// uv/pylock index URL, a Gemfile.lock `remote:`), or the ecosystem's default registry when
    /// the lockfile names none (e.g. `https://registry.npmjs.org/`, `https://pypi.org/simple`,
    /// `https://proxy.golang.org`).
    Registry {
        /// The registry or download URL.
        url: String,
    },
    /// A git repository. The only pin is the commit.
    Git {
        /// The repository URL (without the commit fragment).
        url: String,
        /// The full commit id, when the lockfile records one.
        commit: Option<String>,
    },
    /// A local path dependency (a directory or file outside any registry).
    Path,
    /// A member of the same workspace or monorepo.
    Workspace,
}

/// A position in a lockfile: the line (1-based) and column (1-based, in characters) of the
/// key or field that names the entry. What that is, per format, is in the crate docs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The lockfile, as given to the parser.
    pub file: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Why an entry has no digest a registry publishes. Each one is a finding the verifier reports;
/// no entry is ever dropped for being unpinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnpinnedReason {
    /// The lockfile records no digest (npm entries without `integrity` are common).
    NoDigest,
    /// A git source: pinned only by a commit id.
    GitSource,
    /// A path, directory, link or workspace source: nothing published to compare against.
    LocalSource,
    /// A Yarn Berry `checksum`: a hash of Yarn's own zip, which no registry publishes.
    YarnBerryChecksum,
    /// A composer `dist.shasum` that is empty (GitHub zipballs are not byte-stable).
    EmptyComposerShasum,
    /// Only a SHA-1 digest, which is too weak to pin anything.
    Sha1Only,
}

impl UnpinnedReason {
    /// Every reason, in declaration order.
    pub const ALL: [UnpinnedReason; 6] = [
        UnpinnedReason::NoDigest,
        UnpinnedReason::GitSource,
        UnpinnedReason::LocalSource,
        UnpinnedReason::YarnBerryChecksum,
        UnpinnedReason::EmptyComposerShasum,
        UnpinnedReason::Sha1Only,
    ];

    /// The reason whose [`UnpinnedReason::code`] is `code`.
    #[must_use]
    pub fn from_code(code: &str) -> Option<UnpinnedReason> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// A short kebab-case code, stable for JSON output: `no-digest`, `git-source`,
    /// `local-source`, `yarn-berry-checksum`, `empty-composer-shasum`, `sha1-only`.
    pub fn code(self) -> &'static str {
        match self {
            UnpinnedReason::NoDigest => "no-digest",
            UnpinnedReason::GitSource => "git-source",
            UnpinnedReason::LocalSource => "local-source",
            UnpinnedReason::YarnBerryChecksum => "yarn-berry-checksum",
            UnpinnedReason::EmptyComposerShasum => "empty-composer-shasum",
            UnpinnedReason::Sha1Only => "sha1-only",
        }
    }

    /// One human sentence: why the entry cannot be checked against a registry's digest.
    pub fn describe(self) -> &'static str {
        match self {
            UnpinnedReason::NoDigest => "the lockfile records no checksum",
            UnpinnedReason::GitSource => "a git source, pinned only by its commit",
            UnpinnedReason::LocalSource => {
                "a path or workspace package: nothing published to compare"
            }
            UnpinnedReason::YarnBerryChecksum => {
                "a Yarn Berry zip checksum, which no registry publishes"
            }
            UnpinnedReason::EmptyComposerShasum => "an empty composer shasum",
            UnpinnedReason::Sha1Only => "only a SHA-1 digest, too weak to pin anything",
        }
    }
}

impl fmt::Display for UnpinnedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether an entry carries a digest that a registry (or the Go checksum database) publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinState {
    /// The entry's [`Entry::digest`] is a registry-published value of SHA-256 strength or more.
    Pinned,
    /// The entry cannot be checked against a registry value, for this reason.
    Unpinned(UnpinnedReason),
}

/// One artifact pinned (or not) by a lockfile.
///
/// Formats that list several files per version (the Python ones, Gemfile.lock platforms, go.sum
/// zip and go.mod) give one entry per file or hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name as the registry spells it after the ecosystem's canonicalisation (PyPI names
    /// are PEP 503 normalised; npm, Cargo, Go, gems and composer as written).
    pub name: String,
    /// The exact version (for Go, the module version without `/go.mod`).
    pub version: String,
    /// The file this entry pins, when the format says: a PyPI file name, a gem file name
    /// (`nokogiri-1.18.6-x86_64-linux-gnu.gem`), or for Go `zip` or `go.mod`. `None` for Cargo
    /// and npm (one artifact per version) and for formats with hashes but no file names
    /// (Pipfile.lock, requirements.txt).
    pub artifact: Option<String>,
    /// The digest the lockfile records, normalised. `Some` for unpinned SHA-1, Yarn Berry and
    /// similar values too, so reports can show them.
    pub digest: Option<Digest>,
    /// Where the artifact comes from.
    pub source: Source,
    /// Where in the lockfile the entry is.
    pub location: Location,
    /// Pinned, or why not.
    pub pin: PinState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unpinned_reason_is_found_again_by_its_code() {
        for r in UnpinnedReason::ALL {
            assert_eq!(UnpinnedReason::from_code(r.code()), Some(r));
        }
        assert_eq!(UnpinnedReason::from_code("no-record-key"), None);
    }
}
