//! Every passing sigstore-conformance case must FAIL once one thing is broken: a flipped byte
//! in the signature, the certificate, the inclusion proof, the checkpoint, the inclusion
//! promise or the artifact; the wrong identity or issuer; or a trust root whose CAs have
//! expired. The mutated inputs are built here from the vendored fixtures, and each failure
//! must carry the reason of the check that was broken.

#![cfg(feature = "sigstore")]

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The passing cases (each with the production root unless it ships its own).
const PASSING: &[&str] = &[
    "happy-path-v0.1",
    "happy-path-v0.3",
    "happy-path-intoto-in-dsse-v3",
    "intoto-with-custom-trust-root",
    "rekor2-happy-path",
];

struct Inputs {
    bundle: Value,
    artifact: Vec<u8>,
    root: Value,
    identity: String,
    issuer: String,
}

fn load(case: &str) -> Inputs {
    let base = support::fixture("sigstore/bundle-verify");
    let dir = base.join(case);
    let json = |p: PathBuf| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json")
    };
    let root_path = if dir.join("trusted_root.json").exists() {
        dir.join("trusted_root.json")
    } else {
        support::fixture("sigstore/production_trusted_root.json")
    };
    let artifact = if dir.join("artifact").exists() {
        dir.join("artifact")
    } else {
        base.join("a.txt")
    };
    Inputs {
        bundle: json(dir.join("bundle.sigstore.json")),
        artifact: std::fs::read(artifact).expect("artifact"),
        root: json(root_path),
        identity: IDENTITY.to_owned(),
        issuer: ISSUER.to_owned(),
    }
}

/// Writes the inputs to `dir` and runs `attest verify --json` with the artifact path and with
/// its digest; returns the two (exit code, reason) pairs.
fn verify(home: &Path, inputs: &Inputs) -> Vec<(Option<i32>, Option<String>)> {
    let dir = tempfile::tempdir_in(home).expect("tempdir");
    let bundle = dir.path().join("bundle.json");
    let artifact = dir.path().join("artifact");
    let root = dir.path().join("root.json");
    std::fs::write(&bundle, serde_json::to_vec(&inputs.bundle).expect("json")).expect("write");
    std::fs::write(&artifact, &inputs.artifact).expect("write");
    std::fs::write(&root, serde_json::to_vec(&inputs.root).expect("json")).expect("write");
    let digest = lockproof_attest::Sha256Digest::of(&inputs.artifact).to_string();
    [artifact.to_str().expect("utf-8").to_owned(), digest]
        .into_iter()
        .map(|art| {
            let out = support::lockproof(home)
                .args(["attest", "verify", "--json", "--bundle"])
                .arg(&bundle)
                .args([
                    "--artifact",
                    &art,
                    "--identity",
                    &inputs.identity,
                    "--issuer",
                    &inputs.issuer,
                ])
                .arg("--trusted-root")
                .arg(&root)
                .output()
                .expect("run lockproof");
            let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
            (
                out.status.code(),
                report["reason"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// Flips one bit of the base64 string at `pointer`, at byte `at` (negative: from the end).
fn flip_b64(bundle: &mut Value, pointer: &str, at: isize) -> bool {
    let Some(field) = bundle.pointer_mut(pointer) else {
        return false;
    };
    let mut bytes = B64.decode(field.as_str().expect("string")).expect("base64");
    let i = if at < 0 {
        bytes.len() - at.unsigned_abs()
    } else {
        at.unsigned_abs()
    };
    bytes[i] ^= 0x01;
    *field = Value::String(B64.encode(bytes));
    true
}

/// Flips one bit in the last signature line of the checkpoint note at `pointer`.
fn flip_checkpoint_signature(bundle: &mut Value, pointer: &str) -> bool {
    let Some(field) = bundle.pointer_mut(pointer) else {
        return false;
    };
    let note = field.as_str().expect("string").to_owned();
    let (head, last) = note
        .trim_end_matches('\n')
        .rsplit_once(' ')
        .expect("signature line");
    let mut sig = B64.decode(last).expect("base64");
    let n = sig.len();
    sig[n - 2] ^= 0x01;
    *field = Value::String(format!("{head} {}\n", B64.encode(sig)));
    true
}

/// Where each case keeps the thing to break.
fn signature_pointer(b: &Value) -> &'static str {
    if b.pointer("/dsseEnvelope").is_some() {
        "/dsseEnvelope/signatures/0/sig"
    } else {
        "/messageSignature/signature"
    }
}

fn certificate_pointer(b: &Value) -> &'static str {
    if b.pointer("/verificationMaterial/certificate").is_some() {
        "/verificationMaterial/certificate/rawBytes"
    } else {
        "/verificationMaterial/x509CertificateChain/certificates/0/rawBytes"
    }
}

const ENTRY: &str = "/verificationMaterial/tlogEntries/0";

#[test]
fn unmodified_passing_cases_pass_through_the_mutation_harness() {
    let home = tempfile::tempdir().expect("tempdir");
    for case in PASSING {
        for (code, reason) in verify(home.path(), &load(case)) {
            assert_eq!(code, Some(0), "{case}: {reason:?}");
        }
    }
}

/// Applies `mutate` to each passing case; each case where it applies must fail with `reason`.
fn assert_each_fails(name: &str, reason: &'static str, mutate: impl Fn(&mut Inputs) -> bool) {
    assert_each_fails_with(name, |_| reason, mutate);
}

/// As [`assert_each_fails`], with the expected reason depending on the case.
fn assert_each_fails_with(
    name: &str,
    reason_for: impl Fn(&str) -> &'static str,
    mutate: impl Fn(&mut Inputs) -> bool,
) {
    let home = tempfile::tempdir().expect("tempdir");
    let mut applied = 0;
    let mut wrong = Vec::new();
    for case in PASSING {
        let mut inputs = load(case);
        if !mutate(&mut inputs) {
            continue;
        }
        applied += 1;
        let reason = reason_for(case);
        for (code, got) in verify(home.path(), &inputs) {
            if code != Some(1) || got.as_deref() != Some(reason) {
                wrong.push(format!(
                    "{name} on {case}: expected exit 1 ({reason}), got {code:?} {got:?}"
                ));
            }
        }
    }
    assert!(applied > 0, "{name} applied to no case");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The two cases with an RFC 3161 timestamp fail earlier, at the timestamp: the TSA signed a
/// digest of the signature, so a changed signature no longer matches the timestamp's message
/// imprint (step 0 of verification, before the signature itself is checked).
fn signature_reason(case: &str) -> &'static str {
    match case {
        "intoto-with-custom-trust-root" | "rekor2-happy-path" => "timestamp",
        _ => "signature",
    }
}

#[test]
fn flipped_signature_byte_fails_signature_check() {
    assert_each_fails_with("signature", signature_reason, |i| {
        let p = signature_pointer(&i.bundle);
        flip_b64(&mut i.bundle, p, 20)
    });
}

#[test]
fn flipped_certificate_byte_fails_certificate_check() {
    // A byte inside the issuer's signature over the certificate (the DER's last bytes), so the
    // certificate still parses but no longer chains to the trusted CA.
    assert_each_fails("certificate", "certificate", |i| {
        let p = certificate_pointer(&i.bundle);
        flip_b64(&mut i.bundle, p, -5)
    });
}

#[test]
fn flipped_inclusion_proof_hash_fails_inclusion_check() {
    assert_each_fails("inclusion proof", "inclusion_proof", |i| {
        let has_hashes = i
            .bundle
            .pointer(&format!("{ENTRY}/inclusionProof/hashes/0"))
            .is_some();
        has_hashes
            && flip_b64(
                &mut i.bundle,
                &format!("{ENTRY}/inclusionProof/hashes/0"),
                7,
            )
    });
}

#[test]
fn flipped_checkpoint_signature_fails_checkpoint_check() {
    assert_each_fails("checkpoint", "checkpoint", |i| {
        flip_checkpoint_signature(
            &mut i.bundle,
            &format!("{ENTRY}/inclusionProof/checkpoint/envelope"),
        )
    });
}

/// Rekor v1 bundles repeat the root in the proof, so a changed checkpoint root disagrees with
/// it (`checkpoint`). Rekor v2 takes the root from the checkpoint only, so the audit path no
/// longer leads to it (`inclusion_proof`).
fn checkpoint_root_reason(case: &str) -> &'static str {
    if case == "rekor2-happy-path" {
        "inclusion_proof"
    } else {
        "checkpoint"
    }
}

#[test]
fn flipped_checkpoint_root_fails_checkpoint_or_proof_check() {
    assert_each_fails_with("checkpoint root", checkpoint_root_reason, |i| {
        let p = format!("{ENTRY}/inclusionProof/checkpoint/envelope");
        let Some(field) = i.bundle.pointer_mut(&p) else {
            return false;
        };
        let note = field.as_str().expect("string").to_owned();
        let mut lines: Vec<String> = note.split('\n').map(str::to_owned).collect();
        let mut root = B64.decode(&lines[2]).expect("root");
        root[0] ^= 0x01;
        lines[2] = B64.encode(root);
        *field = Value::String(lines.join("\n"));
        true
    });
}

#[test]
fn flipped_inclusion_promise_fails_promise_check() {
    assert_each_fails("inclusion promise", "inclusion_promise", |i| {
        flip_b64(
            &mut i.bundle,
            &format!("{ENTRY}/inclusionPromise/signedEntryTimestamp"),
            20,
        )
    });
}

#[test]
fn flipped_artifact_byte_fails_artifact_binding() {
    assert_each_fails("artifact", "artifact_mismatch", |i| {
        i.artifact[3] ^= 0x01;
        true
    });
}

#[test]
fn wrong_identity_fails_identity_check() {
    assert_each_fails("identity", "identity", |i| {
        i.identity =
            "https://github.com/attacker/repo/.github/workflows/release.yml@refs/heads/main".into();
        true
    });
}

#[test]
fn wrong_issuer_fails_issuer_check() {
    assert_each_fails("issuer", "issuer", |i| {
        i.issuer = "https://accounts.google.com".into();
        true
    });
}

#[test]
fn trust_root_whose_authorities_expired_before_signing_fails_certificate_check() {
    assert_each_fails("expired trust root", "certificate", |i| {
        let cas = i.root["certificateAuthorities"]
            .as_array_mut()
            .expect("CAs");
        for ca in cas {
            ca["validFor"] =
                serde_json::json!({"start": "2000-01-01T00:00:00Z", "end": "2001-01-01T00:00:00Z"});
        }
        true
    });
}
