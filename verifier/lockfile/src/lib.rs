//! Lockfile parsers for every major ecosystem, normalised into one entry model.
//!
//! Each lockfile format hashes a different object with a different algorithm and encoding
//! (see the project's `shared/reference/lockfiles-and-peers.md` §1). This crate reads them
//! all into one list of [`Entry`] values: ecosystem, name, version, artifact, a normalised
//! [`Digest`], the [`Source`] kind, the [`Location`] in the file, and a [`PinState`] that says
//! whether a registry publishes the digest, and if not, why ([`UnpinnedReason`]). Unpinned
//! entries are returned like any other; nothing is dropped silently.
//!
//! ```
//! use lockproof_lockfile::{parse_str, Format, PinState};
//! let text = "golang.org/x/mod v0.20.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=\n\
//!             golang.org/x/mod v0.20.0/go.mod h1:hTbmBsO62+eylJbnUtE2MGJUyE7QWk4xUqPFrRgJ+7c=\n";
//! let entries = parse_str(Format::GoSum, "go.sum".as_ref(), text).unwrap();
//! assert_eq!(entries.len(), 2);
//! assert_eq!(entries[1].artifact.as_deref(), Some("go.mod"));
//! assert_eq!(entries[1].location.line, 2);
//! assert_eq!(entries[0].pin, PinState::Pinned);
//! assert_eq!(
//!     entries[0].record_line().unwrap(),
//!     "golang.org/x/mod v0.20.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=\n"
//! );
//! ```
//!
//! # Strictness
//!
//! A parse either returns every entry of the file or an [`Error`] naming the file, line, key
//! and problem. Files over [`MAX_LOCKFILE_BYTES`], truncated or mistyped content, duplicate
//! keys, digests of the wrong length or encoding, and lockfile versions this crate does not
//! know are all errors.
//!
//! # Syntax crates
//!
//! TOML formats use `toml` with `toml::Spanned` for line numbers; JSON formats use
//! `serde_json` for the values and a second, documented pass (`json_lines`) for the line of
//! each key and for rejecting duplicate keys, which `serde_json` would silently merge. YAML
//! formats (pnpm, Yarn Berry) use `serde-saphyr`: it is maintained, built on the YAML 1.2
//! `saphyr` parser family, panic-free by design, rejects duplicate keys by default, limits
//! alias expansion, reads multi-document files, and gives each value a line and column
//! through `serde_saphyr::Spanned`. (`serde_yml` is unsound and unmaintained; `serde_yaml` is
//! deprecated.) go.sum/go.mod, requirements files, yarn v1 and Gemfile.lock are line formats
//! parsed by hand.
//!
//! # Locations
//!
//! [`Location`] points at: Cargo.lock, poetry.lock, uv.lock, pylock.toml the `name =` line of
//! the package (v1 Cargo.lock: the `[metadata]` checksum line when the package has one);
//! go.sum the line; package-lock.json the key of the package; yarn v1 the entry's key line;
//! Yarn Berry the `resolution:` line; pnpm the `resolution:` line; Pipfile.lock the package
//! key; requirements the requirement's first line; Gemfile.lock the CHECKSUMS line (or the
//! spec line when there is no checksum); composer.lock the `{` of the package object. Python
//! files with several files per package locate each file's hash when the syntax allows.

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used)]

mod detect;
mod digest;
mod entry;
mod error;
mod formats;
mod json_lines;
mod lines;
mod record;

use std::path::Path;

pub use detect::{Format, MAX_DISCOVER_DEPTH, SKIPPED_DIRS, detect, detect_by_name, discover};
pub use digest::{Algorithm, Digest};
pub use entry::{Ecosystem, Entry, Location, PinState, Source, UnpinnedReason};
pub use error::Error;
pub use formats::pep503;
/// The log record key type, re-exported from `lockproof-tlog` so callers of
/// [`Entry::record_key`] need no second dependency. There is no lockfile-specific key type.
pub use lockproof_tlog::RecordKey;
pub use record::go_record;

/// Largest lockfile this crate reads: 64 MiB. The largest real lockfiles seen are a few MiB
/// (a 1,800-entry package-lock.json is ~1 MiB), so this leaves a wide margin while bounding
/// memory for hostile input.
pub const MAX_LOCKFILE_BYTES: u64 = 64 * 1024 * 1024;

/// Read and parse the lockfile at `path`, detecting its format by name and content.
///
/// For a `go.sum` the `go.mod` next to it is read too (and for a `go.mod`, its `go.sum`);
/// for a requirements file, `-r`/`--requirement` includes are read relative to it.
///
/// # Errors
/// [`Error::Io`] if a file cannot be read, [`Error::TooLarge`] over [`MAX_LOCKFILE_BYTES`],
/// [`Error::UnknownFormat`] if the format is not recognised, [`Error::Invalid`] on bad content.
pub fn parse(path: &Path) -> Result<Vec<Entry>, Error> {
    parse_with_format(path).map(|(_, entries)| entries)
}

/// Like [`parse`], also returning the detected [`Format`].
///
/// # Errors
/// As [`parse`].
pub fn parse_with_format(path: &Path) -> Result<(Format, Vec<Entry>), Error> {
    let text = read_capped(path)?;
    let format = detect(path, &text).ok_or_else(|| Error::UnknownFormat { file: path.into() })?;
    let entries = match format {
        Format::GoSum => formats::gosum::parse_files(path, &text)?,
        Format::Requirements => formats::requirements::parse_file(path, &text)?,
        _ => parse_str(format, path, &text)?,
    };
    Ok((format, entries))
}

/// Parse `text` as `format`; `path` is only used in locations and errors. Nothing else is read:
/// a go.sum is parsed without its go.mod, and requirements `-r` includes are errors.
///
/// # Errors
/// [`Error::TooLarge`] if `text` is over [`MAX_LOCKFILE_BYTES`], [`Error::Invalid`] on bad
/// content.
pub fn parse_str(format: Format, path: &Path, text: &str) -> Result<Vec<Entry>, Error> {
    check_size(path, text.len() as u64)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        Format::CargoLock => formats::cargo::parse(path, text),
        Format::GoSum => formats::gosum::parse(path, text, None),
        Format::PackageLock => formats::npm::parse(path, text),
        Format::YarnV1 => formats::yarn_v1::parse(path, text),
        Format::YarnBerry => formats::yarn_berry::parse(path, text),
        Format::PnpmLock => formats::pnpm::parse(path, text),
        Format::PoetryLock => formats::poetry::parse(path, text),
        Format::UvLock => formats::uv::parse(path, text),
        Format::PyLock => formats::pylock::parse(path, text),
        Format::PipfileLock => formats::pipfile::parse(path, text),
        Format::Requirements => formats::requirements::parse(path, text),
        Format::GemfileLock => formats::gemfile::parse(path, text),
        Format::ComposerLock => formats::composer::parse(path, text),
    }
}

fn check_size(path: &Path, size: u64) -> Result<(), Error> {
    if size > MAX_LOCKFILE_BYTES {
        return Err(Error::TooLarge {
            file: path.into(),
            size,
            limit: MAX_LOCKFILE_BYTES,
        });
    }
    Ok(())
}

/// Read a file as UTF-8 text, refusing files over [`MAX_LOCKFILE_BYTES`] before reading them.
pub(crate) fn read_capped(path: &Path) -> Result<String, Error> {
    use std::io::Read as _;
    let io = |source| Error::Io {
        file: path.into(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    check_size(path, size)?;
    let mut bytes = Vec::new();
    file.take(MAX_LOCKFILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    check_size(path, bytes.len() as u64)?;
    String::from_utf8(bytes).map_err(|e| {
        let before = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..before]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::invalid(path, lines::to_u32(line), "(file)", "not valid UTF-8")
    })
}
