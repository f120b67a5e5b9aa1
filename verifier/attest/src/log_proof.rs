//! An independent second check of every Rekor inclusion proof against its signed checkpoint.
//!
//! `sigstore-verify` already verifies the inclusion proof, the checkpoint signature and the
//! inclusion promise. This module re-derives the Merkle part from the raw bundle JSON with no
//! code shared with it, so a bug in one implementation does not silently accept a forged proof:
//!
//! - the checkpoint is parsed strictly as a C2SP signed note carrying a tlog checkpoint
//!   (<https://c2sp.org/signed-note>, <https://c2sp.org/tlog-checkpoint>): origin line, decimal
//!   tree size without leading zeros, base64 32-byte root, optional extension lines, a blank
//!   line, then one or more `— <name> <base64>` signature lines;
//! - the leaf hash is `SHA-256(0x00 || canonicalizedBody)` (RFC 6962 §2.1) and the audit path
//!   is checked with the RFC 9162 §2.1.3.2 algorithm against the checkpoint's size and root;
//! - for Rekor v1 entries the proof's own `treeSize` and `rootHash` must equal the checkpoint's;
//!   Rekor v2 entries (`hashedrekord`/`dsse` 0.0.2) take index from the entry and size and root
//!   from the checkpoint only, as the Rekor v2 spec says the duplicated fields are unauthenticated.
//!
//! Signatures on the note are *not* checked here (that needs the log's ECDSA/Ed25519 key and is
//! done by `sigstore-verify` against the trusted root); this module only guarantees that the
//! signed root really is the root the proof leads to.
//!
//! The Merkle arithmetic is the shared `lockproof-tlog` core (`record_hash`, `check_record`);
//! only the Sigstore-specific glue (JSON fields, Rekor v1/v2 index rules) lives here.

use base64::Engine as _;
use lockproof_tlog::{Hash, RecordProof, check_record, record_hash};
use serde_json::Value;

use crate::{Error, Reason};

/// Longest checkpoint note accepted, in bytes. Rekor checkpoints are under 1 KiB; C2SP notes
/// have no hard limit, and Go's `note` package caps whole notes at 1 MB.
const MAX_CHECKPOINT_BYTES: usize = 64 * 1024;
/// Most signature lines accepted on one note (Go's `note` package uses the same cap).
const MAX_NOTE_SIGNATURES: usize = 100;
/// Longest audit path: a tree of at most 2^64 leaves has at most 64 levels.
const MAX_PROOF_HASHES: usize = 64;

/// One Rekor entry whose inclusion was re-checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct LogInclusion {
    /// The checkpoint's origin line (which log signed it).
    pub origin: String,
    /// Leaf index the proof was checked at.
    pub leaf_index: u64,
    /// Tree size of the checkpoint.
    pub tree_size: u64,
}

/// Re-checks every tlog entry that carries an inclusion proof. Entries with only an inclusion
/// promise are left to `sigstore-verify`'s SET check.
///
/// # Errors
///
/// [`Error::Rejected`] with [`Reason::InclusionProof`], [`Reason::Checkpoint`] or
/// [`Reason::MalformedBundle`].
pub(crate) fn check_inclusion_proofs(bundle: &Value) -> Result<Vec<LogInclusion>, Error> {
    let entries = bundle
        .pointer("/verificationMaterial/tlogEntries")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut out = Vec::new();
    for entry in entries {
        let Some(proof) = entry.get("inclusionProof") else {
            continue;
        };
        out.push(check_entry(entry, proof)?);
    }
    Ok(out)
}

fn check_entry(entry: &Value, proof: &Value) -> Result<LogInclusion, Error> {
    let malformed =
        |what: &str| Error::rejected(Reason::MalformedBundle, format!("tlog entry: {what}"));
    let body = decode_b64(entry.get("canonicalizedBody"))
        .ok_or_else(|| malformed("bad canonicalizedBody"))?;
    let kind = entry
        .pointer("/kindVersion/kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let version = entry
        .pointer("/kindVersion/version")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let rekor_v2 = matches!((kind, version), ("hashedrekord" | "dsse", "0.0.2"));

    let envelope = proof
        .pointer("/checkpoint/envelope")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let checkpoint = Checkpoint::parse(envelope)
        .map_err(|detail| Error::rejected(Reason::Checkpoint, format!("checkpoint: {detail}")))?;

    let hashes: Vec<[u8; 32]> = match proof.get("hashes") {
        None => Vec::new(),
        Some(Value::Array(items)) if items.len() <= MAX_PROOF_HASHES => items
            .iter()
            .map(|h| decode_b64(Some(h)).and_then(|b| <[u8; 32]>::try_from(b).ok()))
            .collect::<Option<_>>()
            .ok_or_else(|| malformed("inclusion proof hash is not 32 bytes of base64"))?,
        Some(_) => return Err(malformed("inclusion proof hashes malformed or too many")),
    };

    let leaf_index = if rekor_v2 {
        decimal(entry.get("logIndex")).ok_or_else(|| malformed("bad logIndex"))?
    } else {
        let proof_size = decimal(proof.get("treeSize")).ok_or_else(|| malformed("bad treeSize"))?;
        let proof_root =
            decode_b64(proof.get("rootHash")).ok_or_else(|| malformed("bad rootHash"))?;
        if proof_size != checkpoint.size || proof_root[..] != checkpoint.root[..] {
            return Err(Error::rejected(
                Reason::Checkpoint,
                "inclusion proof tree size or root hash differs from the signed checkpoint",
            ));
        }
        decimal(proof.get("logIndex")).ok_or_else(|| malformed("bad inclusion proof logIndex"))?
    };

    let leaf = record_hash(&body).0;
    if !verify_inclusion(
        &leaf,
        leaf_index,
        checkpoint.size,
        &hashes,
        &checkpoint.root,
    ) {
        return Err(Error::rejected(
            Reason::InclusionProof,
            format!(
                "RFC 9162 inclusion proof for leaf {leaf_index} does not lead to the root of \
                 checkpoint {:?} size {}",
                checkpoint.origin, checkpoint.size
            ),
        ));
    }
    Ok(LogInclusion {
        origin: checkpoint.origin,
        leaf_index,
        tree_size: checkpoint.size,
    })
}

/// A proto3-JSON int64: a decimal string (canonical, no sign, no leading zeros) or a number.
fn decimal(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::String(s) => parse_decimal(s),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty()
        || s.len() > 20
        || !s.bytes().all(|b| b.is_ascii_digit())
        || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

fn decode_b64(value: Option<&Value>) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(value?.as_str()?)
        .ok()
}

/// RFC 9162 §2.1.3.2 through the shared transparency-log core: `path` proves the record
/// with leaf hash `leaf` at `index` in the tree of `size` with `root`. Rejects index ≥ size, a
/// zero-size tree, and paths with a hash too many or too few.
fn verify_inclusion(
    leaf: &[u8; 32],
    index: u64,
    size: u64,
    path: &[[u8; 32]],
    root: &[u8; 32],
) -> bool {
    let proof = RecordProof(path.iter().map(|h| Hash(*h)).collect());
    check_record(&proof, size, Hash(*root), index, Hash(*leaf)).is_ok()
}

/// A parsed (signature-unchecked) C2SP tlog checkpoint.
#[derive(Debug)]
struct Checkpoint {
    origin: String,
    size: u64,
    root: [u8; 32],
}

impl Checkpoint {
    fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err(
                "missing (a bundle with an inclusion proof must carry its checkpoint)".into(),
            );
        }
        if text.len() > MAX_CHECKPOINT_BYTES {
            return Err(format!(
                "note is {} bytes, over {MAX_CHECKPOINT_BYTES}",
                text.len()
            ));
        }
        if text.chars().any(|c| c != '\n' && c.is_control()) {
            return Err("note contains control characters".into());
        }
        let split = text
            .find("\n\n")
            .ok_or("note has no blank line before its signatures")?;
        let (body, sigs) = (&text[..=split], &text[split + 2..]);
        let mut lines = body.lines();
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or("empty origin line")?;
        let size = lines
            .next()
            .and_then(parse_decimal)
            .ok_or("tree size is not a canonical decimal")?;
        let root = lines
            .next()
            .and_then(|l| base64::engine::general_purpose::STANDARD.decode(l).ok())
            .and_then(|r| <[u8; 32]>::try_from(r).ok())
            .ok_or("root hash is not 32 bytes of base64")?;
        if lines.any(str::is_empty) {
            return Err("empty extension line".into());
        }
        if !sigs.ends_with('\n') {
            return Err("signature block does not end in a newline".into());
        }
        let sig_lines: Vec<&str> = sigs.lines().collect();
        if sig_lines.is_empty() || sig_lines.len() > MAX_NOTE_SIGNATURES {
            return Err(format!(
                "note has {} signature lines (1..={MAX_NOTE_SIGNATURES})",
                sig_lines.len()
            ));
        }
        for line in sig_lines {
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or("signature line does not start with '— '")?;
            let (name, sig) = rest
                .split_once(' ')
                .ok_or("signature line has no signature")?;
            let sig = base64::engine::general_purpose::STANDARD
                .decode(sig)
                .map_err(|_| "signature is not base64")?;
            if name.is_empty() || sig.len() < 5 {
                return Err("signature line has an empty name or a short signature".into());
            }
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
        })
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

    fn leaf_hash(data: &[u8]) -> [u8; 32] {
        record_hash(data).0
    }

    fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
        lockproof_tlog::node_hash(&Hash(*left), &Hash(*right)).0
    }

    /// Builds the RFC 6962 tree of `n` leaves `[i]` and returns (root, path for `index`).
    fn tree(n: u64, index: u64) -> ([u8; 32], Vec<[u8; 32]>) {
        fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
            if leaves.len() == 1 {
                return leaves[0];
            }
            let k = leaves.len().next_power_of_two() / 2;
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
        fn path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
            if leaves.len() == 1 {
                return Vec::new();
            }
            let k = leaves.len().next_power_of_two() / 2;
            if m < k {
                let mut p = path(m, &leaves[..k]);
                p.push(mth(&leaves[k..]));
                p
            } else {
                let mut p = path(m - k, &leaves[k..]);
                p.push(mth(&leaves[..k]));
                p
            }
        }
        let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        (mth(&leaves), path(usize::try_from(index).unwrap(), &leaves))
    }

    #[test]
    fn proves_every_leaf_of_every_small_tree_and_rejects_every_corruption() {
        for n in 1..=40u64 {
            for i in 0..n {
                let (root, path) = tree(n, i);
                let leaf = leaf_hash(&i.to_be_bytes());
                assert!(verify_inclusion(&leaf, i, n, &path, &root), "n={n} i={i}");
                let (other_root, _) = tree(n + 1, i);
                assert!(
                    !verify_inclusion(&leaf, i, n + 1, &path, &other_root),
                    "n={n} i={i}"
                );
                assert!(!verify_inclusion(&leaf, n, n, &path, &root));
                let mut longer = path.clone();
                longer.push([0; 32]);
                assert!(!verify_inclusion(&leaf, i, n, &longer, &root));
                for j in 0..path.len() {
                    let mut bad = path.clone();
                    bad[j][0] ^= 1;
                    assert!(!verify_inclusion(&leaf, i, n, &bad, &root));
                    assert!(!verify_inclusion(&leaf, i, n, &path[..j], &root));
                }
            }
        }
        assert!(!verify_inclusion(&[0; 32], 0, 0, &[], &[0; 32]));
    }

    const NOTE: &str = "rekor.sigstore.dev - 2605736670972794746\n23083062\n\
        dauhleYK4YyAdxwwDtR0l0KnSOWZdG2bwqHftlanvcI=\nTimestamp: 1689177396617352539\n\n\
        \u{2014} rekor.sigstore.dev wNI9agABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREU=\n";

    #[test]
    fn parses_rekor_checkpoint_with_extension_line() {
        let cp = Checkpoint::parse(NOTE).unwrap();
        assert_eq!(cp.origin, "rekor.sigstore.dev - 2605736670972794746");
        assert_eq!(cp.size, 23_083_062);
    }

    #[test]
    fn rejects_checkpoint_with_leading_zero_size_or_no_signature() {
        assert!(Checkpoint::parse(&NOTE.replace("\n23083062\n", "\n023083062\n")).is_err());
        assert!(Checkpoint::parse(&NOTE[..NOTE.find("\n\n").unwrap() + 2]).is_err());
        assert!(Checkpoint::parse("").is_err());
    }

    fn fixture(case: &str) -> Value {
        let path = format!(
            "{}/../../fixtures/sigstore/bundle-verify/{case}/bundle.sigstore.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn independently_accepts_the_proofs_of_every_passing_fixture() {
        for case in [
            "happy-path-v0.1",
            "happy-path-v0.3",
            "happy-path-intoto-in-dsse-v3",
            "intoto-with-custom-trust-root",
            "rekor2-happy-path",
        ] {
            let checked = check_inclusion_proofs(&fixture(case)).unwrap();
            assert_eq!(checked.len(), 1, "{case}");
        }
    }

    #[test]
    fn independently_rejects_corrupted_proof_and_wrong_checkpoint_root() {
        let reason = |case| check_inclusion_proofs(&fixture(case)).unwrap_err().reason();
        assert_eq!(
            reason("inclusion-proof-corrupted-hash_fail"),
            Some(Reason::InclusionProof)
        );
        assert_eq!(
            reason("checkpoint-wrong-roothash_fail"),
            Some(Reason::Checkpoint)
        );
        assert_eq!(
            reason("invalid-inclusion-proof_fail"),
            Some(Reason::Checkpoint)
        );
    }

    #[test]
    fn independently_rejects_proof_moved_to_another_leaf_index() {
        let mut bundle = fixture("happy-path-v0.3");
        let proof = bundle
            .pointer_mut("/verificationMaterial/tlogEntries/0/inclusionProof/logIndex")
            .unwrap();
        *proof = Value::String("75408391".into());
        assert_eq!(
            check_inclusion_proofs(&bundle).unwrap_err().reason(),
            Some(Reason::InclusionProof)
        );
    }

    proptest! {
        #[test]
        fn checkpoint_parser_never_panics(text in "(?s).{0,300}") {
            let _ = Checkpoint::parse(&text);
        }

        #[test]
        fn checkpoint_parser_never_panics_on_mutated_note(pos in 0usize..200, byte in any::<u8>()) {
            let mut bytes = NOTE.as_bytes().to_vec();
            let pos = pos % bytes.len();
            bytes[pos] = byte;
            if let Ok(text) = String::from_utf8(bytes) {
                let _ = Checkpoint::parse(&text);
            }
        }
    }
}
