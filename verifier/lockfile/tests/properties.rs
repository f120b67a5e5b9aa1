//! Property targets for the hand-written parsers (go.sum, go.mod, requirements, yarn v1,
//! Gemfile.lock, the JSON key-line scanner) and the format detector: none of them panics on
//! any input, and a parse either fails or returns entries whose lines exist in the input.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::Path;

use lockproof_lockfile::{Format, detect, parse_str};
use proptest::prelude::*;

/// Text built from the tokens these formats are made of, so the parsers get past their first
/// check instead of rejecting every random string at byte 0.
fn lockfile_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("\n".to_owned()),
        Just("  ".to_owned()),
        Just("    ".to_owned()),
        Just(" ".to_owned()),
        Just("\\\n".to_owned()),
        Just("# yarn lockfile v1\n".to_owned()),
        Just("GEM\n".to_owned()),
        Just("CHECKSUMS\n".to_owned()),
        Just("  specs:\n".to_owned()),
        Just("require (".to_owned()),
        Just(")".to_owned()),
        Just("=>".to_owned()),
        Just("a (1.0)".to_owned()),
        Just("sha256=12a5a83f3e37a8e2f4427268e305914d5f1879f22b4e73bb1a09f76a3dd86cd4".to_owned()),
        Just("h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=".to_owned()),
        Just("v1.0.0/go.mod".to_owned()),
        Just(
            "--hash=sha256:12a5a83f3e37a8e2f4427268e305914d5f1879f22b4e73bb1a09f76a3dd86cd4"
                .to_owned()
        ),
        Just("-r".to_owned()),
        Just("-e git+https://x#egg=y".to_owned()),
        Just("pkg==1.0".to_owned()),
        Just("\"a@^1\", a@^2:".to_owned()),
        Just("version \"1.0\"".to_owned()),
        Just("integrity sha512-AAAA".to_owned()),
        Just("resolved \"https://x/a.tgz#7535345b896734d5f80c4d06c50955527a14f12b\"".to_owned()),
        Just("{\"lockfileVersion\": 3, \"packages\": {".to_owned()),
        Just("\"k\": ".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("}".to_owned()),
        Just(",".to_owned()),
        "-\\PC{0,3}",
        "[ -~]{0,12}",
        "\\PC{0,4}",
    ];
    proptest::collection::vec(token, 0..40).prop_map(|v| v.concat())
}

fn check(format: Format, text: &str) -> Result<(), TestCaseError> {
    if let Ok(entries) = parse_str(format, Path::new("f"), text) {
        let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        for e in &entries {
            prop_assert!(e.location.line >= 1 && e.location.line <= lines, "{e:?}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn go_sum_parser_never_panics(text in lockfile_like()) { check(Format::GoSum, &text)?; }

    #[test]
    fn requirements_parser_never_panics(text in lockfile_like()) { check(Format::Requirements, &text)?; }

    #[test]
    fn yarn_v1_parser_never_panics(text in lockfile_like()) { check(Format::YarnV1, &text)?; }

    #[test]
    fn gemfile_parser_never_panics(text in lockfile_like()) { check(Format::GemfileLock, &text)?; }

    #[test]
    fn json_formats_never_panic(text in lockfile_like()) {
        check(Format::PackageLock, &text)?;
        check(Format::PipfileLock, &text)?;
        check(Format::ComposerLock, &text)?;
    }

    #[test]
    fn every_parser_survives_arbitrary_text(text in "\\PC{0,300}") {
        for format in [Format::CargoLock, Format::GoSum, Format::PackageLock, Format::YarnV1,
            Format::YarnBerry, Format::PnpmLock, Format::PoetryLock, Format::UvLock, Format::PyLock,
            Format::PipfileLock, Format::Requirements, Format::GemfileLock, Format::ComposerLock] {
            let _ = parse_str(format, Path::new("f"), &text);
        }
    }

    #[test]
    fn detector_never_panics(name in "[a-zA-Z._-]{0,20}", text in lockfile_like()) {
        let _ = detect(Path::new(&name), &text);
    }

    #[test]
    fn go_mod_parser_never_panics(text in lockfile_like()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("go.mod"), &text).unwrap();
        let _ = lockproof_lockfile::parse(&dir.path().join("go.mod"));
    }
}

#[test]
fn detects_every_fixture_by_content_alone() {
    let root = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/lockfiles"
    ));
    let cases = [
        ("cargo/cargo-Cargo.lock", Format::CargoLock),
        ("cargo/rustsec-example-v1-Cargo.lock", Format::CargoLock),
        ("go/cosign-go.sum", Format::GoSum),
        (
            "npm/actions-checkout-v1-package-lock.json",
            Format::PackageLock,
        ),
        ("yarn/excalidraw-yarn.lock", Format::YarnV1),
        ("yarn/prettier-berry-yarn.lock", Format::YarnBerry),
        ("pnpm/vuejs-core-pnpm-lock.yaml", Format::PnpmLock),
        ("pypi/poetry-poetry.lock", Format::PoetryLock),
        (
            "pypi/poetry-testfixture-lock-1.0-poetry.lock",
            Format::PoetryLock,
        ),
        ("pypi/sigstore-python-uv.lock", Format::UvLock),
        ("pypi/pipenv-pylock.toml", Format::PyLock),
        ("pypi/pipenv-Pipfile.lock", Format::PipfileLock),
        (
            "pypi/sigstore-python-requirements.txt",
            Format::Requirements,
        ),
        ("rubygems/rubygems-dev_gems.rb.lock", Format::GemfileLock),
        ("composer/composer-composer.lock", Format::ComposerLock),
    ];
    for (rel, want) in cases {
        let text = std::fs::read_to_string(root.join(rel)).unwrap();
        assert_eq!(detect(Path::new("unnamed"), &text), Some(want), "{rel}");
    }
}

#[test]
fn discover_skips_dependency_and_build_directories() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for p in [
        "Cargo.lock",
        "web/package-lock.json",
        "web/node_modules/x/package-lock.json",
        "target/Cargo.lock",
        "vendor/go.sum",
        ".git/Cargo.lock",
        "svc/go.mod",
        "svc/go.sum",
        "lib/go.mod",
        "py/requirements-dev.txt",
        "js/yarn.lock",
        "README.md",
    ] {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }
    let found: Vec<String> = lockproof_lockfile::discover(root)
        .unwrap()
        .iter()
        .map(|p| p.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert_eq!(
        found,
        [
            "Cargo.lock",
            "js/yarn.lock",
            "lib/go.mod",
            "py/requirements-dev.txt",
            "svc/go.sum",
            "web/package-lock.json"
        ]
    );
}

proptest! {
    /// go.sum round-trips: the record line of every entry is the line it came from. (Module
    /// paths and versions are valid log keys: no Windows-reserved first element, no `/vN`
    /// suffix, a canonical v0/v1 version.)
    #[test]
    fn go_sum_lines_round_trip_through_record_lines(
        lines in proptest::collection::vec(
            ("q[a-z]{0,7}\\.[a-z]{2,3}/x[a-zA-Z0-9_-]{0,11}", "v[01]\\.(0|[1-9][0-9]?)\\.(0|[1-9][0-9]?)", any::<bool>(), any::<[u8; 32]>()),
            1..20,
        )
    ) {
        let mut text = String::new();
        let mut seen = std::collections::HashSet::new();
        for (module, version, go_mod, hash) in &lines {
            if !seen.insert((module.clone(), version.clone(), *go_mod)) {
                continue;
            }
            let d = lockproof_lockfile::Digest::from_bytes(lockproof_lockfile::Algorithm::GoH1, hash).unwrap();
            let suffix = if *go_mod { "/go.mod" } else { "" };
            text.push_str(&format!("{module} {version}{suffix} {}\n", d.to_sri()));
        }
        let entries = parse_str(Format::GoSum, Path::new("go.sum"), &text).unwrap();
        let rebuilt: String = entries.iter().map(|e| e.record_line().unwrap()).collect();
        prop_assert_eq!(rebuilt, text);
    }
}
