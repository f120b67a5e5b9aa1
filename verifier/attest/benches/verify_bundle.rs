//! Bundle verification time per bundle, on the passing sigstore-conformance fixtures.
//!
//! Reference measured in the same run: hashing the artifact (`sha256(a.txt)`) and parsing the
//! bundle JSON, so results can be read as ratios. Run with
//! `cargo bench -p lockproof-attest --bench verify_bundle`.
#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use criterion::{Criterion, criterion_group, criterion_main};

#[cfg(feature = "sigstore")]
fn bench(c: &mut Criterion) {
    use lockproof_attest::{Artifact, Policy, Sha256Digest, TrustRoot, Verifier};
    use std::path::Path;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sigstore/bundle-verify");
    let identity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    let issuer = "https://token.actions.githubusercontent.com";
    let a_txt = std::fs::read(dir.join("a.txt")).unwrap();
    let policy = Policy::keyless(identity, issuer);

    let public_good = Verifier::new(&TrustRoot::public_good().unwrap()).unwrap();
    c.bench_function("reference/sha256_a_txt", |b| {
        b.iter(|| Sha256Digest::of(&a_txt))
    });
    let v03 = std::fs::read_to_string(dir.join("happy-path-v0.3/bundle.sigstore.json")).unwrap();
    c.bench_function("reference/parse_bundle_json", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(&v03).unwrap())
    });
    c.bench_function("trust_root/public_good_parse_and_prepare", |b| {
        b.iter(|| Verifier::new(&TrustRoot::public_good().unwrap()).unwrap())
    });
    for case in [
        "happy-path-v0.1",
        "happy-path-v0.3",
        "happy-path-intoto-in-dsse-v3",
    ] {
        let bundle = std::fs::read_to_string(dir.join(case).join("bundle.sigstore.json")).unwrap();
        c.bench_function(&format!("verify/{case}"), |b| {
            b.iter(|| {
                public_good
                    .verify(&bundle, Artifact::Bytes(&a_txt), &policy)
                    .unwrap()
            })
        });
    }
    let rekor2 = dir.join("rekor2-happy-path");
    let staging = Verifier::new(
        &TrustRoot::from_json(&std::fs::read_to_string(rekor2.join("trusted_root.json")).unwrap())
            .unwrap(),
    )
    .unwrap();
    let bundle = std::fs::read_to_string(rekor2.join("bundle.sigstore.json")).unwrap();
    c.bench_function("verify/rekor2-happy-path", |b| {
        b.iter(|| {
            staging
                .verify(&bundle, Artifact::Bytes(&a_txt), &policy)
                .unwrap()
        })
    });
}

#[cfg(not(feature = "sigstore"))]
fn bench(_: &mut Criterion) {}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
