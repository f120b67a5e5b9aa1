//! Acceptance 1 of issue 5: a go.sum verified against Go's reference checksum database
//! (`sumdb.NewServer` from Debian's golang.org/x/mod, in `tests/go/gotest refsumdb`) passes; when the
//! reference server logs a wrong hash, the run fails naming that module, both hashes, the file
//! and the line.

#[path = "go_helper/mod.rs"]
mod go_helper;
#[path = "support/mod.rs"]
mod support;
#[path = "verify_util/mod.rs"]
mod verify_util;

use std::collections::BTreeMap;
use std::path::Path;

use go_helper::RefSumdb;
use lockproof_tlog::{KeyName, Record, SignerKey};
use verify_util::text;

/// Starts Go's reference server over `dir/records`, logging requests to `requests-<tag>.log`.
fn start(bin: &Path, dir: &Path, tag: &str, tamper: Option<&str>) -> RefSumdb {
    let log = dir.join(format!("requests-{tag}.log"));
    let mut extra = vec!["-log", log.to_str().unwrap()];
    if let Some(t) = tamper {
        extra.extend(["-tamper", t]);
    }
    RefSumdb::start(
        bin,
        &dir.join("skey"),
        &dir.join("records"),
        &dir.join(format!("addr-{tag}")),
        &extra,
    )
}

/// The sumdb records for every module version of a go.sum (both lines; a go.mod-only entry
/// gets a filler zip hash, as the real database would hold the real one).
fn records_for(go_sum: &Path) -> String {
    let entries = lockproof_lockfile::parse(go_sum).unwrap();
    let mut by_key: BTreeMap<(String, String), (Option<String>, Option<String>)> = BTreeMap::new();
    for e in &entries {
        let Some(line) = e.record_line() else {
            continue;
        };
        let hash = line.trim_end().rsplit(' ').next().unwrap().to_owned();
        let slot = by_key
            .entry((e.name.clone(), e.version.clone()))
            .or_default();
        if e.artifact.as_deref() == Some("go.mod") {
            slot.1 = Some(hash);
        } else {
            slot.0 = Some(hash);
        }
    }
    let filler = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned();
    let mut out = String::new();
    for ((m, v), (zip, gomod)) in by_key {
        let r = Record::go(
            &m,
            &v,
            &zip.unwrap_or_else(|| filler.clone()),
            &gomod.unwrap_or_else(|| filler.clone()),
        )
        .unwrap();
        out.push_str(r.text());
        out.push('\n');
    }
    out
}

#[test]
fn go_sum_verifies_against_the_reference_sumdb_and_a_wrong_hash_is_named() {
    let Some(bin) = go_helper::gotest() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::copy(
        support::fixture("lockfiles/go/helm-go.sum"),
        dir.join("go.sum"),
    )
    .unwrap();
    std::fs::copy(
        support::fixture("lockfiles/go/helm-go.mod"),
        dir.join("go.mod"),
    )
    .unwrap();
    let signer = SignerKey::from_seed(KeyName::new("sumdb.verify.test").unwrap(), [7; 32]);
    std::fs::write(dir.join("skey"), signer.to_private_text()).unwrap();
    let vkey = signer.verifier_key().to_string();
    std::fs::write(dir.join("records"), records_for(&dir.join("go.sum"))).unwrap();

    let honest = start(&bin, dir, "honest", None);
    let home = dir.join("home-honest");
    let out = support::lockproof(&home)
        .current_dir(dir)
        .args([
            "verify",
            "go.sum",
            "--log",
            &format!("{vkey} {}", honest.url),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("VERIFIED"),
        "{}",
        text(&out)
    );
    let first_run = std::fs::read_to_string(dir.join("requests-honest.log")).unwrap();
    assert!(first_run.contains("/tile/8/0/"), "{first_run}");
    // Through the proxied path as well (`<proxy>/sumdb/<name>`), from the stored trust state:
    // the warm tile cache means no tile requests at all.
    let proxied = format!("{vkey} {}/sumdb/sumdb.verify.test", honest.url);
    let again = support::lockproof(&home)
        .current_dir(dir)
        .args(["verify", "go.sum", "--log", &proxied])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let all = std::fs::read_to_string(dir.join("requests-honest.log")).unwrap();
    let second_run = &all[first_run.len()..];
    assert!(
        second_run.contains("/sumdb/sumdb.verify.test/lookup/"),
        "{second_run}"
    );
    assert!(
        !second_run.contains("/tile/"),
        "warm cache fetched tiles:\n{second_run}"
    );
    // The plain sumdb protocol: lookups and tiles only, no lockproof API request.
    let requests = std::fs::read_to_string(dir.join("requests-honest.log")).unwrap();
    assert!(
        requests
            .lines()
            .all(|l| l.contains("/lookup/") || l.contains("/tile/8/")),
        "{requests}"
    );
    drop(honest);

    // The log lies about one module: it logged (and signed) a wrong zip hash.
    let go_sum = std::fs::read_to_string(dir.join("go.sum")).unwrap();
    let (line_no, line) = go_sum
        .lines()
        .enumerate()
        .find(|(_, l)| !l.contains("/go.mod "))
        .unwrap();
    let f: Vec<&str> = line.split(' ').collect();
    let (module, version, hash) = (f[0], f[1], f[2]);
    let liar = start(
        &bin,
        dir,
        "liar",
        Some(&format!("wronghash={module}@{version}")),
    );
    let out = support::lockproof(&dir.join("home-liar"))
        .current_dir(dir)
        .args(["verify", "go.sum", "--log", &format!("{vkey} {}", liar.url)])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let mismatch_line = t
        .lines()
        .find(|l| l.starts_with("MISMATCH"))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(
        mismatch_line.contains(&format!("go/{module} {version}")),
        "{mismatch_line}"
    );
    assert!(
        mismatch_line.contains(&format!("go.sum:{}", line_no + 1)),
        "{mismatch_line}"
    );
    assert!(
        mismatch_line.contains(hash),
        "lockfile hash missing: {mismatch_line}"
    );
    let logged = mismatch_line
        .split("| log ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(
        logged.starts_with("h1:") && logged != hash,
        "{mismatch_line}"
    );
    assert_eq!(t.matches("MISMATCH").count(), 1, "{t}");
    drop(liar);
}
