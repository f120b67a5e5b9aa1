//! Each fetcher against a local server that serves real registry files (fixtures/upstream).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Reply, fixture, serve};
use lockproof_upstream::{
    CompactIndex, CratesIndex, Ecosystem, Error, GoProxy, Http, HttpConfig, NpmRegistry,
    PypiSimple, RecordKey, Upstream,
};

fn http() -> Http {
    Http::new(&HttpConfig {
        timeout: Duration::from_secs(2),
        ..HttpConfig::default()
    })
}

fn key(ecosystem: Ecosystem, name: &str, version: &str, artifact: Option<&str>) -> RecordKey {
    RecordKey::ecosystem(ecosystem, name, version, artifact).unwrap()
}

fn text(record: Option<lockproof_upstream::Record>) -> String {
    record.expect("a record").text().to_string()
}

fn routes(pairs: &[(&str, Reply)]) -> HashMap<String, Reply> {
    pairs
        .iter()
        .map(|(p, r)| (p.to_string(), r.clone()))
        .collect()
}

#[test]
fn crates_index_paths_follow_the_sparse_scheme() {
    assert_eq!(CratesIndex::index_path("a").unwrap(), "1/a");
    assert_eq!(CratesIndex::index_path("ab").unwrap(), "2/ab");
    assert_eq!(CratesIndex::index_path("abc").unwrap(), "3/a/abc");
    assert_eq!(CratesIndex::index_path("Serde").unwrap(), "se/rd/serde");
    assert!(CratesIndex::index_path("../x").is_err());
}

#[test]
fn crates_fetcher_reads_cksum_from_a_real_index_file() {
    let server = serve(routes(&[(
        "/se/rd/serde",
        Reply::ok(fixture("crates-index-serde")),
    )]));
    let index = CratesIndex::new(&format!("sparse+{}/", server.base), http());
    let record = text(
        index
            .fetch(&key(Ecosystem::Cargo, "serde", "1.0.229", None))
            .unwrap(),
    );
    // Expected digest: python3 -c 'import json; [print(d["cksum"]) for d in map(json.loads,
    // open("fixtures/upstream/crates-index-serde")) if d["vers"]=="1.0.229"]'
    let line = String::from_utf8(fixture("crates-index-serde")).unwrap();
    let want = line
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["vers"] == "1.0.229")
        .unwrap()["cksum"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(record, format!("cargo/serde 1.0.229 sha256:{want}\n"));
    assert_eq!(
        index
            .fetch(&key(Ecosystem::Cargo, "serde", "0.0.0-nope", None))
            .unwrap(),
        None
    );
}

#[test]
fn npm_fetcher_converts_the_sri_integrity_to_hex() {
    let server = serve(routes(&[(
        "/left-pad",
        Reply::ok(fixture("npm-left-pad.json")),
    )]));
    let npm = NpmRegistry::new(&server.base, http());
    let record = text(
        npm.fetch(&key(Ecosystem::Npm, "left-pad", "1.3.0", None))
            .unwrap(),
    );
    // sha512-XI5MPzVN… from the packument, decoded with: base64 -d | xxd -p
    assert_eq!(
        record,
        "npm/left-pad 1.3.0 sha512:5c8e4c3f354d0298c0ca1433a615fc06498ab0a5310f82ddc8adb8899790\
1a29c137dc93413ddb165081cbf695c761eb35ca901ac768b7c821ae3cabbcc0a810\n"
    );
    let seen = server.seen.lock().unwrap();
    assert!(
        seen[0]
            .accept
            .as_deref()
            .unwrap()
            .starts_with("application/vnd.npm.install-v1+json")
    );
}

#[test]
fn npm_fetcher_escapes_scoped_names() {
    let body = br#"{"versions":{"7.24.0":{"dist":{"integrity":"sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQGinBN9yTQT3bFlCBy/aVx2HrNcqQGsdot8ghrjyrvMCoEA=="}}}}"#;
    let server = serve(routes(&[("/@babel%2fcore", Reply::ok(body.to_vec()))]));
    let npm = NpmRegistry::new(&server.base, http());
    let record = text(
        npm.fetch(&key(Ecosystem::Npm, "@babel/core", "7.24.0", None))
            .unwrap(),
    );
    assert!(record.starts_with("npm/@babel/core 7.24.0 sha512:5c8e4c3f"));
}

#[test]
fn pypi_fetcher_uses_the_pep_691_json_simple_api() {
    let server = serve(routes(&[(
        "/simple/six/",
        Reply::ok(fixture("pypi-simple-six.json")),
    )]));
    let pypi = PypiSimple::new(&format!("{}/simple/", server.base), http());
    let record = text(
        pypi.fetch(&key(
            Ecosystem::Pypi,
            "six",
            "1.9.0",
            Some("six-1.9.0.tar.gz"),
        ))
        .unwrap(),
    );
    // From the page: jq -r '.files[] | select(.filename=="six-1.9.0.tar.gz") | .hashes.sha256'
    assert_eq!(
        record,
        "pypi/six 1.9.0 six-1.9.0.tar.gz sha256:e24052411fc4fbd1f672635537c3fc2330d9481b18c0317695b46259512c91d5\n"
    );
    let seen = server.seen.lock().unwrap();
    assert_eq!(
        seen[0].accept.as_deref(),
        Some("application/vnd.pypi.simple.v1+json")
    );
    drop(seen);
    assert_eq!(
        pypi.fetch(&key(
            Ecosystem::Pypi,
            "six",
            "1.9.0",
            Some("six-9.9.9.tar.gz")
        ))
        .unwrap(),
        None
    );
    assert!(matches!(
        pypi.fetch(&key(Ecosystem::Cargo, "six", "1.9.0", None)),
        Err(Error::InvalidRequest(_))
    ));
}

#[test]
fn gem_fetcher_reads_the_checksum_for_the_platform_file() {
    // Hand-written in the compact index format (the registry is not reachable from here).
    let info = "---\n1.0.0 |checksum:1111111111111111111111111111111111111111111111111111111111111111\n\
1.0.0-x86_64-linux rack:>= 2|checksum:2222222222222222222222222222222222222222222222222222222222222222,ruby:>= 3\n";
    let server = serve(routes(&[("/info/nokogiri", Reply::ok(info))]));
    let gems = CompactIndex::new(&server.base, http());
    let record = text(
        gems.fetch(&key(
            Ecosystem::Gem,
            "nokogiri",
            "1.0.0",
            Some("nokogiri-1.0.0-x86_64-linux.gem"),
        ))
        .unwrap(),
    );
    assert_eq!(
        record,
        format!(
            "gem/nokogiri 1.0.0 nokogiri-1.0.0-x86_64-linux.gem sha256:{}\n",
            "2".repeat(64)
        )
    );
    let plain = text(
        gems.fetch(&key(
            Ecosystem::Gem,
            "nokogiri",
            "1.0.0",
            Some("nokogiri-1.0.0.gem"),
        ))
        .unwrap(),
    );
    assert!(plain.ends_with(&format!("sha256:{}\n", "1".repeat(64))));
}

#[test]
fn malformed_json_is_an_error_not_a_record() {
    let server = serve(routes(&[(
        "/left-pad",
        Reply::ok(&b"{\"versions\": {"[..]),
    )]));
    let err = NpmRegistry::new(&server.base, http())
        .fetch(&key(Ecosystem::Npm, "left-pad", "1.3.0", None))
        .unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
}

#[test]
fn wrong_length_digest_is_an_error() {
    let line = "{\"name\":\"abcd\",\"vers\":\"1.0.0\",\"cksum\":\"abcd\"}\n";
    let server = serve(routes(&[("/ab/cd/abcd", Reply::ok(line))]));
    let err = CratesIndex::new(&server.base, http())
        .fetch(&key(Ecosystem::Cargo, "abcd", "1.0.0", None))
        .unwrap_err();
    assert!(err.to_string().contains("want 32"), "{err}");
}

#[test]
fn not_found_is_none_and_other_statuses_are_errors() {
    let server = serve(routes(&[("/ab/ce/abce", Reply::status(500))]));
    let index = CratesIndex::new(&server.base, http());
    assert_eq!(
        index
            .fetch(&key(Ecosystem::Cargo, "abcd", "1.0.0", None))
            .unwrap(),
        None
    );
    assert!(matches!(
        index.fetch(&key(Ecosystem::Cargo, "abce", "1.0.0", None)),
        Err(Error::Status { status: 500, .. })
    ));
}

#[test]
fn slow_upstream_times_out() {
    let server = serve(routes(&[(
        "/left-pad",
        Reply::slow(fixture("npm-left-pad.json"), Duration::from_secs(5)),
    )]));
    let err = NpmRegistry::new(&server.base, http())
        .fetch(&key(Ecosystem::Npm, "left-pad", "1.3.0", None))
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
}

#[test]
fn huge_response_hits_the_size_cap() {
    let huge = vec![b' '; (lockproof_upstream::limits::CRATES_INDEX_FILE + 1) as usize];
    let server = serve(routes(&[("/ab/cd/abcd", Reply::ok(huge))]));
    let err = CratesIndex::new(&server.base, http())
        .fetch(&key(Ecosystem::Cargo, "abcd", "1.0.0", None))
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
}

/// Build a GOPROXY directory the way `go mod download` expects it, from a module source tree.
fn write_go_proxy(root: &std::path::Path, module: &str, escaped: &str, version: &str, src: &str) {
    use std::io::Write as _;
    let dir = root.join(escaped).join("@v");
    std::fs::create_dir_all(&dir).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/upstream/go-modules")
        .join(src);
    let mut zip =
        zip::ZipWriter::new(std::fs::File::create(dir.join(format!("{version}.zip"))).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<_> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for name in names {
        let name = name.to_string_lossy().to_string();
        zip.start_file(format!("{module}@{version}/{name}"), opts)
            .unwrap();
        zip.write_all(&std::fs::read(src.join(&name)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
    std::fs::copy(src.join("go.mod"), dir.join(format!("{version}.mod"))).unwrap();
}

#[test]
fn go_proxy_fetcher_computes_the_same_h1_as_go() {
    let tmp = tempfile::tempdir().unwrap();
    write_go_proxy(
        tmp.path(),
        "example.com/hello",
        "example.com/hello",
        "v1.0.0",
        "hello-v1.0.0",
    );
    write_go_proxy(
        tmp.path(),
        "example.org/Greet",
        "example.org/!greet",
        "v0.1.0",
        "greet-v0.1.0",
    );
    let proxy = GoProxy::new(&format!("file://{}", tmp.path().display()), http());
    // Expected: shared/interop/go-sumdb/vectors/records3.txt, written by Go's dirhash.
    assert_eq!(
        text(
            proxy
                .fetch(&RecordKey::go("example.com/hello", "v1.0.0").unwrap())
                .unwrap()
        ),
        "example.com/hello v1.0.0 h1:CLl+W6A0kCb5Wsz7qWFfVSmWzKovecFUCwhgvq43NHQ=\n\
example.com/hello v1.0.0/go.mod h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=\n"
    );
    assert_eq!(
        text(
            proxy
                .fetch(&RecordKey::go("example.org/Greet", "v0.1.0").unwrap())
                .unwrap()
        ),
        "example.org/Greet v0.1.0 h1:Vsz2J98qlYyLLz/4IpgfxfRyb7azouPHVogQ5F1zyY0=\n\
example.org/Greet v0.1.0/go.mod h1:tQypp48TlPCuX6/xfyiBv1f8JuuJsC06vthSXZxt2Xw=\n"
    );
    assert_eq!(
        proxy
            .fetch(&RecordKey::go("example.com/hello", "v1.9.9").unwrap())
            .unwrap(),
        None
    );
}

#[test]
fn go_sumdb_fetcher_treats_404_as_absent_and_rejects_malformed_answers_and_records_outside_the_tree()
 {
    use lockproof_upstream::GoSumdb;
    let (signer, vkey) =
        lockproof_tlog::generate_key(lockproof_tlog::KeyName::new("sum.fake.test").unwrap())
            .unwrap();
    let record = "example.com/hello v1.0.0 h1:CLl+W6A0kCb5Wsz7qWFfVSmWzKovecFUCwhgvq43NHQ=\n\
example.com/hello v1.0.0/go.mod h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=\n";
    let leaf = lockproof_tlog::record_hash(record.as_bytes());
    let tree = lockproof_tlog::Tree {
        size: 1,
        hash: leaf,
    };
    let note = lockproof_tlog::sign(&lockproof_tlog::format_tree_note(&tree), &[&signer]).unwrap();
    let mut good = format!("0\n{record}\n").into_bytes();
    good.extend_from_slice(&note);
    let mut bad_index = format!("1\n{record}\n").into_bytes();
    bad_index.extend_from_slice(&note);
    let server = serve(routes(&[
        ("/lookup/example.com/hello@v1.0.0", Reply::ok(good)),
        ("/tile/8/0/000.p/1", Reply::ok(leaf.0.to_vec())),
        (
            "/lookup/example.com/hello@v1.1.0",
            Reply::ok("not a lookup"),
        ),
        ("/lookup/example.com/hello@v1.2.0", Reply::ok(bad_index)),
    ]));
    let db = GoSumdb::new(&server.base, vkey, http());
    let got = db
        .fetch(&RecordKey::go("example.com/hello", "v1.0.0").unwrap())
        .unwrap();
    assert_eq!(text(got), record);
    assert_eq!(
        db.fetch(&RecordKey::go("example.com/hello", "v1.9.0").unwrap())
            .unwrap(),
        None
    );
    let err = db
        .fetch(&RecordKey::go("example.com/hello", "v1.1.0").unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
    // The note is fine but the record is not the one asked for, and its index is outside the tree.
    let err = db
        .fetch(&RecordKey::go("example.com/hello", "v1.2.0").unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::Verification { .. }), "{err}");
    assert!(
        db.fetch(&RecordKey::ecosystem(Ecosystem::Cargo, "serde", "1.0.0", None).unwrap())
            .is_err()
    );
}

#[test]
fn root_certificates_parse_from_pem_and_reject_empty_bundles() {
    use lockproof_upstream::RootCertificates;
    // The Debian system bundle, when present (it always is where ca-certificates is installed).
    if let Ok(pem) = std::fs::read("/etc/ssl/certs/ca-certificates.crt") {
        let roots = RootCertificates::from_pem(&pem).unwrap();
        assert!(roots.len() > 10);
        let _ = Http::new(&HttpConfig {
            root_certificates: Some(roots),
            ..HttpConfig::default()
        });
    }
    assert!(RootCertificates::from_pem(b"").is_err());
    assert!(RootCertificates::from_pem(b"not pem at all").is_err());
}
