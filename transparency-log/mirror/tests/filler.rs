//! The Filler and the mirror-mode HTTP decorator against fake registries: fills, single-flight,
//! the negative cache, limits, metrics, and bad upstreams that must log nothing.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{FakeRegistry, Reply, fast, filler, new_log, serve};
use lockproof_mirror::{Clock, Error, Fill, Filler, FillerConfig, Limits, Upstreams};
use lockproof_tlog::{Ecosystem, RecordKey};

const CKSUM: &str = "9f3c5a1e2b4d6f8091a3b5c7d9e1f20314253647586970a1b2c3d4e5f6a7b8c9";

fn cargo_key(name: &str, version: &str) -> RecordKey {
    RecordKey::ecosystem(Ecosystem::Cargo, name, version, None).unwrap()
}

fn index_line(name: &str, version: &str, cksum: &str) -> String {
    format!(
        "{{\"name\":\"{name}\",\"vers\":\"{version}\",\"deps\":[],\"cksum\":\"{cksum}\",\"features\":{{}},\"yanked\":false}}\n"
    )
}

fn crates_override(reg: &FakeRegistry) -> Vec<String> {
    vec![format!("crates={}/", reg.base)]
}

#[test]
fn a_lookup_miss_is_fetched_appended_and_then_answered_from_the_log() {
    let reg = FakeRegistry::start();
    reg.set(
        "/se/rd/serde",
        Reply::ok(index_line("serde", "1.0.0", CKSUM)),
    );
    let (_d, log) = new_log("mirror.test");
    let f = filler(&log, "crates", &crates_override(&reg));
    let key = cargo_key("serde", "1.0.0");
    assert_eq!(f.fill(&key).unwrap(), Fill::Logged(0));
    assert_eq!(
        log.lookup(&key).unwrap().unwrap().1,
        format!("cargo/serde 1.0.0 sha256:{CKSUM}\n")
    );
    assert_eq!(log.checkpoint().tree.size, 1);
    // Logged now: no second upstream request.
    assert_eq!(f.fill(&key).unwrap(), Fill::Logged(0));
    assert_eq!(reg.requests(), 1);
    let c = f.metrics().counts();
    assert_eq!((c.filled, c.already_logged, c.upstream_requests), (1, 1, 1));
}

/// Each bad upstream: the fill fails with a typed upstream error, and the log stays empty.
#[test]
fn bad_upstreams_give_clear_errors_and_log_nothing() {
    let huge = vec![b' '; (lockproof_upstream::limits::CRATES_INDEX_FILE + 1) as usize];
    let cases: Vec<(&str, Reply, &str)> = vec![
        (
            "malformed",
            Reply::ok("{\"name\": \"malformed\", \"vers\""),
            "line 1",
        ),
        (
            "shortsum",
            Reply::ok(index_line("shortsum", "1.0.0", "abcd")),
            "want 32",
        ),
        ("servererror", Reply::status(500), "HTTP status 500"),
        (
            "slowpoke",
            Reply::slow(
                index_line("slowpoke", "1.0.0", CKSUM),
                Duration::from_secs(4),
            ),
            "imeout",
        ),
        ("hugefile", Reply::ok(huge), "larger than"),
    ];
    let reg = FakeRegistry::start();
    for (name, reply, _) in &cases {
        let path = format!(
            "/{}",
            lockproof_upstream::CratesIndex::index_path(name).unwrap()
        );
        reg.set(&path, reply.clone());
    }
    let (_d, log) = new_log("mirror.test");
    let f = filler(&log, "crates", &crates_override(&reg));
    for (name, _, needle) in &cases {
        let err = f.fill(&cargo_key(name, "1.0.0")).unwrap_err();
        let Error::Upstream { key, reason } = &err else {
            panic!("{name}: not an upstream error: {err}");
        };
        assert_eq!(key, &format!("cargo/{name}@1.0.0"));
        assert!(reason.contains(needle), "{name}: {reason}");
        assert_eq!(
            log.checkpoint().tree.size,
            0,
            "{name}: something was logged"
        );
    }
    // A 404 is "no such crate": not an error, and not logged either.
    assert_eq!(
        f.fill(&cargo_key("nosuchcrate", "1.0.0")).unwrap(),
        Fill::Absent
    );
    assert_eq!(log.checkpoint().tree.size, 0);
    assert_eq!(f.metrics().counts().errors, 5);
}

#[test]
fn concurrent_lookups_for_one_key_cause_one_upstream_fetch() {
    let reg = FakeRegistry::start();
    reg.set(
        "/se/rd/serde",
        Reply::slow(
            index_line("serde", "1.0.0", CKSUM),
            Duration::from_millis(300),
        ),
    );
    let (_d, log) = new_log("mirror.test");
    let f = filler(&log, "crates", &crates_override(&reg));
    let key = cargo_key("serde", "1.0.0");
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8).map(|_| s.spawn(|| f.fill(&key))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        results.iter().all(|r| r == &Ok(Fill::Logged(0))),
        "{results:?}"
    );
    assert_eq!(reg.requests_for("/se/rd/serde"), 1);
    assert_eq!(log.checkpoint().tree.size, 1);
    let c = f.metrics().counts();
    assert_eq!(c.upstream_requests, 1);
    assert_eq!(c.joined + c.already_logged, 7);
}

/// A clock the test moves by hand.
struct ManualClock(Mutex<Instant>);

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

#[test]
fn negative_answers_are_cached_briefly_and_never_logged() {
    let reg = FakeRegistry::start();
    let (_d, log) = new_log("mirror.test");
    let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
    let upstreams =
        Upstreams::from_flags("crates", &crates_override(&reg), &common::http()).unwrap();
    let config = FillerConfig {
        negative_ttl: Duration::from_secs(60),
        ..fast()
    };
    let f = Filler::with_clock(log.clone(), upstreams, config, clock.clone());
    let key = cargo_key("serde", "1.0.0");
    assert_eq!(f.fill(&key).unwrap(), Fill::Absent);
    assert_eq!(f.fill(&key).unwrap(), Fill::Absent);
    assert_eq!(
        reg.requests(),
        1,
        "the second miss must come from the cache"
    );
    assert_eq!(f.metrics().counts().negative_hits, 1);
    // The crate is published; within the TTL the cache still says absent, after it the fill
    // finds it.
    reg.set(
        "/se/rd/serde",
        Reply::ok(index_line("serde", "1.0.0", CKSUM)),
    );
    assert_eq!(f.fill(&key).unwrap(), Fill::Absent);
    *clock.0.lock().unwrap() += Duration::from_secs(61);
    assert_eq!(f.fill(&key).unwrap(), Fill::Logged(0));
    assert_eq!(log.checkpoint().tree.size, 1);
}

#[test]
fn upstream_requests_respect_the_rate_limit_and_concurrency_cap() {
    let reg = FakeRegistry::start();
    let names = ["aaaa", "bbbb", "cccc", "dddd", "eeee", "ffff"];
    for n in names {
        reg.set(
            &format!(
                "/{}",
                lockproof_upstream::CratesIndex::index_path(n).unwrap()
            ),
            Reply::ok(index_line(n, "1.0.0", CKSUM)),
        );
    }
    let (_d, log) = new_log("mirror.test");
    let upstreams =
        Upstreams::from_flags("crates", &crates_override(&reg), &common::http()).unwrap();
    let config = FillerConfig {
        limits: Limits {
            max_concurrent: 2,
            rate_per_second: 10.0,
            burst: 1,
        },
        ..FillerConfig::default()
    };
    let f = Filler::new(log.clone(), upstreams, config);
    let keys: Vec<RecordKey> = names.iter().map(|n| cargo_key(n, "1.0.0")).collect();
    let started = Instant::now();
    let results = f.fill_many(&keys, &|_, _| {});
    // One token at once, ten per second: the last of six starts no earlier than 0.5 s.
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(log.checkpoint().tree.size, 6, "one batch appends all six");
}

#[test]
fn keys_of_ecosystems_without_an_upstream_are_not_filled() {
    let (_d, log) = new_log("mirror.test");
    let f = filler(&log, "crates", &["crates=http://127.0.0.1:9/".to_string()]);
    let npm = RecordKey::ecosystem(Ecosystem::Npm, "left-pad", "1.3.0", None).unwrap();
    assert_eq!(f.fill(&npm).unwrap(), Fill::NoUpstream);
    assert!(Upstreams::from_flags("crates,cobol", &[], &common::http()).is_err());
    assert!(Upstreams::from_flags("crates", &["npm=http://x/".into()], &common::http()).is_err());
}

fn get(url: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent.get(url).call().unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

#[test]
fn the_http_decorator_fills_lookups_and_turns_upstream_errors_into_502() {
    let reg = FakeRegistry::start();
    reg.set(
        "/se/rd/serde",
        Reply::ok(index_line("serde", "1.0.0", CKSUM)),
    );
    reg.set("/ab/cd/abcd", Reply::ok("{not json"));
    let (_d, log) = new_log("mirror.test");
    let f = filler(&log, "crates", &crates_override(&reg));
    let served = serve(lockproof_mirror::http::router(
        Arc::clone(&f),
        lockproof_log::http::ServeConfig::default(),
    ));
    let (status, body) = get(&format!("{}/lookup/cargo/serde@1.0.0", served.base));
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with(&format!(
        "0\ncargo/serde 1.0.0 sha256:{CKSUM}\n\ngo.sum database tree\n1\n"
    )));
    // The proxied sumdb path fills too.
    reg.set("/3/s/syn", Reply::ok(index_line("syn", "2.0.0", CKSUM)));
    let (status, _) = get(&format!(
        "{}/sumdb/mirror.test/lookup/cargo/syn@2.0.0",
        served.base
    ));
    assert_eq!(status, 200);
    // Bad upstream: 502 with the reason, nothing logged.
    let (status, body) = get(&format!("{}/lookup/cargo/abcd@1.0.0", served.base));
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("cargo/abcd@1.0.0") && body.contains("malformed"),
        "{body}"
    );
    // No such version: the log's own 404.
    let (status, _) = get(&format!("{}/lookup/cargo/serde@9.9.9", served.base));
    assert_eq!(status, 404);
    assert_eq!(log.checkpoint().tree.size, 2);
    // /metrics carries the fill counters next to the log's.
    let (status, metrics) = get(&format!("{}/metrics", served.base));
    assert_eq!(status, 200);
    assert!(metrics.contains("lockproof_log_tree_size 2"), "{metrics}");
    assert!(
        metrics.contains("lockproof_mirror_fills_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("lockproof_mirror_fill_errors_total 1"),
        "{metrics}"
    );
}

#[test]
fn the_batched_lookup_fills_missing_keys_or_answers_502_naming_each_failure() {
    let reg = FakeRegistry::start();
    reg.set(
        "/se/rd/serde",
        Reply::ok(index_line("serde", "1.0.0", CKSUM)),
    );
    let (_d, log) = new_log("mirror.test");
    let f = filler(&log, "crates", &crates_override(&reg));
    let served = serve(lockproof_mirror::http::router(
        f,
        lockproof_log::http::ServeConfig::default(),
    ));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let post = |keys: &[&str]| {
        let body = serde_json::json!({"keys": keys, "old_size": null}).to_string();
        let mut resp = agent
            .post(&format!("{}/lockproof/v1/lookups", served.base))
            .send(body)
            .unwrap();
        let status = resp.status().as_u16();
        let v: serde_json::Value =
            serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        (status, v)
    };
    let (status, v) = post(&["cargo/serde@1.0.0", "cargo/serde@9.9.9"]);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["results"][0]["status"], "found");
    assert_eq!(v["results"][1]["status"], "missing");
    reg.set("/ab/cd/abcd", Reply::status(503));
    let (status, v) = post(&["cargo/serde@1.0.0", "cargo/abcd@1.0.0"]);
    assert_eq!(status, 502, "{v}");
    assert_eq!(v["failures"][0]["key"], "cargo/abcd@1.0.0");
    assert!(v["failures"][0]["reason"].as_str().unwrap().contains("503"));
    assert_eq!(log.checkpoint().tree.size, 1);
}

#[test]
fn requests_the_mirror_cannot_parse_reach_the_log_unchanged_for_its_own_errors() {
    let (_d, log) = new_log("mirror.test");
    let f = filler(&log, "crates", &["crates=http://127.0.0.1:9/".to_string()]);
    let served = serve(lockproof_mirror::http::router(
        f,
        lockproof_log::http::ServeConfig::default(),
    ));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for body in [
        "",
        "{",
        "{\"keys\":[\"not a key\"],\"old_size\":null}",
        "[1,2]",
    ] {
        let resp = agent
            .post(&format!("{}/lockproof/v1/lookups", served.base))
            .send(body)
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{body:?}");
    }
    let (status, _) = get(&format!("{}/lookup/cargo/Not..Valid@", served.base));
    assert_eq!(status, 400);
    let (status, _) = get(&format!("{}/latest", served.base));
    assert_eq!(status, 200);
    assert_eq!(log.checkpoint().tree.size, 0);
}
