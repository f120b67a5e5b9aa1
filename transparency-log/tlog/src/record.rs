//! Log records: validated text with a key. The leaf hash of a record is
//! `SHA-256(0x00 ‖ text)` over the exact text, trailing newline included.
//!
//! Two kinds, told apart by the first field (a Go module path's first element has a dot; an
//! ecosystem name has none):
//!
//! - **Go** — the byte-exact Go checksum database record, i.e. the two `go.sum` lines
//!   ([Go sumdb protocol](https://go.dev/ref/mod#checksum-database)):
//!   ```text
//!   <module> <version> h1:<base64 SHA-256>\n
//!   <module> <version>/go.mod h1:<base64 SHA-256>\n
//!   ```
//! - **Ecosystem** — one line:
//!   `<ecosystem>/<name> <version>[ <artifact>] <algorithm>:<lowercase hex digest>\n`,
//!   e.g. `cargo/serde 1.0.219 sha256:9f…\n`.
//!
//! Every record is valid UTF-8 (ASCII in fact), newline-terminated, with no empty line and no
//! control character other than `\n`, at most [`MAX_RECORD_SIZE`] bytes, with single spaces
//! between fields. Parsing is canonical: `Record::parse(r.text()) == r`.
//!
//! # Example
//! ```
//! use lockproof_tlog::{Ecosystem, Record, RecordKey};
//!
//! let text = "cargo/serde 1.0.219 sha256:\
//!     1111111111111111111111111111111111111111111111111111111111111111\n";
//! let record = Record::parse(text.as_bytes()).unwrap();
//! let key = RecordKey::ecosystem(Ecosystem::Cargo, "serde", "1.0.219", None).unwrap();
//! // What a verifying client does with a record a log returned for `key`:
//! assert_eq!(Record::parse_for_key(text.as_bytes(), &key).unwrap(), record);
//! assert_eq!(record.leaf_hash(), lockproof_tlog::record_hash(text.as_bytes()));
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::Error;
use crate::gomodule::truncate;
use crate::hash::{Hash, record_hash};
use crate::record_key::{Ecosystem, RecordKey};

/// Largest accepted record, in bytes. A Go record is two lines of at most a few hundred bytes;
/// 16 KiB is generous and keeps every record far below the 64 KiB C2SP tlog-tiles entry limit.
pub const MAX_RECORD_SIZE: usize = 16 * 1024;

/// A digest algorithm allowed in ecosystem records (SHA-1 is never logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-256, 32 bytes.
    Sha256,
    /// SHA-384, 48 bytes.
    Sha384,
    /// SHA-512, 64 bytes.
    Sha512,
}

impl DigestAlgorithm {
    /// The name used in records (`sha256`, `sha384`, `sha512`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// The digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The algorithm named `s`, if allowed.
    pub fn from_name(s: &str) -> Option<Self> {
        [Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// A digest of an artifact: algorithm and bytes. Text form `<algorithm>:<lowercase hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: DigestAlgorithm,
    bytes: Vec<u8>,
}

impl Digest {
    /// A digest from raw bytes.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the length is not the algorithm's.
    pub fn new(algorithm: DigestAlgorithm, bytes: Vec<u8>) -> Result<Self, Error> {
        if bytes.len() != algorithm.digest_len() {
            return Err(bad(
                "digest",
                format!(
                    "{} needs {} bytes",
                    algorithm.as_str(),
                    algorithm.digest_len()
                ),
            ));
        }
        Ok(Self { algorithm, bytes })
    }

    /// Parses `<algorithm>:<lowercase hex>` strictly.
    ///
    /// # Errors
    /// [`Error::Malformed`] for an unknown algorithm, uppercase or non-hex digits, or a wrong
    /// length.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let (alg, hex) = text.split_once(':').ok_or_else(|| {
            bad(
                "digest",
                format!("expected <algorithm>:<hex>: {:?}", truncate(text)),
            )
        })?;
        let algorithm = DigestAlgorithm::from_name(alg).ok_or_else(|| {
            bad(
                "digest",
                format!("unsupported algorithm {:?}", truncate(alg)),
            )
        })?;
        if hex.len() != 2 * algorithm.digest_len() {
            return Err(bad(
                "digest",
                format!("{alg} needs {} hex digits", 2 * algorithm.digest_len()),
            ));
        }
        let mut bytes = Vec::with_capacity(algorithm.digest_len());
        for pair in hex.as_bytes().chunks_exact(2) {
            let (Some(hi), Some(lo)) = (hex_value(pair[0]), hex_value(pair[1])) else {
                return Err(bad("digest", "digest must be lowercase hex".to_owned()));
            };
            bytes.push((hi << 4) | lo);
        }
        Self::new(algorithm, bytes)
    }

    /// The algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The raw digest bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The lowercase hex digest.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(2 * self.bytes.len());
        for b in &self.bytes {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        out
    }
}

impl fmt::Display for Digest {
    /// `<algorithm>:<lowercase hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.to_hex())
    }
}

/// The hashes a record commits to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordHashes {
    /// A Go record's two `h1:` hashes, as they appear in `go.sum` (with the `h1:` prefix).
    Go {
        /// The module zip hash (`M V h1:…`).
        zip: String,
        /// The go.mod hash (`M V/go.mod h1:…`).
        go_mod: String,
    },
    /// An ecosystem record's artifact digest.
    Digest(Digest),
}

/// A validated record: canonical text plus the key and hashes parsed from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    text: String,
    key: RecordKey,
    hashes: RecordHashes,
}

impl Record {
    /// Parses and validates record text (either kind; see the module docs).
    ///
    /// # Errors
    /// [`Error::Malformed`] naming the rule broken.
    pub fn parse(text: &[u8]) -> Result<Self, Error> {
        if text.len() > MAX_RECORD_SIZE {
            return Err(bad("record", "too large".to_owned()));
        }
        let text = std::str::from_utf8(text).map_err(|_| bad("record", "not UTF-8".to_owned()))?;
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(bad("record", "contains a control character".to_owned()));
        }
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("record", "must end in a newline".to_owned()))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.iter().any(|l| l.is_empty()) {
            return Err(bad("record", "contains an empty line".to_owned()));
        }
        let first = lines[0].split(' ').next().unwrap_or_default();
        let ecosystem = first
            .split_once('/')
            .and_then(|(e, _)| Ecosystem::from_name(e));
        let record = match ecosystem {
            Some(_) => Self::parse_ecosystem(&lines)?,
            None => Self::parse_go(&lines)?,
        };
        // The fields were split on single spaces and rebuilt; require byte equality so that
        // exactly one text exists per record.
        if record.text != text {
            return Err(bad("record", "not in canonical form".to_owned()));
        }
        Ok(record)
    }

    /// Parses record text and checks it is exactly the record for `key` (no other module or
    /// version, no extra line). Use this on every record a log returns for a lookup.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the text is not a valid record; [`Error::RecordKeyMismatch`] if
    /// it is a valid record for a different key.
    pub fn parse_for_key(text: &[u8], key: &RecordKey) -> Result<Self, Error> {
        let record = Self::parse(text)?;
        record.check_key(key)?;
        Ok(record)
    }

    /// Builds the Go record for `path@version` with module-zip hash `zip_h1` and go.mod hash
    /// `go_mod_h1` (both `h1:<base64 of 32 bytes>`).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the key or a hash is invalid.
    pub fn go(path: &str, version: &str, zip_h1: &str, go_mod_h1: &str) -> Result<Self, Error> {
        let key = RecordKey::go(path, version)?;
        check_h1(zip_h1)?;
        check_h1(go_mod_h1)?;
        let text = format!("{path} {version} {zip_h1}\n{path} {version}/go.mod {go_mod_h1}\n");
        Self::parse(text.as_bytes()).and_then(|r| {
            r.check_key(&key)?;
            Ok(r)
        })
    }

    /// Builds the ecosystem record for `key` with `digest`.
    ///
    /// # Errors
    /// [`Error::Malformed`] if `key` is a Go key (Go records carry two `h1:` hashes: use
    /// [`Record::go`]) or the record would exceed [`MAX_RECORD_SIZE`].
    pub fn ecosystem(key: RecordKey, digest: Digest) -> Result<Self, Error> {
        if key.is_go() {
            return Err(bad("record", "a Go key needs Record::go".to_owned()));
        }
        let text = match key.artifact() {
            Some(a) => format!("{} {} {a} {digest}\n", key.name(), key.version()),
            None => format!("{} {} {digest}\n", key.name(), key.version()),
        };
        if text.len() > MAX_RECORD_SIZE {
            return Err(bad("record", "too large".to_owned()));
        }
        Ok(Self {
            text,
            key,
            hashes: RecordHashes::Digest(digest),
        })
    }

    /// Checks that this is the record for `key`.
    ///
    /// # Errors
    /// [`Error::RecordKeyMismatch`] otherwise.
    pub fn check_key(&self, key: &RecordKey) -> Result<(), Error> {
        if self.key != *key {
            return Err(Error::RecordKeyMismatch {
                expected: key.lookup_path(),
                found: self.key.lookup_path(),
            });
        }
        Ok(())
    }

    /// The canonical record text (the leaf data).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The record text as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The key this record is for.
    pub fn key(&self) -> &RecordKey {
        &self.key
    }

    /// The hashes the record commits to.
    pub fn hashes(&self) -> &RecordHashes {
        &self.hashes
    }

    /// The RFC 6962 leaf hash, `SHA-256(0x00 ‖ text)`.
    pub fn leaf_hash(&self) -> Hash {
        record_hash(self.text.as_bytes())
    }

    fn parse_go(lines: &[&str]) -> Result<Self, Error> {
        let [zip_line, mod_line] = lines else {
            return Err(bad("Go record", "must be exactly two lines".to_owned()));
        };
        let zip: Vec<&str> = zip_line.split(' ').collect();
        let gomod: Vec<&str> = mod_line.split(' ').collect();
        let ([path, version, zip_h1], [path2, version2, go_mod_h1]) =
            (zip.as_slice(), gomod.as_slice())
        else {
            return Err(bad(
                "Go record",
                "each line must be `<module> <version> h1:<hash>`".to_owned(),
            ));
        };
        if path2 != path || *version2 != format!("{version}/go.mod") {
            return Err(bad(
                "Go record",
                "second line must be the same module's /go.mod line".to_owned(),
            ));
        }
        let key = RecordKey::go(path, version)?;
        check_h1(zip_h1)?;
        check_h1(go_mod_h1)?;
        Ok(Self {
            text: format!("{zip_line}\n{mod_line}\n"),
            key,
            hashes: RecordHashes::Go {
                zip: (*zip_h1).to_owned(),
                go_mod: (*go_mod_h1).to_owned(),
            },
        })
    }

    fn parse_ecosystem(lines: &[&str]) -> Result<Self, Error> {
        let [line] = lines else {
            return Err(bad("record", "ecosystem records are one line".to_owned()));
        };
        let fields: Vec<&str> = line.split(' ').collect();
        let (name, version, artifact, digest) = match fields.as_slice() {
            [n, v, d] => (*n, *v, None, *d),
            [n, v, a, d] => (*n, *v, Some(*a), *d),
            _ => {
                return Err(bad(
                    "record",
                    "expected `<ecosystem>/<name> <version>[ <artifact>] <alg>:<hex>`".to_owned(),
                ));
            }
        };
        let (eco, package) = name
            .split_once('/')
            .ok_or_else(|| bad("record", "missing ecosystem".to_owned()))?;
        let ecosystem = Ecosystem::from_name(eco)
            .ok_or_else(|| bad("record", format!("unknown ecosystem {:?}", truncate(eco))))?;
        let key = RecordKey::ecosystem(ecosystem, package, version, artifact)?;
        Self::ecosystem(key, Digest::parse(digest)?)
    }
}

impl fmt::Display for Record {
    /// The record text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses a list of records separated by empty lines (the `/lockproof/v1/add` body and the
/// `records.txt` fixture format): `rec ("\n" rec)*`, optionally followed by one more `\n` (as
/// in Go's `tile/8/data` tiles, where every record is followed by an empty line).
///
/// # Errors
/// [`Error::Malformed`] for an empty list, a stray empty line, or any invalid record.
pub fn parse_record_list(text: &[u8]) -> Result<Vec<Record>, Error> {
    let text = std::str::from_utf8(text).map_err(|_| bad("record list", "not UTF-8".to_owned()))?;
    let text = text
        .strip_suffix("\n\n")
        .map_or(text, |t| &text[..t.len() + 1]);
    if text.is_empty() {
        return Err(bad("record list", "empty".to_owned()));
    }
    let mut records = Vec::new();
    let mut rest = text;
    loop {
        match rest.find("\n\n") {
            Some(i) => {
                records.push(Record::parse(&rest.as_bytes()[..=i])?);
                rest = &rest[i + 2..];
            }
            None => {
                records.push(Record::parse(rest.as_bytes())?);
                return Ok(records);
            }
        }
    }
}

/// Checks a go.sum hash: `h1:` and canonical base64 of 32 bytes.
fn check_h1(h: &str) -> Result<(), Error> {
    let ok = h
        .strip_prefix("h1:")
        .is_some_and(|b64| b64.len() == 44 && BASE64.decode(b64).is_ok_and(|raw| raw.len() == 32));
    if !ok {
        return Err(bad(
            "Go record",
            format!("hash must be h1:<base64 SHA-256>: {:?}", truncate(h)),
        ));
    }
    Ok(())
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

fn bad(what: &'static str, reason: String) -> Error {
    Error::Malformed { what, reason }
}
