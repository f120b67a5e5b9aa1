//! Acceptance 1 and 2 of issue 3: the real `go` command uses `lockproof log serve` as its
//! GOSUMDB — across a 256-leaf tile boundary and an honest growth — and catches a lying log
//! (wrong h1 → SECURITY ERROR) and a log restarted under the same key with another history
//! (misbehaviour). Needs `go` (Debian golang-go) and golang-golang-x-mod-dev.

#[path = "log_harness/mod.rs"]
mod harness;
#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use harness::go_helper::gotest;
use harness::{Server, add_records, go_fixture_proxy, go_key, init_log, pad_record};
use support::text;

const NAME: &str = "sumdb.lockproof.test";

/// Runs `go` under a scrubbed environment (as `env -i`): no GONOSUMDB/GOPRIVATE/GOFLAGS leak in.
fn go(
    work: &Path,
    gopath: &Path,
    proxy: &Path,
    gosumdb: &str,
    dir: &Path,
    args: &[&str],
) -> Output {
    Command::new("go")
        .current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", work.join("home"))
        .env("GOCACHE", work.join("gocache"))
        .env("GOPATH", gopath)
        .env("GOPROXY", format!("file://{}", proxy.display()))
        .env("GOSUMDB", gosumdb)
        .env("GOFLAGS", "-mod=mod")
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go")
}

fn app_module(work: &Path, name: &str) -> PathBuf {
    let dir = work.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("go.mod"), "module scratch.test/app\n\ngo 1.19\n").expect("go.mod");
    dir
}

fn requests(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn go_accepts_the_log_across_a_tile_boundary_and_an_honest_growth() {
    let Some(bin) = gotest() else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    let (proxy, modules) = go_fixture_proxy(&bin, w);
    let (hello1, hello11, greet) = (&modules[0], &modules[1], &modules[2]);
    let (skey, go_vkey) = go_key(&bin, w, NAME);
    let dir = w.join("log");
    let vkey = init_log(w, &dir, NAME, Some(&skey));
    assert_eq!(
        vkey, go_vkey,
        "log init with a Go signer key prints Go's verifier key"
    );

    // Phase 1: 200 fillers, then hello v1.0.0 and Greet v0.1.0 (size 202, one partial tile).
    let mut first: Vec<String> = (0..200).map(|i| pad_record("p", i)).collect();
    first.extend([hello1.clone(), greet.clone()]);
    add_records(w, &dir, &first);
    let access = w.join("access.log");
    let access_arg = access.to_str().expect("utf8").to_owned();
    let mut server = Server::start(w, &dir, &["--access-log", &access_arg]);
    let gosumdb = format!("{vkey} {}", server.url);
    let gopath = w.join("gopath");
    let app = app_module(w, "app1");
    let out = go(
        w,
        &gopath,
        &proxy,
        &gosumdb,
        &app,
        &[
            "mod",
            "download",
            "example.org/Greet@v0.1.0",
            "example.com/hello@v1.0.0",
        ],
    );
    assert!(
        out.status.success(),
        "go mod download failed:\n{}",
        text(&out)
    );
    let seen = requests(&access);
    assert!(
        seen.iter()
            .any(|l| l.starts_with("GET /lookup/example.org/!greet@v0.1.0 200")),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|l| l.starts_with("GET /lookup/example.com/hello@v1.0.0 200")),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|l| l.starts_with("GET /tile/8/0/000.p/202 200")),
        "{seen:#?}"
    );
    let latest = gopath.join("pkg/sumdb").join(NAME).join("latest");
    let cached = std::fs::read_to_string(&latest).expect("go cached the signed tree");
    assert!(
        cached.starts_with("go.sum database tree\n202\n"),
        "{cached}"
    );

    // Phase 2: the log grows honestly past the 256-leaf tile boundary while serving (records
    // forwarded through `log add` to the running server), then hello v1.1.0 is looked up with the
    // same GOPATH: go must prove the new tree extends the cached one.
    let token = w.join("token");
    std::fs::write(&token, "s3cret\n").expect("token");
    server.kill();
    let token_arg = token.to_str().expect("utf8").to_owned();
    let server = Server::start(
        w,
        &dir,
        &["--access-log", &access_arg, "--token-file", &token_arg],
    );
    let gosumdb = format!("{vkey} {}", server.url);
    let mut second: Vec<String> = (0..100).map(|i| pad_record("t", i)).collect();
    second.push(hello11.clone());
    let file = w.join("second.records");
    std::fs::write(&file, harness::records_file(&second)).expect("write");
    let out = support::lockproof(w)
        .args(["log", "add", "--dir"])
        .arg(&dir)
        .arg("--records")
        .arg(&file)
        .arg("--token-file")
        .arg(&token)
        .output()
        .expect("log add");
    assert!(
        out.status.success(),
        "forwarded log add failed: {}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("checkpoint size 303"),
        "{}",
        text(&out)
    );
    std::fs::write(&access, "").expect("reset access log");
    let out = go(
        w,
        &gopath,
        &proxy,
        &gosumdb,
        &app,
        &["mod", "download", "example.com/hello@v1.1.0"],
    );
    assert!(
        out.status.success(),
        "go mod download after growth failed:\n{}",
        text(&out)
    );
    let seen = requests(&access);
    assert!(
        seen.iter()
            .any(|l| l.starts_with("GET /lookup/example.com/hello@v1.1.0 200")),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|l| l.starts_with("GET /tile/8/1/000.p/1 200")),
        "level-1 tile: {seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|l| l.starts_with("GET /tile/8/0/001.p/47 200")),
        "{seen:#?}"
    );
    let cached = std::fs::read_to_string(&latest).expect("latest");
    assert!(
        cached.starts_with("go.sum database tree\n303\n"),
        "go advanced its cached tree: {cached}"
    );

    // And `go get` in a fresh module writes go.sum lines that are exactly logged records.
    let app2 = app_module(w, "app2");
    let out = go(
        w,
        &gopath,
        &proxy,
        &gosumdb,
        &app2,
        &["get", "example.org/Greet@v0.1.0"],
    );
    assert!(out.status.success(), "go get failed:\n{}", text(&out));
    let gosum = std::fs::read_to_string(app2.join("go.sum")).expect("go.sum");
    let logged: String = modules.concat();
    for line in gosum.lines() {
        assert!(
            logged.lines().any(|l| l == line),
            "go.sum line {line:?} is not a logged record line"
        );
    }
}

#[test]
fn go_reports_a_security_error_when_the_log_holds_a_wrong_hash() {
    let Some(bin) = gotest() else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    let (proxy, modules) = go_fixture_proxy(&bin, w);
    let dir = w.join("log");
    let vkey = init_log(w, &dir, NAME, None);
    // A consistently signed log that lies about hello v1.0.0's zip hash.
    let honest = &modules[0];
    let lie = {
        let (first, rest) = honest.split_once('\n').expect("two lines");
        let f: Vec<&str> = first.split(' ').collect();
        format!("{} {} h1:{}=\n{rest}", f[0], f[1], "A".repeat(43))
    };
    add_records(w, &dir, &[lie]);
    let server = Server::start(w, &dir, &[]);
    let app = app_module(w, "app");
    let out = go(
        w,
        &w.join("gopath"),
        &proxy,
        &format!("{vkey} {}", server.url),
        &app,
        &["mod", "download", "example.com/hello@v1.0.0"],
    );
    assert!(!out.status.success(), "go must refuse the download");
    let t = text(&out);
    assert!(t.contains("SECURITY ERROR"), "{t}");
    assert!(t.contains("checksum mismatch"), "{t}");
}

#[test]
fn go_detects_a_log_restarted_under_the_same_key_with_another_history() {
    let Some(bin) = gotest() else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    let (proxy, modules) = go_fixture_proxy(&bin, w);
    let (skey, _) = go_key(&bin, w, NAME);
    let gopath = w.join("gopath");
    let app = app_module(w, "app");

    // History A: five fillers, then hello v1.0.0. The client caches tree 6.
    let a = w.join("log-a");
    let vkey = init_log(w, &a, NAME, Some(&skey));
    let mut recs: Vec<String> = (0..5).map(|i| pad_record("a", i)).collect();
    recs.push(modules[0].clone());
    add_records(w, &a, &recs);
    let server = Server::start(w, &a, &[]);
    let out = go(
        w,
        &gopath,
        &proxy,
        &format!("{vkey} {}", server.url),
        &app,
        &["mod", "download", "example.com/hello@v1.0.0"],
    );
    assert!(out.status.success(), "{}", text(&out));
    drop(server);

    // History B under the same key: other fillers, then both hello versions (size 7).
    let b = w.join("log-b");
    init_log(w, &b, NAME, Some(&skey));
    let mut recs: Vec<String> = (0..5).map(|i| pad_record("b", i)).collect();
    recs.extend([modules[0].clone(), modules[1].clone()]);
    add_records(w, &b, &recs);
    let server = Server::start(w, &b, &[]);
    let out = go(
        w,
        &gopath,
        &proxy,
        &format!("{vkey} {}", server.url),
        &app,
        &["mod", "download", "example.com/hello@v1.1.0"],
    );
    assert!(!out.status.success(), "go must refuse a forked log");
    let t = text(&out);
    assert!(
        t.contains("SECURITY ERROR") || t.contains("inconsistent"),
        "{t}"
    );
    assert!(
        t.contains("misbehavior") || t.contains("inconsistent tile"),
        "{t}"
    );
}
