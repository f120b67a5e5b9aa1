//! Load generator and benchmark driver for `benchmarks/server.md` (not a test).
//!
//! ```text
//! log_bench fill   DIR N            create a log in DIR with N synthetic Go records
//!                                   (also written to DIR.records for the Go reference server)
//! log_bench append DIR M CLIENTS B  M more durable appends from CLIENTS threads, B per call
//! log_bench serve  DIR ADDR [W]     serve DIR over HTTP (no write token) until killed, as
//!                                   `log serve` does: on W worker threads (default: the
//!                                   CPUs it may use); W = `tokio` serves on one work-stealing
//!                                   runtime instead (the server before worker threads)
//! log_bench paths  DIR N OUT        write N lookup and N tile request paths for wrk
//! log_bench lookups DIR BODY N    answer the batched lookup BODY (a request JSON file) N
//!                                   times in-process, timed (no HTTP)
//! log_bench audit  DIR              audit the log (recompute everything), timed
//! log_bench requests DIR PATHS N    serve DIR in-process and send the first N paths of the
//!                                   file PATHS over one keep-alive connection, then exit (run
//!                                   under `valgrind --tool=callgrind` to count instructions)
//! ```

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lockproof_log::Log;
use lockproof_tlog::{Hash, Record, Tile, TileLevel};
use sha2::{Digest as _, Sha256};

fn record(i: u64) -> Record {
    let h = |s: &str| Hash(Sha256::digest(format!("{i} {s}").as_bytes()).into()).to_base64();
    let p = format!("example.net/bench/m{i:08}");
    let text = format!(
        "{p} v1.0.0 h1:{}\n{p} v1.0.0/go.mod h1:{}\n",
        h("zip"),
        h("mod")
    );
    Record::parse(text.as_bytes()).expect("valid synthetic record")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| {
        args.get(i)
            .unwrap_or_else(|| panic!("missing argument {i}; see the file docs"))
            .clone()
    };
    let num = |i: usize| arg(i).parse::<u64>().expect("number");
    match arg(1).as_str() {
        "fill" => fill(Path::new(&arg(2)), num(3)),
        "append" => append(Path::new(&arg(2)), num(3), num(4), num(5)),
        "serve" => serve(Path::new(&arg(2)), &arg(3), args.get(4).map(String::as_str)),
        "requests" => requests(Path::new(&arg(2)), Path::new(&arg(3)), num(4)),
        "lookups" => lookups(Path::new(&arg(2)), Path::new(&arg(3)), num(4)),
        "paths" => paths(Path::new(&arg(2)), num(3), Path::new(&arg(4))),
        "audit" => {
            let log = Log::open(Path::new(&arg(2))).expect("open");
            let t = Instant::now();
            let report = lockproof_log::audit::audit(&log, &mut |_, _| {}).expect("audit");
            println!(
                "audit of {} records in {:.2}s: {:?}",
                report.size,
                t.elapsed().as_secs_f64(),
                report.problem
            );
            assert!(report.problem.is_none());
        }
        other => panic!("unknown mode {other}"),
    }
}

fn fill(dir: &Path, n: u64) {
    if !dir.join("config.json").exists() {
        Log::init(dir, "bench.lockproof.test", None).expect("init");
    }
    let log = Log::open(dir).expect("open");
    let start = log.checkpoint().tree.size;
    let t = Instant::now();
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(dir.with_extension("records")).expect("records file"),
    );
    let mut i = start;
    while i < n {
        let end = (i + 8192).min(n);
        let recs: Vec<Record> = (i..end).map(record).collect();
        for r in &recs {
            writeln!(file, "{}", r.text()).expect("write");
        }
        log.add(recs).expect("add");
        i = end;
    }
    file.flush().expect("flush");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "filled {} records in {secs:.2}s ({:.0}/s, one caller, 8192 per call)",
        n - start,
        (n - start) as f64 / secs
    );
}

fn append(dir: &Path, m: u64, clients: u64, batch: u64) {
    let log = Log::open(dir).expect("open");
    let base = log.checkpoint().tree.size;
    // As when serving: the key index in memory, so dedup checks do not read the B-tree.
    let t = Instant::now();
    let in_memory = log.load_memory_index().expect("load the key index");
    eprintln!(
        "key index in memory: {in_memory} ({:.2}s)",
        t.elapsed().as_secs_f64()
    );
    // Requests are built before the clock starts: only the log's work is timed. Each call also
    // re-submits one already-logged record, so the dedup path is exercised too.
    let mut calls: Vec<Vec<Record>> = Vec::new();
    let mut i = base;
    while i < base + m {
        let end = (i + batch).min(base + m);
        let mut recs: Vec<Record> = (i..end).map(record).collect();
        recs.push(record(i % base.max(1)));
        calls.push(recs);
        i = end;
    }
    let queue = Arc::new(std::sync::Mutex::new(calls));
    let t = Instant::now();
    let mut threads = Vec::new();
    for _ in 0..clients {
        let (log, queue) = (log.clone(), Arc::clone(&queue));
        threads.push(std::thread::spawn(move || {
            let mut lat = Vec::new();
            loop {
                let Some(recs) = queue.lock().expect("lock").pop() else {
                    return lat;
                };
                let s = Instant::now();
                log.add(recs).expect("add");
                lat.push(s.elapsed());
            }
        }));
    }
    let mut lat: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    let secs = t.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    let metrics = log.metrics();
    let appended = metrics.appends();
    let rendered = metrics.render();
    let batches = rendered
        .lines()
        .find(|l| l.starts_with("lockproof_log_batch_seconds_count"))
        .unwrap_or("");
    println!(
        "appended {appended} records onto a log of {base} in {secs:.2}s: {:.0} durable appends/s; {clients} clients x {batch}/call; ack latency p50 {:?} p99 {:?}; {batches}",
        appended as f64 / secs,
        pct(0.5),
        pct(0.99),
    );
}

fn serve(dir: &Path, addr: &str, workers: Option<&str>) {
    let log = Log::open(dir).expect("open");
    let config = lockproof_log::http::ServeConfig::default();
    let work_stealing = workers == Some("tokio");
    let mut runtime = if work_stealing {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let rt = runtime.enable_all().build().expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        println!("serving http://{}", listener.local_addr().expect("addr"));
        let forever = std::future::pending();
        let served = if work_stealing {
            lockproof_log::http::serve(log, listener, config, forever).await
        } else {
            let workers = match workers {
                Some(n) => n.parse().expect("worker count"),
                None => std::thread::available_parallelism().expect("CPU count"),
            };
            let service = lockproof_log::http::service(log, config);
            lockproof_log::http::serve_on_workers(service, listener, workers, forever).await
        };
        served.expect("serve");
    });
}

/// Sends the first `n` request paths in `paths_file` (cycling) to an in-process server over one
/// HTTP/1.1 keep-alive connection; every answer must be a 200.
fn requests(dir: &Path, paths_file: &Path, n: u64) {
    use std::io::{BufRead as _, BufReader, Read as _};
    let log = Log::open(dir).expect("open");
    let paths: Vec<String> = std::fs::read_to_string(paths_file)
        .expect("paths")
        .lines()
        .map(str::to_owned)
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(lockproof_log::http::serve(
        log,
        listener,
        lockproof_log::http::ServeConfig::default(),
        std::future::pending(),
    ));
    let stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut w = stream.try_clone().expect("clone");
    let mut r = BufReader::new(stream);
    let mut bytes = 0u64;
    let t = Instant::now();
    for i in 0..n {
        let p = &paths[(i as usize) % paths.len()];
        write!(w, "GET {p} HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
        let mut line = String::new();
        r.read_line(&mut line).expect("status");
        assert!(line.starts_with("HTTP/1.1 200"), "{p}: {line}");
        let mut len = 0usize;
        loop {
            line.clear();
            r.read_line(&mut line).expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().expect("length");
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).expect("body");
        bytes += len as u64;
    }
    println!(
        "{n} requests, {bytes} body bytes in {:.2}s",
        t.elapsed().as_secs_f64()
    );
    std::process::exit(0);
}

/// Writes `lookups.txt` and `tiles.txt` (one request path per line) under OUT.
fn paths(dir: &Path, n: u64, out: &Path) {
    let log = Log::open_read_only(dir).expect("open");
    let size = log.checkpoint().tree.size;
    std::fs::create_dir_all(out).expect("mkdir");
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut lookups = String::new();
    let mut tiles = String::new();
    for _ in 0..n {
        let i = rnd() % size;
        lookups.push_str(&format!("/lookup/{}\n", record(i).key().lookup_path()));
        let tile = Tile {
            height: 8,
            level: TileLevel::Hash(0),
            n: (rnd() % size) >> 8,
            width: 256,
        };
        let w = lockproof_log::tile_width_at(size, TileLevel::Hash(0), tile.n);
        tiles.push_str(&format!("/{}\n", Tile { width: w, ..tile }.path()));
    }
    std::fs::write(out.join("lookups.txt"), lookups).expect("write");
    std::fs::write(out.join("tiles.txt"), tiles).expect("write");
}

fn lookups(dir: &Path, body: &Path, n: u64) {
    use lockproof_log::http::api::{LookupsRequest, answer_lookups};
    let log = Log::open(dir).expect("open");
    let req: LookupsRequest =
        serde_json::from_slice(&std::fs::read(body).expect("read body")).expect("request JSON");
    let (mut answer, mut encode) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..n {
        let t = Instant::now();
        let resp = answer_lookups(&log, &req).expect("answer");
        let t2 = Instant::now();
        let bytes = serde_json::to_vec(&resp).expect("encode");
        encode += t2.elapsed();
        answer += t2 - t;
        assert!(!bytes.is_empty());
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "{} keys: answer {:.0} µs, encode {:.0} µs per request (mean of {n})",
        req.keys.len(),
        per(answer),
        per(encode)
    );
}
