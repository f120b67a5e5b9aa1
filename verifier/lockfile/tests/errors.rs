//! Bad input gives an error naming the file, the line and the problem, and never entries.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::Path;

use lockproof_lockfile::{Error, Format, MAX_LOCKFILE_BYTES, parse, parse_str};

/// Parse `text` as `format` from a file called `name`, expecting an error; return its text.
fn fails(format: Format, name: &str, text: &str) -> String {
    match parse_str(format, Path::new(name), text) {
        Ok(entries) => panic!(
            "{name}: accepted bad input with {} entries:\n{text}",
            entries.len()
        ),
        Err(e) => e.to_string(),
    }
}

/// The error names `name:line:` and mentions `needle`.
fn assert_error(format: Format, name: &str, text: &str, line: u32, needle: &str) {
    let err = fails(format, name, text);
    assert!(err.starts_with(&format!("{name}:{line}:")), "{err}");
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "{err} lacks {needle:?}"
    );
}

const CARGO_OK: &str = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"5d2e7343e7fc9de883d1b0341e0b13970f764c14101234857d2ddafa1cb1cac2\"\n";

#[test]
fn accepts_the_minimal_cargo_lock_these_tests_corrupt() {
    let e = parse_str(Format::CargoLock, Path::new("Cargo.lock"), CARGO_OK).unwrap();
    assert_eq!(e.len(), 1);
}

#[test]
fn rejects_cargo_lock_with_unknown_version() {
    assert_error(
        Format::CargoLock,
        "Cargo.lock",
        &CARGO_OK.replace("version = 4", "version = 5"),
        1,
        "unknown Cargo.lock version 5",
    );
}

#[test]
fn rejects_cargo_lock_with_wrong_type() {
    assert_error(
        Format::CargoLock,
        "Cargo.lock",
        &CARGO_OK.replace("version = 4", "version = \"4\""),
        1,
        "invalid type",
    );
}

#[test]
fn rejects_cargo_lock_with_short_checksum() {
    assert_error(
        Format::CargoLock,
        "Cargo.lock",
        &CARGO_OK.replace("cac2\"", "\""),
        7,
        "64 hex digits",
    );
}

#[test]
fn rejects_cargo_lock_with_duplicate_key() {
    let text = CARGO_OK.replace(
        "version = \"1.0.0\"\n",
        "version = \"1.0.0\"\nversion = \"1.0.1\"\n",
    );
    assert_error(Format::CargoLock, "Cargo.lock", &text, 6, "duplicate key");
}

#[test]
fn rejects_truncated_cargo_lock() {
    let text = &CARGO_OK[..CARGO_OK.len() - 20];
    assert_error(Format::CargoLock, "Cargo.lock", text, 7, "");
}

#[test]
fn rejects_go_sum_with_bad_base64_or_length() {
    let bad = "golang.org/x/mod v0.20.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0\n";
    assert_error(Format::GoSum, "go.sum", bad, 1, "base64");
    let short = "golang.org/x/mod v0.20.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4g\n";
    assert_error(Format::GoSum, "go.sum", short, 1, "");
    let truncated = "a v1.0.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=\nb v1.0.0\n";
    assert_error(Format::GoSum, "go.sum", truncated, 2, "three");
}

#[test]
fn rejects_go_sum_with_duplicate_line() {
    let line = "a v1.0.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=\n";
    assert_error(
        Format::GoSum,
        "go.sum",
        &format!("{line}{line}"),
        2,
        "duplicate",
    );
}

const NPM_OK: &str = r#"{
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "root"},
    "node_modules/is-number": {
      "version": "7.0.0",
      "integrity": "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng=="
    }
  }
}"#;

#[test]
fn rejects_package_lock_problems() {
    assert_eq!(
        parse_str(Format::PackageLock, Path::new("package-lock.json"), NPM_OK)
            .unwrap()
            .len(),
        1
    );
    let v4 = NPM_OK.replace("\"lockfileVersion\": 3", "\"lockfileVersion\": 4");
    assert_error(
        Format::PackageLock,
        "package-lock.json",
        &v4,
        2,
        "unknown lockfileVersion",
    );
    let dup = NPM_OK.replace(
        "\"version\": \"7.0.0\",",
        "\"version\": \"7.0.0\", \"version\": \"7.0.1\",",
    );
    assert_error(
        Format::PackageLock,
        "package-lock.json",
        &dup,
        6,
        "duplicate",
    );
    let dup_pkg = NPM_OK.replace(
        "\"\": {\"name\": \"root\"},",
        "\"\": {\"name\": \"root\"}, \"node_modules/is-number\": {},",
    );
    assert_error(
        Format::PackageLock,
        "package-lock.json",
        &dup_pkg,
        5,
        "duplicate key",
    );
    let bad_sri = NPM_OK.replace("Yxxng==", "Yxxng");
    assert_error(
        Format::PackageLock,
        "package-lock.json",
        &bad_sri,
        5,
        "base64",
    );
    let wrong_type = NPM_OK.replace("\"version\": \"7.0.0\"", "\"version\": 7");
    assert_error(
        Format::PackageLock,
        "package-lock.json",
        &wrong_type,
        6,
        "invalid type",
    );
    assert_error(
        Format::PackageLock,
        "package-lock.json",
        &NPM_OK[..NPM_OK.len() - 4],
        9,
        "EOF",
    );
}

const PNPM_OK: &str = "lockfileVersion: '9.0'\n\npackages:\n\n  is-number@7.0.0:\n    resolution: {integrity: sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==}\n";

#[test]
fn rejects_pnpm_lock_problems() {
    let ok = parse_str(Format::PnpmLock, Path::new("pnpm-lock.yaml"), PNPM_OK).unwrap();
    assert_eq!((ok[0].location.line, ok[0].name.as_str()), (6, "is-number"));
    assert_error(
        Format::PnpmLock,
        "pnpm-lock.yaml",
        &PNPM_OK.replace("'9.0'", "'10.0'"),
        1,
        "unknown lockfileVersion",
    );
    let dup = format!(
        "{PNPM_OK}  is-number@7.0.0:\n    resolution: {{integrity: sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==}}\n"
    );
    assert_error(Format::PnpmLock, "pnpm-lock.yaml", &dup, 7, "duplicate");
    assert_error(
        Format::PnpmLock,
        "pnpm-lock.yaml",
        &PNPM_OK.replace("sha512-41", "sha999-41"),
        6,
        "unknown algorithm",
    );
}

#[test]
fn reads_both_documents_of_a_pnpm_11_lockfile() {
    let env = "---\nlockfileVersion: '9.0'\n\nimporters:\n  .: {}\n\npackages:\n\n  a@1.0.0:\n    resolution: {integrity: sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==}\n";
    let text = format!("{env}\n---\n{PNPM_OK}");
    let e = parse_str(Format::PnpmLock, Path::new("pnpm-lock.yaml"), &text).unwrap();
    assert_eq!(
        e.iter()
            .map(|x| (x.name.as_str(), x.location.line))
            .collect::<Vec<_>>(),
        [("a", 10), ("is-number", 18)]
    );
}

#[test]
fn rejects_unknown_python_lock_versions() {
    let poetry = "[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = []\n\n[metadata]\nlock-version = \"3.0\"\ncontent-hash = \"x\"\n";
    assert_error(
        Format::PoetryLock,
        "poetry.lock",
        poetry,
        7,
        "unknown lock-version",
    );
    assert_error(
        Format::UvLock,
        "uv.lock",
        "version = 2\n",
        1,
        "unknown uv.lock version",
    );
    assert_error(
        Format::PyLock,
        "pylock.toml",
        "lock-version = \"2.0\"\n",
        1,
        "unknown lock-version",
    );
    let pipfile = "{\n  \"_meta\": {\"pipfile-spec\": 7},\n  \"default\": {}\n}";
    assert_error(
        Format::PipfileLock,
        "Pipfile.lock",
        pipfile,
        2,
        "unknown pipfile-spec",
    );
    let berry = "__metadata:\n  version: 99\n  cacheKey: 10\n";
    assert_error(Format::YarnBerry, "yarn.lock", berry, 2, "unknown version");
}

#[test]
fn rejects_bad_requirements() {
    assert_error(
        Format::Requirements,
        "requirements.txt",
        "a==1 \\\n    --hash=sha256:abcd\n",
        1,
        "64 hex digits",
    );
    assert_error(
        Format::Requirements,
        "requirements.txt",
        "a==1 --hash=md5:abcd\n",
        1,
        "unknown algorithm",
    );
    assert_error(
        Format::Requirements,
        "requirements.txt",
        "-r other.txt\n",
        1,
        "includes",
    );
    // A short option glued to a value that starts with a multi-byte character.
    assert_error(
        Format::Requirements,
        "requirements.txt",
        "-r\u{e9}.txt\n",
        1,
        "includes",
    );
    assert_error(
        Format::Requirements,
        "requirements.txt",
        "-\u{e9}\u{e9}\n--hash=sha256:00\n",
        2,
        "without a requirement",
    );
}

#[test]
fn rejects_bad_yarn_v1() {
    let ok = "# yarn lockfile v1\n\na@^1.0.0:\n  version \"1.0.0\"\n";
    assert_eq!(
        parse_str(Format::YarnV1, Path::new("yarn.lock"), ok)
            .unwrap()
            .len(),
        1
    );
    assert_error(
        Format::YarnV1,
        "yarn.lock",
        &format!("{ok}\na@^1.0.0:\n  version \"1.0.0\"\n"),
        6,
        "duplicate",
    );
    assert_error(
        Format::YarnV1,
        "yarn.lock",
        "# yarn lockfile v1\n\na@^1.0.0:\n  resolved \"x\"\n",
        3,
        "no version",
    );
    assert_error(
        Format::YarnV1,
        "yarn.lock",
        &format!("{ok}  integrity sha512-AAAA\n"),
        5,
        "88 base64 characters",
    );
}

#[test]
fn rejects_bad_gemfile_lock() {
    let ok = "GEM\n  remote: https://rubygems.org/\n  specs:\n    a (1.0)\n\nCHECKSUMS\n  a (1.0) sha256=12a5a83f3e37a8e2f4427268e305914d5f1879f22b4e73bb1a09f76a3dd86cd4\n";
    assert_eq!(
        parse_str(Format::GemfileLock, Path::new("Gemfile.lock"), ok)
            .unwrap()
            .len(),
        1
    );
    assert_error(
        Format::GemfileLock,
        "Gemfile.lock",
        &ok.replace("cd4\n", "cd\n"),
        7,
        "64 hex digits",
    );
    assert_error(
        Format::GemfileLock,
        "Gemfile.lock",
        &format!(
            "{ok}  b (2.0) sha256=12a5a83f3e37a8e2f4427268e305914d5f1879f22b4e73bb1a09f76a3dd86cd4\n"
        ),
        8,
        "no section lists",
    );
    assert_error(
        Format::GemfileLock,
        "Gemfile.lock",
        &ok.replace("    a (1.0)", "    a 1.0"),
        4,
        "name (version)",
    );
}

#[test]
fn rejects_text_over_the_size_cap() {
    let big = " ".repeat(usize::try_from(MAX_LOCKFILE_BYTES).unwrap() + 1);
    let err = parse_str(Format::GoSum, Path::new("go.sum"), &big).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
}

#[test]
fn rejects_a_file_over_the_size_cap_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("go.sum");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(MAX_LOCKFILE_BYTES + 1)
        .unwrap();
    let err = parse(&path).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn rejects_an_unknown_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello\n").unwrap();
    assert!(matches!(
        parse(&path).unwrap_err(),
        Error::UnknownFormat { .. }
    ));
}
