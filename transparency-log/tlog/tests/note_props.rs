//! Property targets for the note-side parsers (signed notes, signature lines, checkpoints,
//! cosignatures, key text): they never panic on arbitrary input, and every accepted input is
//! canonical, `format(parse(x)) == x`.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_tlog::checkpoint::{Checkpoint, format_tree_note, parse_tree_note};
use lockproof_tlog::cosignature::{
    cosign, cosignature_timestamp_unauthenticated, verify_cosignature,
};
use lockproof_tlog::key::{KeyAlgorithm, KeyName, SignerKey, VerifierKey};
use lockproof_tlog::note::{Signature, SignedNote, Verifiers, open, sign};
use lockproof_tlog::{Hash, Tree};
use proptest::prelude::*;

/// Byte-level edits: (position, byte, 0 = replace / 1 = insert / 2 = delete).
fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 0..4)
}

fn apply(mut base: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(pos, byte, op) in edits {
        let i = if base.is_empty() {
            0
        } else {
            pos % (base.len() + usize::from(op == 1))
        };
        match op {
            0 if i < base.len() => base[i] = byte,
            1 => base.insert(i.min(base.len()), byte),
            2 if i < base.len() => {
                base.remove(i);
            }
            _ => {}
        }
    }
    base
}

fn log_key() -> SignerKey {
    SignerKey::from_seed(KeyName::new("example.com/log").unwrap(), [3; 32])
}

fn witness_key() -> SignerKey {
    SignerKey::from_seed_with(
        KeyName::new("witness.example/w1").unwrap(),
        KeyAlgorithm::CosignatureV1,
        [4; 32],
    )
}

fn sample_note() -> Vec<u8> {
    let cp = Checkpoint::new(
        "example.com/log",
        Tree {
            size: 12345,
            hash: Hash([9; 32]),
        },
        vec!["ext".to_owned()],
    )
    .unwrap();
    let mut note =
        SignedNote::parse_unauthenticated(&sign(&cp.to_text(), &[&log_key()]).unwrap()).unwrap();
    note.add_signature(cosign(&cp, &witness_key(), 1_700_000_000).unwrap())
        .unwrap();
    note.to_bytes()
}

fn verifiers() -> Verifiers {
    Verifiers::new([log_key().verifier_key(), witness_key().verifier_key()])
}

fn check_note(msg: &[u8]) {
    if let Ok(note) = SignedNote::parse_unauthenticated(msg) {
        assert_canonical(&note.to_bytes(), msg);
        for sig in note.signatures() {
            let _ = cosignature_timestamp_unauthenticated(sig);
            assert_eq!(
                Signature::parse_line(sig.to_line().trim_end_matches('\n')).unwrap(),
                *sig
            );
        }
        if let Ok(cp) = Checkpoint::parse(note.text()) {
            let _ = verify_cosignature(&cp, &witness_key().verifier_key(), &note.signatures()[0]);
        }
    }
    if let Ok(opened) = open(msg, &verifiers()) {
        assert!(!opened.verified_signatures().is_empty());
    }
}

fn assert_canonical(a: &[u8], b: &[u8]) {
    assert_eq!(a, b, "format(parse(x)) != x");
}

fn check_checkpoint(text: &str) {
    if let Ok(cp) = Checkpoint::parse(text) {
        assert_eq!(cp.to_text(), text);
        assert_eq!(
            Checkpoint::new(cp.origin(), cp.tree(), cp.extensions().to_vec()).unwrap(),
            cp
        );
    }
    if let Ok(tree) = parse_tree_note(text) {
        assert_eq!(format_tree_note(&tree), text);
    }
}

fn check_key_text(text: &str) {
    if let Ok(k) = VerifierKey::parse(text) {
        assert_eq!(k.to_string(), text);
    }
    if let Ok(k) = SignerKey::parse(text) {
        assert_eq!(k.to_private_text(), text);
    }
    if let Ok(n) = KeyName::new(text) {
        assert_eq!(n.as_str(), text);
    }
}

proptest! {
    #[test]
    fn note_parser_never_panics_on_arbitrary_bytes(msg in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_note(&msg);
    }

    #[test]
    fn note_parser_round_trips_edited_valid_notes(e in edits()) {
        let msg = apply(sample_note(), &e);
        check_note(&msg);
    }

    #[test]
    fn unedited_notes_open(size in any::<u64>(), root in any::<[u8; 32]>(), ts in 0u64..=i64::MAX as u64) {
        let cp = Checkpoint::new("example.com/log", Tree { size, hash: Hash(root) }, vec![]).unwrap();
        let mut note = SignedNote::parse_unauthenticated(&sign(&cp.to_text(), &[&log_key()]).unwrap()).unwrap();
        note.add_signature(cosign(&cp, &witness_key(), ts).unwrap()).unwrap();
        let opened = open(&note.to_bytes(), &verifiers()).unwrap();
        prop_assert_eq!(opened.verified_signatures().len(), 2);
        prop_assert_eq!(verify_cosignature(&cp, &witness_key().verifier_key(), &note.signatures()[1]), Ok(ts));
        prop_assert_eq!(parse_tree_note(&format_tree_note(&cp.tree())).unwrap(), cp.tree());
    }

    #[test]
    fn checkpoint_parser_never_panics(text in ".{0,200}") {
        check_checkpoint(&text);
    }

    #[test]
    fn checkpoint_parser_round_trips_near_valid_text(
        origin in "[a-z./ -]{0,12}",
        size in "(0|[1-9][0-9]{0,20}|0[0-9]|\\+1| 1)",
        root in any::<[u8; 32]>(),
        ext in proptest::collection::vec("[a-z ]{0,6}", 0..3),
        e in edits(),
    ) {
        let mut text = format!("{origin}\n{size}\n{}\n", Hash(root).to_base64());
        for x in &ext { text.push_str(x); text.push('\n'); }
        check_checkpoint(&text);
        if let Ok(edited) = String::from_utf8(apply(text.into_bytes(), &e)) {
            check_checkpoint(&edited);
        }
    }

    #[test]
    fn key_text_parsers_never_panic(text in ".{0,120}") {
        check_key_text(&text);
    }

    #[test]
    fn key_text_parsers_round_trip_edited_keys(seed in any::<[u8; 32]>(), name in "[a-zA-Z0-9./:_-]{1,20}", cosigner in any::<bool>(), e in edits()) {
        let alg = if cosigner { KeyAlgorithm::CosignatureV1 } else { KeyAlgorithm::Ed25519 };
        let skey = SignerKey::from_seed_with(KeyName::new(&name).unwrap(), alg, seed);
        let vtext = skey.verifier_key().to_string();
        let stext = skey.to_private_text();
        prop_assert_eq!(VerifierKey::parse(&vtext).unwrap(), skey.verifier_key());
        prop_assert_eq!(SignerKey::parse(&stext).unwrap().to_private_text(), stext.clone());
        for t in [vtext, stext] {
            if let Ok(edited) = String::from_utf8(apply(t.into_bytes(), &e)) {
                check_key_text(&edited);
            }
        }
    }
}
