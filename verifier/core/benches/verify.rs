//! CPU cost of the warm verification path, in process: verify a signed checkpoint and 1,000
//! inclusion proofs in a tree of 2^20 records (what a warm 1,000-entry lockfile costs once its
//! answers are at hand), against the floor of the node hashes it must compute.
//!
//! `cargo bench -p lockproof-verify --bench verify` (results in benchmarks/verify.md).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use lockproof_tlog::{
    Hash, KeyName, SignerKey, Tree, format_tree_note, node_hash, prove_records, record_hash, sign,
    stored_hashes, tree_hash,
};
use lockproof_verify::bundle::{BUNDLE_FORMAT, Bundle, BundleAnswer, BundleLog};
use lockproof_verify::client::TrustContext;
use lockproof_verify::state::TrustStore;

const SIZE: u64 = 1 << 20;
const LOOKUPS: u64 = 1000;

fn record(i: u64) -> String {
    format!(
        "cargo/pad{i} 1.0.0 sha256:{}\n",
        record_hash(i.to_string().as_bytes()).to_hex()
    )
}

fn bench(c: &mut Criterion) {
    let mut hashes: Vec<Hash> = Vec::new();
    for i in 0..SIZE {
        let h = stored_hashes(i, record(i).as_bytes(), &hashes).unwrap();
        hashes.extend(h);
    }
    let tree = Tree {
        size: SIZE,
        hash: tree_hash(SIZE, &hashes).unwrap(),
    };
    let signer = SignerKey::from_seed(KeyName::new("bench.example/log").unwrap(), [1; 32]);
    let note = String::from_utf8(sign(&format_tree_note(&tree), &[&signer]).unwrap()).unwrap();
    let indexes: Vec<u64> = (0..LOOKUPS).map(|k| k * (SIZE / LOOKUPS) + 7).collect();
    let proofs = prove_records(SIZE, &indexes, &hashes).unwrap();
    let bundle = Bundle {
        format: BUNDLE_FORMAT.into(),
        logs: vec![BundleLog {
            name: "bench.example/log".into(),
            checkpoint: note,
            cosigned: None,
            cosigned_consistency: Vec::new(),
        }],
        answers: indexes
            .iter()
            .zip(&proofs)
            .map(|(&i, p)| BundleAnswer {
                log: 0,
                key: format!("cargo/pad{i}@1.0.0"),
                index: Some(i),
                record: Some(record(i)),
                inclusion: p.0.iter().map(Hash::to_base64).collect(),
                missing: false,
            })
            .collect(),
    };
    let proof_hashes: usize = proofs.iter().map(|p| p.0.len()).sum();
    eprintln!("{LOOKUPS} proofs, {proof_hashes} proof hashes + {LOOKUPS} leaf hashes");
    let dir = std::env::temp_dir();
    let ctx = TrustContext {
        witnesses: Vec::new(),
        required: 0,
        store: TrustStore::at(&dir),
        tile_cache: None,
        collect_proofs: false,
        prefer_batch: true,
        witness_wait: std::time::Duration::ZERO,
    };
    let key = signer.verifier_key();

    c.bench_function(
        "verify checkpoint + 1000 inclusion proofs (2^20 tree)",
        |b| b.iter(|| bundle.verify_log(&key, &ctx).unwrap()),
    );
    let a = record_hash(b"a");
    c.bench_function("node hash (SHA-256 of 65 bytes)", |b| {
        b.iter(|| node_hash(&a, std::hint::black_box(&a)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
