//! Proof verification cost against its floor: the raw cost of the node hashes the RFC 9162
//! algorithm must compute, measured in the same run.
//!
//! Trees of 2^20 and 2^30 records cannot be built in a benchmark, so proofs come from a
//! *virtual* tree: every node on the path of a few chosen leaves is computed from its children
//! (so the tree is consistent wherever a proof or root looks), and every other complete subtree
//! root is a fixed pseudo-random hash — exactly what a real log with unknown contents looks like
//! to a verifier. The proofs are produced by the crate's own `prove_record`/`prove_tree` through
//! a `HashReader`, and checked once before timing.
//!
//! Run: `cargo bench -p lockproof-tlog --bench merkle` (a few seconds). After the criterion
//! groups it prints the ratio verify / floor for each case, measured in one loop each.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use lockproof_tlog::{
    Error, Hash, HashReaderFn, RecordProof, TreeProof, check_record, check_tree, node_hash,
    prove_record, prove_tree, record_hash, split_stored_hash_index, tree_hash,
};

/// A consistent virtual tree: nodes over any leaf in `hot` are computed, the rest are opaque.
struct VirtualTree {
    hot: Vec<u64>,
}

impl VirtualTree {
    fn node(&self, level: u8, n: u64) -> Hash {
        let lo = n << level;
        let hi = (n + 1) << level;
        if level == 0 {
            return record_hash(&n.to_be_bytes());
        }
        if self.hot.iter().any(|&leaf| lo <= leaf && leaf < hi) {
            node_hash(
                &self.node(level - 1, 2 * n),
                &self.node(level - 1, 2 * n + 1),
            )
        } else {
            let mut seed = [0u8; 9];
            seed[0] = level;
            seed[1..].copy_from_slice(&n.to_be_bytes());
            record_hash(&seed)
        }
    }

    fn reader(&self) -> HashReaderFn<impl Fn(&[u64]) -> Result<Vec<Hash>, Error> + '_> {
        HashReaderFn(move |indexes: &[u64]| {
            Ok(indexes
                .iter()
                .map(|&i| {
                    let (level, n) = split_stored_hash_index(i);
                    self.node(level, n)
                })
                .collect())
        })
    }
}

/// A proof to time: of a record's inclusion in tree `t`, or of tree `n`'s consistency with
/// tree `t`.
enum Proof {
    Inclusion(RecordProof),
    Consistency(TreeProof),
}

/// One valid proof, what it proves (`h` is the record or old tree hash, `th` the tree hash)
/// and the length of its floor.
struct Case {
    name: &'static str,
    t: u64,
    n: u64,
    th: Hash,
    h: Hash,
    proof: Proof,
}

impl Case {
    fn inclusion(name: &'static str, t: u64, n: u64) -> Self {
        let tree = VirtualTree {
            hot: vec![n, t - 1],
        };
        let reader = tree.reader();
        let proof = prove_record(t, n, &reader).expect("prove_record");
        let th = tree_hash(t, &reader).expect("tree_hash");
        Self::checked(name, t, n, th, tree.node(0, n), Proof::Inclusion(proof))
    }

    fn consistency(name: &'static str, t: u64, n: u64) -> Self {
        let tree = VirtualTree {
            hot: vec![n - 1, t - 1],
        };
        let reader = tree.reader();
        let proof = prove_tree(t, n, &reader).expect("prove_tree");
        let th = tree_hash(t, &reader).expect("tree_hash");
        let h = tree_hash(n, &reader).expect("tree_hash");
        Self::checked(name, t, n, th, h, Proof::Consistency(proof))
    }

    fn checked(name: &'static str, t: u64, n: u64, th: Hash, h: Hash, proof: Proof) -> Self {
        let case = Self {
            name,
            t,
            n,
            th,
            h,
            proof,
        };
        case.verify(n).expect("valid proof");
        case
    }

    /// The function timed, as the criterion benchmark name.
    fn check_name(&self) -> &'static str {
        match self.proof {
            Proof::Inclusion(_) => "check_record",
            Proof::Consistency(_) => "check_tree",
        }
    }

    /// Runs the check once; `n` is `self.n`, passed in so a timing loop can hide it from the
    /// optimiser.
    fn verify(&self, n: u64) -> Result<(), Error> {
        match &self.proof {
            Proof::Inclusion(p) => check_record(black_box(p), self.t, self.th, n, self.h),
            Proof::Consistency(p) => check_tree(black_box(p), self.t, self.th, n, self.h),
        }
    }

    /// How many node hashes the check computes: the length of its floor.
    fn hash_count(&self) -> usize {
        match &self.proof {
            Proof::Inclusion(p) => p.0.len(),
            Proof::Consistency(p) => consistency_hash_count(self.n, self.t, p.0.len()),
        }
    }
}

/// How many node hashes RFC 9162 §2.1.4.2 computes for a valid consistency proof: one per
/// proof hash for the new root, plus one per left-side hash for the old root.
fn consistency_hash_count(n: u64, t: u64, len: usize) -> usize {
    let mut fnode = n - 1;
    let mut snode = t - 1;
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let steps = if n.is_power_of_two() { len } else { len - 1 };
    let mut count = 0;
    for _ in 0..steps {
        if fnode & 1 == 1 || fnode == snode {
            count += 2;
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            count += 1;
        }
        fnode >>= 1;
        snode >>= 1;
    }
    count
}

/// The floor: `count` chained node hashes over the same kind of input.
fn raw_node_hashes(seed: &Hash, sibling: &Hash, count: usize) -> Hash {
    let mut acc = *seed;
    for _ in 0..count {
        acc = node_hash(black_box(sibling), &acc);
    }
    acc
}

fn cases() -> Vec<Case> {
    vec![
        Case::inclusion("inclusion 2^20", 1 << 20, 123_456),
        Case::inclusion("inclusion 2^30", 1 << 30, 987_654_321),
        Case::inclusion("inclusion 2^30-1 (ragged)", (1 << 30) - 1, 987_654_321),
        Case::consistency(
            "consistency 2^20-12345 -> 2^20",
            1 << 20,
            (1 << 20) - 12_345,
        ),
        Case::consistency(
            "consistency 2^30-777 -> 2^30+5",
            (1 << 30) + 5,
            (1 << 30) - 777,
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let cases = cases();
    let sibling = record_hash(b"sibling");
    for case in &cases {
        let count = case.hash_count();
        let mut group = c.benchmark_group(case.name);
        group.bench_function(case.check_name(), |b| {
            b.iter(|| case.verify(black_box(case.n)))
        });
        group.bench_function(format!("floor: {count} node hashes"), |b| {
            b.iter(|| raw_node_hashes(black_box(&case.h), &sibling, count))
        });
        group.finish();
    }
    print_ratios(&cases, &sibling);
}

/// Times `f` over enough iterations to take about `budget`, returning ns per call.
fn time_per_call(budget: Duration, mut f: impl FnMut()) -> f64 {
    let mut iterations = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..iterations {
            f();
        }
        let elapsed = start.elapsed();
        if elapsed >= budget {
            return elapsed.as_nanos() as f64 / iterations as f64;
        }
        iterations *= 2;
    }
}

fn print_ratios(cases: &[Case], sibling: &Hash) {
    let budget = Duration::from_millis(300);
    println!("\nratio = verification time / time of the same number of raw node hashes");
    for case in cases {
        let count = case.hash_count();
        let verify = time_per_call(budget, || {
            let _ = black_box(case.verify(case.n));
        });
        let floor = time_per_call(budget, || {
            black_box(raw_node_hashes(black_box(&case.h), sibling, count));
        });
        println!(
            "{:<36} {count:>3} hashes  verify {verify:>8.0} ns  floor {floor:>8.0} ns  ratio {:.2}",
            case.name,
            verify / floor
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(600));
    targets = bench
}
criterion_main!(benches);
