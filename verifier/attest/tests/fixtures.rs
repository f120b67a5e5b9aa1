//! The 14 sigstore-conformance bundle cases in `fixtures/sigstore/`, through the library, in
//! both artifact modes, each `_fail` case asserting its failure reason.
#![cfg(feature = "sigstore")]
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};

use lockproof_attest::{Artifact, Policy, Reason, Sha256Digest, TrustRoot, Verifier};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Expected verdict per case: `None` = passes, `Some(reason)` = fails for that reason.
const CASES: &[(&str, Option<Reason>)] = &[
    ("happy-path-v0.1", None),
    ("happy-path-v0.3", None),
    ("happy-path-intoto-in-dsse-v3", None),
    ("intoto-with-custom-trust-root", None),
    ("rekor2-happy-path", None),
    ("signature-mismatch_fail", Some(Reason::Signature)),
    ("invalid-inclusion-proof_fail", Some(Reason::Checkpoint)), // its v0.2 proof lacks the checkpoint
    (
        "inclusion-proof-corrupted-hash_fail",
        Some(Reason::InclusionProof),
    ),
    ("set-invalid-signature_fail", Some(Reason::InclusionPromise)),
    (
        "invalid-checkpoint-signature_fail",
        Some(Reason::Checkpoint),
    ),
    ("checkpoint-wrong-roothash_fail", Some(Reason::Checkpoint)),
    (
        "wrong-hashedrekord-entry_fail",
        Some(Reason::LogEntryMismatch),
    ),
    ("intoto-expired-certificate_fail", Some(Reason::Certificate)),
    ("integrated-time-in-future_fail", Some(Reason::Certificate)),
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sigstore/bundle-verify")
}

fn read_opt(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim_end().to_owned())
}

#[test]
fn every_fixture_case_gives_its_expected_result_in_both_artifact_modes() {
    let mut failures = Vec::new();
    for (case, expected) in CASES {
        let d = dir().join(case);
        let bundle = std::fs::read_to_string(d.join("bundle.sigstore.json")).unwrap();
        let artifact_path = if d.join("artifact").exists() {
            d.join("artifact")
        } else {
            dir().join("a.txt")
        };
        let artifact = std::fs::read(artifact_path).unwrap();
        let root = match read_opt(&d.join("trusted_root.json")) {
            Some(json) => TrustRoot::from_json(&json).unwrap(),
            None => TrustRoot::public_good().unwrap(),
        };
        let policy = Policy::keyless(
            read_opt(&d.join("identity")).unwrap_or_else(|| DEFAULT_IDENTITY.into()),
            read_opt(&d.join("issuer")).unwrap_or_else(|| DEFAULT_ISSUER.into()),
        );
        let verifier = Verifier::new(&root).unwrap();
        for input in [
            Artifact::Bytes(&artifact),
            Artifact::Sha256(Sha256Digest::of(&artifact)),
        ] {
            let got = verifier.verify(&bundle, input, &policy);
            let got_reason = got.as_ref().err().map(|e| e.reason());
            let ok = match expected {
                None => got.is_ok(),
                Some(reason) => got_reason == Some(Some(*reason)),
            };
            if !ok {
                failures.push(format!(
                    "{case} {input:?}: expected {expected:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn embedded_public_good_root_is_the_vendored_fixture() {
    let fixture = std::fs::read_to_string(dir().join("../production_trusted_root.json")).unwrap();
    assert_eq!(lockproof_attest::PUBLIC_GOOD_TRUSTED_ROOT_JSON, fixture);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Arbitrary byte edits of a valid bundle never panic the verifier (sigstore-verify
        /// included); edits that leave it verifying are only ones the signatures do not cover.
        #[test]
        fn verifying_an_edited_bundle_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
            let d = dir().join("happy-path-v0.3");
            let mut bundle = std::fs::read(d.join("bundle.sigstore.json")).unwrap();
            for (at, byte) in edits {
                let n = bundle.len();
                bundle[at % n] = byte;
            }
            let artifact = std::fs::read(dir().join("a.txt")).unwrap();
            let verifier = Verifier::new(&TrustRoot::public_good().unwrap()).unwrap();
            if let Ok(text) = String::from_utf8(bundle) {
                let _ = verifier.verify(&text, Artifact::Bytes(&artifact), &Policy::keyless(DEFAULT_IDENTITY, DEFAULT_ISSUER));
            }
        }
    }
}
