//! Key text in Go's formats (`golang.org/x/mod/sumdb/note`) and C2SP key names.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_tlog::Error;
use lockproof_tlog::key::{
    KeyAlgorithm, KeyId, KeyName, SignerKey, VerifierKey, generate_key, generate_key_with,
};
use lockproof_tlog::note::{Verifiers, open, sign};

const GO_VKEY: &str = "sumdb.interop.test+e657c8f2+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
const GO_SKEY: &str =
    "PRIVATE+KEY+sumdb.interop.test+e657c8f2+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
/// sum.golang.org's key, hard-coded in cmd/go/internal/modfetch/key.go.
const SUM_GOLANG_ORG: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
/// x/mod sumdb client_test.go.
const LOCALDEV_VKEY: &str =
    "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6";
const LOCALDEV_SKEY: &str =
    "PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk";

fn malformed<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::Malformed { .. }))
}

#[test]
fn parses_real_go_keys_and_formats_them_back() {
    for vkey in [GO_VKEY, SUM_GOLANG_ORG, LOCALDEV_VKEY] {
        let k = VerifierKey::parse(vkey).unwrap();
        assert_eq!(k.to_string(), vkey);
        assert_eq!(k.algorithm(), KeyAlgorithm::Ed25519);
        assert_eq!(vkey.parse::<VerifierKey>().unwrap(), k);
    }
    assert_eq!(
        VerifierKey::parse(SUM_GOLANG_ORG).unwrap().key_id(),
        KeyId(0x033de0ae)
    );
    let local = SignerKey::parse(LOCALDEV_SKEY).unwrap();
    assert_eq!(local.to_private_text(), LOCALDEV_SKEY);
    assert_eq!(local.verifier_key().to_string(), LOCALDEV_VKEY);
}

#[test]
fn rejects_keys_whose_id_does_not_match() {
    assert!(malformed(VerifierKey::parse(
        &GO_VKEY.replace("e657c8f2", "e657c8f3")
    )));
    assert!(malformed(SignerKey::parse(
        &GO_SKEY.replace("e657c8f2", "00000000")
    )));
    // The same key material under another name has another id.
    assert!(malformed(VerifierKey::parse(
        &GO_VKEY.replace("sumdb.interop.test", "other.test")
    )));
}

#[test]
fn rejects_non_canonical_key_text() {
    let bad_vkeys = [
        String::new(),
        GO_VKEY.replace("e657c8f2", "E657C8F2"), // uppercase id
        GO_VKEY.replace("+e657c8f2+", "+657c8f2+"), // short id
        GO_VKEY.replace("+e657c8f2+", "+0e657c8f2+"), // long id
        format!(" {GO_VKEY}"),
        format!("{GO_VKEY} "),
        format!("{GO_VKEY}\n"),            // newline only in key *files*
        GO_VKEY.replace("VTG4", "VTG5"),   // non-zero trailing bits
        GO_VKEY.replace("+AQOh", "+AgOh"), // algorithm 0x02
        "rekor.sigstore.dev+12345678+AwEB".to_owned(), // algorithm 0x03, short key
        "bananas.sigstore.dev+12344556".to_owned(), // missing part
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!".to_owned(),
        format!("{GO_VKEY}+extra"),
        GO_VKEY.replace("sumdb.interop.test", ""), // empty name
    ];
    for vkey in bad_vkeys {
        assert!(malformed(VerifierKey::parse(&vkey)), "{vkey:?}");
    }
    let bad_skeys = [
        GO_SKEY.replace("PRIVATE+KEY+", "PRIVATE+KEYS+"),
        GO_SKEY.replace("PRIVATE+KEY+", "private+key+"),
        GO_SKEY.strip_prefix("PRIVATE+KEY+").unwrap().to_owned(),
        format!("{GO_SKEY}\n"),
        GO_SKEY.replace("+AQAB", "+AgAB"),
        GO_VKEY.to_owned(),
    ];
    for skey in bad_skeys {
        assert!(malformed(SignerKey::parse(&skey)), "{skey:?}");
    }
}

#[test]
fn key_files_may_end_in_exactly_one_newline() {
    assert!(VerifierKey::parse_file(format!("{GO_VKEY}\n").as_bytes()).is_ok());
    assert!(VerifierKey::parse_file(GO_VKEY.as_bytes()).is_ok());
    assert!(malformed(VerifierKey::parse_file(
        format!("{GO_VKEY}\n\n").as_bytes()
    )));
    assert!(malformed(VerifierKey::parse_file(
        format!("{GO_VKEY}\r\n").as_bytes()
    )));
    assert!(malformed(SignerKey::parse_file(b"\xff\xfe")));
}

#[test]
fn key_names_follow_c2sp_rules() {
    for good in [
        "sum.golang.org",
        "example.com/log42",
        "127.0.0.1:9",
        "oid/1.3.6.1.4.1.5",
        "ünïcode",
    ] {
        assert_eq!(KeyName::new(good).unwrap().as_str(), good);
    }
    for bad in [
        "",
        "a+b",
        "a b",
        "a\tb",
        "a\nb",
        "a\u{a0}b",
        "a\u{2003}b",
        "a\u{3000}b",
        "a\u{7f}b",
        "a\u{85}b",
    ] {
        assert!(malformed(KeyName::new(bad)), "{bad:?}");
    }
    assert!(malformed(KeyName::new(
        &"a".repeat(lockproof_tlog::key::MAX_KEY_NAME_LEN + 1)
    )));
}

#[test]
fn signer_debug_output_hides_the_seed() {
    let skey = SignerKey::parse(GO_SKEY).unwrap();
    let debug = format!("{skey:?}");
    assert!(!debug.contains("AQABAgMEBQYH"), "{debug}");
    assert!(debug.contains("sumdb.interop.test"));
}

#[test]
fn generated_keys_sign_and_verify_and_differ() {
    let name = KeyName::new("fresh.example/log").unwrap();
    let (s1, v1) = generate_key(name.clone()).unwrap();
    let (s2, _) = generate_key(name).unwrap();
    assert_ne!(s1.to_private_text(), s2.to_private_text());
    let msg = sign("hello\n", &[&s1]).unwrap();
    assert!(open(&msg, &Verifiers::new([v1.clone()])).is_ok());
    // Generated keys round-trip through their texts.
    assert_eq!(
        SignerKey::parse(&s1.to_private_text())
            .unwrap()
            .verifier_key(),
        v1
    );
    assert_eq!(VerifierKey::parse(&v1.to_string()).unwrap(), v1);
    let (w, wv) = generate_key_with(
        KeyName::new("w.example").unwrap(),
        KeyAlgorithm::CosignatureV1,
    )
    .unwrap();
    assert_eq!(w.algorithm(), KeyAlgorithm::CosignatureV1);
    assert_eq!(VerifierKey::parse(&wv.to_string()).unwrap(), wv);
    assert!(
        wv.to_string().contains("+B"),
        "0x04 key material starts with base64 'B'"
    );
}

#[test]
fn rejects_small_order_public_keys() {
    // The identity point encodes as 0x01 followed by zeros: a valid point of small order.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let name = KeyName::new("weak.example").unwrap();
    assert!(malformed(VerifierKey::from_public_key(
        name.clone(),
        KeyAlgorithm::Ed25519,
        &identity
    )));
    let mut material = vec![1u8];
    material.extend_from_slice(&identity);
    let id = KeyId::compute(&name, KeyAlgorithm::Ed25519, &identity);
    let text = format!("weak.example+{id}+{}", base64_std(&material));
    assert!(malformed(VerifierKey::parse(&text)));
    // The same construction with a real key parses, so the rejection above is the point's order.
    let go = VerifierKey::parse(GO_VKEY).unwrap();
    let mut go_material = vec![1u8];
    go_material.extend_from_slice(&go.public_key());
    let go_text = format!(
        "sumdb.interop.test+{}+{}",
        go.key_id(),
        base64_std(&go_material)
    );
    assert_eq!(go_text, GO_VKEY);
}

/// Standard base64 with padding, written out so the test does not depend on the crate's encoder.
fn base64_std(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
