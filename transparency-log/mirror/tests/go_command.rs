//! Acceptance 3: the real `go` command (Debian golang-go), pointed at a mirror-mode log as its
//! GOSUMDB with a `file://` GOPROXY, downloads modules the log has never seen; the log fills
//! them from the proxy (dirhash `h1:`, as sum.golang.org does) and `go` verifies them.
//!
//! Needs `go` (in `.ci/apt-packages`). In CI (`CI=true`) a missing `go` fails the test; locally
//! it is skipped with a message.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::{filler, new_log, serve};
use lockproof_tlog::RecordKey;

fn go_available() -> bool {
    let found = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "go is required in CI (.ci/apt-packages)"
        );
        eprintln!("skipping: go is not installed");
    }
    found
}

/// Writes one module version into a GOPROXY directory: `@v/list`, `.info`, `.mod`, `.zip`
/// (zip entries prefixed `<module>@<version>/`, as golang.org/x/mod/zip writes them).
fn add_module(proxy: &Path, module: &str, escaped: &str, version: &str, src: &str) {
    let dir = proxy.join(escaped).join("@v");
    std::fs::create_dir_all(&dir).unwrap();
    let src = common::fixture("upstream/go-modules").join(src);
    let mut zip =
        zip::ZipWriter::new(std::fs::File::create(dir.join(format!("{version}.zip"))).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<_> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        zip.start_file(format!("{module}@{version}/{name}"), opts)
            .unwrap();
        zip.write_all(&std::fs::read(src.join(&name)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
    std::fs::copy(src.join("go.mod"), dir.join(format!("{version}.mod"))).unwrap();
    std::fs::write(
        dir.join(format!("{version}.info")),
        format!("{{\"Version\":\"{version}\",\"Time\":\"2026-11-27T00:00:00Z\"}}\n"),
    )
    .unwrap();
    let mut list = std::fs::read_to_string(dir.join("list")).unwrap_or_default();
    list.push_str(&format!("{version}\n"));
    std::fs::write(dir.join("list"), list).unwrap();
}

fn proxy(dir: &Path) {
    add_module(
        dir,
        "example.com/hello",
        "example.com/hello",
        "v1.0.0",
        "hello-v1.0.0",
    );
    add_module(
        dir,
        "example.com/hello",
        "example.com/hello",
        "v1.1.0",
        "hello-v1.1.0",
    );
    add_module(
        dir,
        "example.org/Greet",
        "example.org/!greet",
        "v0.1.0",
        "greet-v0.1.0",
    );
}

/// Runs `go <args>` in a fresh module with a scrubbed environment (no GONOSUMDB/GOPRIVATE
/// from the caller), returning (success, combined output).
fn go(work: &Path, gosumdb: &str, proxy: &Path, args: &[&str]) -> (bool, String) {
    let app = work.join("app");
    std::fs::create_dir_all(&app).unwrap();
    if !app.join("go.mod").exists() {
        std::fs::write(app.join("go.mod"), "module scratch.test/app\n\ngo 1.19\n").unwrap();
    }
    let out = Command::new("go")
        .args(args)
        .current_dir(&app)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", work.join("home"))
        .env("GOCACHE", work.join("gocache"))
        .env("GOPATH", work.join("gopath"))
        .env("GOPROXY", format!("file://{}", proxy.display()))
        .env("GOSUMDB", gosumdb)
        .env("GOFLAGS", "-mod=mod -modcacherw")
        .env("GOTOOLCHAIN", "local")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_go_command_verifies_modules_a_mirror_fills_on_first_lookup() {
    if !go_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let proxy_dir = tmp.path().join("proxy");
    proxy(&proxy_dir);
    let (_d, log) = new_log("sumdb.mirror.test");
    let f = filler(&log, "go", &[format!("go=file://{}", proxy_dir.display())]);
    let served = serve(lockproof_mirror::http::router(
        Arc::clone(&f),
        lockproof_log::http::ServeConfig::default(),
    ));
    assert_eq!(log.checkpoint().tree.size, 0, "the log starts empty");
    let gosumdb = format!("{} {}", log.verifier_key(), served.base);

    let (ok, out) = go(
        tmp.path(),
        &gosumdb,
        &proxy_dir,
        &["get", "example.org/Greet@v0.1.0"],
    );
    assert!(ok, "go get failed:\n{out}");
    // The module, its dependency and the retraction check's latest version were filled.
    let hello = RecordKey::go("example.com/hello", "v1.0.0").unwrap();
    let greet = RecordKey::go("example.org/Greet", "v0.1.0").unwrap();
    let (_, hello_rec) = log.lookup(&hello).unwrap().expect("hello filled");
    assert!(log.lookup(&greet).unwrap().is_some(), "Greet filled");
    // The hashes are Go's own (shared/interop/go-sumdb/vectors/records3.txt, written by dirhash).
    assert_eq!(
        hello_rec,
        "example.com/hello v1.0.0 h1:CLl+W6A0kCb5Wsz7qWFfVSmWzKovecFUCwhgvq43NHQ=\n\
example.com/hello v1.0.0/go.mod h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=\n"
    );
    let go_sum = std::fs::read_to_string(tmp.path().join("app/go.sum")).unwrap();
    for line in hello_rec.lines() {
        assert!(go_sum.contains(line), "go.sum lacks {line}:\n{go_sum}");
    }
    assert!(f.metrics().counts().filled >= 2);
    let (ok, out) = go(tmp.path(), &gosumdb, &proxy_dir, &["mod", "verify"]);
    assert!(ok, "go mod verify failed:\n{out}");
}

#[test]
fn the_go_command_refuses_a_download_that_differs_from_what_the_log_holds() {
    if !go_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let proxy_dir = tmp.path().join("proxy");
    proxy(&proxy_dir);
    let (_d, log) = new_log("sumdb.mirror.test");
    // Logged first (by an earlier fill or import) with other bytes: the proxy's zip now differs.
    let wrong = lockproof_tlog::Record::go(
        "example.com/hello",
        "v1.0.0",
        "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "h1:RslnPMa/nR3RpskRbvoDBlr6/b2RhFS0EEnq72RQTo0=",
    )
    .unwrap();
    log.add(vec![wrong]).unwrap();
    let f = filler(&log, "go", &[format!("go=file://{}", proxy_dir.display())]);
    let served = serve(lockproof_mirror::http::router(
        f,
        lockproof_log::http::ServeConfig::default(),
    ));
    let gosumdb = format!("{} {}", log.verifier_key(), served.base);
    let (ok, out) = go(
        tmp.path(),
        &gosumdb,
        &proxy_dir,
        &["mod", "download", "example.com/hello@v1.0.0"],
    );
    assert!(!ok, "go accepted a download the log disagrees with:\n{out}");
    assert!(out.contains("SECURITY ERROR"), "{out}");
}
