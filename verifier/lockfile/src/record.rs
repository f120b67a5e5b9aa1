//! Log record keys and lines for entries, per the shared design "Records and keys".
//!
//! * Go: the log record for key `(M, V)` is the byte-exact sumdb record
//!   `M V h1:…\nM V/go.mod h1:…\n`. A go.sum has one [`Entry`] per line, so the zip entry
//!   (artifact `zip`) and the go.mod entry (artifact `go.mod`) of one `(M, V)` share a
//!   [`RecordKey`]; [`Entry::record_line`] gives each entry's own line and [`go_record`] joins
//!   the two into the full record. A go.sum often holds only the `/go.mod` line of a module
//!   (it was needed for graph loading only); the verifier then compares just that line of the
//!   logged record.
//! * Every other ecosystem: one line `<ecosystem>/<name> <version>[ <artifact>] <alg>:<hex>\n`,
//!   with the artifact present exactly for `pypi` (file name) and `gem` (gem file name).

use std::fmt;

use crate::{Algorithm, Ecosystem, Entry, PinState};

/// The key of a log record: `(name, version[, artifact])`, where `name` is
/// `<ecosystem>/<name>` (`cargo/serde`, `npm/@babel/core`) or, for Go, the module path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    /// `<ecosystem>/<name>`, or the bare Go module path.
    pub name: String,
    /// The version.
    pub version: String,
    /// The file name for per-file ecosystems (pypi, gem); `None` otherwise.
    pub artifact: Option<String>,
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)?;
        if let Some(a) = &self.artifact {
            write!(f, "/{a}")?;
        }
        Ok(())
    }
}

impl Entry {
    /// The key of the log record this entry is checked against, or `None` when the entry can
    /// have no record: composer packages (no registry digest exists), and PyPI entries without
    /// a file name (Pipfile.lock, requirements.txt), whose digest the verifier must match
    /// against the files of `(name, version)` instead.
    pub fn record_key(&self) -> Option<RecordKey> {
        let per_file = matches!(self.ecosystem, Ecosystem::Pypi | Ecosystem::Gem);
        match self.ecosystem {
            Ecosystem::Composer => None,
            Ecosystem::Go => Some(RecordKey {
                name: self.name.clone(),
                version: self.version.clone(),
                artifact: None,
            }),
            _ if per_file && self.artifact.is_none() => None,
            eco => Some(RecordKey {
                name: format!("{}/{}", eco.name(), self.name),
                version: self.version.clone(),
                artifact: if per_file {
                    self.artifact.clone()
                } else {
                    None
                },
            }),
        }
    }

    /// This entry's record text, newline-terminated, or `None` when it is not
    /// [`PinState::Pinned`] or has no [`Entry::record_key`].
    ///
    /// For Go this is the entry's own go.sum line (`M V h1:…\n` or `M V/go.mod h1:…\n`),
    /// which is one of the two lines of the sumdb record; see [`go_record`].
    pub fn record_line(&self) -> Option<String> {
        if self.pin != PinState::Pinned {
            return None;
        }
        let key = self.record_key()?;
        let digest = self.digest.as_ref()?;
        if self.ecosystem == Ecosystem::Go {
            if digest.algorithm() != Algorithm::GoH1 {
                return None;
            }
            let suffix = if self.artifact.as_deref() == Some("go.mod") {
                "/go.mod"
            } else {
                ""
            };
            return Some(format!(
                "{} {}{} {}\n",
                key.name,
                key.version,
                suffix,
                digest.to_sri()
            ));
        }
        let artifact = key.artifact.map(|a| format!(" {a}")).unwrap_or_default();
        Some(format!(
            "{} {}{} {}\n",
            key.name, key.version, artifact, digest
        ))
    }
}

/// The full sumdb record `M V h1:…\nM V/go.mod h1:…\n` from a go.sum's zip entry and go.mod
/// entry of the same `(M, V)`, or `None` if they are not that pair.
pub fn go_record(zip: &Entry, go_mod: &Entry) -> Option<String> {
    let same = zip.ecosystem == Ecosystem::Go
        && go_mod.ecosystem == Ecosystem::Go
        && zip.name == go_mod.name
        && zip.version == go_mod.version
        && zip.artifact.as_deref() == Some("zip")
        && go_mod.artifact.as_deref() == Some("go.mod");
    if !same {
        return None;
    }
    Some(format!("{}{}", zip.record_line()?, go_mod.record_line()?))
}
