//! Record keys: what a log record is *for*. A log holds at most one record per key, forever.
//!
//! - Go: (module path, version); lookup path component `<escaped path>@<escaped version>`
//!   (Go `module.EscapePath` / `EscapeVersion`), exactly what `go` requests at `/lookup/`.
//! - Other ecosystems: (`<ecosystem>/<name>`, version[, artifact]); lookup path component
//!   `<escaped ecosystem/name>@<escaped version>` or `…@<escaped version>/<artifact>`. The
//!   artifact file name is not escaped. Parsing splits at the **last** `@`.
//!
//! See the lockproof design notes ("Records and keys") for the ecosystems and their rules.
//!
//! # Example
//! ```
//! use lockproof_tlog::{Ecosystem, RecordKey};
//!
//! let go = RecordKey::go("example.org/Greet", "v0.1.0").unwrap();
//! assert_eq!(go.lookup_path(), "example.org/!greet@v0.1.0");
//!
//! let wheel = RecordKey::ecosystem(
//!     Ecosystem::Pypi, "requests", "2.31.0", Some("requests-2.31.0-py3-none-any.whl"),
//! ).unwrap();
//! assert_eq!(wheel.lookup_path(), "pypi/requests@2.31.0/requests-2.31.0-py3-none-any.whl");
//! assert_eq!(RecordKey::parse_lookup_path(&wheel.lookup_path()).unwrap(), wheel);
//! ```

use std::fmt;

use crate::Error;
use crate::escape::{escape_case, unescape_case};
use crate::gomodule::{self, truncate};

/// Longest accepted package name (without the ecosystem prefix), in bytes (npm's limit, the
/// largest of the supported registries).
pub const MAX_PACKAGE_NAME_LEN: usize = 214;

/// Longest accepted non-Go version, in bytes.
pub const MAX_VERSION_LEN: usize = 128;

/// Longest accepted artifact file name, in bytes (a common file-system limit).
pub const MAX_ARTIFACT_LEN: usize = 255;

/// Longest accepted lookup path component: escaping at most doubles the name and version,
/// plus the artifact and the `@` and `/` separators.
pub const MAX_LOOKUP_PATH_LEN: usize =
    2 * (gomodule::MAX_MODULE_PATH_LEN + gomodule::MAX_MODULE_VERSION_LEN) + MAX_ARTIFACT_LEN + 2;

/// A non-Go ecosystem whose records lockproof logs. Each name is a path element without a dot,
/// so it can never be mistaken for a Go module path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Ecosystem {
    /// crates.io packages; name as spelled by the registry.
    Cargo,
    /// npm packages, optionally scoped (`@scope/name`); name as-is.
    Npm,
    /// PyPI distributions; name PEP 503-normalised; keyed per file (artifact = file name).
    Pypi,
    /// RubyGems; keyed per gem file (artifact = file name).
    Gem,
    /// Release artifacts of any kind; keyed per file (artifact = file name).
    Artifact,
}

impl Ecosystem {
    /// Every supported ecosystem.
    pub const ALL: [Ecosystem; 5] = [
        Self::Cargo,
        Self::Npm,
        Self::Pypi,
        Self::Gem,
        Self::Artifact,
    ];

    /// The ecosystem's name as it prefixes record names (`cargo`, `npm`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cargo => "cargo",
            Self::Npm => "npm",
            Self::Pypi => "pypi",
            Self::Gem => "gem",
            Self::Artifact => "artifact",
        }
    }

    /// The ecosystem named `s`, if supported.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// Whether keys of this ecosystem carry an artifact (file name): true for pypi, gem and
    /// artifact; false for cargo and npm.
    pub fn has_artifact(self) -> bool {
        matches!(self, Self::Pypi | Self::Gem | Self::Artifact)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The key of a record: a validated (name, version[, artifact]).
///
/// `name` is the Go module path, or `<ecosystem>/<package name>`. Two records with equal keys
/// may never both be logged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    name: String,
    version: String,
    artifact: Option<String>,
}

impl RecordKey {
    /// The key of a Go module version.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the path is not a valid module path or the version is not a
    /// canonical semantic version matching it ([`gomodule::check_path`],
    /// [`gomodule::check_version`]).
    pub fn go(path: &str, version: &str) -> Result<Self, Error> {
        gomodule::check_path(path)?;
        gomodule::check_version(path, version)?;
        Ok(Self {
            name: path.to_owned(),
            version: version.to_owned(),
            artifact: None,
        })
    }

    /// The key of a package version in `ecosystem`. `name` is the registry name without the
    /// ecosystem prefix (e.g. `serde`, `@babel/core`, `requests`).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the name, version or artifact is invalid for the ecosystem, or
    /// an artifact is given where none belongs (cargo, npm) or missing where one is required
    /// (pypi, gem, artifact).
    pub fn ecosystem(
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
        artifact: Option<&str>,
    ) -> Result<Self, Error> {
        check_package_name(ecosystem, name)?;
        check_version(version)?;
        match (ecosystem.has_artifact(), artifact) {
            (true, Some(a)) => check_artifact(a)?,
            (false, None) => {}
            (true, None) => {
                return Err(bad(
                    "record key",
                    format!("{ecosystem} keys need an artifact file name"),
                ));
            }
            (false, Some(_)) => {
                return Err(bad(
                    "record key",
                    format!("{ecosystem} keys have no artifact"),
                ));
            }
        }
        Ok(Self {
            name: format!("{ecosystem}/{name}"),
            version: version.to_owned(),
            artifact: artifact.map(str::to_owned),
        })
    }

    /// The full name: the Go module path, or `<ecosystem>/<package name>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The ecosystem, or `None` for a Go module.
    pub fn ecosystem_kind(&self) -> Option<Ecosystem> {
        let (first, _) = self.name.split_once('/')?;
        Ecosystem::from_name(first)
    }

    /// The package name without the ecosystem prefix (the module path for Go).
    pub fn package_name(&self) -> &str {
        match self.ecosystem_kind() {
            Some(e) => &self.name[e.as_str().len() + 1..],
            None => &self.name,
        }
    }

    /// Whether this is a Go module key.
    pub fn is_go(&self) -> bool {
        self.ecosystem_kind().is_none()
    }

    /// The version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The artifact file name, for per-file ecosystems.
    pub fn artifact(&self) -> Option<&str> {
        self.artifact.as_deref()
    }

    /// The path component after `/lookup/`: `<escaped name>@<escaped version>[/<artifact>]`.
    pub fn lookup_path(&self) -> String {
        // Every stored name and version passed validation, which admits only ASCII without
        // '!', so escaping cannot fail; fall back to the raw text rather than panic.
        let name = escape_case(&self.name).unwrap_or_else(|_| self.name.clone());
        let version = escape_case(&self.version).unwrap_or_else(|_| self.version.clone());
        match &self.artifact {
            Some(a) => format!("{name}@{version}/{a}"),
            None => format!("{name}@{version}"),
        }
    }

    /// Parses a lookup path component strictly: split at the last `@`, unescape, validate,
    /// and require the canonical form (`parse_lookup_path(k.lookup_path()) == k`).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the text is not the canonical lookup path of a valid key.
    pub fn parse_lookup_path(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_LOOKUP_PATH_LEN {
            return Err(bad("lookup path", "too long".to_owned()));
        }
        let (name, rest) = text
            .rsplit_once('@')
            .ok_or_else(|| bad("lookup path", format!("missing '@': {:?}", truncate(text))))?;
        let name = unescape_case(name)?;
        let key = match name
            .split_once('/')
            .and_then(|(first, rest)| Some((Ecosystem::from_name(first)?, rest)))
        {
            Some((ecosystem, package)) => {
                let (version, artifact) = match rest.split_once('/') {
                    Some((v, a)) => (v, Some(a)),
                    None => (rest, None),
                };
                Self::ecosystem(ecosystem, package, &unescape_case(version)?, artifact)?
            }
            None => Self::go(&name, &unescape_case(rest)?)?,
        };
        if key.lookup_path() != text {
            return Err(bad(
                "lookup path",
                format!("not canonical: {:?}", truncate(text)),
            ));
        }
        Ok(key)
    }
}

impl fmt::Display for RecordKey {
    /// `name@version` or `name@version/artifact`, unescaped (for messages).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)?;
        if let Some(a) = &self.artifact {
            write!(f, "/{a}")?;
        }
        Ok(())
    }
}

/// Checks a package name (without ecosystem prefix) against the ecosystem's rules.
fn check_package_name(ecosystem: Ecosystem, name: &str) -> Result<(), Error> {
    let fail = |reason: &str| {
        bad(
            "package name",
            format!("{ecosystem}: {reason}: {:?}", truncate(name)),
        )
    };
    if name.is_empty() || name.len() > MAX_PACKAGE_NAME_LEN {
        return Err(fail("empty or too long"));
    }
    let alnum_start = |s: &str| s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    let ok = match ecosystem {
        // crates.io: ASCII letters, digits, '-', '_'; starts with a letter.
        Ecosystem::Cargo => {
            name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        // npm: [@scope/]name; scope lowercase; name URL-safe, not starting with '.' or '_'.
        Ecosystem::Npm => {
            let (scope, bare) = match name.strip_prefix('@') {
                Some(scoped) => match scoped.split_once('/') {
                    Some((s, n)) => (Some(s), n),
                    None => return Err(fail("scope without a name")),
                },
                None => (None, name),
            };
            let npm_char =
                |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
            scope.is_none_or(|s| {
                !s.is_empty()
                    && !s.starts_with('.')
                    && s.bytes().all(|b| npm_char(b) && !b.is_ascii_uppercase())
            }) && !bare.is_empty()
                && !bare.starts_with('.')
                && !bare.starts_with('_')
                && bare.bytes().all(npm_char)
        }
        // PEP 503 normalised: lowercase alphanumeric runs joined by single '-'.
        Ecosystem::Pypi => name.split('-').all(|run| {
            !run.is_empty()
                && run
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        }),
        // RubyGems and release artifacts: one file-name-like element.
        Ecosystem::Gem | Ecosystem::Artifact => {
            alnum_start(name)
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        }
    };
    if !ok {
        return Err(fail("invalid for this ecosystem"));
    }
    Ok(())
}

/// Non-Go versions: `[A-Za-z0-9][A-Za-z0-9._+~-]*`, at most [`MAX_VERSION_LEN`] bytes. (No
/// `!`, so PEP 440 epochs are not supported; no `@`, `/` or spaces, which delimit keys.)
fn check_version(version: &str) -> Result<(), Error> {
    let ok = !version.is_empty()
        && version.len() <= MAX_VERSION_LEN
        && version
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'~' | b'-'));
    if !ok {
        return Err(bad("version", format!("invalid: {:?}", truncate(version))));
    }
    Ok(())
}

/// Artifact file names: `[A-Za-z0-9][A-Za-z0-9._+~-]*`, at most [`MAX_ARTIFACT_LEN`] bytes.
fn check_artifact(artifact: &str) -> Result<(), Error> {
    let ok = !artifact.is_empty()
        && artifact.len() <= MAX_ARTIFACT_LEN
        && artifact
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && artifact
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'~' | b'-'));
    if !ok {
        return Err(bad(
            "artifact",
            format!("invalid file name: {:?}", truncate(artifact)),
        ));
    }
    Ok(())
}

fn bad(what: &'static str, reason: String) -> Error {
    Error::Malformed { what, reason }
}
