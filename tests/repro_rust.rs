//! Acceptance 2 of issue 7: a dependency-free Rust crate built with `cargo build --release
//! --offline`.
//!
//! Observed (rustc 1.95, Debian 12): the plain release build (no debuginfo, panic locations
//! relative to the package) is reproducible under the build-path variation. With debuginfo
//! (`CARGO_PROFILE_RELEASE_DEBUG=2`) the build directory lands in `.debug_str` and the build
//! is attributed to the build path; `RUSTFLAGS=--remap-path-prefix=$PWD=/build` makes it
//! reproducible under every variation.

#[path = "repro_support/mod.rs"]
mod repro_support;
#[path = "support/mod.rs"]
mod support;

use repro_support::Fixture;

const ARTIFACT: &str = "target/release/repro-fixture";

/// Every variation but those that cannot change a Rust release build on one host.
const VARY: &str = "build-path,home,wall-clock,timezone,umask,environment";

#[test]
fn a_plain_release_build_does_not_depend_on_the_build_path() {
    let run = Fixture::new("rust-crate").run_json(
        &["--vary", "build-path", "--artifact", ARTIFACT],
        &["cargo", "build", "--release", "--offline"],
    );
    run.assert_exit(0);
    assert_eq!(run.report["verdict"], "reproducible");
    assert_eq!(run.report["applied"], serde_json::json!(["build-path"]));
}

#[test]
fn debuginfo_embeds_the_build_path_and_remapping_fixes_it() {
    let fixture = Fixture::new("rust-crate");
    let options = ["--vary", VARY, "--artifact", ARTIFACT];

    let run = fixture.run_json(
        &options,
        &[
            "sh",
            "-c",
            "CARGO_PROFILE_RELEASE_DEBUG=2 cargo build --release --offline",
        ],
    );
    run.assert_exit(1);
    assert_eq!(run.single_causes(), ["build-path"]);
    assert_eq!(run.causes(), ["build-path"]);
    assert!(run.first_suggestion().contains("--remap-path-prefix"));
    assert_eq!(run.first_artifact()["toolchain"], "rust");

    let run = fixture.run_json(
        &options,
        &[
            "sh",
            "-c",
            "CARGO_PROFILE_RELEASE_DEBUG=2 RUSTFLAGS=\"--remap-path-prefix=$PWD=/build\" cargo build --release --offline",
        ],
    );
    run.assert_exit(0);
    assert_eq!(run.report["verdict"], "reproducible");
}
