//! Golden tests: every fixture in `fixtures/lockfiles/` parsed, with entry counts, pin counts
//! and exact entries (line numbers and normalised digests).
//!
//! Every expected value was derived WITHOUT this crate, by the command named next to it, run in
//! `fixtures/lockfiles/`: `python3` with `tomllib`/`json`, `jq`, `grep -n`/`grep -c`, `awk`,
//! and `base64 -d | xxd -p -c64` to turn base64/SRI digests into the hex the parser must emit.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::PathBuf;

use lockproof_lockfile::{Ecosystem, Entry, PinState, Source, UnpinnedReason, parse};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/lockfiles"
    ))
    .join(rel)
}

fn entries(rel: &str) -> Vec<Entry> {
    match parse(&fixture(rel)) {
        Ok(e) => e,
        Err(err) => panic!("{rel}: {err}"),
    }
}

/// (total, pinned, unpinned by reason code)
fn counts(entries: &[Entry]) -> (usize, usize, BTreeMap<&'static str, usize>) {
    let mut reasons = BTreeMap::new();
    let mut pinned = 0;
    for e in entries {
        match e.pin {
            PinState::Pinned => pinned += 1,
            PinState::Unpinned(r) => *reasons.entry(r.code()).or_default() += 1,
        }
    }
    (entries.len(), pinned, reasons)
}

fn reasons(list: &[(&'static str, usize)]) -> BTreeMap<&'static str, usize> {
    list.iter().copied().collect()
}

/// The one entry at `line` with this name and version.
fn at<'a>(entries: &'a [Entry], line: u32, name: &str, version: &str) -> &'a Entry {
    let found: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.location.line == line && e.name == name && e.version == version)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "entries for {name} {version} at line {line}: {found:?}"
    );
    found[0]
}

fn digest(e: &Entry) -> String {
    e.digest
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

// ---------------------------------------------------------------- Cargo.lock

#[test]
fn cargo_v4_lockfile_of_cargo_itself() {
    let e = entries("cargo/cargo-Cargo.lock");
    // python3 tomllib: 550 [[package]], 523 with source registry+ and checksum, 27 without source.
    assert_eq!(counts(&e), (550, 523, reasons(&[("local-source", 27)])));
    // grep -n 'name = "serde"' → 4367; tomllib → version 1.0.228, checksum 9a8e94ea….
    let serde = at(&e, 4367, "serde", "1.0.228");
    assert_eq!(serde.ecosystem, Ecosystem::Cargo);
    assert_eq!(
        digest(serde),
        "sha256:9a8e94ea7f378bd32cbbd37198a4a91436180c5bb472411e48b5ec2e2124ae9e"
    );
    assert_eq!(serde.location.column, 8); // the value after `name = `
    assert_eq!(
        serde.source,
        Source::Registry {
            url: "https://github.com/rust-lang/crates.io-index".into()
        }
    );
    assert_eq!(serde.artifact, None);
    assert_eq!(
        serde.record_line().unwrap(),
        "cargo/serde 1.0.228 sha256:9a8e94ea7f378bd32cbbd37198a4a91436180c5bb472411e48b5ec2e2124ae9e\n"
    );
    // grep -n 'name = "cargo-util"' → 561; no source in tomllib → path member.
    let util = at(&e, 561, "cargo-util", "0.2.32");
    assert_eq!(util.source, Source::Path);
    assert_eq!(util.pin, PinState::Unpinned(UnpinnedReason::LocalSource));
    assert_eq!(util.record_line(), None);
}

#[test]
fn cargo_v4_typst_with_git_packages() {
    let e = entries("cargo/typst-Cargo.lock");
    // python3 tomllib: 429 packages: 391 registry+checksum, 17 git+, 21 without source.
    assert_eq!(
        counts(&e),
        (
            429,
            391,
            reasons(&[("git-source", 17), ("local-source", 21)])
        )
    );
    // grep -n 'name = "hayro"' → 1004; source git+…?rev=d8e24e2…#d8e24e2….
    let hayro = at(&e, 1004, "hayro", "0.7.0");
    assert_eq!(
        hayro.source,
        Source::Git {
            url: "https://github.com/LaurenzV/hayro".into(),
            commit: Some("d8e24e29eda62581e1ea15497effb2a884fb1608".into())
        }
    );
    assert_eq!(hayro.digest, None);
    assert_eq!(hayro.pin, PinState::Unpinned(UnpinnedReason::GitSource));
}

#[test]
fn cargo_v1_checksums_come_from_metadata() {
    let e = entries("cargo/rustsec-example-v1-Cargo.lock");
    // python3 tomllib: 141 packages, 136 registry; [metadata] has 136 "checksum …" keys, none "<none>".
    assert_eq!(counts(&e), (141, 136, reasons(&[("local-source", 5)])));
    // grep -n '"checksum adler32' → 1228 = "5d2e7343…".
    let adler = at(&e, 1228, "adler32", "1.0.4");
    assert_eq!(
        digest(adler),
        "sha256:5d2e7343e7fc9de883d1b0341e0b13970f764c14101234857d2ddafa1cb1cac2"
    );
}

#[test]
fn cargo_v2_v3_and_git_ref_examples() {
    // python3 tomllib: v2 and v3 have 25 packages, 24 with checksum, 1 without source.
    for f in [
        "cargo/rustsec-example-v2-Cargo.lock",
        "cargo/rustsec-example-v3-Cargo.lock",
    ] {
        assert_eq!(
            counts(&entries(f)),
            (25, 24, reasons(&[("local-source", 1)])),
            "{f}"
        );
    }
    // tomllib: same-git: 6 packages, 5 git, 1 path; git-ref: 5 packages, 3 registry, 2 git.
    let same = entries("cargo/rustsec-same-git-Cargo.lock");
    assert_eq!(
        counts(&same),
        (6, 0, reasons(&[("git-source", 5), ("local-source", 1)]))
    );
    let e = entries("cargo/rustsec-git-ref-Cargo.lock");
    assert_eq!(counts(&e), (5, 3, reasons(&[("git-source", 2)])));
    // grep -n 'name = "tag"' → 31 (git, tag=mytag#c460e54…) and 36 (registry, fe438c63…).
    assert!(matches!(&at(&e, 31, "tag", "0.0.0").source,
        Source::Git { commit: Some(c), .. } if c == "c460e54ecd66a5da8d9725ee419b5199b552e0e6"));
    assert_eq!(
        digest(at(&e, 36, "tag", "0.0.0")),
        "sha256:fe438c63458706e03479442743baae6c88256498e6431708f6dfc520a26515d3"
    );
}

// ---------------------------------------------------------------- go.sum / go.mod

fn go_pair(name: &str) -> (tempfile::TempDir, Vec<Entry>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture(&format!("go/{name}-go.sum")),
        dir.path().join("go.sum"),
    )
    .unwrap();
    std::fs::copy(
        fixture(&format!("go/{name}-go.mod")),
        dir.path().join("go.mod"),
    )
    .unwrap();
    let e = parse(&dir.path().join("go.sum")).unwrap();
    (dir, e)
}

#[test]
fn go_sum_of_cosign_with_its_go_mod() {
    let (_dir, e) = go_pair("cosign");
    // grep -c . → 969 lines; grep -c '/go.mod h1:' → 612. A python3 scan of go.mod's require
    // lines finds every required (module, version) in go.sum, so go.mod adds no entries.
    assert_eq!(counts(&e), (969, 969, reasons(&[])));
    assert_eq!(
        e.iter()
            .filter(|x| x.artifact.as_deref() == Some("go.mod"))
            .count(),
        612
    );
    // grep -n '^github.com/sigstore/sigstore v' → 617 (zip) and 618 (/go.mod);
    // echo 1Mgkxvkw…= | base64 -d | xxd -p -c64 → d4c824c6….
    let zip = at(&e, 617, "github.com/sigstore/sigstore", "v1.10.8");
    assert_eq!(zip.artifact.as_deref(), Some("zip"));
    assert_eq!(
        digest(zip),
        "go-h1:d4c824c6f930e005cc7c83f50ce8dcea4c341a452003ca46569bde37f11f3aae"
    );
    let gomod = at(&e, 618, "github.com/sigstore/sigstore", "v1.10.8");
    assert_eq!(
        lockproof_lockfile::go_record(zip, gomod).unwrap(),
        "github.com/sigstore/sigstore v1.10.8 h1:1Mgkxvkw4AXMfIP1DOjc6kw0GkUgA8pGVpveN/EfOq4=\n\
         github.com/sigstore/sigstore v1.10.8/go.mod h1:f9+B/4iaYimvUkySyb2mvc73n3RLqNn24grHZM/ET8M=\n"
    );
}

#[test]
fn go_sum_of_helm() {
    let (_dir, e) = go_pair("helm");
    // grep -c . → 530; grep -c '/go.mod h1:' → 328.
    assert_eq!(counts(&e), (530, 530, reasons(&[])));
    assert_eq!(
        e.iter()
            .filter(|x| x.artifact.as_deref() == Some("go.mod"))
            .count(),
        328
    );
    // grep -n '^k8s.io/api ' → 494 is the /go.mod line; base64 -d of JzLQKqRH…= → 2732d02a….
    let api = at(&e, 494, "k8s.io/api", "v0.36.3");
    assert_eq!(api.artifact.as_deref(), Some("go.mod"));
    assert_eq!(
        digest(api),
        "go-h1:2732d02aa4470b9f88f11563fe54b79428349a0ea7588f45a3f4a4dc49711f38"
    );
}

// ---------------------------------------------------------------- npm

#[test]
fn package_lock_v3() {
    let e = entries("npm/actions-checkout-v3-package-lock.json");
    // jq '[.packages|to_entries[]|select(.key!="")]|length' → 586, all with sha512 integrity.
    assert_eq!(counts(&e), (586, 586, reasons(&[])));
    // grep -n '"node_modules/is-number"' → 4745; SOURCES.md cross-vector sha512-41Cifkg6…,
    // base64 -d | xxd → e350a27e….
    let n = at(&e, 4745, "is-number", "7.0.0");
    assert_eq!(n.location.column, 5);
    assert_eq!(digest(n), IS_NUMBER_SHA512);
    assert_eq!(
        n.record_line().unwrap(),
        format!("npm/is-number 7.0.0 {IS_NUMBER_SHA512}\n")
    );
}

const IS_NUMBER_SHA512: &str = "sha512:e350a27e483a7bc4f2952a5db53a5e2d532abd20445734edb47bc4443ef8d7ea6767c00dbf4d34e0c44be3740a3c394af5c1af369e8d6566540656c65d8c719e";

#[test]
fn package_lock_v2_reads_packages_and_flags_sha1() {
    let e = entries("npm/actions-checkout-v2-package-lock.json");
    // jq: 771 non-root packages; 719 sha512, 52 integrity starting "sha1-".
    assert_eq!(counts(&e), (771, 719, reasons(&[("sha1-only", 52)])));
    // jq first sha1 entry: node_modules/@types/json5 0.0.29 sha1-7ihweulO…; grep -n → 1858.
    let j = at(&e, 1858, "@types/json5", "0.0.29");
    assert_eq!(digest(j), "sha1:ee28707ae94e11d2b827bcbe5270bcea7f3e71ee");
    assert_eq!(j.record_line(), None);
}

#[test]
fn package_lock_v1_walks_nested_dependencies() {
    let e = entries("npm/actions-checkout-v1-package-lock.json");
    // jq over every object's .dependencies members that have a version → 1820; 116 "sha1-".
    assert_eq!(counts(&e), (1820, 1704, reasons(&[("sha1-only", 116)])));
    // grep -n '^    "@actions/core": {' → 7; jq version 1.10.0, integrity sha512-2aZDDa3z….
    let core = at(&e, 7, "@actions/core", "1.10.0");
    assert_eq!(
        digest(core),
        "sha512:d9a6430dadf3aeb65b3f9658835e7db0da0b45beb59d0edac25e694af22ae50a63f35bf00f374c44ace4589189bb056f5a9bd92b1eefb292402f2bda688432ba"
    );
}

#[test]
fn package_lock_workspace_monorepo_without_integrity() {
    let e = entries("npm/sigstore-js-package-lock.json");
    // jq: 1062 non-root packages; 223 sha512; 839 without integrity = 14 link:true + 14 keys
    // outside node_modules (workspace dirs) + 811 installed packages.
    assert_eq!(
        counts(&e),
        (
            1062,
            223,
            reasons(&[("local-source", 28), ("no-digest", 811)])
        )
    );
    // grep -n '"node_modules/@sigstore/bundle"' → 3956 (link), '"packages/bundle"' → 12428.
    let link = e.iter().find(|x| x.location.line == 3956).unwrap();
    assert_eq!(
        (link.name.as_str(), &link.source),
        ("@sigstore/bundle", &Source::Workspace)
    );
    assert_eq!(
        e.iter().find(|x| x.location.line == 12428).unwrap().source,
        Source::Workspace
    );
    // grep -n '"node_modules/signal-exit"' → 11412, version 3.0.7, no integrity.
    let se = at(&e, 11412, "signal-exit", "3.0.7");
    assert_eq!(se.pin, PinState::Unpinned(UnpinnedReason::NoDigest));
}

// ---------------------------------------------------------------- yarn, pnpm

#[test]
fn yarn_v1_classic() {
    let e = entries("yarn/excalidraw-yarn.lock");
    // grep -c '^[^ #].*:$' → 1444 entries; the indent census shows 1444 integrity lines.
    assert_eq!(counts(&e), (1444, 1444, reasons(&[])));
    // grep -n '^is-number@' → 7192.
    let n = at(&e, 7192, "is-number", "7.0.0");
    assert_eq!(digest(n), IS_NUMBER_SHA512);
    assert_eq!(
        n.source,
        Source::Registry {
            url: "https://registry.yarnpkg.com/is-number/-/is-number-7.0.0.tgz".into()
        }
    );
}

#[test]
fn yarn_berry_checksums_are_unpinned() {
    let e = entries("yarn/prettier-berry-yarn.lock");
    // grep -c '^  resolution:' → 1052. awk over blank-line separated records: 931 npm with
    // checksum, 118 npm without (platform-conditional packages), 1 patch with checksum, 2
    // non-npm without (a patch and the workspace).
    assert_eq!(
        counts(&e),
        (
            1052,
            0,
            reasons(&[
                ("local-source", 3),
                ("no-digest", 118),
                ("yarn-berry-checksum", 931)
            ])
        )
    );
    // grep -n '^"is-number@npm' -A3 → resolution on 5770, checksum 10/6a6c3383….
    let n = at(&e, 5770, "is-number", "7.0.0");
    assert_eq!(n.location.column, 15);
    assert_eq!(
        digest(n),
        "sha512:6a6c3383f68afa1e05b286af866017c78f1226d43ac8cb064e115ff9ed85eb33f5c4f7216c96a71e4dfea289ef52c5da3aef5bbfade8ffe47a0465d70c0c8e86"
    );
    assert_eq!(n.pin, PinState::Unpinned(UnpinnedReason::YarnBerryChecksum));
    // grep -n 'resolution: "prettier@workspace:."' → 8240.
    assert_eq!(
        at(&e, 8240, "prettier", "0.0.0-use.local").source,
        Source::Workspace
    );
}

#[test]
fn pnpm_v9() {
    let e = entries("pnpm/vuejs-core-pnpm-lock.yaml");
    // awk over the packages: section → 620 resolution lines, all 'integrity: sha512-'.
    assert_eq!(counts(&e), (620, 620, reasons(&[])));
    // grep -n '^  is-number@7.0.0:' -A1 → resolution on 2270, '{' in column 17.
    let n = at(&e, 2270, "is-number", "7.0.0");
    assert_eq!(n.location.column, 17);
    assert_eq!(digest(n), IS_NUMBER_SHA512);
}

// ---------------------------------------------------------------- Python

#[test]
fn poetry_lock_2() {
    let e = entries("pypi/poetry-poetry.lock");
    // python3 tomllib: 78 packages, sum(max(1, len(files))) = 1106; poetry-core has no files
    // and a git source.
    assert_eq!(counts(&e), (1106, 1105, reasons(&[("git-source", 1)])));
    // grep -n 'anyio-4.13.0-py3-none-any.whl' → 11, hash sha256:08b310f9….
    let a = at(&e, 11, "anyio", "4.13.0");
    assert_eq!(a.artifact.as_deref(), Some("anyio-4.13.0-py3-none-any.whl"));
    assert_eq!(
        digest(a),
        "sha256:08b310f9e24a9594186fd75b4f73f4a4152069e3853f1ed8bfbf58369f4ad708"
    );
    assert_eq!(
        a.record_line().unwrap(),
        "pypi/anyio 4.13.0 anyio-4.13.0-py3-none-any.whl sha256:08b310f9e24a9594186fd75b4f73f4a4152069e3853f1ed8bfbf58369f4ad708\n"
    );
}

#[test]
fn poetry_lock_1_and_path_dependency() {
    let e = entries("pypi/poetry-testfixture-lock-1.0-poetry.lock");
    // tomllib: one package, three [metadata.files] entries; grep -n → the first on line 15.
    assert_eq!(counts(&e), (3, 3, reasons(&[])));
    assert_eq!(
        digest(at(&e, 15, "sampleproject", "1.3.1")),
        "sha256:26c9172e08244873b0e09c574a229bf2c251c67723a05e08fd3ec0c5ee423796"
    );
    let p = entries("pypi/poetry-testfixture-path-dependency-poetry.lock");
    // tomllib: 11 entries; bazz has type = "directory" and files = [].
    assert_eq!(counts(&p), (11, 10, reasons(&[("local-source", 1)])));
}

#[test]
fn uv_lock() {
    let e = entries("pypi/sigstore-python-uv.lock");
    // tomllib: 88 sdists + 974 wheels + 1 editable package without files = 1063.
    assert_eq!(counts(&e), (1063, 1062, reasons(&[("local-source", 1)])));
    // grep -n 'annotated_types-0.7.0-py3-none-any.whl' → 19; SOURCES.md: hash 1f02e8b4….
    let a = at(&e, 19, "annotated-types", "0.7.0");
    assert_eq!(
        a.artifact.as_deref(),
        Some("annotated_types-0.7.0-py3-none-any.whl")
    );
    assert_eq!(
        digest(a),
        "sha256:1f02e8b43a8fbbc3f3e0d4f0f4bfc8131bcb4eebe8849b8e5c773f3a1c582a53"
    );
}

#[test]
fn pylock_toml_with_repeated_wheel_names() {
    let e = entries("pypi/pipenv-pylock.toml");
    // tomllib: 838 sdist/wheel entries; 837 of them share their `name` with another hash.
    assert_eq!(counts(&e), (838, 838, reasons(&[])));
    assert_eq!(e.iter().filter(|x| x.artifact.is_none()).count(), 837);
    // grep -n '{name = "pytz' → 13 and 14, two hashes for one file name.
    let p = at(&e, 13, "pytz", "2026.1.post1");
    assert_eq!(
        digest(p),
        "sha256:3378dde6a0c3d26719182142c56e60c7f9af7e968076f31aae569d72a0358ee1"
    );
    assert_eq!(p.artifact, None);
}

#[test]
fn pipfile_lock() {
    let e = entries("pypi/pipenv-Pipfile.lock");
    // python3 json: sum of len(hashes) over default and develop = 910, none empty.
    assert_eq!(counts(&e), (910, 910, reasons(&[])));
    // jq '.default|to_entries[0]' → exceptiongroup ==1.3.1, 2 hashes; grep -n → line 17.
    let eg: Vec<&Entry> = e.iter().filter(|x| x.location.line == 17).collect();
    assert_eq!(eg.len(), 2);
    assert_eq!(eg[0].version, "1.3.1");
    assert!(
        eg.iter().any(|x| digest(x)
            == "sha256:8b412432c6055b0b7d14c310000ae93352ed6754f70fa8f7c34141f91c4e3219")
    );
}

#[test]
fn requirements_with_hashes() {
    let e = entries("pypi/sigstore-python-requirements.txt");
    // grep -c -- '--hash=' → 426; grep -c '^[a-z].*==' → 32 requirements.
    assert_eq!(counts(&e), (426, 426, reasons(&[])));
    let mut names: Vec<&str> = e.iter().map(|x| x.name.as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), 32);
    // head: annotated-types==0.8.0 on line 7 with two hashes.
    let at7: Vec<&Entry> = e.iter().filter(|x| x.location.line == 7).collect();
    assert_eq!(at7.len(), 2);
    assert_eq!(
        digest(at7[1]),
        "sha256:f072f4d804ea359e4eaf198b1af7a8b0943881a87f31bb764f8bf219bb9419e0"
    );
}

// ---------------------------------------------------------------- Ruby, PHP

#[test]
fn gemfile_lock_with_checksums() {
    let e = entries("rubygems/rubygems-dev_gems.rb.lock");
    // awk: 30 specs at indent 4 in GEM; sed CHECKSUMS | grep -c sha256= → 30.
    assert_eq!(counts(&e), (30, 30, reasons(&[])));
    // grep -n 'nokogiri (1.18.6-x86_64-linux-gnu) sha' → 102, sha256 df065db6….
    let n = at(&e, 102, "nokogiri", "1.18.6");
    assert_eq!(
        n.artifact.as_deref(),
        Some("nokogiri-1.18.6-x86_64-linux-gnu.gem")
    );
    assert_eq!(
        digest(n),
        "sha256:df065db6ba6e1e80f76ef04f860fcf260cc24685125fe33cdc3d1572a1c66b71"
    );
    assert_eq!(
        n.record_line().unwrap(),
        "gem/nokogiri 1.18.6 nokogiri-1.18.6-x86_64-linux-gnu.gem sha256:df065db6ba6e1e80f76ef04f860fcf260cc24685125fe33cdc3d1572a1c66b71\n"
    );
    // grep -n 'nokogiri (1.18.6) sha' → 95: the ruby-platform gem.
    assert_eq!(
        at(&e, 95, "nokogiri", "1.18.6").artifact.as_deref(),
        Some("nokogiri-1.18.6.gem")
    );
}

#[test]
fn composer_lock_is_git_pinned_only() {
    let e = entries("composer/composer-composer.lock");
    // jq '[.packages[],.["packages-dev"][]]|length' → 36, shasum "" for all of them.
    assert_eq!(
        counts(&e),
        (36, 0, reasons(&[("empty-composer-shasum", 36)]))
    );
    // jq '.packages[0]'; grep -n -B1 '"name": "composer/ca-bundle"' → its object opens on line 9.
    let ca = at(&e, 9, "composer/ca-bundle", "1.5.12");
    assert_eq!(
        ca.source,
        Source::Git {
            url: "https://github.com/composer/ca-bundle.git".into(),
            commit: Some("00a2f4201641d5c53f7fc0195e6c8d9fcc321a78".into()),
        }
    );
    assert_eq!(ca.record_key(), None);
}
