//! The one digest normaliser: hex ⇄ bytes ⇄ base64 ⇄ SRI round-trips and strict rejection.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use lockproof_lockfile::{Algorithm, Digest};
use proptest::prelude::*;

const ALGORITHMS: [Algorithm; 5] = [
    Algorithm::Sha1,
    Algorithm::Sha256,
    Algorithm::Sha384,
    Algorithm::Sha512,
    Algorithm::GoH1,
];

fn any_digest() -> impl Strategy<Value = Digest> {
    (
        0..ALGORITHMS.len(),
        proptest::collection::vec(any::<u8>(), 64),
    )
        .prop_map(|(i, bytes)| {
            let a = ALGORITHMS[i];
            Digest::from_bytes(a, &bytes[..a.digest_len()]).unwrap()
        })
}

proptest! {
    #[test]
    fn hex_base64_sri_and_display_round_trip(d in any_digest()) {
        let a = d.algorithm();
        prop_assert_eq!(&Digest::from_hex(a, &d.to_hex()).unwrap(), &d);
        prop_assert_eq!(&Digest::from_base64(a, &d.to_base64()).unwrap(), &d);
        prop_assert_eq!(&Digest::from_bytes(a, d.bytes()).unwrap(), &d);
        prop_assert_eq!(&Digest::parse(&d.to_sri()).unwrap(), &d);
        prop_assert_eq!(&Digest::parse(&d.to_string()).unwrap(), &d);
        if a != Algorithm::GoH1 {
            prop_assert_eq!(&Digest::from_sri(&d.to_sri()).unwrap(), &d);
        }
    }

    #[test]
    fn parse_never_panics(s in ".{0,200}") {
        let _ = Digest::parse(&s);
        let _ = Digest::from_sri(&s);
    }
}

#[test]
fn matches_the_is_number_cross_vector() {
    // SOURCES.md: npm dist.integrity and dist.shasum of is-number@7.0.0.
    let sri = "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==";
    let d = Digest::from_sri(sri).unwrap();
    assert_eq!(d.to_sri(), sri);
    assert!(d.to_hex().starts_with("e350a27e"));
    let sha1 = Digest::parse("sha1:7535345b896734d5f80c4d06c50955527a14f12b").unwrap();
    assert_eq!(sha1.to_sri(), "sha1-dTU0W4lnNNX4DE0GxQlVUnoU8Ss=");
}

#[test]
fn sri_picks_the_strongest_of_several_hashes() {
    let sha1 = "sha1-dTU0W4lnNNX4DE0GxQlVUnoU8Ss=";
    let sha512 = "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==";
    let d = Digest::from_sri(&format!("{sha1} {sha512}")).unwrap();
    assert_eq!(d.algorithm(), Algorithm::Sha512);
    let d = Digest::from_sri(&format!("{sha512}\t{sha1}")).unwrap();
    assert_eq!(d.algorithm(), Algorithm::Sha512);
}

#[test]
fn rejects_wrong_lengths_and_bad_encodings() {
    for bad in [
        "sha256:abcd",                                                             // too short
        "sha256:zz2e7343e7fc9de883d1b0341e0b13970f764c14101234857d2ddafa1cb1cac2", // not hex
        "sha512-41Cifkg6",                   // bad base64 / short
        "sha1-dTU0W4lnNNX4DE0GxQlVUnoU8Ss",  // missing padding
        "sha1-dTU0W4lnNNX4DE0GxQlVUnoU8St=", // non-canonical trailing bits
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "h1:abc",
        "",
        "sha256",
    ] {
        assert!(Digest::parse(bad).is_err(), "accepted {bad:?}");
    }
    assert!(Digest::from_sri("").is_err());
    assert!(Digest::from_sri("sha512-41Cifkg6 garbage").is_err());
}

#[test]
fn accepts_every_lockfile_spelling() {
    let hex = "5d2e7343e7fc9de883d1b0341e0b13970f764c14101234857d2ddafa1cb1cac2";
    let want = Digest::from_hex(Algorithm::Sha256, hex).unwrap();
    assert_eq!(Digest::parse(&format!("sha256:{hex}")).unwrap(), want);
    assert_eq!(Digest::parse(&format!("sha256={hex}")).unwrap(), want);
    assert_eq!(
        Digest::parse(&format!("sha256:{}", hex.to_uppercase())).unwrap(),
        want
    );
    assert_eq!(Digest::parse(&want.to_sri()).unwrap(), want);
    let go = Digest::parse("h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=").unwrap();
    assert_eq!(go.algorithm(), Algorithm::GoH1);
    assert_eq!(
        go.to_sri(),
        "h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0="
    );
    assert_eq!(Digest::parse(&go.to_string()).unwrap(), go);
}
