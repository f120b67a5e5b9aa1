//! Checkpoints (Go sumdb tree notes and C2SP tlog-checkpoint) and C2SP tlog-cosignature/v1.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_tlog::checkpoint::{
    Checkpoint, SUMDB_TREE_ORIGIN, format_tree_note, parse_tree_note,
};
use lockproof_tlog::cosignature::{
    cosign, cosignature_timestamp_unauthenticated, cosigned_message, verify_cosignature,
};
use lockproof_tlog::key::{KeyAlgorithm, KeyName, SignerKey, VerifierKey};
use lockproof_tlog::note::{SignedNote, Verifiers, open, sign};
use lockproof_tlog::{Error, Hash, Tree};

/// The C2SP tlog-checkpoint / tlog-cosignature example.
const SOFA: &str =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const SOFA_SIGNED: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\
— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\
— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

fn cosigner(seed: u8) -> SignerKey {
    SignerKey::from_seed_with(
        KeyName::new("witness.example/w1").unwrap(),
        KeyAlgorithm::CosignatureV1,
        [seed; 32],
    )
}

fn sofa() -> Checkpoint {
    Checkpoint::parse(SOFA).unwrap()
}

#[test]
fn parses_and_formats_the_c2sp_example_checkpoint() {
    let cp = sofa();
    assert_eq!(cp.origin(), "example.com/behind-the-sofa");
    assert_eq!(cp.tree().size, 20852163);
    assert_eq!(
        cp.tree().hash.to_base64(),
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    );
    assert!(cp.extensions().is_empty());
    assert_eq!(cp.to_text(), SOFA);
}

#[test]
fn parses_go_golden_tree_note() {
    // golang.org/x/mod/sumdb/tlog note_test.go TestFormatTree.
    let text = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";
    let tree = parse_tree_note(text).unwrap();
    assert_eq!(tree.size, 123456789012);
    assert_eq!(format_tree_note(&tree), text);
}

#[test]
fn checkpoint_keeps_extension_lines() {
    let text = format!("{SOFA}ext one\nsecond ext\n");
    let cp = Checkpoint::parse(&text).unwrap();
    assert_eq!(cp.extensions(), ["ext one", "second ext"]);
    assert_eq!(cp.to_text(), text);
    let built = Checkpoint::new(cp.origin(), cp.tree(), cp.extensions().to_vec()).unwrap();
    assert_eq!(built, cp);
}

#[test]
fn rejects_non_canonical_checkpoints() {
    let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    let bad = [
        String::new(),
        format!("o\n1\n{root}"),    // no final newline
        "o\n1\n".to_owned(),        // no root line
        format!("\n1\n{root}\n"),   // empty origin
        format!("o\n01\n{root}\n"), // leading zero
        format!("o\n+1\n{root}\n"), // sign
        format!("o\n-1\n{root}\n"),
        format!("o\n 1\n{root}\n"),
        format!("o\n1 \n{root}\n"),
        format!("o\n\n{root}\n"),
        format!("o\n18446744073709551616\n{root}\n"), // u64 overflow
        format!("o\n1\n{}\n", &root[..43]),           // short base64
        format!("o\n1\n{}\n", root.trim_end_matches('=')),
        format!("o\n1\n{}\n", root.replace('/', "_")), // URL-safe alphabet
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n".to_owned(), // non-zero trailing bits
        format!("o\n1\n{root}\n\n"),                   // empty extension line
        format!("o\n1\n{root}\next\n\n"),
        format!("o\r\n1\n{root}\n"), // control character
    ];
    for text in bad {
        assert!(
            matches!(Checkpoint::parse(&text), Err(Error::Malformed { .. })),
            "{text:?}"
        );
    }
    assert!(Checkpoint::parse(&format!("o\n0\n{root}\n")).is_ok());
    assert!(Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\n")).is_ok());
}

#[test]
fn tree_note_is_strict_about_origin_and_extra_lines() {
    let root = Hash([7; 32]).to_base64();
    assert!(parse_tree_note(&format!("{SUMDB_TREE_ORIGIN}\n5\n{root}\n")).is_ok());
    assert!(parse_tree_note(&format!("go.sum database tree \n5\n{root}\n")).is_err());
    assert!(parse_tree_note(&format!("example.com/log\n5\n{root}\n")).is_err());
    assert!(parse_tree_note(&format!("{SUMDB_TREE_ORIGIN}\n5\n{root}\nextra\n")).is_err());
}

#[test]
fn checkpoint_new_rejects_bad_lines() {
    let tree = Tree {
        size: 1,
        hash: Hash([1; 32]),
    };
    assert!(Checkpoint::new("", tree, vec![]).is_err());
    assert!(Checkpoint::new("a\nb", tree, vec![]).is_err());
    assert!(Checkpoint::new("a", tree, vec![String::new()]).is_err());
    assert!(Checkpoint::new("a", tree, vec!["x\ny".to_owned()]).is_err());
}

#[test]
fn cosigned_message_matches_the_c2sp_example() {
    let want = "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    assert_eq!(cosigned_message(SOFA, 1679315147), want.as_bytes());
}

#[test]
fn reads_the_timestamp_of_the_c2sp_example_cosignature() {
    let note = SignedNote::parse_unauthenticated(SOFA_SIGNED.as_bytes()).unwrap();
    let witness = &note.signatures()[1];
    assert_eq!(witness.name().as_str(), "witness.example.com/w1");
    assert_eq!(
        cosignature_timestamp_unauthenticated(witness),
        Some(1679315147)
    );
    // The log's plain Ed25519 signature is 64 bytes: no timestamp.
    assert_eq!(
        cosignature_timestamp_unauthenticated(&note.signatures()[0]),
        None
    );
}

#[test]
fn reads_the_timestamp_of_the_transparency_dev_vector() {
    // transparency-dev/formats note/note_cosigv1_test.go TestCosignatureTimestamp.
    let line = "— w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==";
    let sig = lockproof_tlog::Signature::parse_line(line).unwrap();
    assert_eq!(
        cosignature_timestamp_unauthenticated(&sig),
        Some(1727964367)
    );
}

#[test]
fn cosigns_and_verifies_a_checkpoint() {
    let w = cosigner(1);
    let sig = cosign(&sofa(), &w, 1679315147).unwrap();
    assert_eq!(sig.bytes().len(), 72);
    assert_eq!(&sig.bytes()[..8], &1679315147u64.to_be_bytes());
    assert_eq!(
        verify_cosignature(&sofa(), &w.verifier_key(), &sig),
        Ok(1679315147)
    );
}

#[test]
fn cosignature_verifies_through_note_open() {
    let log = SignerKey::from_seed(
        KeyName::new("example.com/behind-the-sofa").unwrap(),
        [2; 32],
    );
    let w = cosigner(1);
    let mut note = SignedNote::parse_unauthenticated(&sign(SOFA, &[&log]).unwrap()).unwrap();
    note.add_signature(cosign(&sofa(), &w, 42).unwrap())
        .unwrap();
    let bytes = note.to_bytes();
    let opened = open(
        &bytes,
        &Verifiers::new([log.verifier_key(), w.verifier_key()]),
    )
    .unwrap();
    assert_eq!(opened.verified_signatures().len(), 2);
    // The witness alone also suffices to open the note.
    assert!(open(&bytes, &Verifiers::new([w.verifier_key()])).is_ok());
}

#[test]
fn rejects_cosignature_over_another_checkpoint_or_time() {
    let w = cosigner(1);
    let sig = cosign(&sofa(), &w, 100).unwrap();
    let other = Checkpoint::parse(&SOFA.replace("20852163", "20852164")).unwrap();
    assert!(matches!(
        verify_cosignature(&other, &w.verifier_key(), &sig),
        Err(Error::InvalidSignature { .. })
    ));
    let mut bytes = sig.bytes().to_vec();
    bytes[7] ^= 1; // timestamp 100 -> 101
    let retimed = lockproof_tlog::Signature::new(sig.name().clone(), sig.key_id(), bytes).unwrap();
    assert!(verify_cosignature(&sofa(), &w.verifier_key(), &retimed).is_err());
    let extended = Checkpoint::parse(&format!("{SOFA}ext\n")).unwrap();
    assert!(
        verify_cosignature(&extended, &w.verifier_key(), &sig).is_err(),
        "extension lines are covered"
    );
}

#[test]
fn rejects_cosignature_by_a_different_witness() {
    let sig = cosign(&sofa(), &cosigner(1), 100).unwrap();
    assert!(verify_cosignature(&sofa(), &cosigner(2).verifier_key(), &sig).is_err());
}

#[test]
fn plain_ed25519_and_cosignature_keys_do_not_mix() {
    let ed = SignerKey::from_seed(KeyName::new("witness.example/w1").unwrap(), [1; 32]);
    let co = cosigner(1);
    // Same name and seed, but the algorithm byte changes the key id.
    assert_ne!(ed.key_id(), co.key_id());
    assert!(matches!(
        cosign(&sofa(), &ed, 1),
        Err(Error::Malformed { .. })
    ));
    let sig = cosign(&sofa(), &co, 1).unwrap();
    assert!(matches!(
        verify_cosignature(&sofa(), &ed.verifier_key(), &sig),
        Err(Error::Malformed { .. })
    ));
    assert!(
        cosign(&sofa(), &co, 1 << 63).is_err(),
        "timestamp above 2^63-1"
    );
}

#[test]
fn parses_a_native_cosignature_vkey() {
    // transparency-dev/formats note/note_cosigv1_test.go TestCoSigV1NewVerifier.
    let vkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
    let key = VerifierKey::parse(vkey).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::CosignatureV1);
    assert_eq!(key.to_string(), vkey);
}

#[test]
fn plain_ed25519_witness_keys_convert_to_cosigner_keys() {
    let ed = SignerKey::from_seed(KeyName::new("witness.example/w2").unwrap(), [5; 32]);
    let co = ed.to_cosignature_v1();
    assert_eq!(co.algorithm(), KeyAlgorithm::CosignatureV1);
    assert_eq!(co.verifier_key(), ed.verifier_key().to_cosignature_v1());
    assert_eq!(
        co.to_cosignature_v1().to_private_text(),
        co.to_private_text()
    );
    let sig = cosign(&sofa(), &co, 7).unwrap();
    assert_eq!(
        verify_cosignature(&sofa(), &ed.verifier_key().to_cosignature_v1(), &sig),
        Ok(7)
    );
    // transparency-dev/formats TestCoSigV1NewVerifier: an Ed25519 vkey usable as a cosigner.
    let vkey =
        VerifierKey::parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6").unwrap();
    let cosigner = vkey.to_cosignature_v1();
    assert_eq!(cosigner.public_key(), vkey.public_key());
    assert_ne!(cosigner.key_id(), vkey.key_id());
    assert_eq!(VerifierKey::parse(&cosigner.to_string()).unwrap(), cosigner);
}
