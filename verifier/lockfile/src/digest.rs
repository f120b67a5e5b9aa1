//! Digests: one algorithm plus the raw hash bytes, normalised from every encoding lockfiles use.
//!
//! This is the crate's one normaliser. Lockfiles spell digests as lowercase hex (Cargo, PyPI,
//! RubyGems), as `algorithm:hex` or `algorithm=hex`, as Subresource Integrity strings
//! (`sha512-<base64>`, [W3C SRI §3.1](https://www.w3.org/TR/SRI/#the-integrity-attribute)), or
//! as Go's `h1:<base64>` ([dirhash.Hash1](https://pkg.go.dev/golang.org/x/mod/sumdb/dirhash)).
//! All of them become a [`Digest`], and a [`Digest`] is written back out in any of the forms:
//!
//! ```
//! use lockproof_lockfile::{Algorithm, Digest};
//! let d = Digest::from_sri("sha1-dTU0W4lnNNX4DE0GxQlVUnoU8Ss=").unwrap();
//! assert_eq!(d.algorithm(), Algorithm::Sha1);
//! assert_eq!(d.to_hex(), "7535345b896734d5f80c4d06c50955527a14f12b");
//! assert_eq!(Digest::from_hex(Algorithm::Sha1, &d.to_hex()).unwrap(), d);
//! assert_eq!(d.to_string(), "sha1:7535345b896734d5f80c4d06c50955527a14f12b");
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::Error;

/// A hash algorithm found in lockfiles, ordered from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    /// SHA-1 (20 bytes). Weak: an entry pinned only by SHA-1 is unpinned.
    Sha1,
    /// SHA-256 (32 bytes).
    Sha256,
    /// SHA-384 (48 bytes).
    Sha384,
    /// SHA-512 (64 bytes).
    Sha512,
    /// Go's `h1:` hash: SHA-256 over a dirhash summary (32 bytes); spelled `go-h1` in
    /// `algorithm:hex` form so it is never mistaken for a plain file SHA-256.
    GoH1,
}

impl Algorithm {
    /// The digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 | Algorithm::GoH1 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 => 64,
        }
    }

    /// The lowercase name used in `algorithm:hex` form and in log records
    /// (`sha1`, `sha256`, `sha384`, `sha512`, `go-h1`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
            Algorithm::GoH1 => "go-h1",
        }
    }

    /// The algorithm named `name` (as returned by [`Algorithm::name`]; SRI and pip spell them
    /// the same way), or `None`.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "sha1" => Some(Algorithm::Sha1),
            "sha256" => Some(Algorithm::Sha256),
            "sha384" => Some(Algorithm::Sha384),
            "sha512" => Some(Algorithm::Sha512),
            "go-h1" => Some(Algorithm::GoH1),
            _ => None,
        }
    }

    /// Whether a registry value of this algorithm is strong enough to pin an artifact
    /// (everything but SHA-1).
    pub fn is_strong(self) -> bool {
        self != Algorithm::Sha1
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest digest, in bytes (SHA-512).
const MAX_DIGEST_LEN: usize = 64;

/// A digest: an algorithm and exactly [`Algorithm::digest_len`] bytes (stored inline; bytes
/// past the length are always zero, so the derived comparisons are exact).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    bytes: [u8; MAX_DIGEST_LEN],
}

impl Digest {
    /// A digest from raw bytes.
    ///
    /// # Errors
    /// [`Error::InvalidDigest`] if `bytes` is not [`Algorithm::digest_len`] long.
    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<Digest, Error> {
        if bytes.len() != algorithm.digest_len() {
            return Err(Error::InvalidDigest(format!(
                "{} digest must be {} bytes, not {}",
                algorithm,
                algorithm.digest_len(),
                bytes.len()
            )));
        }
        let mut inline = [0u8; MAX_DIGEST_LEN];
        inline[..bytes.len()].copy_from_slice(bytes);
        Ok(Digest {
            algorithm,
            bytes: inline,
        })
    }

    /// A digest from hex (either case; written back lowercase).
    ///
    /// # Errors
    /// [`Error::InvalidDigest`] on a non-hex character, an odd length or a wrong length.
    pub fn from_hex(algorithm: Algorithm, text: &str) -> Result<Digest, Error> {
        if text.len() != algorithm.digest_len() * 2 {
            return Err(Error::InvalidDigest(format!(
                "{} digest must be {} hex digits, not {}",
                algorithm,
                algorithm.digest_len() * 2,
                text.len()
            )));
        }
        let mut bytes = [0u8; MAX_DIGEST_LEN];
        let bytes = &mut bytes[..algorithm.digest_len()];
        hex::decode_to_slice(text, bytes)
            .map_err(|e| Error::InvalidDigest(format!("{algorithm} digest is not hex: {e}")))?;
        Digest::from_bytes(algorithm, bytes)
    }

    /// A digest from canonical standard base64 with padding (RFC 4648 §4), as in SRI and `h1:`.
    ///
    /// # Errors
    /// [`Error::InvalidDigest`] on bad or non-canonical base64 or a wrong length.
    pub fn from_base64(algorithm: Algorithm, text: &str) -> Result<Digest, Error> {
        // Padded base64 of n bytes is exactly 4 * ceil(n / 3) characters.
        let want = algorithm.digest_len().div_ceil(3) * 4;
        if text.len() != want {
            return Err(Error::InvalidDigest(format!(
                "{algorithm} digest must be {want} base64 characters, not {}",
                text.len()
            )));
        }
        let mut buf = [0u8; MAX_DIGEST_LEN + 3];
        let n = STANDARD
            .decode_slice(text, &mut buf)
            .map_err(|e| Error::InvalidDigest(format!("{algorithm} digest is not base64: {e}")))?;
        Digest::from_bytes(algorithm, &buf[..n])
    }

    /// The strongest digest of a Subresource Integrity string: whitespace-separated
    /// `alg-base64[?options]` tokens (W3C SRI §3.3.3 "get the strongest metadata").
    ///
    /// Unlike browsers, which skip tokens they do not understand, this rejects any malformed or
    /// unknown token: a lockfile is not supposed to contain one.
    ///
    /// # Errors
    /// [`Error::InvalidDigest`] if the string is empty or any token is malformed.
    pub fn from_sri(text: &str) -> Result<Digest, Error> {
        let mut best: Option<Digest> = None;
        for token in text.split_ascii_whitespace() {
            let token = token.split_once('?').map_or(token, |(hash, _options)| hash);
            let (alg, b64) = token
                .split_once('-')
                .ok_or_else(|| Error::InvalidDigest(format!("SRI token {token:?} has no '-'")))?;
            let algorithm = match Algorithm::from_name(alg) {
                Some(a) if a != Algorithm::GoH1 => a,
                _ => {
                    return Err(Error::InvalidDigest(format!(
                        "SRI token {token:?}: unknown algorithm {alg:?}"
                    )));
                }
            };
            let digest = Digest::from_base64(algorithm, b64)?;
            if best.as_ref().is_none_or(|b| digest.algorithm > b.algorithm) {
                best = Some(digest);
            }
        }
        best.ok_or_else(|| Error::InvalidDigest("empty SRI string".to_owned()))
    }

    /// Parse any single-digest spelling found in lockfiles:
    /// `h1:<base64>` (Go), `go-h1:<hex>`, `<alg>:<hex>` (poetry, uv, pip, Pipfile),
    /// `<alg>=<hex>` (Gemfile.lock), or SRI `<alg>-<base64>` (npm, yarn, pnpm; several tokens
    /// allowed, the strongest wins). `<alg>` is one of `sha1`, `sha256`, `sha384`, `sha512`.
    ///
    /// # Errors
    /// [`Error::InvalidDigest`] if the text is none of these or its payload is malformed.
    pub fn parse(text: &str) -> Result<Digest, Error> {
        if let Some(b64) = text.strip_prefix("h1:") {
            return Digest::from_base64(Algorithm::GoH1, b64);
        }
        if let Some(hex) = text.strip_prefix("go-h1:") {
            return Digest::from_hex(Algorithm::GoH1, hex);
        }
        let split = text.find([':', '=', '-']).map(|i| (&text[..i], &text[i..]));
        let Some((alg, rest)) = split else {
            return Err(Error::InvalidDigest(format!("{text:?} names no algorithm")));
        };
        let algorithm = Algorithm::from_name(alg)
            .ok_or_else(|| Error::InvalidDigest(format!("unknown algorithm {alg:?}")))?;
        if rest.starts_with('-') {
            return Digest::from_sri(text);
        }
        // `rest` starts with ':' or '=' (ASCII), so slicing off one byte is on a char boundary.
        Digest::from_hex(algorithm, &rest[1..])
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The raw hash bytes ([`Algorithm::digest_len`] of them).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.algorithm.digest_len()]
    }

    /// This digest as a log record carries it (lowercase hex in `<alg>:<hex>`), or `None` for
    /// SHA-1, which is never logged, and Go's `h1:`, which Go records carry in their own form.
    pub fn to_record_digest(&self) -> Option<lockproof_tlog::Digest> {
        use lockproof_tlog::DigestAlgorithm as D;
        let algorithm = match self.algorithm {
            Algorithm::Sha256 => D::Sha256,
            Algorithm::Sha384 => D::Sha384,
            Algorithm::Sha512 => D::Sha512,
            Algorithm::Sha1 | Algorithm::GoH1 => return None,
        };
        lockproof_tlog::Digest::new(algorithm, self.bytes().to_vec()).ok()
    }

    /// Lowercase hex of the bytes, the one encoding used in log records.
    pub fn to_hex(&self) -> String {
        hex::encode(self.bytes())
    }

    /// Standard padded base64 of the bytes.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.bytes())
    }

    /// The SRI form `<alg>-<base64>`; for [`Algorithm::GoH1`] Go's own `h1:<base64>` instead,
    /// since SRI has no such algorithm.
    pub fn to_sri(&self) -> String {
        match self.algorithm {
            Algorithm::GoH1 => format!("h1:{}", self.to_base64()),
            a => format!("{}-{}", a, self.to_base64()),
        }
    }
}

/// `algorithm:hex`, e.g. `sha256:9f…` or `go-h1:…`. [`Digest::parse`] reads it back.
impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.to_hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}
