//! Acceptance 3 of issue 5: a hostile log is caught. Each lie is its own test against a small
//! lying HTTP server; every one must exit 1 with a clear message and never panic or pass.

#[path = "support/mod.rs"]
mod support;
#[path = "verify_util/mod.rs"]
mod verify_util;

use std::path::Path;
use std::time::Duration;

use verify_util::fake::{FakeLog, Lie, Server, serve};
use verify_util::{cargo_lock, text};

const NAME: &str = "hostile.test/log";

struct Case {
    home: tempfile::TempDir,
    server: Server,
    records: Vec<String>,
}

fn setup(n: usize) -> Case {
    let home = tempfile::tempdir().unwrap();
    let (lock, records) = cargo_lock(n);
    std::fs::write(home.path().join("Cargo.lock"), lock).unwrap();
    let server = serve(FakeLog::new(NAME, 1, &records));
    Case {
        home,
        server,
        records,
    }
}

impl Case {
    fn vkey(&self) -> String {
        self.server.log.lock().unwrap().vkey()
    }

    fn verify(&self, extra: &[&str]) -> std::process::Output {
        self.verify_args(&[&["verify", "Cargo.lock"], extra].concat())
    }

    /// `lockproof ARGS --timeout 2 --log "<vkey> <url>"` in the case's home.
    fn verify_args(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = support::lockproof(self.home.path());
        cmd.current_dir(self.home.path())
            .args(args)
            .args(["--timeout", "2", "--log"])
            .arg(format!("{} {}", self.vkey(), self.server.url));
        cmd.output().unwrap()
    }

    fn set_lie(&self, lie: Lie) {
        self.server.log.lock().unwrap().lie = lie;
    }
}

/// Exit 1, the expected message, and no panic.
fn assert_caught(out: &std::process::Output, needle: &str) {
    let t = text(out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    assert!(t.contains(needle), "expected {needle:?} in:\n{t}");
    assert!(t.contains("FAILED"), "{t}");
}

fn evidence_files(home: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let logs = home.join("state/lockproof/logs");
    for d in std::fs::read_dir(logs).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
            if f.file_name().to_string_lossy().starts_with("evidence-") {
                out.push(f.path());
            }
        }
    }
    out
}

#[test]
fn honest_fake_log_passes_so_the_lies_below_are_what_fails() {
    let c = setup(5);
    let out = c.verify(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn rejects_a_bad_signature() {
    let c = setup(5);
    c.set_lie(Lie::BadSignature);
    assert_caught(&c.verify(&[]), "invalid signature by known key");
}

#[test]
fn rejects_a_signature_by_an_unknown_key_with_the_right_name() {
    let c = setup(5);
    c.set_lie(Lie::UnknownKey);
    assert_caught(&c.verify(&[]), "no verifiable signatures");
}

#[test]
fn rejects_a_malformed_note() {
    let c = setup(5);
    c.set_lie(Lie::MalformedNote);
    assert_caught(&c.verify(&[]), "checkpoint rejected");
}

#[test]
fn catches_a_rolled_back_tree_and_writes_evidence() {
    let c = setup(6);
    assert_eq!(c.verify(&[]).status.code(), Some(0));
    let shorter = c.records[..4].to_vec();
    c.server.log.lock().unwrap().set_records(&shorter);
    let out = c.verify(&[]);
    assert_caught(&out, "rollback");
    let ev = evidence_files(c.home.path());
    assert_eq!(ev.len(), 1, "{}", text(&out));
    let e: serde_json::Value = serde_json::from_slice(&std::fs::read(&ev[0]).unwrap()).unwrap();
    assert_eq!(e["kind"], "rollback");
    assert_eq!(e["trusted_size"], 6);
    assert_eq!(e["new_size"], 4);
    assert!(
        e["trusted_note"]
            .as_str()
            .unwrap()
            .contains("go.sum database tree\n6\n")
    );
}

#[test]
fn catches_a_forked_tree_and_writes_evidence_with_the_proof() {
    let c = setup(6);
    assert_eq!(c.verify(&[]).status.code(), Some(0));
    // Same first record, a different second record, and growth: not an extension.
    let mut forked = c.records.clone();
    forked[1] = "cargo/evil 6.6.6 sha256:6666666666666666666666666666666666666666666666666666666666666666\n".to_owned();
    forked.push("cargo/more 1.0.0 sha256:1111111111111111111111111111111111111111111111111111111111111111\n".to_owned());
    c.server.log.lock().unwrap().set_records(&forked);
    let out = c.verify(&[]);
    assert_caught(&out, "fork");
    let ev = evidence_files(c.home.path());
    assert_eq!(ev.len(), 1);
    let e: serde_json::Value = serde_json::from_slice(&std::fs::read(&ev[0]).unwrap()).unwrap();
    assert_eq!(e["kind"], "fork");
    assert!(!e["consistency_proof"].as_array().unwrap().is_empty());
    assert!(e["prefix_root"].is_string());
}

#[test]
fn catches_a_forked_tree_through_the_batched_api() {
    let c = setup(6);
    c.server.log.lock().unwrap().batch = true;
    assert_eq!(c.verify(&[]).status.code(), Some(0));
    let mut forked = c.records.clone();
    forked[0] = "cargo/evil 6.6.6 sha256:6666666666666666666666666666666666666666666666666666666666666666\n".to_owned();
    forked.push("cargo/more 1.0.0 sha256:1111111111111111111111111111111111111111111111111111111111111111\n".to_owned());
    c.server.log.lock().unwrap().set_records(&forked);
    assert_caught(&c.verify(&[]), "fork");
}

#[test]
fn catches_an_inclusion_that_does_not_hold() {
    let c = setup(5);
    c.set_lie(Lie::WrongRecordText);
    assert_caught(&c.verify(&[]), "inclusion does not hold");
}

#[test]
fn catches_a_bad_inclusion_proof_in_a_batched_answer() {
    let c = setup(5);
    {
        let mut l = c.server.log.lock().unwrap();
        l.batch = true;
        l.lie = Lie::BadInclusion;
    }
    assert_caught(&c.verify(&[]), "inclusion proof for record");
}

#[test]
fn catches_a_record_for_a_different_key() {
    let c = setup(5);
    c.set_lie(Lie::OtherKey);
    assert_caught(&c.verify(&[]), "record is for");
}

#[test]
fn catches_a_record_id_beyond_the_tree_size() {
    let c = setup(5);
    c.set_lie(Lie::IdBeyondSize);
    assert_caught(&c.verify(&[]), "is not below tree size");
}

fn cached_tiles(home: &Path) -> usize {
    fn walk(p: &Path) -> usize {
        std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum()
    }
    walk(&home.join("cache/lockproof/tiles"))
}

#[test]
fn catches_a_truncated_tile_and_caches_nothing_unverified() {
    let c = setup(5);
    c.set_lie(Lie::TruncatedTile);
    assert_caught(&c.verify(&[]), "tile has");
    assert_eq!(cached_tiles(c.home.path()), 0);
    // The honest log's tiles are verified, then cached.
    c.set_lie(Lie::None);
    assert_eq!(c.verify(&[]).status.code(), Some(0));
    assert!(cached_tiles(c.home.path()) > 0);
}

#[test]
fn catches_an_oversized_tile() {
    let c = setup(5);
    c.set_lie(Lie::OversizedTile);
    assert_caught(&c.verify(&["--no-cache"]), "tile");
}

#[test]
fn times_out_on_a_slow_log() {
    let c = setup(3);
    c.set_lie(Lie::Slow(Duration::from_secs(6)));
    let started = std::time::Instant::now();
    let out = c.verify(&[]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_caught(&out, "timed out");
}

#[test]
fn times_out_on_an_endless_response() {
    let c = setup(3);
    c.set_lie(Lie::Endless);
    let started = std::time::Instant::now();
    let out = c.verify(&[]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_caught(&out, "timed out");
}

#[test]
fn fails_when_the_witness_quorum_is_not_met() {
    let c = setup(4);
    let (w1, w2) = {
        let mut l = c.server.log.lock().unwrap();
        let w1 = l.add_witness("witness.one", 11);
        // A second witness the policy trusts but the log never gets a cosignature from.
        let other = FakeLog::new("unused.test", 12, &[]);
        let _ = other;
        (
            w1,
            verify_util::fake::FakeLog::new("w2.test", 13, &[]).witness_vkey("witness.two", 14),
        )
    };
    let policy = c.home.path().join("policy.txt");
    std::fs::write(
        &policy,
        format!("witness one {w1}\nwitness two {w2}\nquorum 2\n"),
    )
    .unwrap();
    let out = c.verify(&["--policy", policy.to_str().unwrap()]);
    assert_caught(&out, "witness quorum not met: 1 of the required 2");
    // With quorum 1 the same log passes: the cosignature itself is genuine.
    std::fs::write(
        &policy,
        format!("witness one {w1}\nwitness two {w2}\nquorum 1\n"),
    )
    .unwrap();
    let out = c.verify(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// A policy trusting witness "one" (seed 21) with quorum 1, and the fake log serving a C2SP
/// checkpoint cosigned by it; the sumdb note itself carries no cosignature.
fn c2sp_case(origin: &str, size: Option<u64>, lag: usize) -> (Case, std::path::PathBuf) {
    let c = setup(4);
    let key = lockproof_tlog::SignerKey::from_seed_with(
        lockproof_tlog::KeyName::new("witness.one").unwrap(),
        lockproof_tlog::KeyAlgorithm::CosignatureV1,
        [21; 32],
    );
    let policy = c.home.path().join("policy.txt");
    std::fs::write(
        &policy,
        format!("witness one {}\nquorum 1\n", key.verifier_key()),
    )
    .unwrap();
    c.server.log.lock().unwrap().c2sp = Some(verify_util::fake::C2sp {
        origin: origin.to_owned(),
        size,
        witnesses: vec![key],
        lag: lag.into(),
    });
    (c, policy)
}

#[test]
fn a_quorum_met_on_the_c2sp_checkpoint_of_the_same_tree_passes() {
    let (c, policy) = c2sp_case(NAME, None, 0);
    let out = c.verify(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn waits_for_witnesses_that_have_not_cosigned_the_newest_tree_yet() {
    let (c, policy) = c2sp_case(NAME, None, 2);
    let out = c.verify(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let asked = c
        .server
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.ends_with("/checkpoint"))
        .count();
    assert_eq!(asked, 3, "two lagging answers, then the cosigned tree");
}

/// The log grows by two records after signing the note a run verifies, and its witnesses
/// cosign the larger tree.
fn grow_past_the_note(c: &Case) {
    let mut log = c.server.log.lock().unwrap();
    let mut grown = c.records.clone();
    grown.push("cargo/more 1.0.0 sha256:1111111111111111111111111111111111111111111111111111111111111111\n".to_owned());
    grown.push("cargo/most 1.0.0 sha256:2222222222222222222222222222222222222222222222222222222222222222\n".to_owned());
    log.set_records(&grown);
    log.note_size = Some(c.records.len() as u64);
}

#[test]
fn a_quorum_on_a_larger_tree_counts_when_the_verified_tree_is_its_prefix() {
    let (c, policy) = c2sp_case(NAME, None, 0);
    grow_past_the_note(&c);
    let out = c.verify(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The prefix was checked with the larger tree's tiles.
    let requests = c.server.requests.lock().unwrap().clone();
    assert!(
        requests.iter().any(|r| r.contains("/tile/")),
        "{requests:?}"
    );
}

#[test]
fn a_bundle_carries_a_larger_cosigned_tree_with_its_consistency_proof() {
    let (c, policy) = c2sp_case(NAME, None, 0);
    grow_past_the_note(&c);
    let policy = policy.to_str().unwrap();
    let prove = c.verify_args(&[
        "prove",
        "Cargo.lock",
        "--output",
        "bundle.json",
        "--policy",
        policy,
    ]);
    assert_eq!(prove.status.code(), Some(0), "{}", text(&prove));
    let path = c.home.path().join("bundle.json");
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let proof = bundle["logs"][0]["cosigned_consistency"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!proof.is_empty(), "{bundle}");
    let offline = || {
        let mut cmd = support::lockproof(c.home.path());
        cmd.current_dir(c.home.path())
            .args([
                "verify",
                "Cargo.lock",
                "--offline",
                "--bundle",
                "bundle.json",
            ])
            .args(["--policy", policy, "--log", &c.vkey()]);
        cmd.output().unwrap()
    };
    let out = offline();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A consistency proof that does not hold: the quorum on the larger tree does not count.
    let first = proof[0].as_str().unwrap();
    let other = lockproof_tlog::Hash([9; 32]).to_base64();
    let tampered = std::fs::read_to_string(&path)
        .unwrap()
        .replacen(first, &other, 1);
    std::fs::write(&path, tampered).unwrap();
    assert_caught(&offline(), "does not verify");
}

#[test]
fn rejects_a_cosigned_c2sp_checkpoint_for_another_tree() {
    let (c, policy) = c2sp_case(NAME, Some(3), 0);
    let out = c.verify(&["--policy", policy.to_str().unwrap()]);
    assert_caught(&out, "cosigned checkpoint is for tree size 3, not 4");
}

#[test]
fn rejects_a_cosigned_c2sp_checkpoint_with_another_origin() {
    let (c, policy) = c2sp_case("other.log/origin", None, 0);
    let out = c.verify(&["--policy", policy.to_str().unwrap()]);
    assert_caught(&out, "C2SP checkpoint has origin \"other.log/origin\"");
}

#[test]
fn reports_nothing_when_the_trust_state_cannot_be_written() {
    let c = setup(5);
    // The log's state directory is a dangling symlink: there is no trust state yet, and the
    // verified checkpoint cannot be remembered. The run fails naming the file and prints no
    // verdict (judging overlapped the write; reporting waits for it).
    let vkey = c.vkey();
    let mut parts = vkey.split('+');
    let id = format!(
        "{}+{}",
        parts.next().unwrap().replace('/', "!"),
        parts.next().unwrap()
    );
    let logs = c.home.path().join("state/lockproof/logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::os::unix::fs::symlink(c.home.path().join("nowhere/at/all"), logs.join(&id)).unwrap();
    let out = c.verify(&["--batch"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(&format!("{id}: File exists (os error 17)\n")),
        "{t}"
    );
    assert!(out.stdout.is_empty(), "{t}");
    // The log was asked: the failure is the write, not the read.
    assert!(!c.server.requests.lock().unwrap().is_empty(), "{t}");
}

#[test]
fn catches_an_offline_bundle_that_forks_the_trusted_tree_of_its_size() {
    let c = setup(6);
    let log = format!("{} {}", c.vkey(), c.server.url);
    let run = |home: &Path, args: &[&str], log: &str| {
        let mut cmd = support::lockproof(home);
        cmd.current_dir(home).args(args).args(["--log", log]);
        cmd.output().unwrap()
    };
    let prove = run(
        c.home.path(),
        &["prove", "Cargo.lock", "--output", "bundle.json"],
        &log,
    );
    assert_eq!(prove.status.code(), Some(0), "{}", text(&prove));
    // Another machine trusts a tree the same key signed for the log's next states.
    let trusting = |records: &[String]| {
        let home = tempfile::tempdir().unwrap();
        for f in ["Cargo.lock", "bundle.json"] {
            std::fs::copy(c.home.path().join(f), home.path().join(f)).unwrap();
        }
        c.server.log.lock().unwrap().set_records(records);
        let lenient = [
            "verify",
            "Cargo.lock",
            "--missing",
            "warn",
            "--mismatch",
            "warn",
        ];
        let online = run(home.path(), &lenient, &log);
        assert_eq!(online.status.code(), Some(0), "{}", text(&online));
        let offline = [
            "verify",
            "Cargo.lock",
            "--offline",
            "--bundle",
            "bundle.json",
        ];
        let out = run(home.path(), &offline, &c.vkey());
        (home, out)
    };
    // A grown log: the bundle is an older snapshot, which offline cannot be checked against.
    let mut grown = c.records.clone();
    grown.push("cargo/more 1.0.0 sha256:1111111111111111111111111111111111111111111111111111111111111111\n".to_owned());
    let (_, out) = trusting(&grown);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The same size with another record: the bundle's tree and the trusted one are a fork.
    let mut forked = c.records.clone();
    forked[2] = "cargo/evil 6.6.6 sha256:6666666666666666666666666666666666666666666666666666666666666666\n".to_owned();
    let (home, out) = trusting(&forked);
    assert_caught(&out, "fork: two different roots signed for tree size 6");
    let ev = evidence_files(home.path());
    assert_eq!(ev.len(), 1, "{}", text(&out));
    let e: serde_json::Value = serde_json::from_slice(&std::fs::read(&ev[0]).unwrap()).unwrap();
    assert_eq!(
        (e["kind"].as_str(), e["trusted_size"].as_u64()),
        (Some("fork"), Some(6))
    );
}
