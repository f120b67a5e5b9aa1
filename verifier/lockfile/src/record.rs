//! Log record keys and lines for entries, per the shared design "Records and keys".
//!
//! * Go: the log record for key `(M, V)` is the byte-exact sumdb record
//!   `M V h1:…\nM V/go.mod h1:…\n`. A go.sum has one [`Entry`] per line, so the zip entry
//!   (artifact `zip`) and the go.mod entry (artifact `go.mod`) of one `(M, V)` share a
//!   [`RecordKey`] (the validated key type of `lockproof-tlog`); [`Entry::record_line`] gives each entry's own line and [`go_record`] joins
//!   the two into the full record. A go.sum often holds only the `/go.mod` line of a module
//!   (it was needed for graph loading only); the verifier then compares just that line of the
//!   logged record.
//! * Every other ecosystem: one line `<ecosystem>/<name> <version>[ <artifact>] <alg>:<hex>\n`,
//!   with the artifact present exactly for `pypi` (file name) and `gem` (gem file name).

use lockproof_tlog::RecordKey;

use crate::{Algorithm, Ecosystem, Entry, PinState};

impl Entry {
    /// The key of the log record this entry is checked against. This is the one rule from a
    /// lockfile entry to a log key; the verifier, the mirror and `lockproof entries` all use it.
    ///
    /// * Go: [`RecordKey::go`]`(name, version)`. The zip and `go.mod` entries of one module
    ///   version share this key.
    /// * cargo, npm: [`RecordKey::ecosystem`]`(ecosystem, name, version, None)`.
    /// * pypi, gem: the same with the entry's file name as the artifact. PyPI names are
    ///   already PEP 503-normalised by the parsers.
    ///
    /// Returns `None` when the entry can have no record. That covers composer packages (no
    /// registry publishes a digest) and PyPI or gem entries without a file name (Pipfile.lock,
    /// requirements.txt), whose digest must be matched against the files of
    /// `(name, version)` instead. It also covers entries whose name, version or file name is
    /// not valid in a log key; no log can hold a record for those.
    /// The pin state is not considered: callers that look keys up skip unpinned entries
    /// themselves.
    pub fn record_key(&self) -> Option<RecordKey> {
        let ecosystem = match self.ecosystem {
            Ecosystem::Go => return RecordKey::go(&self.name, &self.version).ok(),
            Ecosystem::Composer => return None,
            Ecosystem::Cargo => lockproof_tlog::Ecosystem::Cargo,
            Ecosystem::Npm => lockproof_tlog::Ecosystem::Npm,
            Ecosystem::Pypi => lockproof_tlog::Ecosystem::Pypi,
            Ecosystem::Gem => lockproof_tlog::Ecosystem::Gem,
        };
        let artifact = if ecosystem.has_artifact() {
            Some(self.artifact.as_deref()?)
        } else {
            None
        };
        RecordKey::ecosystem(ecosystem, &self.name, &self.version, artifact).ok()
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
                key.name(),
                key.version(),
                suffix,
                digest.to_sri()
            ));
        }
        lockproof_tlog::Record::ecosystem(key, digest.to_record_digest()?)
            .ok()
            .map(|record| record.text().to_owned())
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::{Location, Source};

    fn entry(ecosystem: Ecosystem, name: &str, version: &str, artifact: Option<&str>) -> Entry {
        Entry {
            ecosystem,
            name: name.to_owned(),
            version: version.to_owned(),
            artifact: artifact.map(str::to_owned),
            digest: None,
            source: Source::Registry {
                url: "https://example.org/".to_owned(),
            },
            location: Location {
                file: PathBuf::from("lock"),
                line: 1,
                column: 1,
            },
            pin: PinState::Pinned,
        }
    }

    fn assert_no_key(cases: &[(Ecosystem, &str, &str, Option<&str>)]) {
        for &(ecosystem, name, version, artifact) in cases {
            let key = entry(ecosystem, name, version, artifact).record_key();
            assert_eq!(key, None, "{ecosystem} {name} {version} {artifact:?}");
        }
    }

    fn lookup(e: &Entry) -> Option<String> {
        e.record_key().map(|k| k.lookup_path())
    }

    #[test]
    fn go_zip_and_go_mod_entries_share_one_escaped_key() {
        let zip = entry(Ecosystem::Go, "example.org/Greet", "v0.1.0", Some("zip"));
        let go_mod = entry(Ecosystem::Go, "example.org/Greet", "v0.1.0", Some("go.mod"));
        assert_eq!(lookup(&zip).as_deref(), Some("example.org/!greet@v0.1.0"));
        assert_eq!(zip.record_key(), go_mod.record_key());
    }

    #[test]
    fn cargo_and_npm_keys_are_prefixed_and_carry_no_artifact() {
        let serde = entry(Ecosystem::Cargo, "serde", "1.0.228", None);
        let babel = entry(Ecosystem::Npm, "@babel/core", "7.26.0", Some("core.tgz"));
        assert_eq!(lookup(&serde).as_deref(), Some("cargo/serde@1.0.228"));
        assert_eq!(lookup(&babel).as_deref(), Some("npm/@babel/core@7.26.0"));
    }

    #[test]
    fn pypi_and_gem_keys_need_the_file_name() {
        let wheel = "requests-2.31.0-py3-none-any.whl";
        let pypi = entry(Ecosystem::Pypi, "requests", "2.31.0", Some(wheel));
        assert_eq!(
            lookup(&pypi).as_deref(),
            Some("pypi/requests@2.31.0/requests-2.31.0-py3-none-any.whl")
        );
        let gem = entry(Ecosystem::Gem, "rake", "13.2.1", Some("rake-13.2.1.gem"));
        assert_eq!(
            lookup(&gem).as_deref(),
            Some("gem/rake@13.2.1/rake-13.2.1.gem")
        );
        assert_no_key(&[
            (Ecosystem::Pypi, "requests", "2.31.0", None),
            (Ecosystem::Gem, "rake", "13.2.1", None),
        ]);
    }

    #[test]
    fn composer_entries_have_no_key() {
        let e = entry(Ecosystem::Composer, "monolog/monolog", "3.8.0", None);
        assert_eq!(e.record_key(), None);
    }

    #[test]
    fn entries_no_log_key_admits_have_no_key() {
        let whl = Some("a-1.0-py3-none-any.whl");
        assert_no_key(&[
            // Not a canonical semantic version; a v2 version for a path without `/v2`.
            (Ecosystem::Go, "example.org/m", "v01.0.0", None),
            (Ecosystem::Go, "example.org/m", "v2.0.0", None),
            // A PyPI name that is not PEP 503-normalised; a PEP 440 epoch.
            (Ecosystem::Pypi, "Foo_Bar", "1.0", whl),
            (Ecosystem::Pypi, "foo", "1!1.0", whl),
            (Ecosystem::Cargo, "no spaces", "1.0.0", None),
        ]);
    }

    #[test]
    fn unpinned_entries_still_have_a_key() {
        let mut e = entry(Ecosystem::Npm, "left-pad", "1.3.0", None);
        e.pin = PinState::Unpinned(crate::UnpinnedReason::NoDigest);
        assert_eq!(lookup(&e).as_deref(), Some("npm/left-pad@1.3.0"));
        assert_eq!(e.record_line(), None);
    }
}
