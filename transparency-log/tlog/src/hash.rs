//! RFC 6962 Merkle tree hashes.
//!
//! A log is a Merkle tree over records. A record's leaf hash is `SHA-256(0x00 ‖ data)` and an
//! interior node's hash is `SHA-256(0x01 ‖ left ‖ right)` ([RFC 6962 §2.1], unchanged in
//! [RFC 9162 §2.1.1]). The distinct prefixes keep a leaf from ever being mistaken for a node.
//!
//! [RFC 6962 §2.1]: https://www.rfc-editor.org/rfc/rfc6962#section-2.1
//! [RFC 9162 §2.1.1]: https://www.rfc-editor.org/rfc/rfc9162#section-2.1.1

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::block_api::compress256;
use sha2::{Digest as _, Sha256};

use crate::Error;

/// The size of a [`Hash`](struct@Hash) in bytes (SHA-256).
pub const HASH_SIZE: usize = 32;

/// A SHA-256 hash: a record (leaf) hash, an interior node hash or a tree hash.
///
/// The canonical text form is standard base64 with padding (as in Go's `tlog.Hash.String`
/// and in checkpoints); [`Display`](fmt::Display) and [`FromStr`] use it. [`Hash::to_hex`] and
/// [`Hash::from_hex`] give lowercase hex for test vectors and logs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

/// The hash of the empty tree (size 0): 32 zero bytes.
///
/// This follows Go's `tlog.TreeHash(0, r)`, which returns the zero `Hash`, and is what a
/// `go.sum database tree` note of size 0 carries. RFC 6962 would use SHA-256 of the empty string;
/// no proof in this crate ever verifies against an empty tree, so the choice only shows in notes.
pub const EMPTY_TREE_HASH: Hash = Hash([0; HASH_SIZE]);

impl Hash {
    /// Builds a hash from exactly [`HASH_SIZE`] bytes.
    ///
    /// # Errors
    /// [`Error::Malformed`] if `bytes` is not exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Hash, Error> {
        <[u8; HASH_SIZE]>::try_from(bytes)
            .map(Hash)
            .map_err(|_| malformed(format!("expected {HASH_SIZE} bytes, got {}", bytes.len())))
    }

    /// Parses the canonical standard-base64 (padded) encoding of a 32-byte hash.
    ///
    /// # Errors
    /// [`Error::Malformed`] for anything but exactly 44 canonical base64 characters encoding
    /// 32 bytes (no whitespace, no URL-safe alphabet, no missing padding, no non-zero trailing
    /// bits).
    pub fn from_base64(text: &str) -> Result<Hash, Error> {
        // 32 bytes encode to exactly 44 characters; check first so huge inputs are not decoded.
        if text.len() != 44 {
            return Err(malformed(format!(
                "base64 hash must be 44 characters, got {}",
                text.len()
            )));
        }
        let bytes = STANDARD
            .decode(text)
            .map_err(|e| malformed(format!("bad base64: {e}")))?;
        Hash::from_slice(&bytes)
    }

    /// The canonical standard-base64 (padded) encoding, 44 characters.
    #[must_use]
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Parses exactly 64 lowercase hex digits.
    ///
    /// # Errors
    /// [`Error::Malformed`] for any other length, uppercase digits or non-hex characters
    /// (lowercase only, so every hash has one hex spelling).
    pub fn from_hex(text: &str) -> Result<Hash, Error> {
        let digits = text.as_bytes();
        if digits.len() != 2 * HASH_SIZE {
            return Err(malformed(format!(
                "hex hash must be 64 digits, got {}",
                digits.len()
            )));
        }
        let mut out = [0u8; HASH_SIZE];
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let (Some(hi), Some(lo)) = (hex_value(pair[0]), hex_value(pair[1])) else {
                return Err(malformed(
                    "hex hash must be lowercase hex digits".to_owned(),
                ));
            };
            *byte = (hi << 4) | lo;
        }
        Ok(Hash(out))
    }

    /// The lowercase hex encoding, 64 characters.
    #[must_use]
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(2 * HASH_SIZE);
        for byte in self.0 {
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// The raw bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

fn malformed(reason: String) -> Error {
    Error::Malformed {
        what: "hash",
        reason,
    }
}

impl fmt::Display for Hash {
    /// Formats as canonical standard base64 (Go's `Hash.String`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl FromStr for Hash {
    type Err = Error;

    /// Parses canonical standard base64; see [`Hash::from_base64`].
    fn from_str(text: &str) -> Result<Hash, Error> {
        Hash::from_base64(text)
    }
}

impl From<[u8; HASH_SIZE]> for Hash {
    fn from(bytes: [u8; HASH_SIZE]) -> Hash {
        Hash(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The leaf hash of a record: `SHA-256(0x00 ‖ data)` ([RFC 6962 §2.1]).
///
/// For a Go sumdb record, `data` is the record text with its trailing newline; for a C2SP
/// tlog-tiles entry, the entry bytes without the length prefix.
///
/// [RFC 6962 §2.1]: https://www.rfc-editor.org/rfc/rfc6962#section-2.1
#[must_use]
pub fn record_hash(data: &[u8]) -> Hash {
    Hash(
        Sha256::new()
            .chain_update([0x00])
            .chain_update(data)
            .finalize()
            .into(),
    )
}

/// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)` ([RFC 6962 §2.1]).
///
/// The input is always exactly 65 bytes, so the two padded SHA-256 blocks are laid out here
/// once and fed straight to the SHA-256 compression function (FIPS 180-4 §5.1.1 padding: the
/// byte `0x80`, zeros, and the 64-bit big-endian bit length 520). This is the hot loop of proof
/// verification and tile authentication; it avoids the streaming hasher's buffering, which
/// matters most in unoptimised test builds. A unit test checks it against the streaming
/// `Sha256` on many inputs, and every test vector goes through it.
///
/// [RFC 6962 §2.1]: https://www.rfc-editor.org/rfc/rfc6962#section-2.1
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    /// SHA-256 initial hash value H(0), FIPS 180-4 §5.3.3.
    const SHA256_IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    /// The message length in bits: (1 + 32 + 32) bytes.
    const MESSAGE_BITS: u64 = 8 * (1 + 2 * HASH_SIZE as u64);

    // Block 0: 0x01, left (32 bytes), right[..31]. Block 1: right[31], 0x80, zeros, length.
    let mut block0 = [0u8; 64];
    let (prefix, rest) = block0.split_at_mut(1);
    prefix[0] = 0x01;
    let (l, r) = rest.split_at_mut(HASH_SIZE);
    l.copy_from_slice(&left.0);
    r.copy_from_slice(&right.0[..HASH_SIZE - 1]);
    let mut block1 = [0u8; 64];
    block1[0] = right.0[HASH_SIZE - 1];
    block1[1] = 0x80;
    block1[56..].copy_from_slice(&MESSAGE_BITS.to_be_bytes());
    let mut state = SHA256_IV;
    compress256(&mut state, &[block0, block1]);
    let w = state.map(u32::to_be_bytes);
    Hash([
        w[0][0], w[0][1], w[0][2], w[0][3], w[1][0], w[1][1], w[1][2], w[1][3], //
        w[2][0], w[2][1], w[2][2], w[2][3], w[3][0], w[3][1], w[3][2], w[3][3], //
        w[4][0], w[4][1], w[4][2], w[4][3], w[5][0], w[5][1], w[5][2], w[5][3], //
        w[6][0], w[6][1], w[6][2], w[6][3], w[7][0], w[7][1], w[7][2], w[7][3], //
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_hash_equals_streaming_sha256_of_prefixed_children() {
        let mut left = Hash([0u8; HASH_SIZE]);
        let mut right = Hash([0xffu8; HASH_SIZE]);
        for i in 0..200u8 {
            let mut streaming = Sha256::new();
            streaming.update([0x01]);
            streaming.update(left.0);
            streaming.update(right.0);
            let expected = Hash(streaming.finalize().into());
            assert_eq!(node_hash(&left, &right), expected);
            left = expected;
            right.0[usize::from(i) % HASH_SIZE] ^= i;
        }
    }

    #[test]
    fn record_hash_of_empty_record_is_rfc6962_empty_leaf() {
        // SHA-256(0x00), the RFC 6962 test vectors' leaf hash for the empty entry.
        assert_eq!(
            record_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn base64_and_hex_round_trip_and_reject_non_canonical_text() {
        let h = record_hash(b"x");
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert_eq!(Hash::from_hex(&h.to_hex()), Ok(h));
        assert_eq!(h.to_string().parse::<Hash>(), Ok(h));
        assert!(Hash::from_hex(&h.to_hex().to_uppercase()).is_err());
        assert!(Hash::from_base64(&h.to_base64().replace('=', "")).is_err());
        assert!(Hash::from_base64(&format!(" {}", &h.to_base64()[1..])).is_err());
        // 'B' where the last character must carry zero trailing bits.
        let mut text = EMPTY_TREE_HASH.to_base64();
        text.replace_range(42..43, "B");
        assert!(Hash::from_base64(&text).is_err());
        assert!(Hash::from_slice(&[0u8; 31]).is_err());
        assert!(Hash::from_slice(&[0u8; 33]).is_err());
    }
}
