//! Go `golang.org/x/mod/sumdb/note` agrees: the signed tree notes in
//! `fixtures/go-sumdb-vectors/*.json` (made by Go's `note.Sign` with the deterministic interop
//! key) are reproduced byte for byte, and open with the Go verifier key.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_tlog::checkpoint::{format_tree_note, parse_tree_note};
use lockproof_tlog::key::{KeyName, SignerKey, VerifierKey};
use lockproof_tlog::note::{Verifiers, open, sign};
use lockproof_tlog::{Hash, Tree};

/// The interop key: `sumdbkey -name sumdb.interop.test -seed 000102…1f`
/// (shared/interop/go-sumdb/README.md §5).
const GO_SKEY: &str =
    "PRIVATE+KEY+sumdb.interop.test+e657c8f2+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
const GO_VKEY: &str = "sumdb.interop.test+e657c8f2+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";

fn seed() -> [u8; 32] {
    std::array::from_fn(|i| u8::try_from(i).unwrap())
}

fn trees(file: &str) -> Vec<serde_json::Value> {
    let path = format!(
        "{}/../../fixtures/go-sumdb-vectors/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["trees"].as_array().unwrap().clone()
}

#[test]
fn seed_reproduces_go_key_texts() {
    let skey = SignerKey::from_seed(KeyName::new("sumdb.interop.test").unwrap(), seed());
    assert_eq!(skey.to_private_text(), GO_SKEY);
    assert_eq!(skey.verifier_key().to_string(), GO_VKEY);
    assert_eq!(
        SignerKey::parse(GO_SKEY).unwrap().to_private_text(),
        GO_SKEY
    );
    assert_eq!(VerifierKey::parse(GO_VKEY).unwrap().to_string(), GO_VKEY);
}

#[test]
fn go_key_files_with_trailing_newline_parse() {
    let skey = SignerKey::parse_file(format!("{GO_SKEY}\n").as_bytes()).unwrap();
    let vkey = VerifierKey::parse_file(format!("{GO_VKEY}\n").as_bytes()).unwrap();
    assert_eq!(skey.verifier_key(), vkey);
}

#[test]
fn reproduces_every_go_signed_tree_note_byte_for_byte() {
    let skey = SignerKey::parse(GO_SKEY).unwrap();
    let verifiers = Verifiers::new([VerifierKey::parse(GO_VKEY).unwrap()]);
    let mut checked = 0;
    for file in ["leaves7.json", "records3.json"] {
        for tree in trees(file) {
            let size = tree["size"].as_u64().unwrap();
            let root = Hash::from_hex(tree["root"].as_str().unwrap()).unwrap();
            let text = format_tree_note(&Tree { size, hash: root });
            assert_eq!(
                text,
                tree["note_text"].as_str().unwrap(),
                "{file} size {size}"
            );
            let signed = sign(&text, &[&skey]).unwrap();
            let want = tree["signed_note"].as_str().unwrap();
            assert_eq!(
                String::from_utf8(signed).unwrap(),
                want,
                "{file} size {size}"
            );

            let note = open(want.as_bytes(), &verifiers).unwrap();
            assert_eq!(note.text(), text);
            assert_eq!(
                parse_tree_note(note.text()).unwrap(),
                Tree { size, hash: root }
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 8 + 4);
}
