//! Fill counters, rendered in the Prometheus text format next to the log's own metrics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counters of one [`crate::Filler`]. All monotonic since the process started.
#[derive(Debug, Default)]
pub struct FillMetrics {
    pub(crate) filled: AtomicU64,
    pub(crate) absent: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) already_logged: AtomicU64,
    pub(crate) negative_hits: AtomicU64,
    pub(crate) joined: AtomicU64,
    pub(crate) upstream_requests: AtomicU64,
    pub(crate) upstream_micros: AtomicU64,
    pub(crate) upstream_wall_micros: AtomicU64,
    pub(crate) append_micros: AtomicU64,
}

/// A point-in-time copy of [`FillMetrics`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FillCounts {
    /// Records fetched upstream and appended.
    pub filled: u64,
    /// Keys the upstream says do not exist (never logged).
    pub absent: u64,
    /// Fills that failed (upstream or log error; nothing logged).
    pub errors: u64,
    /// Keys that were already logged when asked.
    pub already_logged: u64,
    /// Keys answered "absent" from the negative cache, without asking upstream.
    pub negative_hits: u64,
    /// Callers that waited for another caller's fill of the same key (single-flight).
    pub joined: u64,
    /// Requests made to upstreams (one per key fetched).
    pub upstream_requests: u64,
    /// Total time spent in upstream fetches (summed over parallel fetches).
    pub upstream_time: Duration,
    /// Wall-clock time of the upstream phase of every fill batch (parallel fetches overlap).
    pub upstream_wall: Duration,
    /// Total time spent appending fills and waiting for their checkpoint.
    pub append_time: Duration,
}

pub(crate) fn add_duration(counter: &AtomicU64, d: Duration) {
    counter.fetch_add(
        u64::try_from(d.as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
}

impl FillMetrics {
    /// A snapshot of the counters.
    #[must_use]
    pub fn counts(&self) -> FillCounts {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        FillCounts {
            filled: g(&self.filled),
            absent: g(&self.absent),
            errors: g(&self.errors),
            already_logged: g(&self.already_logged),
            negative_hits: g(&self.negative_hits),
            joined: g(&self.joined),
            upstream_requests: g(&self.upstream_requests),
            upstream_time: Duration::from_micros(g(&self.upstream_micros)),
            upstream_wall: Duration::from_micros(g(&self.upstream_wall_micros)),
            append_time: Duration::from_micros(g(&self.append_micros)),
        }
    }

    /// Renders the counters in the Prometheus text exposition format.
    #[must_use]
    pub fn render(&self) -> String {
        let c = self.counts();
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, v: String| {
            lockproof_log::write_metric(&mut out, name, help, "counter", v);
        };
        counter(
            "lockproof_mirror_fills_total",
            "Records fetched from an upstream registry and appended.",
            c.filled.to_string(),
        );
        counter(
            "lockproof_mirror_absent_total",
            "Lookups the upstream answered with no such version (not logged).",
            c.absent.to_string(),
        );
        counter(
            "lockproof_mirror_fill_errors_total",
            "Fills that failed (upstream or append error; nothing logged).",
            c.errors.to_string(),
        );
        counter(
            "lockproof_mirror_negative_cache_hits_total",
            "Lookups answered from the negative cache.",
            c.negative_hits.to_string(),
        );
        counter(
            "lockproof_mirror_singleflight_joins_total",
            "Lookups that waited for a concurrent fill of the same key.",
            c.joined.to_string(),
        );
        counter(
            "lockproof_mirror_upstream_requests_total",
            "Requests made to upstream registries.",
            c.upstream_requests.to_string(),
        );
        counter(
            "lockproof_mirror_upstream_seconds_total",
            "Time spent in upstream fetches.",
            c.upstream_time.as_secs_f64().to_string(),
        );
        counter(
            "lockproof_mirror_append_seconds_total",
            "Time spent appending fills until their checkpoint was durable.",
            c.append_time.as_secs_f64().to_string(),
        );
        out
    }
}
