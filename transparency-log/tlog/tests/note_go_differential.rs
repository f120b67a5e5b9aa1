//! Differential tests against Go's reference implementation (`golang.org/x/mod` v0.7.0 from
//! Debian): module path checks, path and version escaping, the record version rule, key
//! generation, note signing, note opening and tree-note parsing give the same answers for
//! thousands of generated inputs, near-misses included.
//!
//! Needs `go` and Debian's `golang-golang-x-mod-dev` (both in `.ci/apt-packages`). In CI
//! (`CI=true`) a missing toolchain fails the test; locally it is skipped with a message.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use lockproof_tlog::gomodule::{
    check_path, check_version, escape_path, escape_version, unescape_path, unescape_version,
};
use lockproof_tlog::{KeyName, SignerKey, VerifierKey, Verifiers, open, parse_tree_note, sign};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

const X_MOD: &str = "/usr/share/gocode/src/golang.org/x/mod";

/// Whether Go and x/mod are installed; panics in CI when they are not.
fn go_available() -> bool {
    let go = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    let found = go && Path::new(X_MOD).join("module").is_dir();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "go and golang-golang-x-mod-dev are required in CI (.ci/apt-packages)"
        );
        eprintln!("skipping: go or {X_MOD} is not installed");
    }
    found
}

/// Builds the Go helper once per test binary, offline (no module proxy), under Cargo's
/// per-target scratch directory (which also keeps Go's build cache between runs).
fn helper() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tlog-go-differential");
        let src = tmp.join("src");
        std::fs::create_dir_all(&src).unwrap();
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go_differential");
        for f in ["go.mod", "main.go"] {
            std::fs::copy(here.join(f), src.join(f)).unwrap();
        }
        let bin = tmp.join("tlogdiff");
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(&src)
            .env("GOPROXY", "off")
            .env("GOFLAGS", "-mod=mod")
            .env("GOTOOLCHAIN", "local")
            .env("GOCACHE", tmp.join("gocache"))
            .env("GOPATH", tmp.join("gopath"))
            .status()
            .unwrap();
        assert!(status.success(), "building the Go helper failed");
        bin
    })
}

/// Asks Go every request in one process; each answer is `Some(results)` or `None` (error).
fn ask_go(bin: &Path, requests: &[(&str, Vec<Vec<u8>>)]) -> Vec<Option<Vec<Vec<u8>>>> {
    let mut input = String::new();
    for (op, args) in requests {
        input.push_str(op);
        for a in args {
            input.push('\t');
            input.push_str(&hex::encode(a));
        }
        input.push('\n');
    }
    let mut child = Command::new(bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let answers: Vec<_> = text
        .lines()
        .map(|line| {
            let mut f = line.split('\t');
            match f.next() {
                Some("ok") => Some(f.map(|h| hex::decode(h).unwrap()).collect()),
                _ => None,
            }
        })
        .collect();
    assert_eq!(answers.len(), requests.len());
    answers
}

/// `n` deterministic samples of a strategy.
fn samples<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

fn s(x: &str) -> Vec<u8> {
    x.as_bytes().to_vec()
}

fn utf8(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn module_paths_versions_and_escaping_agree_with_go() {
    if !go_available() {
        return;
    }
    let bin = helper();

    let mut paths = samples(
        "[a-z0-9.-]{1,8}(\\.com)?(/[A-Za-z0-9._~!+-]{0,6}){0,3}(/v[0-9]{1,2}|\\.v[0-9])?|gopkg\\.in/[a-z]{1,4}(\\.v[0-9]{1,2})?",
        3000,
    );
    paths.extend(
        [
            "x.y/con",
            "x.y/COM1.txt",
            "x.y/abc~1",
            "x.y/abc~",
            "x.y/.x",
            "-x.y",
            "x.y/v1",
            "x.y/z/v2",
        ]
        .map(str::to_owned),
    );
    let escaped = samples("[a-z0-9.!/-]{1,6}\\.com(/[a-zA-Z0-9.!~_-]{0,6}){0,3}", 2000);
    let versions = samples(
        "v?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}(-[a-zA-Z0-9.]{0,6})?(\\+[a-z]{0,12})?|[A-Za-z0-9.!~_+ #-]{0,8}",
        3000,
    );

    let mut reqs: Vec<(&str, Vec<Vec<u8>>)> = Vec::new();
    for p in &paths {
        reqs.push(("checkpath", vec![s(p)]));
        reqs.push(("escpath", vec![s(p)]));
    }
    for e in &escaped {
        reqs.push(("unescpath", vec![s(e)]));
    }
    for v in &versions {
        reqs.push(("escver", vec![s(v)]));
        reqs.push(("unescver", vec![s(v)]));
    }
    let version_paths = [
        "x.y/z",
        "x.y/z/v2",
        "x.y/z/v3",
        "gopkg.in/yaml.v1",
        "gopkg.in/yaml.v2",
    ];
    for (i, v) in versions.iter().enumerate() {
        reqs.push((
            "checkver",
            vec![s(version_paths[i % version_paths.len()]), s(v)],
        ));
    }
    let answers = ask_go(bin, &reqs);

    let mut accepted = 0;
    for ((op, args), go) in reqs.iter().zip(&answers) {
        let a = utf8(&args[0]);
        let ours: Result<Option<String>, _> = match *op {
            "checkpath" => check_path(&a).map(|()| None),
            "escpath" => escape_path(&a).map(Some),
            "unescpath" => unescape_path(&a).map(Some),
            "escver" => escape_version(&a).map(Some),
            "unescver" => unescape_version(&a).map(Some),
            "checkver" => check_version(&a, &utf8(&args[1])).map(|()| None),
            _ => unreachable!(),
        };
        let go_ok = go.as_ref().map(|r| r.first().map(|x| utf8(x)));
        match (&ours, &go_ok) {
            (Ok(o), Some(g)) => {
                assert_eq!(o, g, "{op} {args:?}");
                accepted += 1;
            }
            (Err(_), None) => {}
            // Versions: lockproof admits only the characters semantic versions use, a subset
            // of Go's file-name characters.
            (Err(_), Some(_))
                if op.ends_with("ver")
                    && a.bytes()
                        .any(|b| !(b.is_ascii_alphanumeric() || b"!.+-~_".contains(&b))) => {}
            _ => panic!("{op} {args:?}: lockproof {ours:?}, Go {go_ok:?}"),
        }
    }
    assert!(
        accepted > 1000,
        "too few accepted inputs ({accepted}) to mean anything"
    );
}

#[test]
fn keys_signed_notes_and_tree_notes_agree_with_go() {
    if !go_available() {
        return;
    }
    let bin = helper();

    let cases = samples(
        (
            "[a-zA-Z0-9./:_-]{1,16}",
            proptest::array::uniform32(proptest::num::u8::ANY),
            "([A-Za-z0-9 ,.é—+/=]{0,20}\n){1,4}",
        ),
        300,
    );
    let mut reqs: Vec<(&str, Vec<Vec<u8>>)> = Vec::new();
    for (name, seed, text) in &cases {
        reqs.push(("sign", vec![s(name), seed.to_vec(), s(text)]));
    }
    let answers = ask_go(bin, &reqs);
    let mut opens: Vec<(&str, Vec<Vec<u8>>)> = Vec::new();
    for ((name, seed, text), go) in cases.iter().zip(&answers) {
        let go = go.as_ref().unwrap();
        let skey = SignerKey::from_seed(KeyName::new(name).unwrap(), *seed);
        assert_eq!(skey.to_private_text(), utf8(&go[0]));
        assert_eq!(skey.verifier_key().to_string(), utf8(&go[1]));
        assert_eq!(
            sign(text, &[&skey]).unwrap(),
            go[2],
            "signed note for {name}"
        );
        // Both sides then open the note and near-misses of it.
        let msg = &go[2];
        for variant in mutations(msg) {
            opens.push(("open", vec![go[1].clone(), variant]));
        }
    }
    let opened = ask_go(bin, &opens);
    let mut agreed_ok = 0;
    for ((_, args), go) in opens.iter().zip(&opened) {
        let vkey = VerifierKey::parse(&utf8(&args[0])).unwrap();
        let ours = open(&args[1], &Verifiers::new([vkey])).map(|n| n.text().as_bytes().to_vec());
        match (&ours, go) {
            (Ok(t), Some(g)) => {
                assert_eq!(t, &g[0]);
                agreed_ok += 1;
            }
            (Err(_), None) => {}
            // Go decodes base64 leniently (non-zero trailing bits); lockproof requires the
            // canonical encoding, so each note has exactly one accepted spelling.
            (Err(lockproof_tlog::Error::Malformed { .. }), Some(_))
                if has_non_canonical_base64(&args[1]) => {}
            _ => panic!(
                "open {:?}: lockproof {ours:?}, Go {go:?}",
                String::from_utf8_lossy(&args[1])
            ),
        }
    }
    assert!(
        agreed_ok >= cases.len(),
        "every unmodified note opens ({agreed_ok})"
    );

    // Tree notes: lockproof is stricter only about lines after the third, which Go ignores.
    let trees = samples(
        "go\\.sum database tree\n(0|[1-9][0-9]{0,19}|0[0-9]|\\+1)\n[A-Za-z0-9+/]{42}(A=|[A-Za-z0-9+/]=|==)\n(x\n)?",
        1000,
    );
    let reqs: Vec<_> = trees.iter().map(|t| ("parsetree", vec![s(t)])).collect();
    let mut tree_ok = 0;
    for (t, go) in trees.iter().zip(ask_go(bin, &reqs)) {
        let ours = parse_tree_note(t)
            .map(|tree| vec![s(&tree.size.to_string()), s(&tree.hash.to_base64())]);
        match (&ours, &go) {
            (Ok(o), Some(g)) => {
                assert_eq!(o, g, "{t:?}");
                tree_ok += 1;
            }
            (Err(_), None) => {}
            (Err(_), Some(_)) if t.ends_with("\nx\n") => {}
            // Go decodes the root leniently (non-zero trailing bits); lockproof does not.
            (Err(_), Some(g)) if g[1] != t.lines().nth(2).unwrap().as_bytes() => {}
            _ => panic!("parse tree {t:?}: lockproof {ours:?}, Go {go:?}"),
        }
    }
    assert!(tree_ok > 100, "too few accepted tree notes ({tree_ok})");
}

/// Whether a signature line's base64 decodes only leniently (non-zero trailing bits).
fn has_non_canonical_base64(msg: &[u8]) -> bool {
    use base64::Engine as _;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
    let lenient = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    String::from_utf8_lossy(msg)
        .lines()
        .filter_map(|l| l.strip_prefix("— "))
        .any(|l| {
            let b64 = l.rsplit(' ').next().unwrap_or_default();
            lenient
                .decode(b64)
                .is_ok_and(|raw| STANDARD.encode(raw) != b64)
        })
}

/// The note itself plus single-byte near-misses: a flipped bit in the text, the signature and
/// the separator, a truncation, and a duplicated signature line.
fn mutations(msg: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![msg.to_vec()];
    for pos in [0, msg.len() / 3, msg.len() / 2, msg.len() - 3] {
        let mut m = msg.to_vec();
        m[pos] ^= 0x01;
        out.push(m);
    }
    out.push(msg[..msg.len() - 1].to_vec());
    let sig_start = msg.windows(2).rposition(|w| w == b"\n\n").unwrap() + 2;
    let mut dup = msg.to_vec();
    dup.extend_from_slice(&msg[sig_start..]);
    out.push(dup);
    out
}

#[test]
fn every_accepted_record_satisfies_go_record_text_rules() {
    if !go_available() {
        return;
    }
    let bin = helper();
    let base = [
        "example.com/hello v1.0.0 h1:CLl+W6A0kCb5Wsz7qWFfVSmWzKovecFUCwhgvq43NHQ=\n\
         example.com/hello v1.0.0/go.mod h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=\n",
        "cargo/serde 1.0.219 sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0\n",
    ];
    // Each base record with one byte replaced by each of a few interesting bytes.
    let mut texts: Vec<Vec<u8>> = Vec::new();
    for b in base {
        texts.push(s(b));
        for pos in 0..b.len() {
            for byte in [b'\n', b'\r', b'\t', b' ', 0x7f, 0xc3, 0x00] {
                let mut t = s(b);
                t[pos] = byte;
                texts.push(t);
            }
        }
    }
    let reqs: Vec<_> = texts
        .iter()
        .map(|t| ("recordtext", vec![t.clone()]))
        .collect();
    let mut accepted = 0;
    for (t, go) in texts.iter().zip(ask_go(bin, &reqs)) {
        if lockproof_tlog::Record::parse(t).is_ok() {
            assert!(
                go.is_some(),
                "lockproof accepts a record Go's FormatRecord rejects: {t:?}"
            );
            accepted += 1;
        }
    }
    assert!(accepted >= base.len());
}
