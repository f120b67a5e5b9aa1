//! `lockproof log serve --mirror`, `lockproof log import`, and `lockproof verify` with no log
//! (the embedded default), end to end through the binary, against a local fake registry that
//! serves the crates.io sparse-index format.
//!
//! The fake registry's checksums are generated in the test from the lockfile itself (the real
//! registry is not reachable from the test machines); the opt-in live test
//! (`LOCKPROOF_LIVE_TESTS=1`) uses the real crates.io.

#[path = "log_harness/mod.rs"]
mod harness;
#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A fake sparse index: path → body; anything else is 404.
fn fake_index(files: BTreeMap<String, String>) -> (String, Arc<Mutex<BTreeMap<String, String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let files = Arc::new(Mutex::new(files));
    let shared = Arc::clone(&files);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let files = Arc::clone(&shared);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let path = line.split(' ').nth(1).unwrap_or("").to_owned();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                        break;
                    }
                }
                let body = files.lock().expect("lock").get(&path).cloned();
                let (status, body) = match body {
                    Some(b) => (200, b),
                    None => (404, String::new()),
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    (base, files)
}

/// The sparse-index files publishing exactly the checksums of a Cargo.lock's registry crates.
fn index_for(lockfile: &Path) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for e in lockproof_lockfile::parse(lockfile).expect("parse") {
        let Some(d) = e.digest.as_ref() else { continue };
        let path = format!(
            "/{}",
            lockproof_upstream::CratesIndex::index_path(&e.name).expect("crate name")
        );
        let line = serde_json::json!({"name": e.name, "vers": e.version, "deps": [],
            "cksum": d.to_hex(), "features": {}, "yanked": false});
        out.entry(path).or_default().push_str(&format!("{line}\n"));
    }
    out
}

fn run(home: &Path, cwd: &Path, args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = support::lockproof(home);
    cmd.current_dir(cwd).args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run lockproof");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn project(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let lock = dir.join("Cargo.lock");
    std::fs::copy(
        support::fixture("lockfiles/cargo/rustsec-example-v3-Cargo.lock"),
        &lock,
    )
    .expect("copy");
    lock
}

#[test]
fn verify_with_no_log_fills_the_embedded_default_and_verifies() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let repo = h.join("repo");
    let lock = project(&repo);
    let (base, _files) = fake_index(index_for(&lock));
    let upstream = format!("crates={base}/");
    let env = [("LOCKPROOF_UPSTREAM", upstream.as_str())];
    let (code, out, err) = run(h, &repo, &["verify", "--format", "json"], &env);
    assert_eq!(code, 0, "{out}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json report");
    let findings = report["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["verdict"] == "match"));
    assert!(
        findings
            .iter()
            .all(|f| f["verdict"] != "mismatch" && f["verdict"] != "missing")
    );
    assert!(h.join("data/lockproof/default-log/config.json").is_file());
    // A second run finds everything logged already; the fake index could be gone.
    let (code, _, err) = run(
        h,
        &repo,
        &["verify", "--no-fill"],
        &[("LOCKPROOF_UPSTREAM", "crates=http://127.0.0.1:9/")],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn no_fill_on_a_fresh_machine_reports_missing_entries() {
    let home = tempfile::tempdir().expect("tempdir");
    let repo = home.path().join("repo");
    project(&repo);
    let (code, out, err) = run(
        home.path(),
        &repo,
        &["verify", "--no-fill", "--format", "json"],
        &[],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("\"missing\""), "{out}");
}

#[test]
fn an_edited_lockfile_is_a_mismatch_on_first_sight() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let repo = h.join("repo");
    let lock = project(&repo);
    let (base, _files) = fake_index(index_for(&lock));
    // Point one crate at other bytes after the registry data was taken.
    let text = std::fs::read_to_string(&lock).expect("read");
    let entries = lockproof_lockfile::parse(&lock).expect("parse");
    let victim = entries
        .iter()
        .find(|e| e.digest.is_some())
        .expect("a pinned crate");
    let hex = victim.digest.as_ref().expect("digest").to_hex();
    std::fs::write(&lock, text.replace(&hex, &"0f".repeat(32))).expect("write");
    let upstream = format!("crates={base}/");
    let (code, out, err) = run(
        h,
        &repo,
        &["verify", "--format", "json"],
        &[("LOCKPROOF_UPSTREAM", upstream.as_str())],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json report");
    let mismatches: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["verdict"] == "mismatch")
        .collect();
    assert_eq!(mismatches.len(), 1, "{out}");
    assert_eq!(mismatches[0]["name"], victim.name.as_str());
}

#[test]
fn log_serve_mirror_fills_lookup_misses_and_log_import_logs_lockfiles() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let repo = h.join("repo");
    let lock = project(&repo);
    let (base, _files) = fake_index(index_for(&lock));
    let dir = h.join("log");
    let (code, vkey, err) = run(
        h,
        h,
        &[
            "log",
            "init",
            "--dir",
            dir.to_str().expect("utf8"),
            "--name",
            "mirror.cli.test",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let vkey = vkey.trim().to_owned();
    let upstream = format!("crates={base}/");
    {
        let server =
            harness::Server::start(h, &dir, &["--mirror", "crates", "--upstream", &upstream]);
        let entries = lockproof_lockfile::parse(&lock).expect("parse");
        let e = entries.iter().find(|e| e.digest.is_some()).expect("pinned");
        let (status, body) = harness::get(&format!(
            "{}/lookup/cargo/{}@{}",
            server.url, e.name, e.version
        ));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        // The whole lockfile through the running mirror.
        let flag = format!("{vkey} {}", server.url);
        let (code, out, err) = run(h, &repo, &["verify", "--log", &flag, "Cargo.lock"], &[]);
        assert_eq!(code, 0, "{out}\n{err}");
        let (_, metrics) = harness::get(&format!("{}/metrics", server.url));
        assert!(String::from_utf8_lossy(&metrics).contains("lockproof_mirror_fills_total"));
    }
    // Import into a second log, for a registry without an upstream.
    let dir2 = h.join("log2");
    let (code, _, err) = run(
        h,
        h,
        &[
            "log",
            "init",
            "--dir",
            dir2.to_str().expect("utf8"),
            "--name",
            "import.cli.test",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let gems = support::fixture("lockfiles/rubygems/rubygems-dev_gems.rb.lock");
    let gemfile = repo.join("Gemfile.lock");
    std::fs::copy(gems, &gemfile).expect("copy");
    let (code, out, err) = run(
        h,
        h,
        &[
            "log",
            "import",
            "--dir",
            dir2.to_str().expect("utf8"),
            gemfile.to_str().expect("utf8"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("imported "), "{out}");
}

/// Acceptance 4 (opt-in): the README's main-job command on this repository, against the real
/// crates.io, through the embedded default. `LOCKPROOF_LIVE_TESTS=1`.
#[test]
fn live_verify_the_projects_own_cargo_lock_against_crates_io() {
    if std::env::var("LOCKPROOF_LIVE_TESTS").as_deref() != Ok("1") {
        eprintln!("skipping: set LOCKPROOF_LIVE_TESTS=1 to verify against the real crates.io");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let root = support::repo_root();
    let (code, out, err) = run(home.path(), &root, &["verify", "Cargo.lock"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
}

/// Acceptance 3 through the binary: `go get` against `lockproof log serve --mirror go` as its
/// GOSUMDB, with a `file://` GOPROXY the log fills from. Needs `go` and x/mod (tests/go).
#[test]
fn go_verifies_modules_that_log_serve_mirror_fills_from_a_file_proxy() {
    let Some(bin) = harness::go_helper::gotest() else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let (proxy, _) = harness::go_fixture_proxy(&bin, h);
    let dir = h.join("log");
    let vkey = harness::init_log(h, &dir, "sumdb.mirror.cli.test", None);
    let upstream = format!("go=file://{}", proxy.display());
    let server = harness::Server::start(h, &dir, &["--mirror", "go", "--upstream", &upstream]);
    let app = h.join("app");
    std::fs::create_dir_all(&app).expect("mkdir");
    std::fs::write(app.join("go.mod"), "module scratch.test/app\n\ngo 1.19\n").expect("go.mod");
    let out = std::process::Command::new("go")
        .current_dir(&app)
        .args(["get", "example.org/Greet@v0.1.0"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", h.join("gohome"))
        .env("GOCACHE", h.join("gocache"))
        .env("GOPATH", h.join("gopath"))
        .env("GOPROXY", format!("file://{}", proxy.display()))
        .env("GOSUMDB", format!("{vkey} {}", server.url))
        .env("GOFLAGS", "-mod=mod -modcacherw")
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go");
    assert!(
        out.status.success(),
        "go get failed: {}\nserver: {}",
        String::from_utf8_lossy(&out.stderr),
        server.stderr_text()
    );
    let (_, metrics) = harness::get(&format!("{}/metrics", server.url));
    let metrics = String::from_utf8_lossy(&metrics).into_owned();
    let filled = metrics
        .lines()
        .find_map(|l| l.strip_prefix("lockproof_mirror_fills_total "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .expect("fill counter");
    assert!(filled >= 2, "{metrics}");
    let go_sum = std::fs::read_to_string(app.join("go.sum")).expect("go.sum");
    assert!(
        go_sum.contains("example.org/Greet v0.1.0 h1:Vsz2J98qlYyLLz/4IpgfxfRyb7azouPHVogQ5F1zyY0="),
        "{go_sum}"
    );
}
