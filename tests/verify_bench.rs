//! Benchmarks of `lockproof verify` (issue 5, "Performance"), run by hand, not in CI:
//!
//! ```sh
//! CARGO_TARGET_DIR=… cargo test --release --no-default-features -p lockproof \
//!     --test verify_bench -- --ignored --nocapture
//! ```
//!
//! Prints the tables of `benchmarks/verify.md`: lockproof vs Go's own `sumdb.Client`
//! (`tests/go/gotest client`) on the same go.sum records against (a) Go's reference sumdb
//! server and (b) a lockproof log, both trees of ≥ 10^6 records, both clients cold; and a warm
//! 1,000-entry Cargo.lock against the lockproof log. `LOCKPROOF_BENCH_RECORDS` sets the tree
//! size (default 1,000,000), `LOCKPROOF_BENCH_REPEAT` the cold runs per row (default 9, after
//! one untimed warm-up round).

#[path = "go_helper/mod.rs"]
mod go_helper;
#[path = "support/mod.rs"]
mod support;
#[path = "verify_util/mod.rs"]
mod verify_util;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use go_helper::RefSumdb;
use lockproof_tlog::{KeyName, Record, SignerKey};
use verify_util::{cargo_lock, sha256_hex, text};

const REAL: usize = 1000;

fn go_record(i: usize) -> String {
    let h = |s: &str| {
        format!(
            "h1:{}",
            lockproof_tlog::record_hash(s.as_bytes()).to_base64()
        )
    };
    Record::go(
        &format!("example.com/mod{i}"),
        "v1.0.0",
        &h(&format!("zip{i}")),
        &h(&format!("mod{i}")),
    )
    .unwrap()
    .text()
    .to_owned()
}

/// The `n` of the `REAL` Go records a client verifies: spread evenly over the whole log, as a
/// project's dependencies were logged over the log's whole history (the first `n` would sit in
/// the first `n / REAL` of the tree, where a tile-fetching client shares most upper tiles).
fn picked(n: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |k| k * REAL / n)
}

fn go_sum(n: usize) -> String {
    picked(n).map(go_record).collect()
}

fn modules(n: usize) -> Vec<String> {
    picked(n)
        .map(|i| format!("example.com/mod{i}@v1.0.0"))
        .collect()
}

/// Run a command, return (wall seconds, user+sys CPU seconds, stdout+stderr). The CPU time
/// comes from running it under `/usr/bin/time` (10 ms resolution), only when `cpu` is set:
/// that wrapper's own start-up would otherwise be in the wall time (NaN without `cpu`).
fn timed(cmd: &mut Command, cpu: bool) -> (f64, f64, String) {
    if !cpu {
        let start = Instant::now();
        let out = cmd.output().unwrap();
        let wall = start.elapsed().as_secs_f64();
        assert!(out.status.success(), "{}", text(&out));
        return (wall, f64::NAN, text(&out));
    }
    let tf = tempfile::NamedTempFile::new().unwrap();
    let mut t = Command::new("/usr/bin/time");
    t.arg("-f")
        .arg("%e %U %S")
        .arg("-o")
        .arg(tf.path())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => t.env(k, v),
            None => t.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        t.current_dir(d);
    }
    let start = Instant::now();
    let out = t.output().unwrap();
    let wall = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", text(&out));
    let f: Vec<f64> = std::fs::read_to_string(tf.path())
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    (
        wall,
        f[1] + f[2],
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn requests_of(output: &str, prefix: &str) -> u64 {
    output
        .lines()
        .find_map(|l| {
            l.split_once(prefix)
                .map(|(_, r)| r.split_whitespace().next().unwrap().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no {prefix:?} in {output}"))
}

fn compare(
    label: &str,
    work: &Path,
    go_bin: &Path,
    vkey: &str,
    url: &str,
    n: usize,
    extra: &[&str],
) {
    // One round first, for CPU time only: both servers then serve from warm caches, as a
    // long-running server does (ours expands each hash tile it proves from once).
    let Run { lc, gc, .. } = compare_once(
        &work.join(format!("{label}-{n}-cpu")),
        go_bin,
        vkey,
        url,
        n,
        extra,
        true,
    );
    // Median of the cold runs of each client (fresh state, cache and Go client dirs).
    let repeat = repeat();
    let mut runs: Vec<Run> = (0..repeat)
        .map(|r| {
            compare_once(
                &work.join(format!("{label}-{n}-{r}")),
                go_bin,
                vkey,
                url,
                n,
                extra,
                false,
            )
        })
        .collect();
    runs.sort_by(|a, b| a.lw.total_cmp(&b.lw));
    let Run { lw, lreq, .. } = runs[repeat / 2];
    runs.sort_by(|a, b| a.gw.total_cmp(&b.gw));
    let Run { gw, greq, .. } = runs[repeat / 2];
    println!(
        "| {label} | {n} | {:.1} ms | {:.1} ms | {:.1}× | {lreq} | {greq} | {lc:.2} s | {gc:.2} s |",
        lw * 1e3,
        gw * 1e3,
        gw / lw
    );
}

/// Cold runs per measurement (`LOCKPROOF_BENCH_REPEAT`, default 9); the table shows the
/// median.
fn repeat() -> usize {
    std::env::var("LOCKPROOF_BENCH_REPEAT")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(9)
}

/// One cold run of each client: wall and CPU seconds (CPU only when asked) and request counts,
/// lockproof then Go.
#[derive(Clone, Copy)]
struct Run {
    lw: f64,
    lc: f64,
    lreq: u64,
    gw: f64,
    gc: f64,
    greq: u64,
}

/// `sync(1)`: write back every dirty page before a timed run.
fn settle_disk() {
    let _ = Command::new("sync").status();
}

fn compare_once(
    dir: &Path,
    go_bin: &Path,
    vkey: &str,
    url: &str,
    n: usize,
    extra: &[&str],
    cpu: bool,
) -> Run {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("go.sum"), go_sum(n)).unwrap();
    let mut lp = support::lockproof(&dir.join("home"));
    lp.current_dir(dir)
        .args([
            "verify",
            "go.sum",
            "--stats",
            "--log",
            &format!("{vkey} {url}"),
        ])
        .args(extra);
    // Each client starts with the disk's write queue empty: neither pays for the other's
    // unflushed files when it fsyncs (Go's client writes ~2N tiles without fsync).
    settle_disk();
    let (lw, lc, lo) = timed(&mut lp, cpu);
    let lreq: u64 = lo
        .lines()
        .find(|l| l.contains(" requests for "))
        .and_then(|l| {
            l.split(" requests for ")
                .next()?
                .rsplit(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no request count in {lo}"));
    let mut go = Command::new(go_bin);
    go.arg("client")
        .arg("-vkey")
        .arg(vkey)
        .arg("-url")
        .arg(url)
        .arg("-dir")
        .arg(dir.join("goclient"))
        .args(modules(n));
    settle_disk();
    let (gw, gc, go_out) = timed(&mut go, cpu);
    let greq = requests_of(&go_out, "requests ");
    Run {
        lw,
        lc,
        lreq,
        gw,
        gc,
        greq,
    }
}

#[test]
#[ignore = "benchmark: run by hand with --release --ignored --nocapture"]
fn bench_verify_against_go_and_warm_cache() {
    let Some(go_bin) = go_helper::gotest() else {
        return;
    };
    let pad: usize = std::env::var("LOCKPROOF_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let signer = SignerKey::from_seed(KeyName::new("bench.sumdb.test").unwrap(), [9; 32]);
    std::fs::write(w.join("skey"), signer.to_private_text()).unwrap();
    let vkey = signer.verifier_key().to_string();

    // (a) Go's reference server, pad filler records interleaved with REAL go records.
    let records: String = (0..REAL).map(|i| go_record(i) + "\n").collect();
    std::fs::write(w.join("records"), &records).unwrap();
    let t = Instant::now();
    let reference = RefSumdb::start(
        &go_bin,
        &w.join("skey"),
        &w.join("records"),
        &w.join("addr"),
        &["-spread", &pad.to_string()],
    );
    let ref_url = reference.url.clone();
    eprintln!(
        "reference server with {} records up in {:?}",
        pad + REAL,
        t.elapsed()
    );

    // (b) A lockproof log with the same shape, served in-process.
    let t = Instant::now();
    let logdir = w.join("log");
    let lp_vkey = lockproof_log::Log::init(&logdir, "bench.lockproof.test", None)
        .unwrap()
        .to_string();
    {
        let log = lockproof_log::Log::open(&logdir).unwrap();
        let (_, cargo_records) = cargo_lock(REAL);
        let per = pad / (REAL + 1);
        let mut batch: Vec<Record> = Vec::new();
        let mut next = 0usize;
        let flush = |batch: &mut Vec<Record>| {
            if !batch.is_empty() {
                log.add(std::mem::take(batch)).unwrap();
            }
        };
        for (i, cargo_record) in cargo_records.iter().enumerate() {
            for _ in 0..per {
                let r = format!(
                    "cargo/pad{next} 1.0.0 sha256:{}\n",
                    sha256_hex(next.to_string().as_bytes())
                );
                batch.push(Record::parse(r.as_bytes()).unwrap());
                next += 1;
                if batch.len() >= 50_000 {
                    flush(&mut batch);
                }
            }
            batch.push(Record::parse(go_record(i).as_bytes()).unwrap());
            batch.push(Record::parse(cargo_record.as_bytes()).unwrap());
        }
        flush(&mut batch);
    }
    eprintln!(
        "lockproof log with {} records built in {:?}",
        pad + 2 * REAL,
        t.elapsed()
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let lp_url = format!("http://{}", listener.local_addr().unwrap());
    let served = lockproof_log::Log::open_read_only(&logdir).unwrap();
    // As a long-running server would be: its key index already in memory.
    assert!(served.load_memory_index().unwrap());
    rt.spawn(lockproof_log::http::serve(
        served,
        listener,
        lockproof_log::http::ServeConfig::default(),
        std::future::pending(),
    ));

    println!(
        "\n| server | N | lockproof wall | Go sumdb.Client wall | speed-up | lockproof requests | Go requests | lockproof CPU (one run) | Go CPU (one run) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in [100, 1000] {
        compare(
            "Go reference sumdb (plain protocol)",
            w,
            &go_bin,
            &vkey,
            &ref_url,
            n,
            &[],
        );
    }
    for n in [100, 1000] {
        compare(
            "lockproof log (batched API)",
            w,
            &go_bin,
            &lp_vkey,
            &lp_url,
            n,
            &["--batch"],
        );
    }

    // Warm: a 1,000-entry Cargo.lock, second and later runs.
    let dir = w.join("warm");
    std::fs::create_dir_all(&dir).unwrap();
    let (lock, _) = cargo_lock(REAL);
    std::fs::write(dir.join("Cargo.lock"), lock).unwrap();
    let run = |cpu: bool| {
        let mut c = support::lockproof(&dir.join("home"));
        c.current_dir(&dir).args([
            "verify",
            "Cargo.lock",
            "--stats",
            "--log",
            &format!("{lp_vkey} {lp_url}"),
        ]);
        timed(&mut c, cpu)
    };
    let _cold = run(false);
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    for _ in 0..5 {
        walls.push(run(false).0);
        cpus.push(run(true).1);
    }
    walls.sort_by(f64::total_cmp);
    cpus.sort_by(f64::total_cmp);
    // Node-hash cost, measured here: SHA-256 over 65 bytes.
    let a = lockproof_tlog::record_hash(b"a");
    let mut h = a;
    let iters = 200_000u32;
    let t = Instant::now();
    for _ in 0..iters {
        h = lockproof_tlog::node_hash(&h, &a);
    }
    let per_hash = t.elapsed().as_secs_f64() / f64::from(iters);
    std::hint::black_box(h);
    let size = (pad + 2 * REAL) as f64;
    let hashes = REAL as f64 * (size.log2().ceil() + 1.0);
    println!("\n| warm 1,000-entry Cargo.lock | value |\n|---|---:|");
    println!("| tree size | {} |", pad + 2 * REAL);
    println!("| wall, median of 5 | {:.1} ms |", walls[2] * 1e3);
    println!("| CPU (user+sys), median of 5 | {:.1} ms |", cpus[2] * 1e3);
    println!("| hashes computed (1,000 × (⌈log2 size⌉ + 1)) | {hashes:.0} |");
    println!("| measured node-hash cost | {:.0} ns |", per_hash * 1e9);
    println!("| hashes × cost | {:.1} ms |", hashes * per_hash * 1e3);
    println!(
        "| CPU ÷ (hashes × cost) | {:.1}× |",
        cpus[2] / (hashes * per_hash)
    );
}
