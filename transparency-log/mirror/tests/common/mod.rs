//! Test support: a fake registry (a tiny HTTP/1.1 server whose answers can change during a
//! test), generators that write registry files in the registries' real formats from lockfile
//! entries, serving an axum router on 127.0.0.1:0, and verifying through lockproof-verify.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use lockproof_lockfile::{Algorithm, Ecosystem, Entry, PinState};
use lockproof_log::Log;
use lockproof_mirror::{Filler, FillerConfig, Limits, Upstreams};
use lockproof_upstream::{Http, HttpConfig};

#[path = "../../../upstream/tests/fake_registry/mod.rs"]
mod fake_registry;

pub use fake_registry::{FakeRegistry, Reply};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

pub fn entries(rel: &str) -> Vec<Entry> {
    lockproof_lockfile::parse(&fixture(rel)).unwrap()
}

pub fn http() -> Http {
    Http::new(&HttpConfig {
        timeout: Duration::from_secs(2),
        ..HttpConfig::default()
    })
}

/// Limits that never slow a hermetic test down.
pub fn fast() -> FillerConfig {
    FillerConfig {
        limits: Limits {
            max_concurrent: 8,
            rate_per_second: 1e6,
            burst: 1_000_000,
        },
        ..FillerConfig::default()
    }
}

/// A fresh writable log in a temp dir.
pub fn new_log(name: &str) -> (tempfile::TempDir, Log) {
    let dir = tempfile::tempdir().unwrap();
    Log::init(dir.path(), name, None).unwrap();
    let log = Log::open(dir.path()).unwrap();
    (dir, log)
}

pub fn filler(log: &Log, mirror: &str, overrides: &[String]) -> Arc<Filler> {
    let upstreams = Upstreams::from_flags(mirror, overrides, &http()).unwrap();
    Arc::new(Filler::new(log.clone(), upstreams, fast()))
}

fn pinned(entries: &[Entry], eco: Ecosystem) -> impl Iterator<Item = &Entry> {
    entries
        .iter()
        .filter(move |e| e.ecosystem == eco && e.pin == PinState::Pinned && e.digest.is_some())
}

/// The crates.io sparse-index files (path → body) that publish exactly the checksums of the
/// Cargo.lock entries, one JSON line per version as index.crates.io writes them.
pub fn crates_index_files(entries: &[Entry]) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for e in pinned(entries, Ecosystem::Cargo) {
        let path = format!(
            "/{}",
            lockproof_upstream::CratesIndex::index_path(&e.name).unwrap()
        );
        let line = serde_json::json!({
            "name": e.name, "vers": e.version, "deps": [],
            "cksum": e.digest.as_ref().unwrap().to_hex(), "features": {}, "yanked": false,
        });
        let body = out.entry(path).or_default();
        body.push_str(&line.to_string());
        body.push('\n');
    }
    out
}

/// The abbreviated npm packuments (path → body) whose `dist.integrity` is each
/// package-lock.json entry's integrity.
pub fn npm_packuments(entries: &[Entry]) -> BTreeMap<String, String> {
    let mut docs: BTreeMap<String, serde_json::Map<String, serde_json::Value>> = BTreeMap::new();
    for e in pinned(entries, Ecosystem::Npm) {
        let d = e.digest.as_ref().unwrap();
        if d.algorithm() == Algorithm::Sha1 {
            continue;
        }
        let sri = d.to_sri();
        docs.entry(e.name.clone()).or_default().insert(
            e.version.clone(),
            serde_json::json!({"name": e.name, "version": e.version,
                "dist": {"integrity": sri, "tarball": format!("https://registry.example/{}.tgz", e.name)}}),
        );
    }
    docs.into_iter()
        .map(|(name, versions)| {
            let body = serde_json::json!({"name": name, "modified": "2026-11-27T00:00:00Z",
                "dist-tags": {}, "versions": versions});
            (
                format!("/{}", name.replacen('/', "%2f", 1)),
                body.to_string(),
            )
        })
        .collect()
}

/// The PEP 691 project pages (path under the index → body) listing each uv.lock file with its
/// sha256.
pub fn pypi_pages(entries: &[Entry]) -> BTreeMap<String, String> {
    let mut files: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in pinned(entries, Ecosystem::Pypi) {
        let Some(artifact) = &e.artifact else {
            continue;
        };
        files
            .entry(e.name.clone())
            .or_default()
            .push(serde_json::json!({
                "filename": artifact, "url": format!("https://files.example/{artifact}"),
                "hashes": {"sha256": e.digest.as_ref().unwrap().to_hex()},
            }));
        let v = versions.entry(e.name.clone()).or_default();
        if !v.contains(&e.version) {
            v.push(e.version.clone());
        }
    }
    files
        .into_iter()
        .map(|(name, files)| {
            let body = serde_json::json!({"meta": {"api-version": "1.1"}, "name": name,
                "versions": versions[&name], "files": files});
            (format!("/simple/{name}/"), body.to_string())
        })
        .collect()
}

/// The sumdb records `M V h1:…\nM V/go.mod h1:…\n` for every module version of a go.sum. A
/// version the go.sum lists only by its `/go.mod` line gets a stand-in zip hash (the go.sum
/// cannot say what the real one is, and the verifier compares only the go.mod line for it).
pub fn go_records(entries: &[Entry]) -> Vec<lockproof_tlog::Record> {
    let mut pairs: BTreeMap<(String, String), (Option<String>, Option<String>)> = BTreeMap::new();
    for e in pinned(entries, Ecosystem::Go) {
        let slot = pairs
            .entry((e.name.clone(), e.version.clone()))
            .or_default();
        let h1 = e.digest.as_ref().unwrap().to_sri();
        if e.artifact.as_deref() == Some("go.mod") {
            slot.1 = Some(h1);
        } else {
            slot.0 = Some(h1);
        }
    }
    pairs
        .into_iter()
        .map(|((m, v), (zip, go_mod))| {
            let stand_in = || {
                use sha2::Digest as _;
                format!(
                    "h1:{}",
                    base64::engine::general_purpose::STANDARD
                        .encode(sha2::Sha256::digest(format!("{m} {v}").as_bytes()))
                )
            };
            let zip = zip.unwrap_or_else(stand_in);
            let go_mod = go_mod.unwrap_or_else(stand_in);
            lockproof_tlog::Record::go(&m, &v, &zip, &go_mod).unwrap()
        })
        .collect()
}

/// A running axum server; the runtime thread ends with the test process.
pub struct Served {
    pub base: String,
}

pub fn serve(router: axum::Router) -> Served {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!("http://{}", listener.local_addr().unwrap()))
                .unwrap();
            axum::serve(listener, router).await.unwrap();
        });
    });
    Served {
        base: rx.recv().unwrap(),
    }
}

/// An upstream Go checksum database: a lockproof log holding `records`, served by the log
/// server's plain router (its sumdb face is what `GoSumdb` reads). Returns the `go-sumdb=`
/// override.
pub fn upstream_sumdb(records: Vec<lockproof_tlog::Record>) -> (tempfile::TempDir, String) {
    let (dir, log) = new_log("upstream.sumdb.test");
    if !records.is_empty() {
        log.add(records).unwrap();
    }
    let vkey = log.verifier_key().to_string();
    let served = serve(lockproof_log::http::router(
        log,
        lockproof_log::http::ServeConfig::default(),
    ));
    (dir, format!("go-sumdb={vkey} {}", served.base))
}

/// Verifies lockfiles against the log at `base` (HTTP) with lockproof-verify's client and
/// returns the report.
pub fn verify_http(
    base: &str,
    vkey: &str,
    files: Vec<(String, Vec<Entry>)>,
    state: &Path,
) -> lockproof_verify::report::Report {
    let fetcher = lockproof_verify::http::HttpFetcher::new(base, Duration::from_secs(60)).unwrap();
    verify_with(&fetcher, vkey, files, state)
}

pub fn verify_with(
    fetcher: &dyn lockproof_verify::fetch::LogFetcher,
    vkey: &str,
    files: Vec<(String, Vec<Entry>)>,
    state: &Path,
) -> lockproof_verify::report::Report {
    use lockproof_verify::client::{LogHandle, TrustContext};
    use lockproof_verify::policy::{Actions, LogSpec};
    use lockproof_verify::verifier;
    let spec = LogSpec {
        vkey: vkey.to_owned(),
        location: String::new(),
        ecosystems: Vec::new(),
    };
    let files: Vec<verifier::Lockfile> = files
        .into_iter()
        .map(|(display, entries)| verifier::Lockfile {
            display,
            entries,
            skipped: 0,
        })
        .collect();
    let logs = [spec];
    let plan = verifier::plan(&logs, &files);
    let handle = LogHandle {
        key: lockproof_tlog::VerifierKey::parse(vkey).unwrap(),
        fetcher,
    };
    let ctx = TrustContext {
        witnesses: Vec::new(),
        required: 0,
        store: lockproof_verify::state::TrustStore::at(state),
        tile_cache: None,
        collect_proofs: false,
        prefer_batch: false,
        witness_wait: std::time::Duration::ZERO,
    };
    let results = verifier::query_all(std::slice::from_ref(&handle), &ctx, &plan).unwrap();
    verifier::judge("test", &logs, &files, &results, &Actions::default())
}

pub fn count(report: &lockproof_verify::report::Report, verdict: &str) -> usize {
    report
        .findings
        .iter()
        .filter(|f| f.verdict.as_str() == verdict)
        .count()
}

/// The four real lockfiles of the acceptance tests, copied into `dir` under the names the
/// tools write (`Cargo.lock`, `package-lock.json`, `uv.lock`, `go.sum` + `go.mod`).
pub fn real_lockfiles(dir: &Path) -> Vec<PathBuf> {
    let pairs = [
        ("lockfiles/cargo/cargo-Cargo.lock", "cargo/Cargo.lock"),
        (
            "lockfiles/npm/actions-checkout-v3-package-lock.json",
            "npm/package-lock.json",
        ),
        ("lockfiles/pypi/sigstore-python-uv.lock", "pypi/uv.lock"),
        ("lockfiles/go/helm-go.sum", "go/go.sum"),
        ("lockfiles/go/helm-go.mod", "go/go.mod"),
    ];
    let mut out = Vec::new();
    for (from, to) in pairs {
        let to = dir.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixture(from), &to).unwrap();
        if !to.ends_with("go.mod") {
            out.push(to);
        }
    }
    out
}

/// A fake registry serving, in the real formats, exactly the digests the lockfiles pin:
/// crates under `/crates/`, npm under `/npm/`, PyPI under `/pypi/simple/`; plus an upstream
/// checksum database for the go.sum. Returns the registry, the sumdb's temp dir and the
/// `--upstream` overrides.
pub fn registry_for(entries: &[Entry]) -> (FakeRegistry, tempfile::TempDir, Vec<String>) {
    let reg = FakeRegistry::start();
    for (p, body) in crates_index_files(entries) {
        reg.set(&format!("/crates{p}"), Reply::ok(body));
    }
    for (p, body) in npm_packuments(entries) {
        reg.set(&format!("/npm{p}"), Reply::ok(body));
    }
    for (p, body) in pypi_pages(entries) {
        reg.set(&format!("/pypi{p}"), Reply::ok(body));
    }
    let (sumdb_dir, go) = upstream_sumdb(go_records(entries));
    let overrides = vec![
        format!("crates={}/crates/", reg.base),
        format!("npm={}/npm/", reg.base),
        format!("pypi={}/pypi/simple/", reg.base),
        go,
    ];
    (reg, sumdb_dir, overrides)
}

/// A local log directory as lockproof-verify's fetch trait (what the CLI's adapter does),
/// opened read-only after the filling handle is gone.
pub struct LocalFetcher {
    pub log: Log,
}

impl LocalFetcher {
    pub fn open(dir: &Path) -> Self {
        Self {
            log: Log::open_read_only(dir).unwrap(),
        }
    }
}

impl lockproof_verify::fetch::LogFetcher for LocalFetcher {
    fn describe(&self) -> String {
        "local".into()
    }
    fn latest(&self) -> Result<Vec<u8>, lockproof_verify::Error> {
        Ok(self.log.checkpoint().note.clone())
    }
    fn lookup(&self, key_path: &str) -> Result<Option<Vec<u8>>, lockproof_verify::Error> {
        let key = lockproof_tlog::RecordKey::parse_lookup_path(key_path).unwrap();
        let snapshot = self.log.checkpoint();
        Ok(self.log.lookup(&key).unwrap().map(|(i, r)| {
            let mut out = format!("{i}\n{r}\n").into_bytes();
            out.extend_from_slice(&snapshot.note);
            out
        }))
    }
    fn lookups_batch(&self, body: &[u8]) -> Result<Option<Vec<u8>>, lockproof_verify::Error> {
        let req: lockproof_log::http::api::LookupsRequest = serde_json::from_slice(body).unwrap();
        let resp = lockproof_log::http::api::answer_lookups(&self.log, &req).unwrap();
        Ok(Some(serde_json::to_vec(&resp).unwrap()))
    }
    fn read_tiles(
        &self,
        tiles: &[lockproof_tlog::Tile],
    ) -> Result<Vec<Vec<u8>>, lockproof_verify::Error> {
        Ok(tiles
            .iter()
            .map(|t| self.log.read_tile(*t).unwrap())
            .collect())
    }
}
