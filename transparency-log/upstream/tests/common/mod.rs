//! A tiny HTTP/1.1 server on 127.0.0.1:0 that serves canned responses, for fetcher tests.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One canned response.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }
    pub fn slow(body: impl Into<Vec<u8>>, delay: Duration) -> Self {
        Self {
            status: 200,
            body: body.into(),
            delay,
        }
    }
}

/// A running server: its base URL and the request lines (path + Accept header) it saw.
pub struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

/// A request the server saw: its path and its Accept header.
pub type Seen = (String, Option<String>);

/// Serve `routes` (path → reply); unknown paths get 404. The server thread lives as long as
/// the test process.
pub fn serve(routes: HashMap<String, Reply>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let routes = routes.clone();
            let seen = Arc::clone(&seen2);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                let path = request_line.split(' ').nth(1).unwrap_or("").to_string();
                let mut accept = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
                        break;
                    }
                    if let Some(v) = line
                        .strip_prefix("Accept: ")
                        .or_else(|| line.strip_prefix("accept: "))
                    {
                        accept = Some(v.trim().to_string());
                    }
                }
                seen.lock().expect("lock").push((path.clone(), accept));
                let reply = routes.get(&path).cloned().unwrap_or(Reply::status(404));
                std::thread::sleep(reply.delay);
                let head = format!(
                    "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.status,
                    reply.body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&reply.body);
            });
        }
    });
    Server { base, seen }
}

pub fn fixture(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/upstream")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
