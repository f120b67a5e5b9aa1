//! Hand-written cases for the format features the real fixtures do not exercise. Every expected
//! value is read off the input text in the test itself.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::Path;

use lockproof_lockfile::{
    Algorithm, Entry, Format, PinState, Source, UnpinnedReason, parse, parse_str,
};

const SHA512_SRI: &str = "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==";
const SHA1_SRI: &str = "sha1-dTU0W4lnNNX4DE0GxQlVUnoU8Ss=";
const HEX256: &str = "12a5a83f3e37a8e2f4427268e305914d5f1879f22b4e73bb1a09f76a3dd86cd4";

fn ok(format: Format, text: &str) -> Vec<Entry> {
    parse_str(format, Path::new("lock"), text).unwrap()
}

#[test]
fn go_mod_requirements_missing_from_go_sum_become_unpinned_entries() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/m\n\ngo 1.22\n\nrequire (\n\tgolang.org/x/mod v0.20.0\n\texample.com/missing v1.2.3 // indirect\n\texample.com/local v0.0.0\n)\n\nrequire example.com/single v1.0.0\n\nreplace example.com/local => ../local\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("go.sum"),
        "golang.org/x/mod v0.20.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=\ngolang.org/x/mod v0.20.0/go.mod h1:hTbmBsO62+eylJbnUtE2MGJUyE7QWk4xUqPFrRgJ+7c=\n",
    )
    .unwrap();
    // Either file may be given.
    for file in ["go.sum", "go.mod"] {
        let e = parse(&dir.path().join(file)).unwrap();
        let summary: Vec<(&str, u32, PinState, &Source)> = e
            .iter()
            .map(|x| (x.name.as_str(), x.location.line, x.pin, &x.source))
            .collect();
        assert_eq!(summary.len(), 5, "{summary:?}");
        let missing = e.iter().find(|x| x.name == "example.com/missing").unwrap();
        assert_eq!(
            (missing.location.line, missing.pin),
            (7, PinState::Unpinned(UnpinnedReason::NoDigest))
        );
        assert!(missing.location.file.ends_with("go.mod"));
        let local = e.iter().find(|x| x.name == "example.com/local").unwrap();
        assert_eq!(local.source, Source::Path);
        let single = e.iter().find(|x| x.name == "example.com/single").unwrap();
        assert_eq!(single.location.line, 11);
    }
}

#[test]
fn cargo_alternate_sparse_registry_is_a_registry() {
    let text = format!(
        "version = 4\n\n[[package]]\nname = \"x\"\nversion = \"1.0.0\"\nsource = \"sparse+https://my.registry/index/\"\nchecksum = \"{HEX256}\"\n"
    );
    let e = ok(Format::CargoLock, &text);
    assert_eq!(
        e[0].source,
        Source::Registry {
            url: "sparse+https://my.registry/index/".into()
        }
    );
    assert_eq!(e[0].pin, PinState::Pinned);
}

#[test]
fn npm_takes_the_strongest_of_several_sri_hashes_and_reads_git_deps() {
    let text = format!(
        "{{\"lockfileVersion\": 3, \"packages\": {{\"\": {{}},\n\"node_modules/a\": {{\"version\": \"1.0.0\", \"integrity\": \"{SHA1_SRI} {SHA512_SRI}\"}},\n\"node_modules/g\": {{\"version\": \"2.0.0\", \"resolved\": \"git+ssh://git@github.com/o/g.git#0123456789abcdef0123456789abcdef01234567\"}}}}}}"
    );
    let e = ok(Format::PackageLock, &text);
    assert_eq!(e[0].digest.as_ref().unwrap().algorithm(), Algorithm::Sha512);
    assert_eq!((e[0].location.line, e[0].pin), (2, PinState::Pinned));
    assert_eq!(
        e[1].source,
        Source::Git {
            url: "ssh://git@github.com/o/g.git".into(),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into())
        }
    );
    assert_eq!(e[1].pin, PinState::Unpinned(UnpinnedReason::GitSource));
}

#[test]
fn npm_v1_reads_git_and_file_versions() {
    let text = "{\"lockfileVersion\": 1, \"dependencies\": {\n\"g\": {\"version\": \"github:o/g#0123456789abcdef0123456789abcdef01234567\"},\n\"l\": {\"version\": \"file:../l\"}}}";
    let e = ok(Format::PackageLock, text);
    assert!(matches!(
        &e[0].source,
        Source::Git {
            commit: Some(_),
            ..
        }
    ));
    assert_eq!((e[1].source.clone(), e[1].location.line), (Source::Path, 3));
}

#[test]
fn pnpm_v5_and_v6_keys_give_name_and_version() {
    let v5 = format!(
        "lockfileVersion: 5.4\n\npackages:\n\n  /@babel/core/7.22.0_supports-color@8.0.0:\n    resolution: {{integrity: {SHA512_SRI}}}\n  /left-pad/1.3.0:\n    resolution: {{integrity: {SHA512_SRI}}}\n"
    );
    let e = ok(Format::PnpmLock, &v5);
    assert_eq!(
        (e[0].name.as_str(), e[0].version.as_str()),
        ("@babel/core", "7.22.0")
    );
    assert_eq!(
        (
            e[1].name.as_str(),
            e[1].version.as_str(),
            e[1].location.line
        ),
        ("left-pad", "1.3.0", 8)
    );
    let v6 = format!(
        "lockfileVersion: '6.0'\n\npackages:\n\n  /@babel/core@7.22.0(supports-color@8.0.0):\n    resolution: {{integrity: {SHA512_SRI}}}\n  /g@1.0.0:\n    resolution: {{type: git, repo: https://github.com/o/g, commit: 0123456789abcdef0123456789abcdef01234567}}\n    name: g\n    version: 1.0.0\n"
    );
    let e = ok(Format::PnpmLock, &v6);
    assert_eq!(
        (e[0].name.as_str(), e[0].version.as_str()),
        ("@babel/core", "7.22.0")
    );
    assert_eq!(e[1].pin, PinState::Unpinned(UnpinnedReason::GitSource));
}

#[test]
fn yarn_berry_git_and_link_resolutions() {
    let text = "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"g@https://github.com/o/g.git#commit=0123456789abcdef0123456789abcdef01234567\":\n  version: 1.0.0\n  resolution: \"g@https://github.com/o/g.git#commit=0123456789abcdef0123456789abcdef01234567\"\n  checksum: 10c0/6a6c3383f68afa1e05b286af866017c78f1226d43ac8cb064e115ff9ed85eb33f5c4f7216c96a71e4dfea289ef52c5da3aef5bbfade8ffe47a0465d70c0c8e86\n\n\"l@link:./l\":\n  version: 0.0.0-use.local\n  resolution: \"l@link:./l::locator=root%40workspace%3A.\"\n";
    let e = ok(Format::YarnBerry, text);
    assert_eq!(e[0].pin, PinState::Unpinned(UnpinnedReason::GitSource));
    assert_eq!(e[1].source, Source::Path);
    assert_eq!(e[1].location.line, 12);
}

#[test]
fn yarn_v1_falls_back_to_the_sha1_in_the_resolved_fragment() {
    let text = "# yarn lockfile v1\n\n\nold@^1.0.0, old@^1.1.0:\n  version \"1.1.0\"\n  resolved \"https://registry.yarnpkg.com/old/-/old-1.1.0.tgz#7535345b896734d5f80c4d06c50955527a14f12b\"\n";
    let e = ok(Format::YarnV1, text);
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].digest.as_ref().unwrap().to_string(),
        "sha1:7535345b896734d5f80c4d06c50955527a14f12b"
    );
    assert_eq!(
        (e[0].location.line, e[0].pin),
        (4, PinState::Unpinned(UnpinnedReason::Sha1Only))
    );
}

#[test]
fn requirements_continuations_comments_algorithms_and_includes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let sha384 = "a".repeat(96);
    let sha512 = "b".repeat(128);
    std::fs::write(
        dir.path().join("requirements.txt"),
        format!("# top comment\n-r sub/base.txt\nRequests[security]==2.31.0 ; python_version >= \"3.8\" \\\n    --hash=sha384:{sha384} \\\n    --hash=sha512:{sha512}  # via x\n-e git+https://github.com/o/p.git@0123456789abcdef0123456789abcdef01234567#egg=p\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sub/base.txt"),
        format!("Zope.Interface==6.0 --hash=sha256:{HEX256}  # pinned\n"),
    )
    .unwrap();
    let e = parse(&dir.path().join("requirements.txt")).unwrap();
    let names: Vec<(&str, &str, u32)> = e
        .iter()
        .map(|x| (x.name.as_str(), x.version.as_str(), x.location.line))
        .collect();
    assert_eq!(
        names,
        [
            ("zope-interface", "6.0", 1),
            ("requests", "2.31.0", 3),
            ("requests", "2.31.0", 3),
            ("p", "", 6)
        ]
    );
    assert!(e[0].location.file.ends_with("sub/base.txt"));
    assert_eq!(e[1].digest.as_ref().unwrap().algorithm(), Algorithm::Sha384);
    assert_eq!(e[2].digest.as_ref().unwrap().algorithm(), Algorithm::Sha512);
    assert_eq!(e[3].pin, PinState::Unpinned(UnpinnedReason::GitSource));
    assert_eq!(
        e[3].source,
        Source::Git {
            url: "https://github.com/o/p.git".into(),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into())
        }
    );
}

#[test]
fn requirements_include_cycles_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "-r requirements-b.txt\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("requirements-b.txt"),
        "-r requirements.txt\n",
    )
    .unwrap();
    let err = parse(&dir.path().join("requirements.txt"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cycle"), "{err}");
}

#[test]
fn gemfile_git_and_path_sections() {
    let text = format!(
        "GIT\n  remote: https://github.com/o/g.git\n  revision: 0123456789abcdef0123456789abcdef01234567\n  specs:\n    g (1.0)\n\nPATH\n  remote: .\n  specs:\n    mine (0.1)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    plain (2.0)\n\nCHECKSUMS\n  g (1.0)\n  mine (0.1)\n  plain (2.0) sha256={HEX256}\n\nBUNDLED WITH\n   2.6.2\n"
    );
    let e = ok(Format::GemfileLock, &text);
    assert_eq!(e[0].pin, PinState::Unpinned(UnpinnedReason::GitSource));
    assert_eq!(e[1].pin, PinState::Unpinned(UnpinnedReason::LocalSource));
    assert_eq!((e[2].pin, e[2].location.line), (PinState::Pinned, 20));
}

#[test]
fn composer_sha1_shasum_is_weak() {
    let text = "{\"content-hash\": \"x\", \"packages\": [\n{\"name\": \"a/b\", \"version\": \"1.0\", \"dist\": {\"type\": \"zip\", \"url\": \"https://x/a.zip\", \"shasum\": \"7535345b896734d5f80c4d06c50955527a14f12b\"}}]}";
    let e = ok(Format::ComposerLock, text);
    assert_eq!(
        (e[0].pin, e[0].location.line),
        (PinState::Unpinned(UnpinnedReason::Sha1Only), 2)
    );
}

#[test]
fn line_formats_accept_crlf_line_ends() {
    let go = "a v1.0.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=\r\na v1.0.0/go.mod h1:hTbmBsO62+eylJbnUtE2MGJUyE7QWk4xUqPFrRgJ+7c=\r\n";
    assert_eq!(ok(Format::GoSum, go).len(), 2);
    let yarn = "# yarn lockfile v1\r\n\r\na@^1.0.0:\r\n  version \"1.0.0\"\r\n";
    assert_eq!(ok(Format::YarnV1, yarn).len(), 1);
    let gem = format!(
        "GEM\r\n  remote: https://rubygems.org/\r\n  specs:\r\n    a (1.0)\r\n\r\nCHECKSUMS\r\n  a (1.0) sha256={HEX256}\r\n"
    );
    assert_eq!(ok(Format::GemfileLock, &gem)[0].pin, PinState::Pinned);
    let req = format!("a==1.0 \\\r\n    --hash=sha256:{HEX256}\r\n");
    assert_eq!(ok(Format::Requirements, &req)[0].pin, PinState::Pinned);
}
