//! Offline bundles: strict canonical parsing.
#![allow(clippy::unwrap_used)]

use lockproof_verify::bundle::{BUNDLE_FORMAT, Bundle, BundleAnswer, BundleLog};
use proptest::prelude::*;

fn sample() -> Bundle {
    Bundle {
        format: BUNDLE_FORMAT.into(),
        logs: vec![BundleLog {
            name: "l.test".into(),
            checkpoint: "go.sum database tree\n1\nAAAA\n\n— l x\n".into(),
            cosigned: None,
            cosigned_consistency: Vec::new(),
        }],
        answers: vec![
            BundleAnswer {
                log: 0,
                key: "cargo/a@1".into(),
                index: Some(0),
                record: Some("cargo/a 1 sha256:00\n".into()),
                inclusion: vec![],
                missing: false,
            },
            BundleAnswer {
                log: 0,
                key: "cargo/b@1".into(),
                index: None,
                record: None,
                inclusion: vec![],
                missing: true,
            },
        ],
    }
}

#[test]
fn canonical_bytes_round_trip() {
    let b = sample();
    assert_eq!(Bundle::parse(&b.to_bytes()).unwrap(), b);
}

#[test]
fn a_cosigned_checkpoint_and_its_consistency_proof_round_trip() {
    let mut b = sample();
    b.logs[0].cosigned = Some("l.test\n2\nAAAA\n\n— l x\n".into());
    b.logs[0].cosigned_consistency = vec!["AAAA".into(), "BBBB".into()];
    let bytes = b.to_bytes();
    assert_eq!(Bundle::parse(&bytes).unwrap(), b);
    // An empty proof is written by leaving the field out, never as `[]`.
    let canonical = sample().to_bytes();
    let empty = String::from_utf8(canonical).unwrap().replacen(
        "\"}],",
        "\",\"cosigned_consistency\":[]}],",
        1,
    );
    assert!(empty.contains("\"cosigned_consistency\":[]"), "{empty}");
    assert!(Bundle::parse(empty.as_bytes()).is_err());
}

#[test]
fn rejects_non_canonical_encodings_and_unknown_fields() {
    let bytes = sample().to_bytes();
    let spaced = String::from_utf8(bytes.clone())
        .unwrap()
        .replacen(",", ", ", 1);
    assert!(
        Bundle::parse(spaced.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("canonical")
    );
    let extra = String::from_utf8(bytes)
        .unwrap()
        .replacen("{\"format\"", "{\"x\":1,\"format\"", 1);
    assert!(Bundle::parse(extra.as_bytes()).is_err());
    assert!(Bundle::parse(b"{}").is_err());
}

proptest! {
    #[test]
    fn bundle_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Bundle::parse(&bytes);
    }

    #[test]
    fn any_single_byte_change_is_rejected_or_changes_the_content(pos in 0usize..4096, byte in any::<u8>()) {
        let good = sample().to_bytes();
        let pos = pos % good.len();
        prop_assume!(good[pos] != byte);
        let mut bad = good.clone();
        bad[pos] = byte;
        if let Ok(b) = Bundle::parse(&bad) {
            // Whatever still parses is a different bundle, which the proofs then reject.
            prop_assert_ne!(b, sample());
        }
    }
}
