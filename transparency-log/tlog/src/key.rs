//! Note signing keys in Go's text formats (`golang.org/x/mod/sumdb/note`), extended with the
//! C2SP tlog-cosignature/v1 key type used by witnesses.
//!
//! - Verifier key ("vkey"): `<name>+<8 lowercase hex key id>+<base64(alg ‖ 32-byte public key)>`
//! - Signer key ("skey"): `PRIVATE+KEY+<name>+<8 lowercase hex key id>+<base64(alg ‖ 32-byte seed)>`
//! - Key id: the first 4 bytes (big-endian `u32`) of `SHA-256(name ‖ "\n" ‖ alg ‖ public key)`.
//!
//! Specs: <https://c2sp.org/signed-note> ("Signatures", "Ed25519 signatures"),
//! <https://c2sp.org/tlog-cosignature> ("Format"), and
//! <https://pkg.go.dev/golang.org/x/mod/sumdb/note#hdr-Generating_Keys>.
//!
//! Parsing is strict and canonical: exactly the text the formatter produces is accepted, so
//! `format(parse(x)) == x` for every accepted `x`. A key whose stated key id does not match the
//! id computed from its name and public key is rejected.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer as _;
use sha2::{Digest as _, Sha256};

use crate::Error;

/// Longest accepted key name, in bytes. Real names are `host[/path]`; the cap bounds memory
/// spent on untrusted key and signature text.
pub const MAX_KEY_NAME_LEN: usize = 1024;

/// Longest accepted key text (verifier or signer), in bytes: the name plus the fixed-size
/// prefix, key id and base64 key material.
pub const MAX_KEY_TEXT_LEN: usize = MAX_KEY_NAME_LEN + 128;

/// The prefix of Go's signer-key text.
const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// A key name, as it appears in key text and in note signature lines.
///
/// Contract (C2SP signed-note "Format"): non-empty, valid UTF-8, no Unicode white space (the
/// same set as Go's `unicode.IsSpace`), no `+`. Additionally lockproof rejects control
/// characters and names longer than [`MAX_KEY_NAME_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyName(String);

impl KeyName {
    /// Validates `name` as a key name.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the name is empty, too long, or contains white space, `+` or a
    /// control character.
    pub fn new(name: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::Malformed {
            what: "key name",
            reason: reason.to_owned(),
        };
        if name.is_empty() {
            return Err(bad("empty"));
        }
        if name.len() > MAX_KEY_NAME_LEN {
            return Err(bad("too long"));
        }
        if name.chars().any(char::is_whitespace) {
            return Err(bad("contains white space"));
        }
        if name.contains('+') {
            return Err(bad("contains '+'"));
        }
        if name.chars().any(char::is_control) {
            return Err(bad("contains a control character"));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for KeyName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

/// A 32-bit key id: the first 4 bytes of `SHA-256(name ‖ "\n" ‖ alg ‖ public key)`, read
/// big-endian (C2SP signed-note "Signatures"). An identifier, not a cryptographic commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub u32);

impl KeyId {
    /// Computes the key id of a public key of type `algorithm` named `name`.
    pub fn compute(name: &KeyName, algorithm: KeyAlgorithm, public_key: &[u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(name.as_str().as_bytes());
        h.update(b"\n");
        h.update([algorithm.byte()]);
        h.update(public_key);
        let d = h.finalize();
        Self(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
    }

    /// The id as 4 big-endian bytes, as it prefixes a note signature.
    pub fn to_bytes(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }

    /// Parses exactly 8 lowercase hex digits.
    ///
    /// # Errors
    /// [`Error::Malformed`] for any other text (uppercase, wrong length, sign, …).
    pub fn parse_hex(s: &str) -> Result<Self, Error> {
        let ok = s.len() == 8
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok {
            return Err(Error::Malformed {
                what: "key id",
                reason: "expected 8 lowercase hex digits".to_owned(),
            });
        }
        u32::from_str_radix(s, 16)
            .map(Self)
            .map_err(|e| Error::Malformed {
                what: "key id",
                reason: e.to_string(),
            })
    }
}

impl fmt::Display for KeyId {
    /// 8 lowercase hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// The signature type of a key: the algorithm byte of C2SP signed-note "Signature types".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// `0x01`: Ed25519 over the note text (logs, the Go checksum database).
    Ed25519,
    /// `0x04`: timestamped Ed25519 witness cosignatures, C2SP tlog-cosignature `cosignature/v1`.
    CosignatureV1,
}

impl KeyAlgorithm {
    /// The algorithm identifier byte.
    pub fn byte(self) -> u8 {
        match self {
            Self::Ed25519 => 0x01,
            Self::CosignatureV1 => 0x04,
        }
    }

    /// The algorithm for identifier byte `b`.
    ///
    /// # Errors
    /// [`Error::Malformed`] for an unsupported algorithm.
    pub fn from_byte(b: u8) -> Result<Self, Error> {
        match b {
            0x01 => Ok(Self::Ed25519),
            0x04 => Ok(Self::CosignatureV1),
            _ => Err(Error::Malformed {
                what: "key",
                reason: format!("unsupported key algorithm 0x{b:02x}"),
            }),
        }
    }
}

/// Splits `<name>+<key id hex>+<key material>`, the tail both key texts share, and parses the
/// name and the key id; returns them with the (still encoded) key material.
///
/// # Errors
/// [`Error::Malformed`] if a `+` is missing, or the name or the key id is not canonical.
fn split_name_and_id(text: &str) -> Result<(KeyName, KeyId, &str), Error> {
    let (name, rest) = text
        .split_once('+')
        .ok_or_else(|| malformed_key("missing '+'"))?;
    let (id, key64) = rest
        .split_once('+')
        .ok_or_else(|| malformed_key("missing '+'"))?;
    Ok((KeyName::new(name)?, KeyId::parse_hex(id)?, key64))
}

/// A public key that verifies note signatures ("vkey").
///
/// Text form: `<name>+<key id hex>+<base64(alg ‖ public key)>` (Go `note.NewVerifier`).
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: KeyName,
    id: KeyId,
    algorithm: KeyAlgorithm,
    key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    /// Parses verifier-key text. No surrounding white space is allowed; use
    /// [`VerifierKey::parse_file`] for a key file that ends in a newline.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the text is not exactly in the canonical format, the algorithm is
    /// unsupported, the public key is not a valid Ed25519 point or is of small order, or the
    /// key id does not match.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_KEY_TEXT_LEN {
            return Err(malformed_key("verifier key too long"));
        }
        let (name, id, key64) = split_name_and_id(text)?;
        let (algorithm, material) = decode_key_material(key64)?;
        let key = ed25519_public_key(&material)?;
        let want = KeyId::compute(&name, algorithm, &material);
        if want != id {
            return Err(malformed_key("key id does not match name and public key"));
        }
        Ok(Self {
            name,
            id,
            algorithm,
            key,
        })
    }

    /// Parses the contents of a verifier-key file: the key text, optionally followed by one
    /// `\n` (as Go's tools and `lockproof` write it).
    ///
    /// # Errors
    /// As [`VerifierKey::parse`]; also for invalid UTF-8.
    pub fn parse_file(contents: &[u8]) -> Result<Self, Error> {
        Self::parse(key_file_text(contents)?)
    }

    /// Builds a verifier key from its parts; the key id is computed.
    ///
    /// # Errors
    /// [`Error::Malformed`] if `public_key` is not a valid Ed25519 point or is of small order.
    pub fn from_public_key(
        name: KeyName,
        algorithm: KeyAlgorithm,
        public_key: &[u8; 32],
    ) -> Result<Self, Error> {
        let key = ed25519_public_key(public_key)?;
        let id = KeyId::compute(&name, algorithm, public_key);
        Ok(Self {
            name,
            id,
            algorithm,
            key,
        })
    }

    /// The same public key as a cosignature/v1 (`0x04`) key, with the key id recomputed: how
    /// a witness that publishes a plain Ed25519 vkey is trusted as a cosigner (as
    /// transparency-dev/formats `NewVerifierForCosignatureV1` does). Returns the key
    /// unchanged if it already is one.
    pub fn to_cosignature_v1(&self) -> VerifierKey {
        let public = self.key.to_bytes();
        VerifierKey {
            name: self.name.clone(),
            id: KeyId::compute(&self.name, KeyAlgorithm::CosignatureV1, &public),
            algorithm: KeyAlgorithm::CosignatureV1,
            key: self.key,
        }
    }

    /// The key name.
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The signature type.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Verifies a raw 64-byte Ed25519 signature over `message` with `verify_strict`
    /// (rejects small-order keys and non-canonical signatures). This is the primitive; note
    /// signatures go through [`crate::note::open`] and cosignatures through
    /// [`crate::cosignature`].
    pub fn verify_raw(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify_strict(message, &sig).is_ok()
    }
}

impl fmt::Display for VerifierKey {
    /// The canonical verifier-key text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut material = Vec::with_capacity(33);
        material.push(self.algorithm.byte());
        material.extend_from_slice(&self.key.to_bytes());
        write!(f, "{}+{}+{}", self.name, self.id, BASE64.encode(material))
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl FromStr for VerifierKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// A private key that signs notes ("skey").
///
/// Text form: `PRIVATE+KEY+<name>+<key id hex>+<base64(alg ‖ 32-byte seed)>` (Go
/// `note.NewSigner`; the key id is that of the *public* key). `Debug` never prints the seed,
/// and there is no `Display`: use [`SignerKey::to_private_text`] deliberately.
#[derive(Clone)]
pub struct SignerKey {
    name: KeyName,
    id: KeyId,
    algorithm: KeyAlgorithm,
    key: ed25519_dalek::SigningKey,
}

impl SignerKey {
    /// Parses signer-key text. No surrounding white space is allowed; use
    /// [`SignerKey::parse_file`] for a key file that ends in a newline.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the text is not exactly in the canonical format, the algorithm is
    /// unsupported, or the key id does not match the public key derived from the seed. The error
    /// never contains key material.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_KEY_TEXT_LEN {
            return Err(malformed_key("signer key too long"));
        }
        let rest = text
            .strip_prefix(PRIVATE_KEY_PREFIX)
            .ok_or_else(|| malformed_key("signer key must start with PRIVATE+KEY+"))?;
        let (name, id, key64) = split_name_and_id(rest)?;
        let (algorithm, seed) = decode_key_material(key64)?;
        let key = Self::from_seed_with(name, algorithm, seed);
        if key.id != id {
            return Err(malformed_key("key id does not match name and public key"));
        }
        Ok(key)
    }

    /// Parses the contents of a signer-key file: the key text, optionally followed by one
    /// `\n` (as Go's `note.GenerateKey` users write it).
    ///
    /// # Errors
    /// As [`SignerKey::parse`]; also for invalid UTF-8.
    pub fn parse_file(contents: &[u8]) -> Result<Self, Error> {
        Self::parse(key_file_text(contents)?)
    }

    /// The Ed25519 (`0x01`) signer key for a fixed 32-byte seed; deterministic, like Go's
    /// `note.GenerateKey` reading the seed from its random source.
    pub fn from_seed(name: KeyName, seed: [u8; 32]) -> Self {
        Self::from_seed_with(name, KeyAlgorithm::Ed25519, seed)
    }

    /// The signer key of type `algorithm` for a fixed 32-byte seed.
    pub fn from_seed_with(name: KeyName, algorithm: KeyAlgorithm, seed: [u8; 32]) -> Self {
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let id = KeyId::compute(&name, algorithm, &key.verifying_key().to_bytes());
        Self {
            name,
            id,
            algorithm,
            key,
        }
    }

    /// The canonical signer-key text. It contains the private seed: handle with care.
    pub fn to_private_text(&self) -> String {
        let mut material = Vec::with_capacity(33);
        material.push(self.algorithm.byte());
        material.extend_from_slice(&self.key.to_bytes());
        format!(
            "{PRIVATE_KEY_PREFIX}{}+{}+{}",
            self.name,
            self.id,
            BASE64.encode(material)
        )
    }

    /// The same private key as a cosignature/v1 (`0x04`) signer, with the key id recomputed
    /// (transparency-dev/formats `NewSignerForCosignatureV1`). Returns the key unchanged if
    /// it already is one.
    pub fn to_cosignature_v1(&self) -> SignerKey {
        Self::from_seed_with(
            self.name.clone(),
            KeyAlgorithm::CosignatureV1,
            self.key.to_bytes(),
        )
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            id: self.id,
            algorithm: self.algorithm,
            key: self.key.verifying_key(),
        }
    }

    /// The key name.
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key id (of the public key).
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The signature type.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// Signs `message` with raw Ed25519 (RFC 8032; deterministic). This is the primitive;
    /// notes go through [`crate::note::sign`] and cosignatures through
    /// [`crate::cosignature::cosign`], which build the right message.
    pub fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SignerKey({}+{}, {:?}, <private>)",
            self.name, self.id, self.algorithm
        )
    }
}

/// Generates a fresh Ed25519 key pair named `name`, seeded from the operating system's
/// random source (`getrandom`). Equivalent to Go's `note.GenerateKey`.
///
/// # Errors
/// [`Error::Entropy`] if the operating system cannot supply randomness.
pub fn generate_key(name: KeyName) -> Result<(SignerKey, VerifierKey), Error> {
    generate_key_with(name, KeyAlgorithm::Ed25519)
}

/// Generates a fresh key pair of type `algorithm` (e.g. a witness cosigner key).
///
/// # Errors
/// [`Error::Entropy`] if the operating system cannot supply randomness.
pub fn generate_key_with(
    name: KeyName,
    algorithm: KeyAlgorithm,
) -> Result<(SignerKey, VerifierKey), Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::Entropy(e.to_string()))?;
    let signer = SignerKey::from_seed_with(name, algorithm, seed);
    let verifier = signer.verifier_key();
    Ok((signer, verifier))
}

/// Decodes an Ed25519 public key, rejecting invalid encodings and small-order ("weak") points,
/// which no honest key generator produces and which `verify_strict` would refuse anyway.
fn ed25519_public_key(bytes: &[u8; 32]) -> Result<ed25519_dalek::VerifyingKey, Error> {
    let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
        .map_err(|_| malformed_key("invalid Ed25519 public key"))?;
    if key.is_weak() {
        return Err(malformed_key("small-order Ed25519 public key"));
    }
    Ok(key)
}

fn malformed_key(reason: &str) -> Error {
    Error::Malformed {
        what: "key",
        reason: reason.to_owned(),
    }
}

/// Decodes canonical base64 of `alg ‖ 32 bytes`.
fn decode_key_material(key64: &str) -> Result<(KeyAlgorithm, [u8; 32]), Error> {
    let raw = BASE64
        .decode(key64)
        .map_err(|_| malformed_key("key material is not canonical base64"))?;
    let Some((&alg, rest)) = raw.split_first() else {
        return Err(malformed_key("empty key material"));
    };
    let algorithm = KeyAlgorithm::from_byte(alg)?;
    let material: [u8; 32] = rest
        .try_into()
        .map_err(|_| malformed_key("key material must be 1 + 32 bytes"))?;
    Ok((algorithm, material))
}

/// The key text of a key file: UTF-8, optionally ending in exactly one `\n`.
fn key_file_text(contents: &[u8]) -> Result<&str, Error> {
    let text = std::str::from_utf8(contents).map_err(|_| malformed_key("key file is not UTF-8"))?;
    Ok(text.strip_suffix('\n').unwrap_or(text))
}
