//! Acceptance 4 of issue 3: concurrent writers, `kill -9` of the server at random moments
//! (LOCKPROOF_CRASH_ITERATIONS times, default 50), restart each time. Every acknowledged record
//! must be present with its acknowledged index (and provably included), every checkpoint a
//! client saw must be consistent with every later one (RFC 6962 consistency proofs), and
//! `lockproof log audit` must pass.

#[path = "log_harness/mod.rs"]
mod harness;
#[path = "support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harness::{Server, init_log, try_post};
use lockproof_tlog::{
    Hash, RecordProof, Tree, TreeProof, VerifierKey, Verifiers, check_record, check_tree,
    parse_tree_note, record_hash,
};

const TOKEN: &str = "crash-test-token";
const WRITERS: usize = 3;

/// One acknowledged record: its text, lookup key and acknowledged index.
#[derive(Clone)]
struct Acked {
    record: String,
    key: String,
    index: u64,
}

/// xorshift64*: a tiny deterministic PRNG (the seed is printed for reproduction).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn record(writer: usize, iter: usize, n: usize) -> (String, String) {
    let name = format!("w{writer}i{iter}n{n}");
    let rec = format!(
        "cargo/{name} 1.0.0 sha256:{:064x}\n",
        (writer * 1_000_003 + iter * 10_007 + n) as u128
    );
    (rec, format!("cargo/{name}@1.0.0"))
}

/// Verifies a signed tree note with the log's key and returns its tree.
fn verified_tree(note: &str, vkey: &VerifierKey) -> Tree {
    let opened = lockproof_tlog::open(note.as_bytes(), &Verifiers::new([vkey.clone()]))
        .unwrap_or_else(|e| panic!("checkpoint signature: {e}\n{note}"));
    parse_tree_note(opened.text()).expect("tree note")
}

fn hashes(v: &serde_json::Value) -> Vec<Hash> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|h| Hash::from_base64(h.as_str().expect("str")).expect("hash"))
        .collect()
}

/// Asks for a new checkpoint with a consistency proof from `seen` and checks it; returns the new
/// tree, or `None` on a transport error (server killed).
fn observe(
    url: &str,
    vkey: &VerifierKey,
    seen: &Mutex<Option<Tree>>,
    keys: &[Acked],
) -> Option<Tree> {
    let old = *seen.lock().expect("lock");
    let body = serde_json::json!({
        "keys": keys.iter().map(|a| a.key.clone()).collect::<Vec<_>>(),
        "old_size": old.map(|t| t.size),
    });
    let (status, text) = try_post(
        &format!("{url}/lockproof/v1/lookups"),
        body.to_string().as_bytes(),
        None,
    )
    .ok()?;
    assert_eq!(
        status, 200,
        "lookups: {text} (a rollback below a seen size answers 400)"
    );
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let tree = verified_tree(v["checkpoint"].as_str().expect("checkpoint"), vkey);
    if let Some(old) = old {
        assert!(
            tree.size >= old.size,
            "log rolled back from {} to {}",
            old.size,
            tree.size
        );
        if old.size == tree.size {
            assert_eq!(old.hash, tree.hash, "two roots for size {}", old.size);
        } else if old.size > 0 {
            check_tree(
                &TreeProof(hashes(&v["consistency"])),
                tree.size,
                tree.hash,
                old.size,
                old.hash,
            )
            .unwrap_or_else(|e| {
                panic!(
                    "checkpoint {} is not consistent with {}: {e}",
                    tree.size, old.size
                )
            });
        }
    }
    for (a, r) in keys.iter().zip(v["results"].as_array().expect("results")) {
        assert_eq!(
            r["status"], "found",
            "acknowledged record {} is missing",
            a.key
        );
        assert_eq!(r["index"].as_u64(), Some(a.index), "{} moved", a.key);
        assert_eq!(r["record"].as_str(), Some(a.record.as_str()));
        let proof = RecordProof(hashes(&r["inclusion"]));
        check_record(
            &proof,
            tree.size,
            tree.hash,
            a.index,
            record_hash(a.record.as_bytes()),
        )
        .unwrap_or_else(|e| panic!("inclusion of {}: {e}", a.key));
    }
    let mut s = seen.lock().expect("lock");
    if s.is_none_or(|t| t.size <= tree.size) {
        *s = Some(tree);
    }
    Some(tree)
}

#[test]
fn acknowledged_records_survive_kill_9_and_checkpoints_stay_consistent() {
    let iterations: usize = std::env::var("LOCKPROOF_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    eprintln!("crash test: {iterations} iterations, seed {seed}");
    let mut rng = Rng(seed);
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    let vkey = VerifierKey::parse(&init_log(h, &dir, "crash.test", None)).expect("vkey");
    std::fs::write(h.join("token"), TOKEN).expect("token");
    let token_arg = h.join("token").to_str().expect("utf8").to_owned();
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let seen: Arc<Mutex<Option<Tree>>> = Arc::default();
    let mut exists_checked = 0usize;

    for iter in 0..iterations {
        let mut server = Server::start(h, &dir, &["--token-file", &token_arg]);
        // After the restart: everything acknowledged so far is there, consistent with before.
        let all = acked.lock().expect("lock").clone();
        for chunk in all.chunks(5_000) {
            observe(&server.url, &vkey, &seen, chunk).expect("server just started");
        }
        if all.is_empty() {
            observe(&server.url, &vkey, &seen, &[]).expect("server just started");
        }
        // Re-submitting an acknowledged record is a no-op that returns its index.
        if let Some(a) = all.get(rng.below(all.len().max(1) as u64) as usize) {
            let (status, text) = try_post(
                &format!("{}/lockproof/v1/add", server.url),
                a.record.as_bytes(),
                Some(TOKEN),
            )
            .expect("post");
            assert_eq!(status, 200, "{text}");
            let v: serde_json::Value = serde_json::from_str(&text).expect("json");
            assert_eq!(v["results"][0]["status"], "exists");
            assert_eq!(v["results"][0]["index"].as_u64(), Some(a.index));
            exists_checked += 1;
        }

        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for writer in 0..WRITERS {
            let (url, acked, stop) = (server.url.clone(), Arc::clone(&acked), Arc::clone(&stop));
            let batch = 1 + (rng.below(16) as usize);
            threads.push(std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let recs: Vec<(String, String)> =
                        (n..n + batch).map(|k| record(writer, iter, k)).collect();
                    n += batch;
                    let body: Vec<&str> = recs.iter().map(|(r, _)| r.as_str()).collect();
                    let Ok((status, text)) = try_post(
                        &format!("{url}/lockproof/v1/add"),
                        body.join("\n").as_bytes(),
                        Some(TOKEN),
                    ) else {
                        return; // killed mid-request: not acknowledged
                    };
                    assert_eq!(status, 200, "add: {text}");
                    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
                    let size = v["size"].as_u64().expect("size");
                    let mut a = acked.lock().expect("lock");
                    for ((rec, key), r) in recs
                        .into_iter()
                        .zip(v["results"].as_array().expect("results"))
                    {
                        let index = r["index"].as_u64().expect("index");
                        assert!(
                            index < size,
                            "acknowledged index {index} outside checkpoint {size}"
                        );
                        a.push(Acked {
                            record: rec,
                            key,
                            index,
                        });
                    }
                }
            }));
        }
        {
            let (url, vkey, seen, stop) = (
                server.url.clone(),
                vkey.clone(),
                Arc::clone(&seen),
                Arc::clone(&stop),
            );
            threads.push(std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if observe(&url, &vkey, &seen, &[]).is_none() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(3));
                }
            }));
        }
        std::thread::sleep(Duration::from_millis(5 + rng.below(120)));
        server.kill(); // SIGKILL
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().expect("a writer or the observer failed");
        }
        assert!(
            !server.stderr_text().contains("panicked"),
            "{}",
            server.stderr_text()
        );
        if iter % 10 == 9 {
            let out = support::lockproof(h)
                .args(["log", "audit", "--dir"])
                .arg(&dir)
                .output()
                .expect("audit");
            assert!(
                out.status.success(),
                "audit after crash {iter}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    // Final check on a restarted server, then audit the stopped log.
    let server = Server::start(h, &dir, &[]);
    let all = acked.lock().expect("lock").clone();
    for chunk in all.chunks(5_000) {
        observe(&server.url, &vkey, &seen, chunk).expect("final check");
    }
    drop(server);
    let out = support::lockproof(h)
        .args(["log", "audit", "--dir"])
        .arg(&dir)
        .output()
        .expect("audit");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.starts_with("audit ok"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unique: std::collections::HashSet<&str> = all.iter().map(|a| a.key.as_str()).collect();
    eprintln!(
        "crash test: {} acknowledged records, {exists_checked} re-submissions, final {text}",
        unique.len()
    );
    assert!(
        unique.len() >= iterations,
        "too few writes were acknowledged to mean anything: {}",
        unique.len()
    );
}
