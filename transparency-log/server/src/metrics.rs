//! Prometheus text-format metrics: tree size, appends, batch latency, request counts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the batch-latency histogram buckets.
const BATCH_BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// Counters and gauges of one log.
#[derive(Debug, Default)]
pub struct Metrics {
    size: AtomicU64,
    appends: AtomicU64,
    duplicates: AtomicU64,
    conflicts: AtomicU64,
    batches: AtomicU64,
    batch_micros: AtomicU64,
    batch_buckets: [AtomicU64; BATCH_BUCKETS.len()],
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl Metrics {
    pub(crate) fn set_size(&self, size: u64) {
        self.size.store(size, Ordering::Relaxed);
    }

    pub(crate) fn record_batch(&self, added: u64, duplicates: u64, conflicts: u64, took: Duration) {
        self.appends.fetch_add(added, Ordering::Relaxed);
        self.duplicates.fetch_add(duplicates, Ordering::Relaxed);
        self.conflicts.fetch_add(conflicts, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.batch_micros.fetch_add(micros, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (bound, counter) in BATCH_BUCKETS.iter().zip(&self.batch_buckets) {
            if secs <= *bound {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Counts one HTTP request answered with `status` on `face` (`sumdb`, `tiles`, `api`, `ops`).
    pub fn record_request(&self, face: &'static str, status: u16) {
        let mut map = match self.requests.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        *map.entry((face, status)).or_default() += 1;
    }

    /// Appended records so far (since the process started).
    #[must_use]
    pub fn appends(&self) -> u64 {
        self.appends.load(Ordering::Relaxed)
    }

    /// Renders every metric in the Prometheus text exposition format.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        let g = |o: &mut String, name: &str, help: &str, kind: &str, v: u64| {
            // Writing to a String cannot fail.
            let _ = write!(
                o,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"
            );
        };
        g(
            &mut out,
            "lockproof_log_tree_size",
            "Size of the latest published checkpoint.",
            "gauge",
            self.size.load(Ordering::Relaxed),
        );
        g(
            &mut out,
            "lockproof_log_appends_total",
            "Records appended.",
            "counter",
            self.appends(),
        );
        g(
            &mut out,
            "lockproof_log_duplicates_total",
            "Identical records re-submitted (no-ops).",
            "counter",
            self.duplicates.load(Ordering::Relaxed),
        );
        g(
            &mut out,
            "lockproof_log_conflicts_total",
            "Records refused because their key holds a different record.",
            "counter",
            self.conflicts.load(Ordering::Relaxed),
        );
        let batches = self.batches.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP lockproof_log_batch_seconds Sequencer batch latency (write, fsync, sign, publish)."
        );
        let _ = writeln!(out, "# TYPE lockproof_log_batch_seconds histogram");
        for (bound, counter) in BATCH_BUCKETS.iter().zip(&self.batch_buckets) {
            let _ = writeln!(
                out,
                "lockproof_log_batch_seconds_bucket{{le=\"{bound}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "lockproof_log_batch_seconds_bucket{{le=\"+Inf\"}} {batches}"
        );
        let sum = self.batch_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "lockproof_log_batch_seconds_sum {sum}");
        let _ = writeln!(out, "lockproof_log_batch_seconds_count {batches}");
        let _ = writeln!(
            out,
            "# HELP lockproof_http_requests_total HTTP requests by face and status code."
        );
        let _ = writeln!(out, "# TYPE lockproof_http_requests_total counter");
        let map = match self.requests.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        for ((face, code), n) in map.iter() {
            let _ = writeln!(
                out,
                "lockproof_http_requests_total{{face=\"{face}\",code=\"{code}\"}} {n}"
            );
        }
        out
    }
}
