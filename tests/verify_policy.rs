//! Policy end to end: `lockproof.toml` routing ecosystems to different logs, lockfile
//! discovery when no paths are given, and a text policy whose witness quorum a log without
//! cosignatures cannot meet.

#[path = "support/mod.rs"]
mod support;
#[path = "verify_util/mod.rs"]
mod verify_util;

use lockproof_tlog::Record;
use verify_util::{cargo_lock, local_log, text};

fn go_sum_and_records(n: usize) -> (String, Vec<String>) {
    let h = |s: String| {
        format!(
            "h1:{}",
            lockproof_tlog::record_hash(s.as_bytes()).to_base64()
        )
    };
    let recs: Vec<String> = (0..n)
        .map(|i| {
            Record::go(
                &format!("example.com/m{i}"),
                "v1.2.3",
                &h(format!("z{i}")),
                &h(format!("g{i}")),
            )
            .unwrap()
            .text()
            .to_owned()
        })
        .collect();
    (recs.concat(), recs)
}

#[test]
fn lockproof_toml_routes_each_ecosystem_to_its_log_and_lockfiles_are_discovered() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (lock, cargo_records) = cargo_lock(4);
    std::fs::write(h.join("Cargo.lock"), lock).unwrap();
    let (sum, go_records) = go_sum_and_records(3);
    std::fs::create_dir_all(h.join("gomod")).unwrap();
    std::fs::write(h.join("gomod/go.sum"), sum).unwrap();
    std::fs::write(
        h.join("gomod/go.mod"),
        "module example.com/app\n\ngo 1.21\n",
    )
    .unwrap();
    let cargo_key = local_log(&h.join("logs/cargo"), "cargo.example/log", &cargo_records);
    let go_key = local_log(&h.join("logs/go"), "go.example/log", &go_records);
    std::fs::write(
        h.join("lockproof.toml"),
        format!(
            "[verify]\nunpinned = \"fail\"\n\n[[verify.logs]]\nkey = \"{cargo_key}\"\nurl = \"logs/cargo\"\necosystems = [\"cargo\"]\n\n[[verify.logs]]\nkey = \"{go_key}\"\nurl = \"logs/go\"\necosystems = [\"go\"]\n"
        ),
    )
    .unwrap();
    let out = support::lockproof(h)
        .current_dir(h)
        .args(["verify", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let logs: Vec<&str> = report["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["log"].as_str().unwrap())
        .collect();
    assert_eq!(logs, ["cargo.example/log", "go.example/log"]);
    let files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["Cargo.lock", "gomod/go.sum"]);
    assert_eq!(report["findings"].as_array().unwrap().len(), 4 + 6);

    // Swapping the keys makes both logs fail: each directory is signed by the other key.
    std::fs::write(
        h.join("swapped.toml"),
        format!("[verify]\n[[verify.logs]]\nkey = \"{go_key}\"\nurl = \"logs/cargo\"\n"),
    )
    .unwrap();
    let out = support::lockproof(h)
        .current_dir(h)
        .args(["verify", "Cargo.lock", "--config", "swapped.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("no verifiable signatures"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_witness_quorum_the_log_cannot_meet_fails_the_run() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (lock, records) = cargo_lock(3);
    std::fs::write(h.join("Cargo.lock"), lock).unwrap();
    let vkey = local_log(&h.join("log"), "quorum.example/log", &records);
    let witness = lockproof_tlog::SignerKey::from_seed_with(
        lockproof_tlog::KeyName::new("witness.example").unwrap(),
        lockproof_tlog::KeyAlgorithm::CosignatureV1,
        [5; 32],
    )
    .verifier_key();
    std::fs::write(
        h.join("policy"),
        format!("log {vkey} log\nwitness w {witness}\nquorum 1\n"),
    )
    .unwrap();
    let out = support::lockproof(h)
        .current_dir(h)
        .args(["verify", "Cargo.lock", "--policy", "policy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("witness quorum not met: 0 of the required 1"),
        "{}",
        text(&out)
    );
    // A malformed policy is a usage error naming the line.
    std::fs::write(h.join("policy"), "log x\n").unwrap();
    let out = support::lockproof(h)
        .current_dir(h)
        .args(["verify", "Cargo.lock", "--policy", "policy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("policy:1:"), "{}", text(&out));
}
