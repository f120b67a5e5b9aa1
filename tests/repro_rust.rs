//! Acceptance 2 of issue 7: a dependency-free Rust crate built with `cargo build --release
//! --offline`.
//!
//! Observed (rustc 1.95, Debian 12): the plain release build (no debuginfo, panic locations
//! relative to the package) is reproducible under the build-path variation. With debuginfo
//! (`CARGO_PROFILE_RELEASE_DEBUG=2`) the build directory lands in `.debug_str` and the build
//! is attributed to the build path; `RUSTFLAGS=--remap-path-prefix=$PWD=/build` makes it
//! reproducible under every variation.
#![allow(
    clippy::unwrap_used,
    missing_docs,
    reason = "tests: a failed unwrap is a failed test"
)]

#[path = "repro_support.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use repro_support::{causes, explain, repro, run_json, single_causes};

const ARTIFACT: &str = "target/release/repro-fixture";

#[test]
fn a_plain_release_build_does_not_depend_on_the_build_path() {
    let home = tempfile::tempdir().unwrap();
    let cmd = repro(
        home.path(),
        &support::fixture("repro/rust-crate"),
        &[
            "--format",
            "json",
            "--vary",
            "build-path",
            "--artifact",
            ARTIFACT,
            "--",
            "cargo",
            "build",
            "--release",
            "--offline",
        ],
    );
    let (code, report, out) = run_json(cmd);
    assert_eq!(code, 0, "{}", explain(&out));
    assert_eq!(report["verdict"], "reproducible");
    assert_eq!(report["applied"], serde_json::json!(["build-path"]));
}

#[test]
fn debuginfo_embeds_the_build_path_and_remapping_fixes_it() {
    let home = tempfile::tempdir().unwrap();
    let fixture = support::fixture("repro/rust-crate");
    let vary = "build-path,home,wall-clock,timezone,umask,environment";
    let cmd = repro(
        home.path(),
        &fixture,
        &[
            "--format",
            "json",
            "--vary",
            vary,
            "--artifact",
            ARTIFACT,
            "--",
            "sh",
            "-c",
            "CARGO_PROFILE_RELEASE_DEBUG=2 cargo build --release --offline",
        ],
    );
    let (code, report, out) = run_json(cmd);
    assert_eq!(code, 1, "{}", explain(&out));
    assert_eq!(single_causes(&report), ["build-path"]);
    assert_eq!(causes(&report), ["build-path"]);
    assert!(
        report["causes"][0]["suggestion"]
            .as_str()
            .unwrap()
            .contains("--remap-path-prefix")
    );
    assert_eq!(report["artifacts"][0]["toolchain"], "rust");

    let cmd = repro(
        home.path(),
        &fixture,
        &[
            "--format",
            "json",
            "--vary",
            vary,
            "--artifact",
            ARTIFACT,
            "--",
            "sh",
            "-c",
            "CARGO_PROFILE_RELEASE_DEBUG=2 RUSTFLAGS=\"--remap-path-prefix=$PWD=/build\" cargo build --release --offline",
        ],
    );
    let (code, report, out) = run_json(cmd);
    assert_eq!(code, 0, "{}", explain(&out));
    assert_eq!(report["verdict"], "reproducible");
}
