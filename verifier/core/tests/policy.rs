//! Policy files: the sigsum-like text format and lockproof.toml.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use lockproof_verify::policy::{Policy, Quorum};
use lockproof_verify::report::{Action, Verdict};
use proptest::prelude::*;

const LOG: &str = "sum.example.com+05ee4f6d+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";

fn vkey(name: &str, alg: lockproof_tlog::KeyAlgorithm) -> String {
    lockproof_tlog::SignerKey::from_seed_with(
        lockproof_tlog::KeyName::new(name).unwrap(),
        alg,
        [3; 32],
    )
    .verifier_key()
    .to_string()
}

#[test]
fn parses_logs_witnesses_quorum_and_verdict_actions() {
    let log = vkey("sum.example.com", lockproof_tlog::KeyAlgorithm::Ed25519);
    let w = vkey("w.example", lockproof_tlog::KeyAlgorithm::CosignatureV1);
    let text = format!(
        "# comment\nlog {log} https://sum.example.com cargo npm\nwitness w1 {w} https://w.example\nquorum 1\nunpinned fail\nmissing warn\n"
    );
    let mut p = Policy::default();
    p.merge_text(Path::new("/x/policy"), &text).unwrap();
    assert_eq!(p.logs.len(), 1);
    assert!(p.logs[0].serves("cargo") && !p.logs[0].serves("go"));
    assert_eq!(p.quorum, Quorum::AtLeast(1));
    assert_eq!(p.required_cosignatures(), 1);
    assert_eq!(p.actions.for_verdict(Verdict::Unpinned), Action::Fail);
    assert_eq!(p.actions.for_verdict(Verdict::Missing), Action::Warn);
    assert_eq!(p.actions.for_verdict(Verdict::Mismatch), Action::Fail);
}

#[test]
fn defaults_are_mismatch_fail_missing_fail_unpinned_warn() {
    let p = Policy::default();
    assert_eq!(p.actions.for_verdict(Verdict::Mismatch), Action::Fail);
    assert_eq!(p.actions.for_verdict(Verdict::Missing), Action::Fail);
    assert_eq!(p.actions.for_verdict(Verdict::Unpinned), Action::Warn);
    assert_eq!(p.required_cosignatures(), 0);
}

#[test]
fn rejects_bad_lines_naming_file_and_line() {
    let mut p = Policy::default();
    let e = p
        .merge_text(
            Path::new("pol.txt"),
            "quorum none\nlog not-a-key https://x\n",
        )
        .unwrap_err();
    assert!(
        e.to_string().starts_with("pol.txt:2: bad verifier key"),
        "{e}"
    );
    let e = Policy::default()
        .merge_text(Path::new("pol.txt"), "\n\nfrobnicate\n")
        .unwrap_err();
    assert!(e.to_string().starts_with("pol.txt:3: unrecognised"), "{e}");
    let e = Policy::default()
        .merge_text(Path::new("pol.txt"), "quorum 2\n")
        .unwrap_err();
    assert!(
        e.to_string().contains("quorum 2 exceeds the 0 witnesses"),
        "{e}"
    );
    let e = Policy::default()
        .merge_text(Path::new("pol.txt"), "mismatch maybe\n")
        .unwrap_err();
    assert!(
        e.to_string().starts_with("pol.txt:1: unknown action"),
        "{e}"
    );
    let _ = LOG;
}

#[test]
fn reads_the_verify_table_of_lockproof_toml() {
    let dir = tempfile::tempdir().unwrap();
    let log = vkey("sum.example.com", lockproof_tlog::KeyAlgorithm::Ed25519);
    let w = vkey("w.example", lockproof_tlog::KeyAlgorithm::CosignatureV1);
    let toml = format!(
        "[verify]\nunpinned = \"ignore\"\nquorum = 1\n[[verify.logs]]\nkey = \"{log}\"\nurl = \"logdir\"\necosystems = [\"go\"]\n[[verify.witnesses]]\nname = \"w\"\nkey = \"{w}\"\n"
    );
    let path = dir.path().join("lockproof.toml");
    std::fs::write(&path, toml).unwrap();
    let mut p = Policy::default();
    p.merge_toml(&path).unwrap();
    assert_eq!(p.actions.for_verdict(Verdict::Unpinned), Action::Pass);
    assert_eq!(
        p.logs[0].location,
        dir.path().join("logdir").to_string_lossy()
    );
    assert_eq!(p.witnesses.len(), 1);
    std::fs::write(&path, "[verify]\nbogus = 1\n").unwrap();
    let e = Policy::default().merge_toml(&path).unwrap_err();
    assert!(
        e.to_string().contains(":2: unknown key `verify.bogus`"),
        "{e}"
    );
}

proptest! {
    #[test]
    fn policy_text_parser_never_panics(text in "\\PC*") {
        let _ = Policy::default().merge_text(Path::new("p"), &text);
    }

    #[test]
    fn policy_lines_from_the_grammar_never_panic(
        lines in proptest::collection::vec("(log|witness|quorum|mismatch|missing|unpinned) [ -~]{0,80}", 0..8)
    ) {
        let _ = Policy::default().merge_text(Path::new("p"), &lines.join("\n"));
    }
}
