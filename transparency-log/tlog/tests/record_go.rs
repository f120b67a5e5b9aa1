//! Go checksum-database records, module paths, versions and lookup-path escaping
//! (golang.org/x/mod/module and sumdb behaviour).

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_tlog::escape::{escape_case, unescape_case};
use lockproof_tlog::gomodule::{
    check_path, check_version, escape_path, escape_version, unescape_path, unescape_version,
};
use lockproof_tlog::{Error, Hash, Record, RecordHashes, RecordKey, parse_record_list};

const HELLO: &str = "example.com/hello v1.0.0 h1:CLl+W6A0kCb5Wsz7qWFfVSmWzKovecFUCwhgvq43NHQ=\n\
example.com/hello v1.0.0/go.mod h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=\n";
const GREET: &str = "example.org/Greet v0.1.0 h1:Vsz2J98qlYyLLz/4IpgfxfRyb7azouPHVogQ5F1zyY0=\n\
example.org/Greet v0.1.0/go.mod h1:tQypp48TlPCuX6/xfyiBv1f8JuuJsC06vthSXZxt2Xw=\n";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../fixtures/go-sumdb-vectors/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn malformed<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::Malformed { .. }))
}

#[test]
fn parses_the_go_fixture_records_with_go_leaf_hashes() {
    let records = parse_record_list(fixture("records3.txt").as_bytes()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&fixture("records3.json")).unwrap();
    let leaves = json["leaves"].as_array().unwrap();
    assert_eq!(records.len(), leaves.len());
    for (record, leaf) in records.iter().zip(leaves) {
        assert_eq!(record.text(), leaf["data"].as_str().unwrap());
        let want = Hash::from_hex(leaf["leaf_hash"].as_str().unwrap()).unwrap();
        assert_eq!(record.leaf_hash(), want);
    }
    assert_eq!(records[2].key().lookup_path(), "example.org/!greet@v0.1.0");
}

#[test]
fn go_record_exposes_key_and_hashes() {
    let r = Record::parse(HELLO.as_bytes()).unwrap();
    assert!(r.key().is_go());
    assert_eq!(r.key().name(), "example.com/hello");
    assert_eq!(r.key().version(), "v1.0.0");
    assert_eq!(
        r.hashes(),
        &RecordHashes::Go {
            zip: "h1:CLl+W6A0kCb5Wsz7qWFfVSmWzKovecFUCwhgvq43NHQ=".to_owned(),
            go_mod: "h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=".to_owned(),
        }
    );
    let built = Record::go(
        "example.com/hello",
        "v1.0.0",
        "h1:CLl+W6A0kCb5Wsz7qWFfVSmWzKovecFUCwhgvq43NHQ=",
        "h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=",
    )
    .unwrap();
    assert_eq!(built, r);
    assert_eq!(built.text(), HELLO);
}

#[test]
fn rejects_malformed_go_records() {
    let zip = "example.com/hello v1.0.0 h1:CLl+W6A0kCb5Wsz7qWFfVSmWzKovecFUCwhgvq43NHQ=\n";
    let gomod = "example.com/hello v1.0.0/go.mod h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=\n";
    let bad = [
        String::new(),
        zip.to_owned(), // one line only
        gomod.to_owned(),
        format!("{gomod}{zip}"),                             // wrong order
        format!("{zip}{gomod}{zip}"),                        // extra line
        format!("{zip}\n{gomod}"),                           // blank line
        HELLO.trim_end().to_owned(),                         // no final newline
        HELLO.replace(' ', "  "),                            // double spaces
        HELLO.replacen("v1.0.0 h1", "v1.0.0\th1", 1),        // tab
        HELLO.replace('\n', "\r\n"),                         // CRLF
        HELLO.replacen("v1.0.0/go.mod", "v1.0.1/go.mod", 1), // lines disagree
        HELLO.replacen("hello v1.0.0/go.mod", "hellp v1.0.0/go.mod", 1),
        HELLO.replacen("h1:CLl", "h2:CLl", 1), // unknown hash type
        HELLO.replacen("NHQ=", "NHQ", 1),      // bad base64
        HELLO.replacen("CLl+W6A0", "CLl-W6A0", 1), // URL-safe alphabet
        HELLO.replace("v1.0.0", "v1.0"),       // non-canonical version
        HELLO.replace("example.com/hello", "examplecom/hello"), // no dot
        HELLO.replace("example.com/hello", "Example.com/hello"),
        HELLO.replace("v1.0.0", "v2.0.0"), // major needs /v2 or +incompatible
        format!("{HELLO} "),
    ];
    for text in bad {
        assert!(malformed(Record::parse(text.as_bytes())), "{text:?}");
    }
    let mut utf8 = HELLO.as_bytes().to_vec();
    utf8[3] = 0xff;
    assert!(malformed(Record::parse(&utf8)));
    let huge = format!(
        "{}{HELLO}",
        "a".repeat(lockproof_tlog::record::MAX_RECORD_SIZE)
    );
    assert!(malformed(Record::parse(huge.as_bytes())));
}

#[test]
fn record_for_key_must_be_exactly_that_key() {
    let hello = RecordKey::go("example.com/hello", "v1.0.0").unwrap();
    assert!(Record::parse_for_key(HELLO.as_bytes(), &hello).is_ok());
    let other = RecordKey::go("example.com/hello", "v1.1.0").unwrap();
    assert!(matches!(
        Record::parse_for_key(HELLO.as_bytes(), &other),
        Err(Error::RecordKeyMismatch { .. })
    ));
    let greet = RecordKey::go("example.org/Greet", "v0.1.0").unwrap();
    assert!(Record::parse_for_key(GREET.as_bytes(), &greet).is_ok());
    let lower = RecordKey::go("example.org/greet", "v0.1.0").unwrap();
    assert!(
        Record::parse_for_key(GREET.as_bytes(), &lower).is_err(),
        "paths are case-sensitive"
    );
}

#[test]
fn lookup_paths_escape_uppercase_and_parse_back() {
    let cases = [
        ("example.com/hello", "v1.0.0", "example.com/hello@v1.0.0"),
        ("example.org/Greet", "v0.1.0", "example.org/!greet@v0.1.0"),
        (
            "github.com/GoogleCloudPlatform/omega",
            "v1.0.0-RC1",
            "github.com/!google!cloud!platform/omega@v1.0.0-!r!c1",
        ),
        ("example.com/m/v2", "v2.3.4", "example.com/m/v2@v2.3.4"),
        (
            "example.com/m",
            "v3.0.0+incompatible",
            "example.com/m@v3.0.0+incompatible",
        ),
        ("gopkg.in/yaml.v2", "v2.4.0", "gopkg.in/yaml.v2@v2.4.0"),
        (
            "golang.org/x/mod",
            "v0.0.0-20191109021931-daa7c04131f5",
            "golang.org/x/mod@v0.0.0-20191109021931-daa7c04131f5",
        ),
    ];
    for (path, version, lookup) in cases {
        let key = RecordKey::go(path, version).unwrap();
        assert_eq!(key.lookup_path(), lookup);
        assert_eq!(RecordKey::parse_lookup_path(lookup).unwrap(), key);
    }
}

#[test]
fn rejects_non_canonical_lookup_paths() {
    for bad in [
        "example.org/Greet@v0.1.0", // uppercase in escaped form
        "example.org/!Greet@v0.1.0",
        "example.org/!!greet@v0.1.0",
        "example.org/greet!@v0.1.0", // dangling '!'
        "example.org/!0greet@v0.1.0",
        "example.com/hello", // no version
        "example.com/hello@",
        "@v1.0.0",
        "example.com/hello@v1.0",
        "example.com/hello@v1.0.0/extra",
        "example.com/hello@V1.0.0",
        "example.com/héllo@v1.0.0",
    ] {
        assert!(RecordKey::parse_lookup_path(bad).is_err(), "{bad}");
    }
}

#[test]
fn module_paths_follow_go_check_path() {
    for good in [
        "x.y",
        "x.y/z",
        "github.com/user/repo",
        "example.com/a_b/c-d/e~f/g.h",
        "gopkg.in/yaml.v2",
        "gopkg.in/check.v1",
        "example.com/foo/v2",
        "example.com/foo/v10",
        "example.com/Upper/Case",
    ] {
        assert!(check_path(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "x",
        "x/y",
        "/x.y",
        "x.y/",
        "x.y//z",
        "-x.y",
        "X.y/z",
        "x_y.com/z",
        "x.y/.z",
        "x.y/z.",
        "x.y/./z",
        "x.y/../z",
        "x.y/con",
        "x.y/AUX.txt",
        "x.y/com1",
        "x.y/abc~1",
        "x.y/a b",
        "x.y/a+b",
        "x.y/a!b",
        "x.y/a@b",
        "x.y/z/v0",
        "x.y/z/v1",
        "x.y/z/v05",
        "x.y/z/v2.0",
        "gopkg.in/yaml",
        "gopkg.in/yaml.v03",
        "x.y/ü",
    ] {
        assert!(check_path(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn versions_are_canonical_semver_matching_the_path() {
    let ok = [
        ("x.y/z", "v0.0.0"),
        ("x.y/z", "v1.2.3"),
        ("x.y/z", "v1.0.0-rc.1"),
        ("x.y/z", "v1.0.0-0.20191109021931-daa7c04131f5"),
        ("x.y/z", "v2.0.0+incompatible"),
        ("x.y/z/v2", "v2.0.0"),
        ("gopkg.in/yaml.v2", "v2.1.0"),
        ("gopkg.in/yaml.v1", "v0.0.0-20140429025000-4f2bc6f4b3bd"),
    ];
    for (path, version) in ok {
        assert!(check_version(path, version).is_ok(), "{path} {version}");
    }
    let bad = [
        ("x.y/z", "1.2.3"),
        ("x.y/z", "v1.2"),
        ("x.y/z", "v01.2.3"),
        ("x.y/z", "v1.02.3"),
        ("x.y/z", "v1.2.3-"),
        ("x.y/z", "v1.2.3-01"),
        ("x.y/z", "v1.2.3-a..b"),
        ("x.y/z", "v1.2.3+build"),
        ("x.y/z", "v1.0.0+incompatible"),
        ("x.y/z", "v2.0.0"),
        ("x.y/z/v2", "v1.0.0"),
        ("x.y/z/v2", "v3.0.0"),
        ("x.y/z/v2", "v2.0.0+incompatible"),
        ("gopkg.in/yaml.v2", "v3.0.0"),
        ("x.y/z", "v18446744073709551616.0.0"),
    ];
    for (path, version) in bad {
        assert!(check_version(path, version).is_err(), "{path} {version}");
    }
}

#[test]
fn escaping_matches_go_module_escape_path() {
    assert_eq!(
        escape_path("github.com/GoogleCloudPlatform/omega").unwrap(),
        "github.com/!google!cloud!platform/omega"
    );
    assert_eq!(
        unescape_path("github.com/!google!cloud!platform/omega").unwrap(),
        "github.com/GoogleCloudPlatform/omega"
    );
    let ascii = "ascii.com/abcdefghijklmnopqrstuvwxyz.-~_0123456789";
    assert_eq!(escape_path(ascii).unwrap(), ascii);
    assert_eq!(escape_version("v1.0.0-RC1").unwrap(), "v1.0.0-!r!c1");
    assert_eq!(unescape_version("v1.0.0-!r!c1").unwrap(), "v1.0.0-RC1");
    for bad in [
        "github.com/GoogleCloudPlatform/omega",
        "github.com/!google!cloud!platform!/omega",
        "github.com/!0google",
        "github.com/!!google",
        "github.com/google!",
        "github.com/!",
        "github.com/\u{e9}",
    ] {
        assert!(unescape_path(bad).is_err(), "{bad}");
        assert!(unescape_case(bad).is_err(), "{bad}");
    }
    assert!(escape_case("a!b").is_err());
    assert!(escape_case("é").is_err());
    assert!(escape_version("v1!0").is_err());
    assert!(unescape_version("v1.0.0-!R").is_err());
}
