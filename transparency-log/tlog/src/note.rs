//! Signed notes: text signed by one or more keys (C2SP signed-note, Go
//! `golang.org/x/mod/sumdb/note`).
//!
//! Wire format (<https://c2sp.org/signed-note>, "Format"):
//!
//! ```text
//! <text, ending in "\n">
//! <empty line>
//! — <key name> <base64(4-byte key id ‖ signature)>\n      (one or more)
//! ```
//!
//! The whole message must be valid UTF-8 with no control characters other than `\n`. The text
//! is separated from the signatures by the *last* empty line, so the text may itself contain
//! empty lines (the spec allows it; formats built on notes, such as checkpoints, forbid them).
//!
//! Three entry points:
//! - [`open`]: parse and verify against a set of trusted [`Verifiers`]. This is the only way
//!   to obtain a [`Note`], whose text may be trusted.
//! - [`SignedNote::parse_unauthenticated`]: parse without verifying, for tools that must
//!   inspect a note (or add a cosignature) without keys. Its text must not be trusted.
//! - [`sign`]: produce a signed note with Ed25519 keys.
//!
//! # Example
//! ```
//! use lockproof_tlog::key::{KeyName, SignerKey};
//! use lockproof_tlog::note::{open, sign, Verifiers};
//!
//! let skey = SignerKey::from_seed(KeyName::new("example.com/log").unwrap(), [7; 32]);
//! let msg = sign("hello\n", &[&skey]).unwrap();
//! let verifiers = Verifiers::new([skey.verifier_key()]);
//! let note = open(&msg, &verifiers).unwrap();
//! assert_eq!(note.text(), "hello\n");
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::Error;
use crate::key::{KeyAlgorithm, KeyId, KeyName, SignerKey, VerifierKey};

/// Largest accepted signed note, in bytes (text plus signature lines). Checkpoints are under
/// 1 KiB; 1 MiB leaves room for long extension lines and post-quantum cosignatures while
/// bounding the work done on untrusted input. Go's `tlog.ParseTree` uses the same bound.
pub const MAX_NOTE_SIZE: usize = 1 << 20;

/// Most signature lines accepted in one note (Go's `note.Open` limit; C2SP requires at
/// least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The start of every signature line: EM DASH (U+2014) and a space.
pub const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// One signature line of a note: `— <name> <base64(key id ‖ bytes)>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    name: KeyName,
    key_id: KeyId,
    bytes: Vec<u8>,
}

impl Signature {
    /// Builds a signature from its parts. `bytes` is what follows the 4-byte key id: 64 bytes
    /// for Ed25519, `8-byte timestamp ‖ 64` for cosignature/v1, other lengths for other types.
    ///
    /// # Errors
    /// [`Error::Malformed`] if `bytes` is empty (Go requires at least one signature byte).
    pub fn new(name: KeyName, key_id: KeyId, bytes: Vec<u8>) -> Result<Self, Error> {
        if bytes.is_empty() {
            return Err(malformed("empty signature"));
        }
        Ok(Self {
            name,
            key_id,
            bytes,
        })
    }

    /// Parses one signature line without the trailing `\n`: `— <name> <base64>`.
    ///
    /// # Errors
    /// [`Error::Malformed`] unless the line is exactly in the canonical form (em dash, single
    /// spaces, valid key name, canonical base64 of at least 5 bytes).
    pub fn parse_line(line: &str) -> Result<Self, Error> {
        let rest = line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or_else(|| malformed("signature line must start with \"— \""))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| malformed("signature line needs a name and a signature"))?;
        let name = KeyName::new(name)?;
        let raw = BASE64
            .decode(b64)
            .map_err(|_| malformed("signature is not canonical base64"))?;
        if raw.len() < 5 {
            return Err(malformed("signature too short"));
        }
        let (id, bytes) = raw.split_at(4);
        let key_id = KeyId(u32::from_be_bytes([id[0], id[1], id[2], id[3]]));
        Self::new(name, key_id, bytes.to_vec())
    }

    /// The signature line, with its trailing `\n`.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.bytes.len());
        raw.extend_from_slice(&self.key_id.to_bytes());
        raw.extend_from_slice(&self.bytes);
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, BASE64.encode(raw))
    }

    /// The signer's key name.
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The signer's key id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The signature bytes after the key id.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether this signature claims to be by `key` (same name and key id). It says nothing
    /// about validity.
    pub fn is_from(&self, key: &VerifierKey) -> bool {
        self.name == *key.name() && self.key_id == key.key_id()
    }
}

/// The set of trusted keys a note is verified against. A signature is by a known key when
/// both its name and its key id match one of these.
#[derive(Debug, Clone, Default)]
pub struct Verifiers {
    keys: Vec<VerifierKey>,
}

impl Verifiers {
    /// A set of trusted keys.
    pub fn new(keys: impl IntoIterator<Item = VerifierKey>) -> Self {
        Self {
            keys: keys.into_iter().collect(),
        }
    }

    /// Adds a trusted key.
    pub fn push(&mut self, key: VerifierKey) {
        self.keys.push(key);
    }

    /// The trusted key with this name and key id, if any.
    pub fn find(&self, name: &KeyName, key_id: KeyId) -> Option<&VerifierKey> {
        self.keys
            .iter()
            .find(|k| k.name() == name && k.key_id() == key_id)
    }

    /// All trusted keys.
    pub fn keys(&self) -> &[VerifierKey] {
        &self.keys
    }
}

/// A parsed but **unauthenticated** signed note: its text must not be trusted. Obtain it from
/// [`SignedNote::parse_unauthenticated`] or build one with [`SignedNote::new`]; verify it with
/// [`SignedNote::verify`] (or use [`open`]).
///
/// [`SignedNote::to_bytes`] reproduces the parsed message byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    text: String,
    signatures: Vec<Signature>,
}

impl SignedNote {
    /// Builds a signed note from text and signatures (in order).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the text is invalid ([`check_text`]), there are no signatures or
    /// more than [`MAX_SIGNATURES`], or the formatted note exceeds [`MAX_NOTE_SIZE`].
    pub fn new(text: String, signatures: Vec<Signature>) -> Result<Self, Error> {
        check_text(&text)?;
        if signatures.is_empty() {
            return Err(malformed("no signatures"));
        }
        let note = Self { text, signatures };
        note.check_limits()?;
        Ok(note)
    }

    /// Parses a signed note without verifying any signature. The name says it: nothing in
    /// the result is authenticated.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the message is larger than [`MAX_NOTE_SIZE`], is not UTF-8,
    /// contains a control character other than `\n`, has no empty line separating text from
    /// signatures, has no signature line, has a malformed signature line, or has more than
    /// [`MAX_SIGNATURES`] signatures.
    pub fn parse_unauthenticated(msg: &[u8]) -> Result<Self, Error> {
        if msg.len() > MAX_NOTE_SIZE {
            return Err(malformed("note too large"));
        }
        let msg = std::str::from_utf8(msg).map_err(|_| malformed("note is not UTF-8"))?;
        if msg.chars().any(|c| c < ' ' && c != '\n') {
            return Err(malformed("note contains a control character"));
        }
        let split = msg
            .rfind("\n\n")
            .ok_or_else(|| malformed("no empty line before the signatures"))?;
        let (text, sigs) = (&msg[..=split], &msg[split + 2..]);
        if sigs.is_empty() || !sigs.ends_with('\n') {
            return Err(malformed(
                "signature block must be non-empty lines ending in newline",
            ));
        }
        let mut signatures = Vec::new();
        for line in sigs[..sigs.len() - 1].split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(malformed("too many signatures"));
            }
            signatures.push(Signature::parse_line(line)?);
        }
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// Verifies the note against `verifiers` (C2SP signed-note "Signatures"):
    /// - signatures whose (name, key id) match no trusted key are ignored (kept as
    ///   [`Note::unverified_signatures`]);
    /// - every signature by a trusted key must verify, including repeats;
    /// - at least one must verify.
    ///
    /// Ed25519 (`0x01`) keys verify the text; cosignature/v1 (`0x04`) keys verify the
    /// timestamped cosigned message of [`crate::cosignature`].
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] if a signature by a trusted key does not verify;
    /// [`Error::UnverifiedNote`] if no trusted key signed the note.
    pub fn verify(self, verifiers: &Verifiers) -> Result<Note, Error> {
        let mut verified: Vec<Signature> = Vec::new();
        let mut unverified: Vec<Signature> = Vec::new();
        for sig in self.signatures {
            match verifiers.find(&sig.name, sig.key_id) {
                Some(key) => {
                    if !verify_signature(key, &self.text, &sig) {
                        return Err(Error::InvalidSignature {
                            name: sig.name.to_string(),
                        });
                    }
                    if !verified
                        .iter()
                        .any(|v| v.name == sig.name && v.key_id == sig.key_id)
                    {
                        verified.push(sig);
                    }
                }
                None => {
                    if !unverified.contains(&sig) {
                        unverified.push(sig);
                    }
                }
            }
        }
        if verified.is_empty() {
            return Err(Error::UnverifiedNote);
        }
        Ok(Note {
            text: self.text,
            verified,
            unverified,
        })
    }

    /// Appends a signature line (e.g. a witness cosignature).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the note would exceed [`MAX_SIGNATURES`] or [`MAX_NOTE_SIZE`].
    pub fn add_signature(&mut self, signature: Signature) -> Result<(), Error> {
        self.signatures.push(signature);
        if let Err(e) = self.check_limits() {
            self.signatures.pop();
            return Err(e);
        }
        Ok(())
    }

    /// The (unauthenticated) note text, including its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// All signature lines, in message order.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The signed-note message: text, empty line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(self.text.len() + 1 + 100 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for sig in &self.signatures {
            out.push_str(&sig.to_line());
        }
        out.into_bytes()
    }

    fn check_limits(&self) -> Result<(), Error> {
        if self.signatures.len() > MAX_SIGNATURES {
            return Err(malformed("too many signatures"));
        }
        if self.to_bytes().len() > MAX_NOTE_SIZE {
            return Err(malformed("note too large"));
        }
        Ok(())
    }
}

/// A note whose signatures were verified by [`open`] / [`SignedNote::verify`]. Its text may
/// be trusted to the extent the verifying keys are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    verified: Vec<Signature>,
    unverified: Vec<Signature>,
}

impl Note {
    /// The verified note text, including its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// One verified signature per distinct trusted key that signed, in message order.
    pub fn verified_signatures(&self) -> &[Signature] {
        &self.verified
    }

    /// Signatures by unknown keys (ignored, not verified), duplicates removed.
    pub fn unverified_signatures(&self) -> &[Signature] {
        &self.unverified
    }

    /// Whether `key` is among the keys whose signature verified.
    pub fn is_verified_by(&self, key: &VerifierKey) -> bool {
        self.verified.iter().any(|s| s.is_from(key))
    }
}

/// Parses and verifies a signed note (Go `note.Open`). See [`SignedNote::verify`] for the
/// rules and [`SignedNote::parse_unauthenticated`] for the format checks.
///
/// # Errors
/// [`Error::Malformed`] for a malformed note, [`Error::InvalidSignature`] if a trusted key's
/// signature fails, [`Error::UnverifiedNote`] if no trusted key signed it.
pub fn open(msg: &[u8], verifiers: &Verifiers) -> Result<Note, Error> {
    SignedNote::parse_unauthenticated(msg)?.verify(verifiers)
}

/// Signs `text` with each Ed25519 key, in order (Go `note.Sign`). Deterministic.
///
/// # Errors
/// [`Error::Malformed`] if the text is invalid ([`check_text`]), no signer is given, a signer
/// is not an Ed25519 (`0x01`) key (cosignatures need a timestamp: use
/// [`crate::cosignature::cosign`]), or the result exceeds the limits.
pub fn sign(text: &str, signers: &[&SignerKey]) -> Result<Vec<u8>, Error> {
    check_text(text)?;
    let mut signatures = Vec::with_capacity(signers.len());
    for signer in signers {
        if signer.algorithm() != KeyAlgorithm::Ed25519 {
            return Err(malformed(
                "sign() takes Ed25519 keys only; cosign with cosignature::cosign",
            ));
        }
        let bytes = signer.sign_raw(text.as_bytes()).to_vec();
        signatures.push(Signature::new(
            signer.name().clone(),
            signer.key_id(),
            bytes,
        )?);
    }
    Ok(SignedNote::new(text.to_owned(), signatures)?.to_bytes())
}

/// Checks note text: non-empty, at most [`MAX_NOTE_SIZE`] bytes, ends in `\n`, no control
/// characters other than `\n`. (Valid UTF-8 is guaranteed by `&str`.)
///
/// # Errors
/// [`Error::Malformed`] naming the first rule broken.
pub fn check_text(text: &str) -> Result<(), Error> {
    if text.len() > MAX_NOTE_SIZE {
        return Err(malformed("note text too large"));
    }
    if !text.ends_with('\n') {
        return Err(malformed("note text must end in a newline"));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(malformed("note text contains a control character"));
    }
    Ok(())
}

fn verify_signature(key: &VerifierKey, text: &str, sig: &Signature) -> bool {
    match key.algorithm() {
        KeyAlgorithm::Ed25519 => key.verify_raw(text.as_bytes(), &sig.bytes),
        KeyAlgorithm::CosignatureV1 => {
            crate::cosignature::verify_cosignature_bytes(key, text, &sig.bytes).is_some()
        }
    }
}

fn malformed(reason: &str) -> Error {
    Error::Malformed {
        what: "note",
        reason: reason.to_owned(),
    }
}
