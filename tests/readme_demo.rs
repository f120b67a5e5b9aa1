//! The README's demo command (`bash scripts/demo.sh`) keeps working: it starts a local log,
//! fills it from this repository's Cargo.lock, verifies the lockfile over HTTP, and shows that
//! a swapped checksum fails with exit 1.

#[path = "support/mod.rs"]
mod support;

use std::process::Command;

#[test]
fn the_readme_demo_verifies_the_lockfile_and_catches_a_swapped_checksum() {
    if !support::require_tool("perl") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(support::repo_root().join("scripts/demo.sh"))
        .env("LOCKPROOF", env!("CARGO_BIN_EXE_lockproof"))
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("VERIFIED:"), "{stdout}");
    assert!(stdout.contains("MISMATCH"), "{stdout}");
    assert!(stdout.contains("Demo passed."), "{stdout}");
}
