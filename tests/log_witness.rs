//! `lockproof log serve --witness`: the log submits each new checkpoint to a C2SP
//! tlog-witness and serves the cosignature on `/checkpoint`; `lockproof verify` and
//! `lockproof prove` / `verify --offline` then meet a witness quorum through it.
//!
//! The witness here is the test's own, written from the spec (c2sp.org/tlog-witness): it keeps
//! the latest size and root per origin, answers `409` with `text/x.tlog.size` when `old` is
//! not its size, checks the log's signature and the RFC 9162 consistency proof, and cosigns
//! with `cosignature/v1`. No witness implementation can be installed on the build machines.

#[path = "log_harness/mod.rs"]
mod harness;
#[path = "support/mod.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use harness::{Server, add_records, get, init_log, pad_record};
use lockproof_tlog::cosignature::cosign;
use lockproof_tlog::{
    Checkpoint, Hash, KeyAlgorithm, KeyName, SignerKey, TreeProof, VerifierKey, Verifiers,
    check_tree,
};

/// What the witness has seen: (size, root) of the log, and what it answered.
#[derive(Default)]
struct Seen {
    tree: Option<(u64, Hash)>,
    conflicts: u32,
    cosigned: Vec<u64>,
}

struct TestWitness {
    log_key: VerifierKey,
    key: SignerKey,
    seen: Mutex<Seen>,
}

/// `POST /add-checkpoint` as c2sp.org/tlog-witness specifies it.
async fn add_checkpoint(State(w): State<Arc<TestWitness>>, body: Bytes) -> Response {
    let bad = |code: StatusCode, why: &str| (code, format!("{why}\n")).into_response();
    let Ok(text) = std::str::from_utf8(&body) else {
        return bad(StatusCode::BAD_REQUEST, "not UTF-8");
    };
    let Some((head, note)) = text.split_once("\n\n") else {
        return bad(StatusCode::BAD_REQUEST, "no blank line");
    };
    let mut lines = head.lines();
    let Some(old) = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .and_then(|n| n.parse::<u64>().ok())
    else {
        return bad(StatusCode::BAD_REQUEST, "no old line");
    };
    let proof: Option<Vec<Hash>> = lines.map(|l| Hash::from_base64(l).ok()).collect();
    let Some(proof) = proof else {
        return bad(StatusCode::BAD_REQUEST, "bad proof line");
    };
    let Ok(opened) = lockproof_tlog::open(note.as_bytes(), &Verifiers::new([w.log_key.clone()]))
    else {
        return bad(StatusCode::FORBIDDEN, "no valid log signature");
    };
    let Ok(cp) = Checkpoint::parse(opened.text()) else {
        return bad(StatusCode::BAD_REQUEST, "not a checkpoint");
    };
    if cp.origin() != w.log_key.name().as_str() {
        return bad(StatusCode::NOT_FOUND, "unknown origin");
    }
    let new = cp.tree();
    if old > new.size {
        return bad(StatusCode::BAD_REQUEST, "old > size");
    }
    let mut seen = w.seen.lock().expect("lock");
    let (size, root) = seen.tree.unwrap_or((0, Hash::default()));
    if old != size {
        seen.conflicts += 1;
        return (
            StatusCode::CONFLICT,
            [("content-type", "text/x.tlog.size")],
            format!("{size}\n"),
        )
            .into_response();
    }
    let consistent = if old == 0 {
        proof.is_empty()
    } else if old == new.size {
        proof.is_empty() && root == new.hash
    } else {
        check_tree(&TreeProof(proof), new.size, new.hash, old, root).is_ok()
    };
    if !consistent {
        return bad(StatusCode::UNPROCESSABLE_ENTITY, "inconsistent");
    }
    seen.tree = Some((new.size, new.hash));
    seen.cosigned.push(new.size);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let sig = cosign(&cp, &w.key, now).expect("cosign");
    (StatusCode::OK, sig.to_line()).into_response()
}

/// Starts the witness on 127.0.0.1:0 (on its own runtime thread); returns its URL.
fn start_witness(w: Arc<TestWitness>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            let app = axum::Router::new()
                .route("/add-checkpoint", axum::routing::post(add_checkpoint))
                .with_state(w);
            axum::serve(listener, app).await.expect("serve");
        });
    });
    format!("http://{}", rx.recv().expect("witness address"))
}

/// A cosignature/v1 key from `seed`, a witness for the log of `log_key` started with it, and
/// the `--witness` flag value naming both.
fn witness_for(log_key: &VerifierKey, seed: u8) -> (VerifierKey, Arc<TestWitness>, String) {
    let key = SignerKey::from_seed_with(
        KeyName::new("witness.test").expect("name"),
        KeyAlgorithm::CosignatureV1,
        [seed; 32],
    );
    let vkey = key.verifier_key();
    let witness = Arc::new(TestWitness {
        log_key: log_key.clone(),
        key,
        seen: Mutex::new(Seen::default()),
    });
    let url = start_witness(Arc::clone(&witness));
    (vkey.clone(), witness, format!("{vkey} {url}"))
}

/// Polls `/checkpoint` until it carries a valid cosignature by `witness` for size `size`.
fn wait_for_cosigned(url: &str, log_key: &VerifierKey, witness: &VerifierKey, size: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = get(&format!("{url}/checkpoint"));
        assert_eq!(status, 200);
        let note = lockproof_tlog::open(&body, &Verifiers::new([log_key.clone(), witness.clone()]))
            .expect("the served checkpoint verifies");
        let cp = Checkpoint::parse(note.text()).expect("checkpoint");
        if cp.tree().size == size && note.is_verified_by(witness) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no cosignature for size {size}: {}",
            String::from_utf8_lossy(&body)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_witnessed_log_serves_cosigned_checkpoints_that_meet_a_quorum_online_and_offline() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    let log_vkey = init_log(h, &dir, "witnessed.log.test", None);
    let log_key = VerifierKey::parse(&log_vkey).expect("log vkey");
    let records: Vec<String> = (0..300).map(|i| pad_record("w", i)).collect();
    add_records(h, &dir, &records[..260]);

    let (witness_vkey, witness, flag) = witness_for(&log_key, 7);

    // First contact: `old 0` is accepted by a witness that has seen nothing.
    let mut server = Server::start(h, &dir, &["--witness", &flag]);
    wait_for_cosigned(&server.url, &log_key, &witness_vkey, 260);
    server.kill();

    // Growth while stopped, then a restarted server that remembers nothing: the witness
    // answers `409 260`, and the log proves 260 → 300 (across the 256-leaf tile boundary).
    add_records(h, &dir, &records[260..]);
    let mut server = Server::start(h, &dir, &["--witness", &flag]);
    wait_for_cosigned(&server.url, &log_key, &witness_vkey, 300);
    let (_, metrics) = get(&format!("{}/metrics", server.url));
    let metrics = String::from_utf8(metrics).expect("utf8");
    assert!(
        metrics.contains("lockproof_log_witness_cosigned_size{witness=\"witness.test\"} 300\n"),
        "{metrics}"
    );

    // `lockproof verify` with a witness quorum: met through /checkpoint, by the sumdb
    // protocol and by the batched lookup; a quorum of two (one unknown witness) is not.
    let gosum: String = records[..3].concat() + &records[290];
    std::fs::write(h.join("go.sum"), gosum).expect("go.sum");
    let other = SignerKey::from_seed_with(
        KeyName::new("other.witness.test").expect("name"),
        KeyAlgorithm::CosignatureV1,
        [8; 32],
    )
    .verifier_key();
    let policy = |quorum: usize| {
        format!(
            "log {log_vkey} {}\nwitness a {witness_vkey}\nwitness b {other}\nquorum {quorum}\n",
            server.url
        )
    };
    for (quorum, extra, ok) in [
        (1, None, true),
        (1, Some("--batch"), true),
        (2, None, false),
        (2, Some("--batch"), false),
    ] {
        std::fs::write(h.join("policy"), policy(quorum)).expect("policy");
        let state = tempfile::tempdir().expect("state");
        let out = support::lockproof(state.path())
            .current_dir(h)
            .args(["verify", "go.sum", "--stats", "--policy", "policy"])
            .args(extra)
            .output()
            .expect("run verify");
        let text = support::text(&out);
        if ok {
            assert_eq!(
                out.status.code(),
                Some(0),
                "quorum {quorum} {extra:?}: {text}"
            );
            assert!(text.contains("8 matched"), "{text}");
            if extra.is_some() {
                // The batched answer carries the cosigned checkpoint: nothing else is asked.
                assert!(text.contains(": 1 requests for"), "{text}");
            }
        } else {
            assert_eq!(out.status.code(), Some(1), "{text}");
            assert!(
                text.contains("witness quorum not met: 1 of the required 2"),
                "{text}"
            );
        }
    }

    // `prove` carries the cosigned C2SP checkpoint, so the quorum holds offline too.
    std::fs::write(h.join("policy"), policy(1)).expect("policy");
    let run = |args: &[&str]| {
        let out = support::lockproof(h)
            .current_dir(h)
            .args(args)
            .output()
            .expect("run");
        (out.status.code(), support::text(&out))
    };
    let (code, text) = run(&[
        "prove", "go.sum", "--policy", "policy", "--output", "b.json",
    ]);
    assert_eq!(code, Some(0), "{text}");
    let bundle = std::fs::read_to_string(h.join("b.json")).expect("bundle");
    assert!(
        bundle.contains(r#""cosigned":"witnessed.log.test\n300\n"#),
        "{bundle}"
    );
    let offline = [
        "verify",
        "--offline",
        "--bundle",
        "b.json",
        "--policy",
        "policy",
        "go.sum",
    ];
    let (code, text) = run(&offline);
    assert_eq!(code, Some(0), "{text}");
    std::fs::write(h.join("policy"), policy(2)).expect("policy");
    let (code, text) = run(&offline);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("witness quorum not met: 1 of the required 2"),
        "{text}"
    );

    let stderr = server.stderr_text();
    server.kill();

    let seen = witness.seen.lock().expect("lock");
    assert_eq!(seen.cosigned, vec![260, 300], "stderr: {stderr}");
    assert_eq!(seen.conflicts, 1, "one 409 after the restart");
    assert_eq!(seen.tree.map(|t| t.0), Some(300));
}

#[test]
fn a_witness_flag_must_name_a_cosignature_key_and_a_url() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    let log_vkey = init_log(h, &dir, "witnessed.log.test", None);
    let out = support::lockproof(h)
        .args(["log", "serve", "--dir"])
        .arg(&dir)
        .args(["--listen", "127.0.0.1:0", "--witness"])
        // A log (Ed25519) key is not a witness key.
        .arg(format!("{log_vkey} http://127.0.0.1:9"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--witness") && err.contains("cosignature/v1"),
        "{err}"
    );
}

#[test]
fn a_mirror_mode_server_collects_cosignatures_too() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    let log_vkey = init_log(h, &dir, "mirror.log.test", None);
    let log_key = VerifierKey::parse(&log_vkey).expect("log vkey");
    let records: Vec<String> = (0..5).map(|i| pad_record("m", i)).collect();
    add_records(h, &dir, &records);
    let (witness_vkey, _witness, flag) = witness_for(&log_key, 9);
    let proxy = h.join("empty-proxy");
    std::fs::create_dir_all(&proxy).expect("proxy dir");
    let upstream = format!("go=file://{}", proxy.display());
    let mut server = Server::start(
        h,
        &dir,
        &[
            "--mirror",
            "go",
            "--upstream",
            &upstream,
            "--witness",
            &flag,
        ],
    );
    wait_for_cosigned(&server.url, &log_key, &witness_vkey, 5);
    server.kill();
}
