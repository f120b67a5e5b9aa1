//! Shared helpers for the `verify_*` end-to-end tests: lockfile generators, a real local
//! lockproof log, and a small in-test HTTP log server that can be told to lie.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

pub mod fake;

use std::path::Path;

use lockproof_tlog::Record;

/// A Cargo.lock (v3) with `n` registry packages and the log records that match it.
pub fn cargo_lock(n: usize) -> (String, Vec<String>) {
    let mut text = String::from("# generated\nversion = 3\n");
    let mut records = Vec::new();
    for i in 0..n {
        let sum = sha256_hex(format!("crate-{i}").as_bytes());
        text.push_str(&format!(
            "\n[[package]]\nname = \"crate{i}\"\nversion = \"1.0.{i}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{sum}\"\n"
        ));
        records.push(format!("cargo/crate{i} 1.0.{i} sha256:{sum}\n"));
    }
    (text, records)
}

/// A deterministic 32-byte hex digest for test data (SHA-256 of 0x00 ‖ data).
pub fn sha256_hex(data: &[u8]) -> String {
    lockproof_tlog::record_hash(data).to_hex()
}

/// The log records for every pinned entry of a lockfile, via the lockfile crate.
pub fn records_of(lockfile: &Path) -> Vec<String> {
    let entries = lockproof_lockfile::parse(lockfile).unwrap();
    let mut out: Vec<String> = entries.iter().filter_map(|e| e.record_line()).collect();
    out.sort();
    out.dedup();
    out
}

/// Create a log directory holding `records` with the server crate and return its vkey.
pub fn local_log(dir: &Path, name: &str, records: &[String]) -> String {
    let vkey = lockproof_log::Log::init(dir, name, None).unwrap();
    let log = lockproof_log::Log::open(dir).unwrap();
    let recs: Vec<Record> = records
        .iter()
        .map(|r| Record::parse(r.as_bytes()).unwrap())
        .collect();
    if !recs.is_empty() {
        log.add(recs).unwrap();
    }
    drop(log);
    vkey.to_string()
}

/// Output of a finished command as text (one helper for every end-to-end test).
pub use crate::support::text;
