//! Namespaced ecosystem records, `<ecosystem>/<name> <version>[ <artifact>] <alg>:<hex>\n`,
//! and their keys (lockproof design: "Records and keys").

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_tlog::{
    Digest, DigestAlgorithm, Ecosystem, Error, Record, RecordHashes, RecordKey, parse_record_list,
};

const SHA256: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";

fn sha512() -> String {
    "0123456789abcdef".repeat(8)
}

fn malformed<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::Malformed { .. }))
}

#[test]
fn parses_the_design_examples() {
    let cases = [
        (
            format!("cargo/serde 1.0.219 sha256:{SHA256}\n"),
            Ecosystem::Cargo,
            "serde",
            None,
            "cargo/serde@1.0.219",
        ),
        (
            format!("npm/@babel/core 7.24.0 sha512:{}\n", sha512()),
            Ecosystem::Npm,
            "@babel/core",
            None,
            "npm/@babel/core@7.24.0",
        ),
        (
            format!("pypi/requests 2.31.0 requests-2.31.0-py3-none-any.whl sha256:{SHA256}\n"),
            Ecosystem::Pypi,
            "requests",
            Some("requests-2.31.0-py3-none-any.whl"),
            "pypi/requests@2.31.0/requests-2.31.0-py3-none-any.whl",
        ),
        (
            format!("artifact/myapp 1.2.0 myapp-linux-amd64 sha256:{SHA256}\n"),
            Ecosystem::Artifact,
            "myapp",
            Some("myapp-linux-amd64"),
            "artifact/myapp@1.2.0/myapp-linux-amd64",
        ),
        (
            format!("gem/nokogiri 1.16.0 nokogiri-1.16.0-x86_64-linux.gem sha256:{SHA256}\n"),
            Ecosystem::Gem,
            "nokogiri",
            Some("nokogiri-1.16.0-x86_64-linux.gem"),
            "gem/nokogiri@1.16.0/nokogiri-1.16.0-x86_64-linux.gem",
        ),
    ];
    for (text, ecosystem, package, artifact, lookup) in cases {
        let r = Record::parse(text.as_bytes()).unwrap();
        assert_eq!(r.text(), text);
        assert_eq!(r.key().ecosystem_kind(), Some(ecosystem));
        assert_eq!(r.key().package_name(), package);
        assert_eq!(r.key().artifact(), artifact);
        assert!(!r.key().is_go());
        assert_eq!(r.key().lookup_path(), lookup);
        assert_eq!(&RecordKey::parse_lookup_path(lookup).unwrap(), r.key());
        let RecordHashes::Digest(d) = r.hashes() else {
            panic!("not a digest record")
        };
        let rebuilt = Record::ecosystem(r.key().clone(), d.clone()).unwrap();
        assert_eq!(rebuilt, r);
    }
}

#[test]
fn uppercase_names_and_versions_are_escaped_in_lookup_paths() {
    let key = RecordKey::ecosystem(Ecosystem::Npm, "JSONStream", "1.3.5", None).unwrap();
    assert_eq!(key.lookup_path(), "npm/!j!s!o!n!stream@1.3.5");
    assert_eq!(
        RecordKey::parse_lookup_path("npm/!j!s!o!n!stream@1.3.5").unwrap(),
        key
    );
    let key = RecordKey::ecosystem(Ecosystem::Cargo, "Inflector", "0.11.4-RC1", None).unwrap();
    assert_eq!(key.lookup_path(), "cargo/!inflector@0.11.4-!r!c1");
    // The artifact is not escaped: only the part after the version's '/'.
    let key = RecordKey::ecosystem(
        Ecosystem::Pypi,
        "django",
        "4.2.0",
        Some("Django-4.2-py3-none-any.whl"),
    )
    .unwrap();
    assert_eq!(
        key.lookup_path(),
        "pypi/django@4.2.0/Django-4.2-py3-none-any.whl"
    );
    assert_eq!(
        RecordKey::parse_lookup_path(&key.lookup_path()).unwrap(),
        key
    );
}

#[test]
fn artifact_is_required_exactly_for_per_file_ecosystems() {
    assert!(malformed(RecordKey::ecosystem(
        Ecosystem::Cargo,
        "serde",
        "1.0.0",
        Some("serde.crate")
    )));
    assert!(malformed(RecordKey::ecosystem(
        Ecosystem::Npm,
        "left-pad",
        "1.3.0",
        Some("x.tgz")
    )));
    for eco in [Ecosystem::Pypi, Ecosystem::Gem, Ecosystem::Artifact] {
        assert!(
            malformed(RecordKey::ecosystem(eco, "abc", "1.0", None)),
            "{eco}"
        );
        assert!(
            RecordKey::ecosystem(eco, "abc", "1.0", Some("abc-1.0.tar.gz")).is_ok(),
            "{eco}"
        );
    }
    assert!(malformed(Record::parse(
        format!("cargo/serde 1.0.219 serde.crate sha256:{SHA256}\n").as_bytes()
    )));
    assert!(malformed(Record::parse(
        format!("pypi/requests 2.31.0 sha256:{SHA256}\n").as_bytes()
    )));
}

#[test]
fn names_follow_each_ecosystems_rules() {
    let good = [
        (Ecosystem::Cargo, "serde_json"),
        (Ecosystem::Cargo, "tokio-util"),
        (Ecosystem::Npm, "@types/node"),
        (Ecosystem::Npm, "lodash.merge"),
        (Ecosystem::Pypi, "zope-interface"),
        (Ecosystem::Pypi, "py3"),
        (Ecosystem::Gem, "rails"),
        (Ecosystem::Artifact, "my.app_1"),
    ];
    for (eco, name) in good {
        assert!(
            RecordKey::ecosystem(eco, name, "1.0.0", eco.has_artifact().then_some("f")).is_ok(),
            "{eco} {name}"
        );
    }
    let bad = [
        (Ecosystem::Cargo, "1serde"),
        (Ecosystem::Cargo, "serde.json"),
        (Ecosystem::Npm, "@Types/node"),
        (Ecosystem::Npm, "@types"),
        (Ecosystem::Npm, "@types/"),
        (Ecosystem::Npm, ".hidden"),
        (Ecosystem::Npm, "_private"),
        (Ecosystem::Npm, "a/b"),
        (Ecosystem::Pypi, "Requests"), // not PEP 503 normalised
        (Ecosystem::Pypi, "zope.interface"),
        (Ecosystem::Pypi, "zope_interface"),
        (Ecosystem::Pypi, "a--b"),
        (Ecosystem::Pypi, "-a"),
        (Ecosystem::Gem, "a/b"),
        (Ecosystem::Artifact, "../etc"),
        (Ecosystem::Cargo, ""),
        (Ecosystem::Cargo, "a b"),
        (Ecosystem::Cargo, "a!b"),
    ];
    for (eco, name) in bad {
        assert!(
            malformed(RecordKey::ecosystem(
                eco,
                name,
                "1.0.0",
                eco.has_artifact().then_some("f")
            )),
            "{eco} {name:?}"
        );
    }
    let long = "a".repeat(lockproof_tlog::record_key::MAX_PACKAGE_NAME_LEN + 1);
    assert!(malformed(RecordKey::ecosystem(
        Ecosystem::Cargo,
        &long,
        "1.0.0",
        None
    )));
}

#[test]
fn versions_and_artifacts_cannot_contain_key_delimiters() {
    for bad in [
        "",
        "1.0 0",
        "1.0@2",
        "1.0/2",
        "1!2.0",
        "-1",
        ".1",
        "1.0\u{e9}",
    ] {
        assert!(
            malformed(RecordKey::ecosystem(Ecosystem::Cargo, "serde", bad, None)),
            "{bad:?}"
        );
    }
    for bad in ["", "a/b", "a b", "a@b", "../x", ".hidden", "a!b"] {
        assert!(
            malformed(RecordKey::ecosystem(Ecosystem::Pypi, "x", "1.0", Some(bad))),
            "{bad:?}"
        );
    }
    assert!(RecordKey::ecosystem(Ecosystem::Cargo, "serde", "1.0.0+build.5", None).is_ok());
    assert!(
        RecordKey::ecosystem(
            Ecosystem::Pypi,
            "x",
            "1.0.post1",
            Some("x-1.0.post1+local-py3-none-any.whl")
        )
        .is_ok()
    );
}

#[test]
fn digests_are_lowercase_hex_of_the_right_length() {
    let d = Digest::parse(&format!("sha256:{SHA256}")).unwrap();
    assert_eq!(d.algorithm(), DigestAlgorithm::Sha256);
    assert_eq!(d.to_string(), format!("sha256:{SHA256}"));
    assert!(Digest::parse(&format!("sha384:{}", "ab".repeat(48))).is_ok());
    assert!(Digest::parse(&format!("sha512:{}", sha512())).is_ok());
    for bad in [
        format!("sha256:{}", SHA256.to_uppercase()),
        format!("sha256:{}", &SHA256[..62]),
        format!("sha256:{SHA256}00"),
        format!("sha512:{SHA256}"),
        format!("sha1:{}", "ab".repeat(20)),
        format!("SHA256:{SHA256}"),
        format!("sha256={SHA256}"),
        format!("sha256:{}", "g".repeat(64)),
        "sha256:".to_owned(),
    ] {
        assert!(malformed(Digest::parse(&bad)), "{bad}");
    }
    assert!(malformed(Digest::new(DigestAlgorithm::Sha256, vec![0; 31])));
}

#[test]
fn rejects_malformed_ecosystem_records() {
    let good = format!("cargo/serde 1.0.219 sha256:{SHA256}\n");
    let bad = [
        good.trim_end().to_owned(),
        format!("{good}{good}"),
        good.replace(' ', "  "),
        good.replace(' ', "\t"),
        format!(" {good}"),
        good.replace("cargo/", "maven/"),
        good.replace("cargo/", "Cargo/"),
        good.replace("cargo/serde", "cargo"),
        good.replace("cargo/serde", "cargo/"),
        good.replace("1.0.219 ", ""),
        good.replace('\n', "\r\n"),
        good.replace("sha256:", "sha256: "),
    ];
    for text in bad {
        assert!(malformed(Record::parse(text.as_bytes())), "{text:?}");
    }
}

#[test]
fn record_for_key_rejects_another_version_or_artifact() {
    let text = format!("pypi/requests 2.31.0 requests-2.31.0-py3-none-any.whl sha256:{SHA256}\n");
    let key = RecordKey::ecosystem(
        Ecosystem::Pypi,
        "requests",
        "2.31.0",
        Some("requests-2.31.0-py3-none-any.whl"),
    )
    .unwrap();
    assert!(Record::parse_for_key(text.as_bytes(), &key).is_ok());
    let sdist = RecordKey::ecosystem(
        Ecosystem::Pypi,
        "requests",
        "2.31.0",
        Some("requests-2.31.0.tar.gz"),
    )
    .unwrap();
    assert!(matches!(
        Record::parse_for_key(text.as_bytes(), &sdist),
        Err(Error::RecordKeyMismatch { .. })
    ));
    let go = RecordKey::go("example.com/requests", "v2.31.0+incompatible").unwrap();
    assert!(matches!(
        Record::parse_for_key(text.as_bytes(), &go),
        Err(Error::RecordKeyMismatch { .. })
    ));
}

#[test]
fn go_keys_and_ecosystem_keys_never_collide() {
    // An ecosystem name has no dot, so it is never a valid Go module path's first element.
    for eco in Ecosystem::ALL {
        assert!(RecordKey::go(&format!("{eco}/serde"), "v1.0.0").is_err());
    }
    assert!(malformed(Record::ecosystem(
        RecordKey::go("example.com/x", "v1.0.0").unwrap(),
        Digest::parse(&format!("sha256:{SHA256}")).unwrap()
    )));
}

#[test]
fn record_lists_are_separated_by_empty_lines() {
    let a = format!("cargo/serde 1.0.219 sha256:{SHA256}\n");
    let b = "example.com/hello v1.0.0 h1:CLl+W6A0kCb5Wsz7qWFfVSmWzKovecFUCwhgvq43NHQ=\n\
             example.com/hello v1.0.0/go.mod h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=\n";
    let list = parse_record_list(format!("{a}\n{b}").as_bytes()).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].text(), b);
    // Go data-tile form: every record followed by an empty line.
    assert_eq!(
        parse_record_list(format!("{a}\n{b}\n").as_bytes()).unwrap(),
        list
    );
    for bad in [
        String::new(),
        "\n".to_owned(),
        format!("\n{a}"),
        format!("{a}\n\n{b}"),
        format!("{a}\n{b}\n\n"),
    ] {
        assert!(malformed(parse_record_list(bad.as_bytes())), "{bad:?}");
    }
}
