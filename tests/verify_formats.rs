//! Acceptance 4 of issue 5: the SARIF report is valid by Microsoft's SARIF multitool (schema
//! and GitHub ingestion rules), and the JSON report validates against the documented schema
//! (`docs/verify-json.schema.json`). Also checks the other formats end to end.

#[path = "support/mod.rs"]
mod support;
#[path = "verify_util/mod.rs"]
mod verify_util;

use std::path::Path;
use std::process::Command;

use verify_util::{cargo_lock, local_log, text};

/// A lockfile with every verdict: 4 matches, 1 mismatch, 1 missing, 1 unpinned.
fn mixed(home: &Path) -> String {
    let (lock, records) = cargo_lock(6);
    let flipped = lock.replace(&verify_util::sha256_hex(b"crate-1"), &"cd".repeat(32));
    let lock = flipped + "\n[[package]]\nname = \"localcrate\"\nversion = \"0.1.0\"\n";
    std::fs::write(home.join("Cargo.lock"), lock).unwrap();
    let vkey = local_log(&home.join("log"), "formats.test/log", &records[..5]);
    format!("{vkey} {}", home.join("log").display())
}

fn verify(home: &Path, log: &str, format: &str, output: &str) -> std::process::Output {
    support::lockproof(home)
        .current_dir(home)
        .args([
            "verify",
            "Cargo.lock",
            "--format",
            format,
            "--output",
            output,
            "--log",
            log,
        ])
        .output()
        .unwrap()
}

#[test]
fn sarif_is_valid_according_to_the_sarif_multitool() {
    if !support::require_tool("sarif-multitool") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let log = mixed(home.path());
    let out = verify(home.path(), &log, "sarif", "lockproof.sarif");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.path().join("lockproof.sarif")).unwrap())
            .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{sarif:#}");
    let mismatch = results
        .iter()
        .find(|r| r["ruleId"] == "checksum-mismatch")
        .unwrap();
    assert_eq!(
        mismatch["partialFingerprints"]["lockproof/v1"],
        "cargo:crate1@1.0.1:checksum-mismatch"
    );
    assert_eq!(
        mismatch["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "Cargo.lock"
    );
    assert!(
        mismatch["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 1
    );

    let v = Command::new("sarif-multitool")
        .current_dir(home.path())
        .args([
            "validate",
            "--rule-kind",
            "Gh;Sarif",
            "--log",
            "ForceOverwrite",
            "--output",
            "validation.sarif",
            "lockproof.sarif",
        ])
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .unwrap();
    // The multitool exits 0 even when it finds errors: read its output.
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(home.path().join("validation.sarif"))
            .unwrap_or_else(|e| panic!("{e}: {}", text(&v))),
    )
    .unwrap();
    let problems: Vec<String> = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["level"] != "note" && r["level"] != "none")
        .map(|r| format!("{} {}: {}", r["ruleId"], r["level"], r["message"]))
        .collect();
    assert!(
        problems.is_empty(),
        "SARIF multitool findings:\n{}",
        problems.join("\n")
    );
}

#[test]
fn json_report_validates_against_the_documented_schema() {
    if !support::require_tool("check-jsonschema") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let log = mixed(home.path());
    let out = verify(home.path(), &log, "json", "report.json");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let schema = support::repo_root().join("docs/verify-json.schema.json");
    let check = |file: &str| {
        Command::new("check-jsonschema")
            .arg("--schemafile")
            .arg(&schema)
            .arg(home.path().join(file))
            .output()
            .unwrap()
    };
    let ok = check("report.json");
    assert!(ok.status.success(), "{}", text(&ok));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.path().join("report.json")).unwrap()).unwrap();
    for v in ["match", "mismatch", "missing", "unpinned"] {
        assert!(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["verdict"] == v),
            "no {v}"
        );
    }
    // The schema is not vacuous: an unknown verdict is rejected.
    let bad = std::fs::read_to_string(home.path().join("report.json"))
        .unwrap()
        .replacen("\"mismatch\"", "\"maybe\"", 1);
    std::fs::write(home.path().join("bad.json"), bad).unwrap();
    assert!(!check("bad.json").status.success());
}

#[test]
fn human_markdown_and_github_formats_render_the_same_report() {
    let home = tempfile::tempdir().unwrap();
    let log = mixed(home.path());
    let human = support::lockproof(home.path())
        .current_dir(home.path())
        .args(["verify", "Cargo.lock", "--log", &log])
        .output()
        .unwrap();
    let h = String::from_utf8_lossy(&human.stdout);
    assert!(!h.contains('\x1b'), "NO_COLOR must disable colour:\n{h}");
    assert!(
        h.lines()
            .last()
            .unwrap()
            .starts_with("FAILED: 7 entries checked: 4 matched, 1 mismatch, 1 missing, 1 unpinned"),
        "{h}"
    );
    let coloured = support::lockproof(home.path())
        .current_dir(home.path())
        .env_remove("NO_COLOR")
        .args(["verify", "Cargo.lock", "--color", "always", "--log", &log])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&coloured.stdout).contains("\x1b[31m"));

    verify(home.path(), &log, "markdown", "summary.md");
    let md = std::fs::read_to_string(home.path().join("summary.md")).unwrap();
    assert!(md.contains("| `Cargo.lock` | 4 | 1 | 1 | 1 | 0 |"), "{md}");

    verify(home.path(), &log, "github", "annotations.txt");
    let gh = std::fs::read_to_string(home.path().join("annotations.txt")).unwrap();
    assert!(gh.contains("::error file=Cargo.lock,line="), "{gh}");
    assert!(gh.contains("title=lockproof/checksum-mismatch::"), "{gh}");
    assert!(gh.contains("::warning file=Cargo.lock"), "{gh}");
}
