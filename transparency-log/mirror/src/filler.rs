//! The [`Filler`]: lookup miss → upstream fetch → append (waiting for the durable checkpoint)
//! → answer.
//!
//! - **Single-flight.** Concurrent fills of one key share one upstream fetch: the first caller
//!   leads, later callers wait for its outcome.
//! - **Negative cache.** "No such version" answers are remembered for
//!   [`FillerConfig::negative_ttl`] and never logged, so a burst of lookups for a typo costs one
//!   upstream request, and a version published a minute later is still found.
//! - **Errors are never logged.** Any upstream failure (transport, status, timeout, size cap,
//!   malformed answer, failed verification) becomes [`Error::Upstream`]; nothing is appended.
//! - **Limits.** Every upstream request passes one [`Gate`]: a concurrency cap and a rate limit
//!   shared by all callers.
//! - A batch ([`Filler::fill_many`]) fetches its keys in parallel and appends the results in one
//!   [`Log::add`] call, so a 1,000-entry lockfile costs one checkpoint, not a thousand.
//!
//! The filler is synchronous (the upstream clients and [`Log::add`] block); async callers run it
//! on a blocking thread.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use lockproof_log::{AddStatus, Log};
use lockproof_tlog::{Record, RecordKey};

use crate::limit::{Clock, Gate, Limits, SystemClock, lock};
use crate::metrics::{FillMetrics, add_duration};
use crate::{Error, Upstreams};

/// Settings of a [`Filler`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FillerConfig {
    /// How long a "no such version" answer is remembered (and not asked again).
    pub negative_ttl: Duration,
    /// Limits toward upstream registries.
    pub limits: Limits,
}

impl Default for FillerConfig {
    /// Negative answers are kept for 60 seconds: long enough to absorb a burst of retries, short
    /// enough that a just-published version is found on the next attempt.
    fn default() -> Self {
        Self {
            negative_ttl: Duration::from_secs(60),
            limits: Limits::default(),
        }
    }
}

/// What a fill did for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// The record is in the log at this index (it was there already, or was just appended and
    /// its checkpoint is durable).
    Logged(u64),
    /// The upstream says the version (or file) does not exist. Not logged; cached briefly.
    Absent,
    /// No upstream is configured for the key's ecosystem.
    NoUpstream,
}

/// An upstream answer: the published record, `None` for "no such version", or the failure.
type Fetched = Result<Option<Record>, Error>;

/// One key's fill in progress; callers that join it wait for `done`.
#[derive(Default)]
struct Flight {
    result: Mutex<Option<Result<Fill, Error>>>,
    done: Condvar,
}

impl Flight {
    fn finish(&self, result: Result<Fill, Error>) {
        *lock(&self.result) = Some(result);
        self.done.notify_all();
    }

    fn wait(&self) -> Result<Fill, Error> {
        let mut r = lock(&self.result);
        loop {
            if let Some(result) = r.as_ref() {
                return result.clone();
            }
            r = match self.done.wait(r) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
    }
}

/// Fills a log from upstream registries on lookup misses. Share it behind an [`Arc`].
pub struct Filler {
    log: Log,
    upstreams: Upstreams,
    config: FillerConfig,
    clock: Arc<dyn Clock>,
    gate: Gate,
    flights: Mutex<HashMap<String, Arc<Flight>>>,
    /// Lookup path → when the negative answer expires.
    negative: Mutex<HashMap<String, Instant>>,
    metrics: FillMetrics,
}

impl std::fmt::Debug for Filler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filler")
            .field("log", &self.log)
            .field("upstreams", &self.upstreams)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Tries per upstream fetch when the connection itself fails.
const FETCH_ATTEMPTS: u32 = 3;
/// Wait before the second try (doubled before the third).
const RETRY_BACKOFF: Duration = Duration::from_millis(200);

fn is_timeout(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("timeout") || r.contains("timed out")
}

/// Most negative answers remembered; beyond this the expired ones are dropped, and if none
/// are expired the cache is cleared (it is only an optimisation).
const MAX_NEGATIVE_ENTRIES: usize = 100_000;

enum Role {
    Done(Result<Fill, Error>),
    Lead(Arc<Flight>),
    Join(Arc<Flight>),
}

impl Filler {
    /// A filler appending to `log` (opened writable) from `upstreams`.
    #[must_use]
    pub fn new(log: Log, upstreams: Upstreams, config: FillerConfig) -> Self {
        Self::with_clock(log, upstreams, config, Arc::new(SystemClock))
    }

    /// [`Filler::new`] with an injected clock (for the negative cache).
    #[must_use]
    pub fn with_clock(
        log: Log,
        upstreams: Upstreams,
        config: FillerConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            log,
            upstreams,
            config,
            clock,
            gate: Gate::new(config.limits),
            flights: Mutex::new(HashMap::new()),
            negative: Mutex::new(HashMap::new()),
            metrics: FillMetrics::default(),
        }
    }

    /// The log this filler appends to.
    #[must_use]
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The fill counters.
    #[must_use]
    pub fn metrics(&self) -> &FillMetrics {
        &self.metrics
    }

    /// The effective upstream limits.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.gate.limits()
    }

    /// Whether an upstream is configured for `key`'s ecosystem.
    #[must_use]
    pub fn serves(&self, key: &RecordKey) -> bool {
        self.upstreams.for_key(key).is_some()
    }

    /// Makes sure `key` is logged if its upstream publishes it; see [`Filler::fill_many`].
    ///
    /// # Errors
    /// As [`Filler::fill_many`].
    pub fn fill(&self, key: &RecordKey) -> Result<Fill, Error> {
        self.fill_many(std::slice::from_ref(key), &|_, _| {})
            .pop()
            .unwrap_or_else(|| Err(Error::Log("no result".into())))
    }

    /// For each key: if it is logged, its index; otherwise ask its upstream (unless a recent
    /// negative answer is cached, or another caller is already asking), append the published
    /// record, wait for the durable checkpoint, and return the new index. Results are in the
    /// order of `keys`. `progress(done, total)` is called as upstream fetches finish.
    ///
    /// Each result is independent; a failed key never stops the others. An `Err` means
    /// nothing was logged for that key: [`Error::Upstream`] for an upstream failure,
    /// [`Error::Conflict`] when the log already holds a different record for the key,
    /// [`Error::Log`] for an append failure.
    pub fn fill_many(
        &self,
        keys: &[RecordKey],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Vec<Result<Fill, Error>> {
        // Plan: decide per distinct key whether it is done, ours to fetch, or someone else's.
        let mut roles: HashMap<String, Role> = HashMap::new();
        let mut lead: Vec<(&RecordKey, Arc<Flight>)> = Vec::new();
        for key in keys {
            let path = key.lookup_path();
            if roles.contains_key(&path) {
                continue;
            }
            let role = self.plan_one(key, &path);
            if let Role::Lead(f) = &role {
                lead.push((key, Arc::clone(f)));
            }
            roles.insert(path, role);
        }

        // Fetch: our keys, in parallel, through the gate.
        let started = Instant::now();
        let fetched = self.fetch_all(&lead, progress);
        if !lead.is_empty() {
            add_duration(&self.metrics.upstream_wall_micros, started.elapsed());
        }

        // Append everything found in one call, then publish each outcome to its waiters.
        let outcomes = self.append_all(fetched);
        for ((key, flight), outcome) in lead.iter().zip(outcomes) {
            let path = key.lookup_path();
            self.count(&outcome);
            if outcome == Ok(Fill::Absent) {
                self.remember_absent(&path);
            }
            lock(&self.flights).remove(&path);
            flight.finish(outcome.clone());
            roles.insert(path, Role::Done(outcome));
        }

        keys.iter()
            .map(|key| match roles.get(&key.lookup_path()) {
                Some(Role::Done(r)) => r.clone(),
                Some(Role::Join(f) | Role::Lead(f)) => f.wait(),
                None => Err(Error::Log("key lost while planning".into())),
            })
            .collect()
    }

    fn plan_one(&self, key: &RecordKey, path: &str) -> Role {
        match self.log.lookup(key) {
            Ok(Some((index, _))) => {
                self.metrics.already_logged.fetch_add(1, Ordering::Relaxed);
                return Role::Done(Ok(Fill::Logged(index)));
            }
            Ok(None) => {}
            Err(e) => return Role::Done(Err(Error::from(e))),
        }
        if !self.serves(key) {
            return Role::Done(Ok(Fill::NoUpstream));
        }
        if self.is_known_absent(path) {
            self.metrics.negative_hits.fetch_add(1, Ordering::Relaxed);
            return Role::Done(Ok(Fill::Absent));
        }
        let mut flights = lock(&self.flights);
        if let Some(f) = flights.get(path) {
            self.metrics.joined.fetch_add(1, Ordering::Relaxed);
            return Role::Join(Arc::clone(f));
        }
        let f = Arc::new(Flight::default());
        flights.insert(path.to_owned(), Arc::clone(&f));
        drop(flights);
        // The key may have been logged between our lookup and taking the lead (a fill that
        // just finished): check again so it is not fetched twice.
        if let Ok(Some((index, _))) = self.log.lookup(key) {
            lock(&self.flights).remove(path);
            f.finish(Ok(Fill::Logged(index)));
            self.metrics.already_logged.fetch_add(1, Ordering::Relaxed);
            return Role::Done(Ok(Fill::Logged(index)));
        }
        Role::Lead(f)
    }

    /// Fetches every led key upstream; `None` = absent upstream.
    fn fetch_all(
        &self,
        lead: &[(&RecordKey, Arc<Flight>)],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Vec<Result<Option<Record>, Error>> {
        let total = lead.len();
        let slots: Vec<Mutex<Option<Fetched>>> = (0..total).map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let workers = self.gate.limits().max_concurrent.min(total);
        let work = || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((key, _)) = lead.get(i) else { break };
                let result = self.fetch_one(key);
                *lock(&slots[i]) = Some(result);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            }
        };
        if workers <= 1 {
            work();
        } else {
            std::thread::scope(|s| {
                for _ in 0..workers {
                    s.spawn(work);
                }
            });
        }
        slots
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .unwrap_or_else(|| Err(Error::Log("fetch worker stopped".into())))
            })
            .collect()
    }

    fn fetch_one(&self, key: &RecordKey) -> Result<Option<Record>, Error> {
        let upstream_err = |reason: String| Error::Upstream {
            key: key.lookup_path(),
            reason,
        };
        let Some(upstream) = self.upstreams.for_key(key) else {
            return Ok(None);
        };
        let mut attempt = 1;
        let result = loop {
            let _permit = self.gate.enter();
            let started = Instant::now();
            self.metrics
                .upstream_requests
                .fetch_add(1, Ordering::Relaxed);
            let result = upstream.fetch(key);
            add_duration(&self.metrics.upstream_micros, started.elapsed());
            match result {
                // A connection that failed (DNS, refused, reset) may work a moment later; a
                // timeout already took its time, and a status or malformed answer will not.
                Err(lockproof_upstream::Error::Transport { reason, .. })
                    if attempt < FETCH_ATTEMPTS && !is_timeout(&reason) =>
                {
                    std::thread::sleep(RETRY_BACKOFF * attempt);
                    attempt += 1;
                }
                other => break other,
            }
        };
        match result {
            Ok(Some(record)) => {
                // Fetchers build the record from the key; check anyway, so a faulty fetcher can
                // never log a record under another key.
                record
                    .check_key(key)
                    .map_err(|e| upstream_err(format!("answered for another key: {e}")))?;
                Ok(Some(record))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(upstream_err(e.to_string())),
        }
    }

    /// Appends the records found (one [`Log::add`] call) and maps every led key to its outcome.
    fn append_all(&self, fetched: Vec<Result<Option<Record>, Error>>) -> Vec<Result<Fill, Error>> {
        let mut outcomes: Vec<Result<Fill, Error>> = Vec::with_capacity(fetched.len());
        let mut records = Vec::new();
        let mut positions = Vec::new();
        for (i, f) in fetched.into_iter().enumerate() {
            match f {
                Ok(Some(record)) => {
                    positions.push(i);
                    records.push(record);
                    outcomes.push(Ok(Fill::Absent)); // replaced below
                }
                Ok(None) => outcomes.push(Ok(Fill::Absent)),
                Err(e) => outcomes.push(Err(e)),
            }
        }
        if records.is_empty() {
            return outcomes;
        }
        let started = Instant::now();
        match self.log.add(records.clone()) {
            Ok(out) => {
                for (&i, status) in positions.iter().zip(&out.results) {
                    outcomes[i] = Ok(Fill::Logged(status.index()));
                }
            }
            // One record of the batch conflicts with what the log holds (someone logged the
            // key meanwhile): the batch was refused as a whole, so append one by one to give
            // every key its own answer.
            Err(lockproof_log::Error::Conflict { .. }) => {
                for (&i, record) in positions.iter().zip(records) {
                    outcomes[i] = match self.log.add(vec![record]) {
                        Ok(out) => out
                            .results
                            .first()
                            .map(|s: &AddStatus| Fill::Logged(s.index()))
                            .ok_or_else(|| Error::Log("empty add result".into())),
                        Err(e) => Err(Error::from(e)),
                    };
                }
            }
            Err(e) => {
                let e = Error::from(e);
                for &i in &positions {
                    outcomes[i] = Err(e.clone());
                }
            }
        }
        add_duration(&self.metrics.append_micros, started.elapsed());
        outcomes
    }

    fn count(&self, outcome: &Result<Fill, Error>) {
        let counter = match outcome {
            Ok(Fill::Logged(_)) => &self.metrics.filled,
            Ok(Fill::Absent) => &self.metrics.absent,
            Ok(Fill::NoUpstream) => return,
            Err(_) => &self.metrics.errors,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn is_known_absent(&self, path: &str) -> bool {
        let now = self.clock.now();
        let mut neg = lock(&self.negative);
        match neg.get(path) {
            Some(&expires) if expires > now => true,
            Some(_) => {
                neg.remove(path);
                false
            }
            None => false,
        }
    }

    fn remember_absent(&self, path: &str) {
        if self.config.negative_ttl.is_zero() {
            return;
        }
        let now = self.clock.now();
        let mut neg = lock(&self.negative);
        if neg.len() >= MAX_NEGATIVE_ENTRIES {
            neg.retain(|_, &mut expires| expires > now);
            if neg.len() >= MAX_NEGATIVE_ENTRIES {
                neg.clear();
            }
        }
        neg.insert(path.to_owned(), now + self.config.negative_ttl);
    }
}
