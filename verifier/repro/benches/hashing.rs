//! Artifact hashing throughput (streamed through a file) against the raw in-memory SHA-256
//! rate, in the same run. `cargo bench -p lockproof-repro --bench hashing`.
#![allow(missing_docs)]

use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256};

const SIZE: usize = 64 << 20;

fn hashing(c: &mut Criterion) {
    let data: Vec<u8> = (0..SIZE).map(|i| (i * 31 % 251) as u8).collect();
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(&data).expect("write");
    file.flush().expect("flush");
    let mut group = c.benchmark_group("sha256-64MiB");
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.sample_size(10);
    group.bench_function("raw sha2 in memory", |b| b.iter(|| Sha256::digest(&data)));
    group.bench_function("lockproof-repro sha256_file", |b| {
        b.iter(|| lockproof_repro::sha256_file(file.path()).expect("hash"))
    });
    group.finish();
}

criterion_group!(benches, hashing);
criterion_main!(benches);
