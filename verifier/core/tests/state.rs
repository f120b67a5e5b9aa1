//! Trust state persistence and PR-mode diffing.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use lockproof_lockfile::{Format, parse_str};
use lockproof_verify::diff::changed_entries;
use lockproof_verify::state::{Evidence, TrustStore};

#[test]
fn trust_state_round_trips_and_is_replaced_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let store = TrustStore::at(dir.path());
    assert_eq!(store.load("log.example+01020304").unwrap(), None);
    store.store("log.example+01020304", b"note one").unwrap();
    store.store("log.example+01020304", b"note two").unwrap();
    assert_eq!(
        store.load("log.example+01020304").unwrap().as_deref(),
        Some(&b"note two"[..])
    );
    let files: Vec<String> = std::fs::read_dir(store.log_dir("log.example+01020304"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["latest"], "no temporary files are left behind");
}

#[test]
fn log_names_with_slashes_stay_inside_the_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = TrustStore::at(dir.path());
    let d = store.log_dir("../../evil/name+00");
    assert!(d.starts_with(dir.path().join("logs")));
    assert_eq!(d.parent().unwrap(), dir.path().join("logs"));
}

#[test]
fn evidence_files_hold_both_notes() {
    let dir = tempfile::tempdir().unwrap();
    let store = TrustStore::at(dir.path());
    let ev = Evidence {
        kind: "fork",
        vkey: "k".into(),
        trusted_note: "A".into(),
        trusted_size: 3,
        new_note: "B".into(),
        new_size: 5,
        consistency_proof: vec!["x".into()],
        prefix_root: Some("r".into()),
        explanation: "fork".into(),
    };
    let path = store.write_evidence("l+00", &ev).unwrap();
    assert!(path.ends_with("evidence-fork-3-5.json"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(
        (v["trusted_note"].as_str(), v["new_note"].as_str()),
        (Some("A"), Some("B"))
    );
}

const OLD: &str = "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"1111111111111111111111111111111111111111111111111111111111111111\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"2222222222222222222222222222222222222222222222222222222222222222\"\n";

#[test]
fn only_added_and_changed_entries_survive_the_diff() {
    let path = Path::new("Cargo.lock");
    let old = parse_str(Format::CargoLock, path, OLD).unwrap();
    let new_text = OLD.replace(&"2".repeat(64), &"3".repeat(64))
        + "\n[[package]]\nname = \"c\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"4444444444444444444444444444444444444444444444444444444444444444\"\n";
    let new = parse_str(Format::CargoLock, path, &new_text).unwrap();
    let (changed, skipped) = changed_entries(new, &old);
    let names: Vec<&str> = changed.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["b", "c"]);
    assert_eq!(skipped, 1);
}
