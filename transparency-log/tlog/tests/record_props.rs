//! Property targets for the record-side parsers (records, record lists, lookup paths, Go path
//! and version escaping): they never panic on arbitrary input, and every accepted input is
//! canonical, `format(parse(x)) == x`.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_tlog::escape::{escape_case, unescape_case};
use lockproof_tlog::gomodule::{escape_path, escape_version, unescape_path, unescape_version};
use lockproof_tlog::lookup::LookupResponse;
use lockproof_tlog::{Digest, Ecosystem, Record, RecordHashes, RecordKey, parse_record_list};
use proptest::prelude::*;

fn check_record(bytes: &[u8]) {
    if let Ok(r) = Record::parse(bytes) {
        assert_eq!(r.as_bytes(), bytes, "format(parse(x)) != x");
        assert_eq!(Record::parse_for_key(bytes, r.key()).unwrap(), r);
        check_lookup(&r.key().lookup_path());
        assert_eq!(
            &RecordKey::parse_lookup_path(&r.key().lookup_path()).unwrap(),
            r.key()
        );
        let rebuilt = match r.hashes() {
            RecordHashes::Go { zip, go_mod } => {
                Record::go(r.key().name(), r.key().version(), zip, go_mod)
            }
            RecordHashes::Digest(d) => Record::ecosystem(r.key().clone(), d.clone()),
            _ => unreachable!("no other record kinds exist"),
        };
        assert_eq!(rebuilt.unwrap(), r);
    }
    if let Ok(list) = parse_record_list(bytes) {
        let joined = list.iter().map(Record::text).collect::<Vec<_>>().join("\n");
        assert!(bytes == joined.as_bytes() || bytes == format!("{joined}\n").as_bytes());
    }
}

fn check_lookup(text: &str) {
    if let Ok(k) = RecordKey::parse_lookup_path(text) {
        assert_eq!(k.lookup_path(), text);
    }
}

fn check_escaping(text: &str) {
    if let Ok(u) = unescape_case(text) {
        assert_eq!(escape_case(&u).unwrap(), text);
    }
    if let Ok(e) = escape_case(text) {
        assert_eq!(unescape_case(&e).unwrap(), text);
    }
    if let Ok(p) = unescape_path(text) {
        assert_eq!(escape_path(&p).unwrap(), text);
    }
    if let Ok(v) = unescape_version(text) {
        assert_eq!(escape_version(&v).unwrap(), text);
    }
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, bool)>> {
    proptest::collection::vec(
        (
            any::<usize>(),
            prop_oneof![
                Just(b' '),
                Just(b'\n'),
                Just(b'!'),
                Just(b'@'),
                Just(b'/'),
                Just(b'A'),
                any::<u8>()
            ],
            any::<bool>(),
        ),
        0..3,
    )
}

fn apply(mut base: Vec<u8>, edits: &[(usize, u8, bool)]) -> Vec<u8> {
    for &(pos, byte, insert) in edits {
        let i = pos % (base.len() + 1);
        if insert || i == base.len() {
            base.insert(i, byte);
        } else {
            base[i] = byte;
        }
    }
    base
}

fn go_record() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,6}\\.(com|org)(/[A-Za-z0-9_-][A-Za-z0-9._~-]{0,4}[A-Za-z_-]){0,3}",
        0u64..6,
        any::<bool>(),
        "\\.(0|[1-9][0-9]?)\\.(0|[1-9])(-[a-zA-Z][a-zA-Z0-9.]{0,5})?",
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
    )
        .prop_map(|(base, major, suffixed, rest, a, b)| {
            // Keep path and version consistent the way Go requires: /vN for N >= 2, or no suffix
            // and +incompatible.
            let (p, v) = match (major, suffixed) {
                (0 | 1, _) => (base, format!("v{major}{rest}")),
                (_, true) => (format!("{base}/v{major}"), format!("v{major}{rest}")),
                (_, false) => (base, format!("v{major}{rest}+incompatible")),
            };
            let h = |x: [u8; 32]| lockproof_tlog::Hash(x).to_base64();
            format!("{p} {v} h1:{}\n{p} {v}/go.mod h1:{}\n", h(a), h(b))
        })
}

fn ecosystem_record() -> impl Strategy<Value = String> {
    let eco = prop_oneof![
        Just(("cargo", "[a-zA-Z][a-zA-Z0-9_-]{0,8}", false)),
        Just((
            "npm",
            "(@[a-z]{1,4}/)?[a-zA-Z0-9][a-zA-Z0-9._-]{0,8}",
            false
        )),
        Just(("pypi", "[a-z0-9]{1,5}(-[a-z0-9]{1,4})?", true)),
        Just(("gem", "[A-Za-z0-9][A-Za-z0-9._-]{0,8}", true)),
        Just(("artifact", "[A-Za-z0-9][A-Za-z0-9._-]{0,8}", true)),
    ];
    eco.prop_flat_map(|(eco, name_re, has_artifact)| {
        (
            Just(eco),
            name_re,
            "[0-9A-Za-z][0-9A-Za-z.+~_-]{0,8}",
            if has_artifact {
                "[A-Za-z0-9][A-Za-z0-9.+_-]{0,12}".prop_map(Some).boxed()
            } else {
                Just(None).boxed()
            },
            prop_oneof![
                Just(("sha256", 32usize)),
                Just(("sha384", 48)),
                Just(("sha512", 64))
            ],
            proptest::collection::vec(any::<u8>(), 64),
        )
    })
    .prop_map(|(eco, name, version, artifact, (alg, len), digest)| {
        let hex: String = digest[..len].iter().map(|b| format!("{b:02x}")).collect();
        match artifact {
            Some(a) => format!("{eco}/{name} {version} {a} {alg}:{hex}\n"),
            None => format!("{eco}/{name} {version} {alg}:{hex}\n"),
        }
    })
}

proptest! {
    #[test]
    fn record_parser_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_record(&bytes);
    }

    #[test]
    fn go_records_round_trip_and_survive_edits(text in go_record(), e in edits()) {
        check_record(text.as_bytes());
        check_record(&apply(text.into_bytes(), &e));
    }

    #[test]
    fn ecosystem_records_round_trip_and_survive_edits(text in ecosystem_record(), e in edits()) {
        check_record(text.as_bytes());
        check_record(&apply(text.into_bytes(), &e));
    }

    #[test]
    fn record_lists_round_trip(a in go_record(), b in ecosystem_record(), e in edits()) {
        let list = format!("{a}\n{b}");
        check_record(list.as_bytes());
        check_record(&apply(list.into_bytes(), &e));
    }

    #[test]
    fn lookup_response_parser_round_trips(index in any::<u64>(), rec in go_record(), note in "[a-z\\n]{0,20}", e in edits()) {
        let body = format!("{index}\n{rec}\n{note}").into_bytes();
        for b in [body.clone(), apply(body, &e)] {
            if let Ok(r) = LookupResponse::parse_unauthenticated(&b) {
                prop_assert_eq!(r.to_bytes(), b);
            }
        }
    }

    #[test]
    fn lookup_path_parser_never_panics(text in "[a-zA-Z0-9!@/._+~-]{0,40}|.{0,40}") {
        check_lookup(&text);
    }

    #[test]
    fn lookup_paths_of_valid_keys_round_trip(text in ecosystem_record()) {
        if let Ok(r) = Record::parse(text.as_bytes()) {
            let k = r.key();
            prop_assert_eq!(&RecordKey::parse_lookup_path(&k.lookup_path()).unwrap(), k);
            let RecordHashes::Digest(d) = r.hashes() else { unreachable!("ecosystem record") };
            prop_assert_eq!(Digest::parse(&d.to_string()).unwrap(), d.clone());
            prop_assert!(k.ecosystem_kind().is_some_and(Ecosystem::has_artifact) == k.artifact().is_some());
        }
    }

    #[test]
    fn escaping_round_trips(text in "[a-zA-Z0-9!./_~+-]{0,30}|.{0,30}") {
        check_escaping(&text);
    }
}

/// The generators above must mostly produce *valid* records, or the round-trip properties would
/// only ever exercise the rejection path.
#[test]
fn generators_mostly_produce_valid_records() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for (name, strategy) in [
        ("go", go_record().boxed()),
        ("ecosystem", ecosystem_record().boxed()),
    ] {
        let accepted = (0..400)
            .filter(|_| {
                let text = strategy.new_tree(&mut runner).unwrap().current();
                Record::parse(text.as_bytes()).is_ok()
            })
            .count();
        assert!(
            accepted >= 100,
            "{name}: only {accepted}/400 generated records are valid"
        );
    }
}
