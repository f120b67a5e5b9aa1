//! Acceptance 5 of issue 3: malformed records (400 with a reason), missing or wrong tokens
//! (401, nothing appended), conflicts (409 with the existing record), hostile tile and lookup
//! paths (400/404, never reaching the filesystem), oversized bodies (413) — and the server
//! never panics.

#[path = "log_harness/mod.rs"]
mod harness;
#[path = "support/mod.rs"]
mod support;

use harness::{Server, get, init_log, pad_record, post, try_get};

const TOKEN: &str = "correct horse battery staple";

fn size(url: &str) -> u64 {
    let (status, body) = get(&format!("{url}/latest"));
    assert_eq!(status, 200);
    let text = String::from_utf8(body).expect("utf8");
    text.lines()
        .nth(1)
        .expect("size line")
        .parse()
        .expect("size")
}

#[test]
fn hostile_requests_are_refused_cleanly_and_append_nothing() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    init_log(h, &dir, "bad.input.test", None);
    std::fs::write(h.join("token"), format!("{TOKEN}\n")).expect("token");
    let token_arg = h.join("token").to_str().expect("utf8").to_owned();
    let server = Server::start(h, &dir, &["--token-file", &token_arg]);
    let add = format!("{}/lockproof/v1/add", server.url);

    // A good add first.
    let good = pad_record("g", 0);
    let (status, body) = post(&add, good.as_bytes(), Some(TOKEN));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        r#"{"size":1,"results":[{"index":0,"status":"added"}]}"#
    );
    let (status, body) = post(&add, good.as_bytes(), Some(TOKEN));
    assert_eq!(
        (status, body.as_str()),
        (
            200,
            r#"{"size":1,"results":[{"index":0,"status":"exists"}]}"#
        )
    );

    // Malformed records: 400 with a reason, nothing appended.
    let oversize = format!(
        "cargo/big 1.0.0 {} sha256:{}\n",
        "a".repeat(20_000),
        "00".repeat(32)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "control character",
            b"cargo/x 1.0.0 sha256:\x07bad\n".to_vec(),
            "control",
        ),
        (
            "blank line",
            format!("{good}\n\n{}", pad_record("g", 1)).into_bytes(),
            "blank line",
        ),
        ("oversize", oversize.into_bytes(), "too large"),
        (
            "bad UTF-8",
            b"cargo/x 1.0.0 sha256:\xff\xfe\n".to_vec(),
            "UTF-8",
        ),
        (
            "bad module path",
            good.replace("example.net/pad/g0000", "EXAMPLE.net/p")
                .into_bytes(),
            "record #1",
        ),
        ("no newline", b"cargo/x 1.0.0 sha256:00".to_vec(), "newline"),
        (
            "uppercase hex digest",
            format!("cargo/x 1.0.0 sha256:{}\n", "AB".repeat(32)).into_bytes(),
            "record #1",
        ),
        ("empty body", Vec::new(), "empty"),
    ];
    for (what, body, reason) in cases {
        let (status, text) = post(&add, &body, Some(TOKEN));
        assert_eq!(status, 400, "{what}: {text}");
        assert!(
            text.contains(reason),
            "{what}: reason {reason:?} missing in {text}"
        );
        assert!(text.starts_with("{\"error\":"), "{what}: {text}");
    }
    assert_eq!(size(&server.url), 1);

    // Auth: missing or wrong token → 401, nothing appended.
    let fresh = pad_record("g", 2);
    assert_eq!(post(&add, fresh.as_bytes(), None).0, 401);
    assert_eq!(post(&add, fresh.as_bytes(), Some("wrong")).0, 401);
    assert_eq!(
        post(&add, fresh.as_bytes(), Some(&format!("{TOKEN}x"))).0,
        401
    );
    assert_eq!(size(&server.url), 1);

    // Conflict: a different record for a logged key → 409 with the existing record.
    let conflicting = {
        let (first, rest) = good.split_once('\n').expect("lines");
        let f: Vec<&str> = first.split(' ').collect();
        format!("{} {} h1:{}E=\n{rest}", f[0], f[1], "A".repeat(42))
    };
    let (status, text) = post(&add, conflicting.as_bytes(), Some(TOKEN));
    assert_eq!(status, 409, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["existing"], good.as_str());
    assert_eq!(v["index"], 0);
    // A request mixing a new record with a conflicting one appends nothing.
    let mixed = format!("{fresh}\n{conflicting}");
    assert_eq!(post(&add, mixed.as_bytes(), Some(TOKEN)).0, 409);
    assert_eq!(size(&server.url), 1);

    // Oversized body → 413, answered from the headers before the body is read.
    assert_eq!(
        raw_post_status(&server.url, "/lockproof/v1/add", 9 << 20, Some(TOKEN)),
        413
    );
    assert_eq!(
        raw_post_status(&server.url, "/lockproof/v1/lookups", 5 << 20, None),
        413
    );
    let lookups = format!("{}/lockproof/v1/lookups", server.url);
    assert_eq!(
        post(
            &lookups,
            b"{\"keys\":[\"../../x\"],\"old_size\":null}",
            None
        )
        .0,
        400
    );
    assert_eq!(post(&lookups, b"{\"keys\":[],\"old_size\":7}", None).0, 400);
    assert_eq!(post(&lookups, b"not json", None).0, 400);

    // Tile and lookup paths: non-canonical, out of range, traversal → 400 or 404.
    let secret = std::fs::read_to_string(dir.join("signer.key")).expect("key");
    let paths = [
        "/tile/8/0/0001",
        "/tile/8/0/x000/001",
        "/tile/8/0/000.p/256",
        "/tile/8/0/000.p/0",
        "/tile/8/0/000.p/01",
        "/tile/8/0/000.p/2",
        "/tile/8/0/999",
        "/tile/8/1/000",
        "/tile/8/data/001",
        "/tile/entries/000.p/2",
        "/tile/0/000.p/2",
        "/tile/8/-1/000",
        "/tile/9/0/000",
        "/tile/8/../../signer.key",
        "/tile/8/data/../../signer.key",
        "/tile/8/0/%2e%2e/%2e%2e/signer.key",
        "/tile/..%2f..%2fsigner.key",
        "/tile/8/0/000/",
        "/tile/8/0/18446744073709551615",
        "/tile/8/99/000",
        "/tile/8/data/x000/000",
        "/lookup/../signer.key",
        "/lookup/example.com/Upper@v1.0.0",
        "/lookup/nope",
        "/lookup/example.net/pad/g0000@v1.0.0%00",
        "/signer.key",
        "/config.json",
        "/index.redb",
        "/sumdb/other.name/supported",
    ];
    for p in paths {
        let (status, body) = get(&format!("{}{p}", server.url));
        assert!(status == 400 || status == 404, "{p}: {status}");
        assert!(
            !String::from_utf8_lossy(&body).contains(secret.trim()),
            "{p} leaked the key"
        );
    }
    // The canonical forms of the same tiles work.
    assert_eq!(get(&format!("{}/tile/8/0/000.p/1", server.url)).0, 200);
    assert_eq!(get(&format!("{}/tile/0/000.p/1", server.url)).0, 200);
    assert_eq!(get(&format!("{}/tile/entries/000.p/1", server.url)).0, 200);
    assert_eq!(
        get(&format!(
            "{}/lookup/example.net/pad/g0000@v1.0.0",
            server.url
        ))
        .0,
        200
    );

    // Still alive, no panic.
    assert!(try_get(&format!("{}/healthz", server.url)).is_ok_and(|(s, _)| s == 200));
    let metrics = String::from_utf8(get(&format!("{}/metrics", server.url)).1).expect("utf8");
    assert!(metrics.contains("lockproof_log_tree_size 1"), "{metrics}");
    assert!(metrics.contains("code=\"401\""), "{metrics}");
    assert!(
        !server.stderr_text().contains("panicked"),
        "{}",
        server.stderr_text()
    );
}

#[test]
fn a_server_without_a_token_refuses_writes() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let dir = h.join("log");
    init_log(h, &dir, "ro.test", None);
    let server = Server::start(h, &dir, &[]);
    let (status, _) = post(
        &format!("{}/lockproof/v1/add", server.url),
        pad_record("x", 0).as_bytes(),
        Some("anything"),
    );
    assert_eq!(status, 403);
    assert_eq!(size(&server.url), 0);
}

/// Sends only the headers of a POST announcing `len` body bytes; returns the status code.
fn raw_post_status(url: &str, path: &str, len: usize, token: Option<&str>) -> u16 {
    use std::io::{Read as _, Write as _};
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: {len}\r\n\r\n"
    )
    .expect("send");
    s.write_all(b"partial body").expect("send");
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).expect("read");
    let line = String::from_utf8_lossy(&buf[..n]);
    line.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad response {line:?}"))
}
