//! Streamed SHA-256 of artifacts.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

use crate::Error;

/// Read buffer for hashing. 1 MiB keeps the per-`read` syscall cost far below the hashing cost
/// (measured in `benchmarks/repro.md`) while staying small enough to sit in L2.
pub const HASH_BUFFER_BYTES: usize = 1 << 20;

/// A SHA-256 digest. Displays and parses as `sha256:<64 lowercase hex>`, the record encoding of
/// the shared design (one canonical spelling).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// The 64 lowercase hex digits, without the `sha256:` prefix.
    #[must_use]
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Hashes a byte slice.
    #[must_use]
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Sha256Digest {
    type Err = Error;

    /// Accepts exactly `sha256:` followed by 64 lowercase hex digits, or the 64 digits alone.
    fn from_str(text: &str) -> Result<Self, Error> {
        let bad = || Error::BadDigest {
            text: text.to_owned(),
        };
        let hex_part = text.strip_prefix("sha256:").unwrap_or(text);
        if hex_part.len() != 64
            || !hex_part
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut out).map_err(|_| bad())?;
        Ok(Self(out))
    }
}

impl serde::Serialize for Sha256Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Hashes everything `reader` yields, streaming through a [`HASH_BUFFER_BYTES`] buffer.
///
/// # Errors
/// Returns the reader's I/O error (interrupted reads are retried).
pub fn sha256_reader(mut reader: impl Read) -> std::io::Result<(Sha256Digest, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; HASH_BUFFER_BYTES];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // n <= buf.len() by the Read contract.
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((Sha256Digest(hasher.finalize().into()), total))
}

/// Hashes a file, streaming it.
///
/// # Errors
/// [`Error::Io`] naming the file if it cannot be opened or read.
pub fn sha256_file(path: &Path) -> Result<(Sha256Digest, u64), Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    sha256_reader(file).map_err(|e| Error::io("read", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hashes_the_empty_input_to_the_known_digest() {
        let (d, n) = sha256_reader(&b""[..]).unwrap();
        assert_eq!(n, 0);
        assert_eq!(
            d.hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn streamed_digest_equals_one_shot_digest_across_buffer_boundaries() {
        let data = vec![7u8; HASH_BUFFER_BYTES * 2 + 13];
        let (d, n) = sha256_reader(&data[..]).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(d, Sha256Digest::of_bytes(&data));
    }

    #[test]
    fn rejects_uppercase_and_short_digests() {
        assert!("sha256:ABC".parse::<Sha256Digest>().is_err());
        let upper = format!("sha256:{}", "A".repeat(64));
        assert!(upper.parse::<Sha256Digest>().is_err());
        assert!(
            format!("sha512:{}", "a".repeat(64))
                .parse::<Sha256Digest>()
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn digest_parse_never_panics_and_round_trips(s in ".{0,80}") {
            if let Ok(d) = s.parse::<Sha256Digest>() {
                prop_assert_eq!(d.to_string().parse::<Sha256Digest>().unwrap(), d);
            }
        }

        #[test]
        fn format_then_parse_is_identity(bytes in proptest::array::uniform32(any::<u8>())) {
            let d = Sha256Digest(bytes);
            prop_assert_eq!(d.to_string().parse::<Sha256Digest>().unwrap(), d);
        }
    }
}
