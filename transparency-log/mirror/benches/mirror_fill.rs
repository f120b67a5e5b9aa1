//! Cold and warm verification of a 1,000-entry Cargo.lock through a mirror-mode server with a
//! local fake upstream (crates.io sparse-index format), split into upstream, append and proof
//! time; warm verification is compared with the same log served without mirror mode, measured
//! in the same run. Prints a Markdown table (benchmarks/mirror.md).
//!
//! `cargo bench -p lockproof-mirror --bench mirror_fill` (about 15 s).

#![allow(clippy::unwrap_used, missing_docs, reason = "benchmark harness")]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{FakeRegistry, Reply, crates_index_files, new_log, serve, verify_http};
use lockproof_mirror::{Filler, FillerConfig, Limits, Upstreams};

const ENTRIES: usize = 1000;
const WARM_RUNS: usize = 5;

fn lockfile() -> Vec<lockproof_lockfile::Entry> {
    use sha2::Digest as _;
    let mut text = String::from("version = 4\n");
    for i in 0..ENTRIES {
        let name = format!("bench-crate-{i:04}");
        let sum = hex::encode(sha2::Sha256::digest(name.as_bytes()));
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"1.0.{i}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{sum}\"\n"
        ));
    }
    lockproof_lockfile::parse_str(
        lockproof_lockfile::Format::CargoLock,
        std::path::Path::new("Cargo.lock"),
        &text,
    )
    .unwrap()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

fn run(latency: Duration) {
    let entries = lockfile();
    let reg = FakeRegistry::start();
    for (p, body) in crates_index_files(&entries) {
        reg.set(&format!("/crates{p}"), Reply::slow(body, latency));
    }
    let (_dir, log) = new_log("bench.mirror");
    let upstreams = Upstreams::from_flags(
        "crates",
        &[format!("crates={}/crates/", reg.base)],
        &common::http(),
    )
    .unwrap();
    let config = FillerConfig {
        limits: Limits {
            max_concurrent: 16,
            rate_per_second: 1e6,
            burst: 1_000_000,
        },
        ..FillerConfig::default()
    };
    let filler = Arc::new(Filler::new(log.clone(), upstreams, config));
    let mirror = serve(lockproof_mirror::http::router(
        Arc::clone(&filler),
        lockproof_log::http::ServeConfig::default(),
    ));
    let plain = serve(lockproof_log::http::router(
        log.clone(),
        lockproof_log::http::ServeConfig::default(),
    ));
    let vkey = log.verifier_key().to_string();
    let files = vec![("Cargo.lock".to_string(), entries)];

    let state = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let report = verify_http(&mirror.base, &vkey, files.clone(), state.path());
    let cold = started.elapsed();
    assert_eq!(common::count(&report, "match"), ENTRIES);
    let c = filler.metrics().counts();
    assert_eq!(c.filled as usize, ENTRIES);
    let proof = cold.saturating_sub(c.upstream_wall + c.append_time);

    let mut warm_mirror = Vec::new();
    let mut warm_plain = Vec::new();
    for _ in 0..WARM_RUNS {
        for (base, out) in [
            (&plain.base, &mut warm_plain),
            (&mirror.base, &mut warm_mirror),
        ] {
            let state = tempfile::tempdir().unwrap();
            let t = Instant::now();
            let report = verify_http(base, &vkey, files.clone(), state.path());
            out.push(t.elapsed());
            assert_eq!(common::count(&report, "match"), ENTRIES);
        }
    }
    let (wm, wp) = (median(warm_mirror), median(warm_plain));
    println!(
        "| {} ms | {} | {} ({:.0}%) | {} ({:.0}%) | {} ({:.0}%) | {} | {} | {:.2} |",
        latency.as_millis(),
        ms(cold),
        ms(c.upstream_wall),
        100.0 * c.upstream_wall.as_secs_f64() / cold.as_secs_f64(),
        ms(c.append_time),
        100.0 * c.append_time.as_secs_f64() / cold.as_secs_f64(),
        ms(proof),
        100.0 * proof.as_secs_f64() / cold.as_secs_f64(),
        ms(wm),
        ms(wp),
        wm.as_secs_f64() / wp.as_secs_f64(),
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!(
        "| upstream latency | cold total | upstream (wall) | append + durable checkpoint | lookup + proofs + verify | warm via mirror | warm, plain log (reference) | warm ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    run(Duration::ZERO);
    run(Duration::from_millis(20));
}
