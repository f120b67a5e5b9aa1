//! C2SP tlog-cosignature `cosignature/v1`: timestamped Ed25519 witness cosignatures
//! (<https://c2sp.org/tlog-cosignature>, "Format" and "Ed25519 signed message").
//!
//! The cosigner key is an Ed25519 key of type [`KeyAlgorithm::CosignatureV1`] (`0x04`), whose
//! key id is `SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4]`. The signed message is
//!
//! ```text
//! cosignature/v1
//! time <POSIX seconds, decimal, no leading zeros>
//! <the whole checkpoint note text, extension lines included>
//! ```
//!
//! and the note signature bytes are `u64 big-endian timestamp ‖ 64-byte Ed25519 signature`.
//! This crate has no clock: the caller passes the timestamp in.

use crate::Error;
use crate::checkpoint::Checkpoint;
use crate::key::{KeyAlgorithm, SignerKey, VerifierKey};
use crate::note::Signature;

/// The header line of the cosigned message (without its newline).
pub const COSIGNATURE_V1_HEADER: &str = "cosignature/v1";

/// Largest timestamp the spec allows (`2^63 - 1`).
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// Length of cosignature/v1 signature bytes (after the key id): 8-byte timestamp + 64.
pub const COSIGNATURE_V1_LEN: usize = 8 + 64;

/// The exact message a cosignature/v1 signs for `note_text` at `timestamp`.
pub fn cosigned_message(note_text: &str, timestamp: u64) -> Vec<u8> {
    format!("{COSIGNATURE_V1_HEADER}\ntime {timestamp}\n{note_text}").into_bytes()
}

/// Cosigns `checkpoint` as of `timestamp` (POSIX seconds) and returns the note signature to
/// append to the checkpoint's signed note.
///
/// # Errors
/// [`Error::Malformed`] if `key` is not a cosignature/v1 (`0x04`) key or `timestamp` exceeds
/// [`MAX_TIMESTAMP`].
pub fn cosign(
    checkpoint: &Checkpoint,
    key: &SignerKey,
    timestamp: u64,
) -> Result<Signature, Error> {
    if key.algorithm() != KeyAlgorithm::CosignatureV1 {
        return Err(malformed(
            "cosigner key must be a cosignature/v1 (0x04) key",
        ));
    }
    if timestamp > MAX_TIMESTAMP {
        return Err(malformed("timestamp exceeds 2^63-1"));
    }
    let msg = cosigned_message(&checkpoint.to_text(), timestamp);
    let mut bytes = Vec::with_capacity(COSIGNATURE_V1_LEN);
    bytes.extend_from_slice(&timestamp.to_be_bytes());
    bytes.extend_from_slice(&key.sign_raw(&msg));
    Signature::new(key.name().clone(), key.key_id(), bytes)
}

/// Verifies that `signature` is a valid cosignature/v1 by `key` over `checkpoint` and returns
/// its timestamp. Callers decide whether a timestamp is acceptable (e.g. not in the future).
///
/// # Errors
/// [`Error::Malformed`] if `key` is not a `0x04` key; [`Error::InvalidSignature`] if the
/// signature is not by `key` (name/key id), has the wrong length, a timestamp above
/// [`MAX_TIMESTAMP`], or does not verify.
pub fn verify_cosignature(
    checkpoint: &Checkpoint,
    key: &VerifierKey,
    signature: &Signature,
) -> Result<u64, Error> {
    if key.algorithm() != KeyAlgorithm::CosignatureV1 {
        return Err(malformed(
            "cosigner key must be a cosignature/v1 (0x04) key",
        ));
    }
    let invalid = || Error::InvalidSignature {
        name: signature.name().to_string(),
    };
    if !signature.is_from(key) {
        return Err(invalid());
    }
    verify_cosignature_bytes(key, &checkpoint.to_text(), signature.bytes()).ok_or_else(invalid)
}

/// The timestamp a cosignature/v1 signature claims, without verifying it: `None` unless the
/// signature bytes are exactly [`COSIGNATURE_V1_LEN`] long.
pub fn cosignature_timestamp_unauthenticated(signature: &Signature) -> Option<u64> {
    let bytes = signature.bytes();
    if bytes.len() != COSIGNATURE_V1_LEN {
        return None;
    }
    let mut ts = [0u8; 8];
    ts.copy_from_slice(&bytes[..8]);
    Some(u64::from_be_bytes(ts))
}

/// Verifies raw cosignature/v1 signature bytes over `note_text`; the timestamp if valid.
pub(crate) fn verify_cosignature_bytes(
    key: &VerifierKey,
    note_text: &str,
    bytes: &[u8],
) -> Option<u64> {
    if bytes.len() != COSIGNATURE_V1_LEN {
        return None;
    }
    let (ts, sig) = bytes.split_at(8);
    let mut ts_bytes = [0u8; 8];
    ts_bytes.copy_from_slice(ts);
    let timestamp = u64::from_be_bytes(ts_bytes);
    if timestamp > MAX_TIMESTAMP {
        return None;
    }
    key.verify_raw(&cosigned_message(note_text, timestamp), sig)
        .then_some(timestamp)
}

fn malformed(reason: &str) -> Error {
    Error::Malformed {
        what: "cosignature",
        reason: reason.to_owned(),
    }
}
