//! Limits toward upstream registries: a concurrency cap and a token-bucket rate limit, and the
//! injectable clock the negative cache reads.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A source of the current time (injected so tests can move time for the negative cache).
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// How hard a mirror may hit its upstreams.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Upstream requests in flight at once, over all callers (at least 1).
    pub max_concurrent: usize,
    /// Sustained upstream requests per second (token-bucket refill rate; > 0).
    pub rate_per_second: f64,
    /// Requests that may start at once after a quiet period (bucket size, at least 1).
    pub burst: u32,
}

impl Default for Limits {
    /// 16 at once, 50 per second, bursts of 100: polite to public registries, and enough to
    /// fill a 1,000-entry lockfile in about 20 seconds.
    fn default() -> Self {
        Self {
            max_concurrent: 16,
            rate_per_second: 50.0,
            burst: 100,
        }
    }
}

/// Enforces [`Limits`]: [`Gate::enter`] blocks until a concurrency slot and a rate token are
/// both available.
#[derive(Debug)]
pub(crate) struct Gate {
    limits: Limits,
    in_use: Mutex<usize>,
    freed: Condvar,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// Tokens available; negative when callers have reserved future tokens and are sleeping.
    tokens: f64,
    last: Instant,
}

/// A held concurrency slot; released on drop.
pub(crate) struct Permit<'a> {
    gate: &'a Gate,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut n = lock(&self.gate.in_use);
        *n = n.saturating_sub(1);
        drop(n);
        self.gate.freed.notify_one();
    }
}

impl Gate {
    pub(crate) fn new(limits: Limits) -> Self {
        let limits = Limits {
            max_concurrent: limits.max_concurrent.max(1),
            rate_per_second: if limits.rate_per_second > 0.0 {
                limits.rate_per_second
            } else {
                f64::MIN_POSITIVE
            },
            burst: limits.burst.max(1),
        };
        Self {
            limits,
            in_use: Mutex::new(0),
            freed: Condvar::new(),
            bucket: Mutex::new(Bucket {
                tokens: f64::from(limits.burst),
                last: Instant::now(),
            }),
        }
    }

    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    /// Waits for a concurrency slot, then for a rate token (sleeping off any deficit).
    pub(crate) fn enter(&self) -> Permit<'_> {
        let mut n = lock(&self.in_use);
        while *n >= self.limits.max_concurrent {
            n = match self.freed.wait(n) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
        *n += 1;
        drop(n);
        let permit = Permit { gate: self };
        let wait = {
            let mut b = lock(&self.bucket);
            let now = Instant::now();
            let refill = now.duration_since(b.last).as_secs_f64() * self.limits.rate_per_second;
            b.tokens = (b.tokens + refill).min(f64::from(self.limits.burst));
            b.last = now;
            b.tokens -= 1.0;
            if b.tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64((-b.tokens / self.limits.rate_per_second).min(3600.0))
            }
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        permit
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}
