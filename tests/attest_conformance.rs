//! Opt-in: the sigstore-conformance suite's offline `test_verify` cases against the hidden
//! `lockproof verify-bundle` entry point.
//!
//! Set `LOCKPROOF_SIGSTORE_CONFORMANCE` to a checkout of github.com/sigstore/sigstore-conformance
//! (tested at `a73de4970176d258e0154c530b89d20b89444e4d`) and, optionally,
//! `LOCKPROOF_SIGSTORE_CONFORMANCE_PYTHON` to a Python with the suite's `requirements.in`
//! installed (pytest 9.1.1, pytest-subtests, pytest-json-report, cryptography 50,
//! sigstore-protobuf-specs 0.5.1, platformdirs, urllib3; default `python3`). The suite is not
//! on PyPI. The test copies the checkout, replaces its `identity_token` fixture (which
//! downloads an OIDC token only signing tests need) by a fixed JWT-shaped string, and runs
//! `pytest test/test_bundle.py -k "test_verify and not cpython" --skip-signing`: every case
//! must pass, including the `managed-key-*` ones (`--key` is wired).
//!
//! Without the variable the test does nothing: it needs a network-fetched checkout and a
//! Python environment that CI does not provide.

#![cfg(feature = "sigstore")]

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

/// A JWT-shaped token with the `email`, `iss` and `exp` claims the harness parses.
const STUB_TOKEN: &str = "eyJhbGciOiAibm9uZSJ9.eyJlbWFpbCI6ICJzdHViQGV4YW1wbGUuY29tIiwgImlzcyI6ICJodHRwczovL3N0dWIuZXhhbXBsZSIsICJleHAiOiA0MTAyNDQ0ODAwfQ.sig";

/// Replaces the body of the suite's network-fetching `identity_token` fixture.
fn stub_identity_token(conftest: &Path) {
    let text = std::fs::read_to_string(conftest).expect("read conftest.py");
    let start = text
        .find("def identity_token() -> str:\n")
        .expect("identity_token fixture");
    let end_marker = "return resp.data.decode()\n";
    let end = start + text[start..].find(end_marker).expect("fixture body") + end_marker.len();
    let patched = format!(
        "{}def identity_token() -> str:\n    return \"{STUB_TOKEN}\"\n{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(conftest, patched).expect("write conftest.py");
}

#[test]
fn sigstore_conformance_offline_verify_cases_all_pass() {
    let Some(checkout) = std::env::var_os("LOCKPROOF_SIGSTORE_CONFORMANCE") else {
        eprintln!(
            "skipping: set LOCKPROOF_SIGSTORE_CONFORMANCE to a sigstore-conformance checkout"
        );
        return;
    };
    let python =
        std::env::var("LOCKPROOF_SIGSTORE_CONFORMANCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let work = tempfile::tempdir().expect("tempdir");
    let suite = work.path().join("suite");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&checkout)
        .arg(&suite)
        .status()
        .expect("cp");
    assert!(status.success(), "copying the suite failed");
    stub_identity_token(&suite.join("test/conftest.py"));

    let shim = work.path().join("lockproof-conformance");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_lockproof")
        ),
    )
    .expect("write shim");
    let chmod = Command::new("chmod")
        .arg("+x")
        .arg(&shim)
        .status()
        .expect("chmod");
    assert!(chmod.success());

    let out = Command::new(python)
        .current_dir(&suite)
        .args([
            "-m",
            "pytest",
            "test/test_bundle.py",
            "-k",
            "test_verify and not cpython",
        ])
        .arg(format!("--entrypoint={}", shim.display()))
        .args(["--skip-signing", "-p", "no:cacheprovider", "-q"])
        .output()
        .expect("run pytest (is LOCKPROOF_SIGSTORE_CONFORMANCE_PYTHON set up?)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout.lines().last().unwrap_or_default().to_owned();
    eprintln!("sigstore-conformance: {summary}");
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        summary.contains(" passed") && !summary.contains("failed"),
        "{summary}"
    );
}
