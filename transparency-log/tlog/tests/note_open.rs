//! Opening signed notes: the C2SP signed-note rules and Go `note.Open`'s behaviour, with the
//! Go package-documentation vector and one negative test per rule.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_tlog::Error;
use lockproof_tlog::key::{KeyId, KeyName, SignerKey, VerifierKey};
use lockproof_tlog::note::{
    MAX_NOTE_SIZE, MAX_SIGNATURES, Signature, SignedNote, Verifiers, open, sign,
};

/// From the `golang.org/x/mod/sumdb/note` package documentation.
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG_LINE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn peter_msg() -> String {
    format!("{PETER_TEXT}\n{PETER_SIG_LINE}")
}

fn peter() -> Verifiers {
    Verifiers::new([VerifierKey::parse(PETER_VKEY).unwrap()])
}

fn key(name: &str, seed: u8) -> SignerKey {
    SignerKey::from_seed(KeyName::new(name).unwrap(), [seed; 32])
}

fn is_malformed(r: Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(r, Err(Error::Malformed { .. }))
}

#[test]
fn signs_go_documentation_example_byte_for_byte() {
    let skey = SignerKey::parse(PETER_SKEY).unwrap();
    assert_eq!(skey.verifier_key().to_string(), PETER_VKEY);
    let msg = sign(PETER_TEXT, &[&skey]).unwrap();
    assert_eq!(String::from_utf8(msg).unwrap(), peter_msg());
}

#[test]
fn opens_go_documentation_example() {
    let note = open(peter_msg().as_bytes(), &peter()).unwrap();
    assert_eq!(note.text(), PETER_TEXT);
    assert_eq!(note.verified_signatures().len(), 1);
    assert!(note.unverified_signatures().is_empty());
    assert!(note.is_verified_by(&VerifierKey::parse(PETER_VKEY).unwrap()));
}

#[test]
fn rejects_note_with_tampered_text() {
    let msg = peter_msg().replace("cryptography", "cryptographY");
    assert!(matches!(
        open(msg.as_bytes(), &peter()),
        Err(Error::InvalidSignature { .. })
    ));
}

#[test]
fn rejects_note_signed_by_another_key_with_the_same_name_and_id() {
    // A known (name, id) whose signature does not verify: the whole note is rejected.
    let other = key("PeterNeumann", 9);
    let sig = other.sign_raw(PETER_TEXT.as_bytes()).to_vec();
    let forged = Signature::new(other.name().clone(), KeyId(0xc74f20a3), sig).unwrap();
    let msg = format!("{PETER_TEXT}\n{}", forged.to_line());
    assert!(matches!(
        open(msg.as_bytes(), &peter()),
        Err(Error::InvalidSignature { .. })
    ));
}

#[test]
fn rejects_note_signed_only_by_unknown_key_with_the_right_name() {
    // Same name, different key id: an unknown key, ignored; nothing verified.
    let other = key("PeterNeumann", 9);
    let msg = sign(PETER_TEXT, &[&other]).unwrap();
    assert_eq!(open(&msg, &peter()), Err(Error::UnverifiedNote));
}

#[test]
fn rejects_note_with_no_known_signer() {
    assert_eq!(
        open(peter_msg().as_bytes(), &Verifiers::default()),
        Err(Error::UnverifiedNote)
    );
    let stranger = key("stranger.example", 3).verifier_key();
    assert_eq!(
        open(peter_msg().as_bytes(), &Verifiers::new([stranger])),
        Err(Error::UnverifiedNote)
    );
}

#[test]
fn ignores_unknown_signatures_next_to_a_valid_one() {
    let witness = key("witness.example/w1", 4);
    let unknown_same_id_other_name = Signature::new(
        KeyName::new("NotPeter").unwrap(),
        KeyId(0xc74f20a3),
        vec![1; 64],
    )
    .unwrap();
    let witness_sig = witness.sign_raw(PETER_TEXT.as_bytes()).to_vec();
    let witness_line = Signature::new(witness.name().clone(), witness.key_id(), witness_sig)
        .unwrap()
        .to_line();
    let msg = format!(
        "{}{witness_line}{}",
        peter_msg(),
        unknown_same_id_other_name.to_line()
    );
    let note = open(msg.as_bytes(), &peter()).unwrap();
    assert_eq!(note.verified_signatures().len(), 1);
    assert_eq!(note.unverified_signatures().len(), 2);
}

#[test]
fn verifies_every_signature_by_a_known_key_including_repeats() {
    // Go skips a repeated (name, id) without verifying it; lockproof verifies all of them.
    let bad_repeat = Signature::new(
        KeyName::new("PeterNeumann").unwrap(),
        KeyId(0xc74f20a3),
        vec![0; 64],
    )
    .unwrap();
    let msg = format!("{}{}", peter_msg(), bad_repeat.to_line());
    assert!(matches!(
        open(msg.as_bytes(), &peter()),
        Err(Error::InvalidSignature { .. })
    ));
    let good_repeat = format!("{}{PETER_SIG_LINE}", peter_msg());
    let note = open(good_repeat.as_bytes(), &peter()).unwrap();
    assert_eq!(
        note.verified_signatures().len(),
        1,
        "one entry per distinct key"
    );
}

#[test]
fn accepts_text_with_empty_lines_splitting_at_the_last_one() {
    // C2SP signed-note: "The note text MAY contain empty lines".
    let k = key("quasimodo.example/salvatore", 1);
    let text = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n";
    let msg = sign(text, &[&k]).unwrap();
    let note = open(&msg, &Verifiers::new([k.verifier_key()])).unwrap();
    assert_eq!(note.text(), text);
}

#[test]
fn accepts_a_hundred_signatures_and_rejects_a_hundred_and_one() {
    let k = key("log.example", 1);
    let one = String::from_utf8(sign("x\n", &[&k]).unwrap()).unwrap();
    let line = one.strip_prefix("x\n\n").unwrap();
    let ok = format!("x\n\n{}", line.repeat(MAX_SIGNATURES));
    assert!(open(ok.as_bytes(), &Verifiers::new([k.verifier_key()])).is_ok());
    let too_many = format!("x\n\n{}", line.repeat(MAX_SIGNATURES + 1));
    assert!(is_malformed(open(
        too_many.as_bytes(),
        &Verifiers::new([k.verifier_key()])
    )));
    let signers: Vec<&SignerKey> = std::iter::repeat_n(&k, MAX_SIGNATURES + 1).collect();
    assert!(is_malformed(sign("x\n", &signers)));
}

#[test]
fn rejects_note_larger_than_the_size_limit() {
    let text = format!("{}\n", "a".repeat(MAX_NOTE_SIZE));
    assert!(is_malformed(sign(&text, &[&key("log.example", 1)])));
    let msg = format!("{text}\n{PETER_SIG_LINE}");
    assert!(is_malformed(open(msg.as_bytes(), &peter())));
}

#[test]
fn rejects_control_characters_anywhere() {
    for bad in ["\r", "\t", "\u{0}", "\u{1b}"] {
        let in_text = peter_msg().replacen(' ', bad, 1);
        assert!(
            is_malformed(open(in_text.as_bytes(), &peter())),
            "{bad:?} in text"
        );
        let in_sig = peter_msg().replace("— PeterNeumann ", &format!("— PeterNeumann{bad} "));
        assert!(
            is_malformed(open(in_sig.as_bytes(), &peter())),
            "{bad:?} in signature"
        );
        assert!(is_malformed(sign(
            &format!("a{bad}b\n"),
            &[&key("log.example", 1)]
        )));
    }
}

#[test]
fn rejects_invalid_utf8() {
    let mut msg = peter_msg().into_bytes();
    msg[3] = 0xff;
    assert!(is_malformed(open(&msg, &peter())));
}

#[test]
fn rejects_text_without_final_newline() {
    assert!(is_malformed(sign("no newline", &[&key("log.example", 1)])));
    assert!(is_malformed(sign("", &[&key("log.example", 1)])));
}

#[test]
fn rejects_malformed_signature_blocks() {
    let cases = [
        // No empty line between text and signatures.
        format!("{PETER_TEXT}{PETER_SIG_LINE}"),
        // No signature at all.
        format!("{PETER_TEXT}\n"),
        // Signature line without final newline.
        format!("{PETER_TEXT}\n{}", PETER_SIG_LINE.trim_end()),
        // Hyphen or en dash instead of em dash.
        format!("{PETER_TEXT}\n{}", PETER_SIG_LINE.replace('—', "-")),
        format!("{PETER_TEXT}\n{}", PETER_SIG_LINE.replace('—', "–")),
        // Two spaces after the dash or the name.
        format!("{PETER_TEXT}\n{}", PETER_SIG_LINE.replace("— ", "—  ")),
        format!(
            "{PETER_TEXT}\n{}",
            PETER_SIG_LINE.replace("Neumann ", "Neumann  ")
        ),
        // Non-canonical base64 (missing padding; trailing garbage).
        format!("{PETER_TEXT}\n{}", PETER_SIG_LINE.replace("AM=\n", "AM\n")),
        format!(
            "{PETER_TEXT}\n{}",
            PETER_SIG_LINE.replace("AM=\n", "AM= \n")
        ),
        // Signature of fewer than 5 bytes.
        format!("{PETER_TEXT}\n— PeterNeumann AAAAAA==\n"),
        // Name with a '+'.
        format!(
            "{PETER_TEXT}\n{}",
            PETER_SIG_LINE.replace("PeterNeumann", "Peter+Neumann")
        ),
    ];
    for msg in cases {
        assert!(is_malformed(open(msg.as_bytes(), &peter())), "{msg:?}");
    }
}

#[test]
fn unauthenticated_parse_round_trips_and_keeps_every_line() {
    let witness = key("witness.example/w1", 4);
    let w_line = Signature::new(witness.name().clone(), witness.key_id(), vec![5; 64])
        .unwrap()
        .to_line();
    let msg = format!("{}{w_line}{PETER_SIG_LINE}", peter_msg());
    let parsed = SignedNote::parse_unauthenticated(msg.as_bytes()).unwrap();
    assert_eq!(parsed.text(), PETER_TEXT);
    assert_eq!(parsed.signatures().len(), 3);
    assert_eq!(parsed.to_bytes(), msg.as_bytes());
}

#[test]
fn add_signature_appends_a_line_that_then_verifies() {
    let log = key("log.example", 1);
    let other = key("other.example", 2);
    let msg = sign("t\n", &[&log]).unwrap();
    let mut note = SignedNote::parse_unauthenticated(&msg).unwrap();
    let sig = Signature::new(
        other.name().clone(),
        other.key_id(),
        other.sign_raw(b"t\n").to_vec(),
    )
    .unwrap();
    note.add_signature(sig).unwrap();
    let opened = open(
        &note.to_bytes(),
        &Verifiers::new([log.verifier_key(), other.verifier_key()]),
    )
    .unwrap();
    assert_eq!(opened.verified_signatures().len(), 2);
}

#[test]
fn sign_refuses_cosignature_keys() {
    let witness = SignerKey::from_seed_with(
        KeyName::new("witness.example").unwrap(),
        lockproof_tlog::KeyAlgorithm::CosignatureV1,
        [1; 32],
    );
    assert!(is_malformed(sign("t\n", &[&witness])));
    assert!(is_malformed(sign("t\n", &[])));
}
