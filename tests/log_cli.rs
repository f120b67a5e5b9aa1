//! `lockproof log init|add|status|audit` on a stopped log, audit catching corruption, and the
//! documented flags.

#[path = "log_harness/mod.rs"]
mod harness;
#[path = "support/mod.rs"]
mod support;

use harness::{add_records, init_log, pad_record};

fn run(home: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = support::lockproof(home)
        .args(args)
        .output()
        .expect("run lockproof");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn init_add_status_and_audit_a_stopped_log() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    let vkey = init_log(h, &dir, "cli.test/log", None);
    assert!(vkey.starts_with("cli.test/log+"), "{vkey}");
    let d = dir.to_str().expect("utf8");
    // A second init in the same directory is refused.
    let (code, text) = run(h, &["log", "init", "--dir", d, "--name", "cli.test/log"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("not empty"), "{text}");

    let records: Vec<String> = (0..300).map(|i| pad_record("c", i)).collect();
    add_records(h, &dir, &records);
    add_records(h, &dir, &records[..10]); // idempotent
    let (code, text) = run(h, &["log", "status", "--dir", d, "--json"]);
    assert_eq!(code, 0, "{text}");
    let v: serde_json::Value = serde_json::from_str(text.trim()).expect("json");
    assert_eq!(v["size"], 300);
    assert_eq!(v["indexed_keys"], 300);
    assert_eq!(v["vkey"], vkey.as_str());

    let (code, text) = run(h, &["log", "audit", "--dir", d]);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("audit ok: 300 records"), "{text}");

    // Flip one hash in the full level-0 tile: audit names the tile and the hash (exit 1).
    let tile = dir.join("tile/8/0/000");
    let mut bytes = std::fs::read(&tile).expect("full tile");
    bytes[32 * 7] ^= 1;
    std::fs::write(&tile, bytes).expect("write");
    let (code, text) = run(h, &["log", "audit", "--dir", d]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("tile/8/0/000: hash 7 differs"), "{text}");
}

#[test]
fn audit_reports_a_tampered_record_precisely() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    init_log(h, &dir, "cli.test", None);
    add_records(
        h,
        &dir,
        &(0..5).map(|i| pad_record("t", i)).collect::<Vec<_>>(),
    );
    // Rewrite record 3 in the partial data tile (a valid record, but not the logged one).
    let path = dir.join("tile/8/data/000.p/5");
    let text = std::fs::read_to_string(&path).expect("data tile");
    std::fs::write(&path, text.replace("t0003", "x0003")).expect("write");
    let (code, out) = run(h, &["log", "audit", "--dir", dir.to_str().expect("utf8")]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("record 3") || out.contains("root"), "{out}");
}

#[test]
fn help_documents_every_log_flag() {
    let home = tempfile::tempdir().expect("tempdir");
    let (code, text) = run(home.path(), &["log", "--help"]);
    assert_eq!(code, 0);
    for sub in ["init", "add", "serve", "audit", "status"] {
        assert!(text.contains(sub), "{sub} missing from log --help:\n{text}");
    }
    for (sub, flags) in [
        ("init", &["--dir", "--name", "--signer-key"][..]),
        ("add", &["--dir", "--records", "--token-file"]),
        (
            "serve",
            &[
                "--dir",
                "--listen",
                "--token-file",
                "--access-log",
                "--mirror",
                "--upstream",
                "--witness",
                "--workers",
            ],
        ),
        ("audit", &["--dir"]),
        ("status", &["--dir", "--json"]),
    ] {
        let (code, text) = run(home.path(), &["log", sub, "--help"]);
        assert_eq!(code, 0);
        for f in flags {
            assert!(text.contains(f), "log {sub} --help lacks {f}:\n{text}");
        }
    }
}

#[test]
fn both_faces_serve_one_tree_with_the_right_cache_headers() {
    use lockproof_tlog::{Checkpoint, VerifierKey, Verifiers};
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    let vkey = VerifierKey::parse(&init_log(h, &dir, "faces.test/log", None)).expect("vkey");
    let cargo = format!("cargo/serde 1.0.219 sha256:{}\n", "9f".repeat(32));
    let mut records: Vec<String> = (0..299).map(|i| pad_record("f", i)).collect();
    records.push(cargo.clone());
    add_records(h, &dir, &records);
    let server = harness::Server::start(h, &dir, &[]);
    let url = &server.url;

    // C2SP checkpoint: own origin line, same size and root as the sumdb note, same key.
    let (status, cp) = harness::get(&format!("{url}/checkpoint"));
    assert_eq!(status, 200);
    let note = lockproof_tlog::open(&cp, &Verifiers::new([vkey.clone()])).expect("verifies");
    let cp = Checkpoint::parse(note.text()).expect("checkpoint");
    assert_eq!(cp.origin(), "faces.test/log");
    let latest = harness::get(&format!("{url}/latest")).1;
    let sumdb = lockproof_tlog::open(&latest, &Verifiers::new([vkey])).expect("verifies");
    assert_eq!(
        lockproof_tlog::parse_tree_note(sumdb.text()).expect("tree"),
        cp.tree()
    );
    assert_eq!(cp.tree().size, 300);

    // Hash tiles are byte-identical across the faces; entry bundles are length-prefixed.
    for (a, b) in [
        ("tile/8/0/000", "tile/0/000"),
        ("tile/8/0/001.p/44", "tile/0/001.p/44"),
        ("tile/8/1/000.p/1", "tile/1/000.p/1"),
    ] {
        let (sa, ta) = harness::get(&format!("{url}/{a}"));
        let (sb, tb) = harness::get(&format!("{url}/{b}"));
        assert_eq!((sa, sb), (200, 200), "{a} {b}");
        assert!(ta == tb, "{a} and {b} differ");
    }
    let bundle = harness::get(&format!("{url}/tile/entries/001.p/44")).1;
    let data = harness::get(&format!("{url}/tile/8/data/001.p/44")).1;
    let mut entries = Vec::new();
    let mut rest = &bundle[..];
    while rest.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        entries.push(String::from_utf8(rest[2..2 + len].to_vec()).expect("utf8"));
        rest = &rest[2 + len..];
    }
    assert_eq!(entries.len(), 44);
    assert_eq!(entries.last(), Some(&cargo));
    assert_eq!(
        entries
            .iter()
            .map(|e| format!("{e}\n"))
            .collect::<String>()
            .into_bytes(),
        data
    );

    // Ecosystem records are looked up like Go modules: index, record, blank line, signed note.
    let (status, body) = harness::get(&format!("{url}/lookup/cargo/serde@1.0.219"));
    assert_eq!(status, 200);
    let body = String::from_utf8(body).expect("utf8");
    assert!(
        body.starts_with(&format!("299\n{cargo}\ngo.sum database tree\n300\n")),
        "{body}"
    );

    // Cache headers: tiles immutable, checkpoints and lookups not stored.
    let agent = harness::agent();
    let header = |path: &str| {
        let r = agent.get(&format!("{url}{path}")).call().expect("get");
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert!(header("/tile/8/0/000").contains("immutable"));
    assert!(header("/tile/8/0/001.p/44").contains("immutable"));
    assert!(header("/tile/entries/000").contains("immutable"));
    assert_eq!(header("/latest"), "no-store");
    assert_eq!(header("/checkpoint"), "no-store");
    assert_eq!(header("/lookup/cargo/serde@1.0.219"), "no-store");
    // Ops endpoints.
    assert_eq!(harness::get(&format!("{url}/healthz")).0, 200);
    let metrics = String::from_utf8(harness::get(&format!("{url}/metrics")).1).expect("utf8");
    for m in [
        "lockproof_log_tree_size 300",
        "lockproof_log_batch_seconds_count",
        "lockproof_http_requests_total{face=\"sumdb\",code=\"200\"}",
    ] {
        assert!(metrics.contains(m), "{m} missing:\n{metrics}");
    }
}

#[test]
fn init_accepts_a_bare_relative_directory_name() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = support::lockproof(home.path())
        .current_dir(home.path())
        .args(["log", "init", "--dir", "log", "--name", "rel.test/log"])
        .output()
        .expect("run lockproof");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("rel.test/log+"));
    let (code, text) = run(
        home.path(),
        &[
            "log",
            "status",
            "--dir",
            home.path().join("log").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{text}");
}

/// Sends `GET path` on an open keep-alive connection and returns the status line.
fn get_on(conn: &mut std::net::TcpStream, path: &str) -> String {
    use std::io::{Read as _, Write as _};
    write!(conn, "GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").expect("send");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        conn.read_exact(&mut byte).expect("read head");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("utf8 head");
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")?
                .parse()
                .ok()
        })
        .expect("content-length");
    conn.read_exact(&mut vec![0; len]).expect("read body");
    head.lines().next().unwrap_or("").to_owned()
}

#[test]
fn serve_runs_the_asked_workers_and_stops_cleanly_on_sigterm() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    init_log(h, &dir, "workers.test/log", None);
    add_records(h, &dir, &[pad_record("w", 0)]);
    let mut server = harness::Server::start(h, &dir, &["--workers", "3"]);
    let pid = server.child.id();
    let addr = server.url.trim_start_matches("http://").to_owned();

    // Six keep-alive connections, dealt to the workers in turn, each answering twice.
    let mut conns: Vec<_> = (0..6)
        .map(|_| std::net::TcpStream::connect(&addr).expect("connect"))
        .collect();
    for _ in 0..2 {
        for c in &mut conns {
            assert_eq!(get_on(c, "/latest"), "HTTP/1.1 200 OK");
        }
    }
    let names: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("threads")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_owned())
        .filter(|n| n.starts_with("lockproof-http"))
        .collect();
    assert_eq!(names.len(), 3, "worker threads: {names:?}");
    assert!(dir.join("serve.json").exists());

    // SIGTERM with idle keep-alive connections open: the server closes them and exits 0.
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "log serve did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status}: {}", server.stderr_text());
    assert!(!dir.join("serve.json").exists(), "serve.json left behind");
}
