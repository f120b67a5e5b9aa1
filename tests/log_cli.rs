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
            &["--dir", "--listen", "--token-file", "--access-log"],
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
