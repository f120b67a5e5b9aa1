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

/// Appends one single-value metric in the [Prometheus text exposition format]: its `# HELP`
/// and `# TYPE` lines and `name value`. `kind` is `counter` or `gauge`.
///
/// [Prometheus text exposition format]: https://prometheus.io/docs/instrumenting/exposition_formats/
pub fn write_metric(
    out: &mut String,
    name: &str,
    help: &str,
    kind: &str,
    value: impl std::fmt::Display,
) {
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
    );
}

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
    /// Request counters by face and status code, lock-free for the common codes.
    requests: [[AtomicU64; CODES.len()]; FACES.len()],
    /// Requests with a face or code outside the tables above.
    other_requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

/// The faces requests are counted under.
const FACES: [&str; 4] = ["sumdb", "tiles", "api", "ops"];
/// The status codes the server answers with.
const CODES: [u16; 11] = [200, 400, 401, 403, 404, 405, 409, 413, 500, 503, 304];

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
        let f = FACES.iter().position(|x| *x == face);
        let c = CODES.iter().position(|x| *x == status);
        if let (Some(f), Some(c)) = (f, c) {
            self.requests[f][c].fetch_add(1, Ordering::Relaxed);
            return;
        }
        let mut map = match self.other_requests.lock() {
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
        let g = write_metric;
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
        let mut all: BTreeMap<(&'static str, u16), u64> = match self.other_requests.lock() {
            Ok(m) => m.clone(),
            Err(p) => p.into_inner().clone(),
        };
        for (face, counters) in FACES.iter().zip(&self.requests) {
            for (code, n) in CODES.iter().zip(counters) {
                let n = n.load(Ordering::Relaxed);
                if n > 0 {
                    *all.entry((face, *code)).or_default() += n;
                }
            }
        }
        for ((face, code), n) in &all {
            let _ = writeln!(
                out,
                "lockproof_http_requests_total{{face=\"{face}\",code=\"{code}\"}} {n}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_request_counts_batches_and_size() {
        let m = Metrics::default();
        m.set_size(42);
        m.record_request("sumdb", 200);
        m.record_request("sumdb", 200);
        m.record_request("api", 401);
        m.record_request("ops", 418);
        m.record_batch(10, 1, 0, Duration::from_millis(3));
        let text = m.render();
        for line in [
            "lockproof_log_tree_size 42",
            "lockproof_log_appends_total 10",
            "lockproof_http_requests_total{face=\"sumdb\",code=\"200\"} 2",
            "lockproof_http_requests_total{face=\"api\",code=\"401\"} 1",
            "lockproof_http_requests_total{face=\"ops\",code=\"418\"} 1",
            "lockproof_log_batch_seconds_bucket{le=\"0.005\"} 1",
            "lockproof_log_batch_seconds_count 1",
        ] {
            assert!(text.contains(line), "{line} missing:\n{text}");
        }
    }
}
