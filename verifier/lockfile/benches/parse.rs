//! Entries parsed per second, per format, on the largest fixtures; and the time to parse a
//! 5,000-entry lockfile against a floor for verifying 5,000 entries, measured in the same run.
//!
//! Run: `cargo bench -p lockproof-lockfile --bench parse`.

#![allow(clippy::unwrap_used)] // bench setup: a failed unwrap is a broken fixture

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lockproof_lockfile::{Format, parse_str};
use sha2::{Digest as _, Sha256};

const FIXTURES: &[(&str, Format)] = &[
    ("cargo/cargo-Cargo.lock", Format::CargoLock),
    ("go/cosign-go.sum", Format::GoSum),
    (
        "npm/actions-checkout-v1-package-lock.json",
        Format::PackageLock,
    ),
    ("npm/sigstore-js-package-lock.json", Format::PackageLock),
    ("yarn/excalidraw-yarn.lock", Format::YarnV1),
    ("yarn/prettier-berry-yarn.lock", Format::YarnBerry),
    ("pnpm/vuejs-core-pnpm-lock.yaml", Format::PnpmLock),
    ("pypi/poetry-poetry.lock", Format::PoetryLock),
    ("pypi/sigstore-python-uv.lock", Format::UvLock),
    ("pypi/pipenv-pylock.toml", Format::PyLock),
    ("pypi/pipenv-Pipfile.lock", Format::PipfileLock),
    (
        "pypi/sigstore-python-requirements.txt",
        Format::Requirements,
    ),
    ("rubygems/rubygems-dev_gems.rb.lock", Format::GemfileLock),
    ("composer/composer-composer.lock", Format::ComposerLock),
];

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/lockfiles"
    ))
    .join(rel)
}

fn per_format(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    for &(rel, format) in FIXTURES {
        let text = std::fs::read_to_string(fixture(rel)).unwrap();
        let path = Path::new(rel);
        let n = parse_str(format, path, &text).unwrap().len();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(rel, |b| {
            b.iter(|| parse_str(format, path, black_box(&text)).unwrap())
        });
    }
    group.finish();
}

/// A package-lock.json v3 with `n` registry entries, each with a sha512 integrity.
fn synthetic_package_lock(n: usize) -> String {
    let mut s = String::from(
        "{\n  \"name\": \"big\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"big\"}",
    );
    for i in 0..n {
        s.push_str(&format!(
            ",\n    \"node_modules/pkg-{i}\": {{\n      \"version\": \"1.0.{i}\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.0.{i}.tgz\",\n      \"integrity\": \"sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==\"\n    }}"
        ));
    }
    s.push_str("\n  }\n}\n");
    s
}

/// The least work verifying `n` entries takes even with every proof already in memory: per
/// entry one record-leaf hash and 24 interior-node hashes (an inclusion proof in a log of ~16M
/// records, RFC 6962 §2.1.1), no signature check, no I/O.
fn verification_floor(n: usize) -> [u8; 32] {
    let mut acc = [0u8; 32];
    for i in 0..n {
        let mut h: [u8; 32] = Sha256::new()
            .chain_update([0u8])
            .chain_update(format!("npm/pkg-{i} 1.0.{i} sha512:{}\n", "e3".repeat(64)))
            .finalize()
            .into();
        for _ in 0..24 {
            h = Sha256::new()
                .chain_update([1u8])
                .chain_update(h)
                .chain_update(acc)
                .finalize()
                .into();
        }
        acc = h;
    }
    acc
}

/// A `/lockproof/v1/lookups` response body (shared design, "HTTP faces") for `n` found keys,
/// each with a 24-hash inclusion proof.
fn synthetic_lookups_response(n: usize) -> String {
    use base64::Engine as _;
    let hash = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let proof = vec![format!("\"{hash}\""); 24].join(",");
    let mut s = String::from(
        "{\"checkpoint\":\"go.sum database tree\\n16777216\\nAAAA\\n\",\"consistency\":[],\"results\":[",
    );
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"key\":\"npm/pkg-{i}@1.0.{i}\",\"status\":\"found\",\"index\":{i},\"record\":\"npm/pkg-{i} 1.0.{i} sha512:{}\\n\",\"inclusion\":[{proof}]}}",
            "e3".repeat(64)
        ));
    }
    s.push_str("]}");
    s
}

#[derive(serde::Deserialize)]
struct LookupsResponse {
    results: Vec<LookupResult>,
}

#[derive(serde::Deserialize)]
struct LookupResult {
    record: String,
    inclusion: Vec<String>,
}

/// The compute part of verifying `n` entries without any network time: decode the batched
/// lookups response, base64-decode every proof hash, and hash leaf and path per entry.
fn verification_compute(body: &str) -> [u8; 32] {
    use base64::Engine as _;
    let response: LookupsResponse = serde_json::from_str(body).unwrap();
    let mut acc = [0u8; 32];
    for r in &response.results {
        let mut h: [u8; 32] = Sha256::new()
            .chain_update([0u8])
            .chain_update(r.record.as_bytes())
            .finalize()
            .into();
        for p in &r.inclusion {
            let sibling = base64::engine::general_purpose::STANDARD.decode(p).unwrap();
            h = Sha256::new()
                .chain_update([1u8])
                .chain_update(h)
                .chain_update(&sibling)
                .finalize()
                .into();
        }
        acc = h;
    }
    acc
}

fn five_thousand(c: &mut Criterion) {
    let text = synthetic_package_lock(5000);
    let path = Path::new("package-lock.json");
    assert_eq!(
        parse_str(Format::PackageLock, path, &text).unwrap().len(),
        5000
    );
    let mut group = c.benchmark_group("5000-entries");
    group.sample_size(10);
    group.throughput(Throughput::Elements(5000));
    group.bench_function("parse package-lock.json v3", |b| {
        b.iter(|| parse_str(Format::PackageLock, path, black_box(&text)).unwrap())
    });
    group.bench_function("verification floor (25 SHA-256 per entry)", |b| {
        b.iter(|| verification_floor(black_box(5000)))
    });
    let body = synthetic_lookups_response(5000);
    group.bench_function(
        "verification compute without network (decode lookups response + proofs)",
        |b| b.iter(|| verification_compute(black_box(&body))),
    );
    group.finish();
}

criterion_group!(benches, per_format, five_thousand);
criterion_main!(benches);
