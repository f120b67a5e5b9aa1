//! The artifact a bundle is checked against: its bytes, or only its SHA-256 digest.

use sha2::Digest as _;

use crate::Error;

/// The prefix of a digest given in place of an artifact path (sigstore-conformance CLI
/// protocol, `FILE_OR_DIGEST`).
pub const SHA256_PREFIX: &str = "sha256:";

/// A SHA-256 digest of an artifact.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    /// The digest of `bytes`.
    #[must_use]
    pub fn of(bytes: &[u8]) -> Self {
        Self(sha2::Sha256::digest(bytes).into())
    }

    /// The digest of everything `reader` yields, read in constant memory.
    ///
    /// # Errors
    ///
    /// Any I/O error from `reader`.
    pub fn of_reader(mut reader: impl std::io::Read) -> std::io::Result<Self> {
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(Self(hasher.finalize().into())),
                Ok(n) => hasher.update(buf.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Wraps 32 raw digest bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw digest bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses `sha256:<64 lowercase hex digits>`, the one canonical spelling (the same as
    /// lockproof log records).
    ///
    /// # Errors
    ///
    /// [`Error::Digest`] if the prefix is missing, the length is wrong, or a digit is not
    /// lowercase hex.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = || Error::Digest {
            input: text.chars().take(80).collect(),
        };
        let hex_digits = text.strip_prefix(SHA256_PREFIX).ok_or_else(bad)?;
        if hex_digits.len() != 64
            || !hex_digits
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut out).map_err(|_| bad())?;
        Ok(Self(out))
    }

    /// Lowercase hex, without prefix.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Display for Sha256Digest {
    /// `sha256:<lowercase hex>`, the form [`Sha256Digest::parse`] accepts.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{SHA256_PREFIX}{}", self.to_hex())
    }
}

impl std::fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// What the bundle is verified against.
///
/// With [`Artifact::Bytes`] every signature scheme works; with [`Artifact::Sha256`] the
/// signature is checked in prehashed mode, which Sigstore's ECDSA and RSA schemes support (an
/// Ed25519 message signature cannot be checked from a digest and is rejected).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Artifact<'a> {
    /// The artifact's full contents.
    Bytes(&'a [u8]),
    /// Only the artifact's SHA-256 digest.
    Sha256(Sha256Digest),
}

impl Artifact<'_> {
    /// The artifact's SHA-256 digest (hashing the bytes if needed).
    #[must_use]
    pub fn sha256(&self) -> Sha256Digest {
        match self {
            Self::Bytes(bytes) => Sha256Digest::of(bytes),
            Self::Sha256(digest) => *digest,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;
    use proptest::prelude::*;

    const A_TXT: &str = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";

    #[test]
    fn parses_and_formats_canonical_digest() {
        let digest = Sha256Digest::parse(A_TXT).unwrap();
        assert_eq!(digest.to_string(), A_TXT);
    }

    #[test]
    fn rejects_uppercase_short_and_unprefixed_digests() {
        assert!(Sha256Digest::parse(&A_TXT.to_uppercase()).is_err());
        assert!(Sha256Digest::parse(&A_TXT[..A_TXT.len() - 1]).is_err());
        assert!(Sha256Digest::parse(&A_TXT[SHA256_PREFIX.len()..]).is_err());
        assert!(Sha256Digest::parse(&format!("{A_TXT}0")).is_err());
        assert!(Sha256Digest::parse(&A_TXT.replace("sha256:", "sha512:")).is_err());
    }

    #[test]
    fn digest_of_bytes_matches_artifact_digest() {
        let bytes = b"abc";
        assert_eq!(Artifact::Bytes(bytes).sha256(), Sha256Digest::of(bytes));
        assert_eq!(
            Sha256Digest::of_reader(&bytes[..]).unwrap(),
            Sha256Digest::of(bytes)
        );
        assert_eq!(
            Sha256Digest::of(bytes).to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in ".{0,100}") {
            let _ = Sha256Digest::parse(&text);
        }

        #[test]
        fn format_parse_round_trips(bytes in proptest::array::uniform32(any::<u8>())) {
            let digest = Sha256Digest::from_bytes(bytes);
            prop_assert_eq!(Sha256Digest::parse(&digest.to_string()).unwrap(), digest);
        }
    }
}
