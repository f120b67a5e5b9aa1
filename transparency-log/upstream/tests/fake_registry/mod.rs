//! A fake package registry for tests: a tiny HTTP/1.1 server on 127.0.0.1:0 that answers each
//! path with a canned [`Reply`] (unknown paths get 404), whose answers can change during a test,
//! and which records every request's path and `Accept` header.
//!
//! Shared by the upstream and mirror crates' tests (`#[path = …] mod fake_registry;`).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One canned response.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self::slow(body, Duration::ZERO)
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

/// A request the registry saw: its path and its `Accept` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub path: String,
    pub accept: Option<String>,
}

/// A running fake registry. Its thread lives as long as the test process.
#[derive(Clone)]
pub struct FakeRegistry {
    pub base: String,
    pub routes: Arc<Mutex<HashMap<String, Reply>>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeRegistry {
    /// Start an empty registry (every path is 404 until [`FakeRegistry::set`]).
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let (r2, s2) = (Arc::clone(&routes), Arc::clone(&seen));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (routes, seen) = (Arc::clone(&r2), Arc::clone(&s2));
                std::thread::spawn(move || answer(stream, &routes, &seen));
            }
        });
        Self { base, routes, seen }
    }

    /// Start a registry that serves `routes`.
    pub fn serving(routes: HashMap<String, Reply>) -> Self {
        let registry = Self::start();
        registry.routes.lock().unwrap().extend(routes);
        registry
    }

    /// Answer `path` with `reply` from now on.
    pub fn set(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_owned(), reply);
    }

    /// How many requests the registry has seen.
    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// How many requests for `path` the registry has seen.
    pub fn requests_for(&self, path: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .count()
    }
}

fn answer(
    mut stream: std::net::TcpStream,
    routes: &Mutex<HashMap<String, Reply>>,
    seen: &Mutex<Vec<Seen>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
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
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("accept")
        {
            accept = Some(value.trim().to_string());
        }
    }
    seen.lock().unwrap().push(Seen {
        path: path.clone(),
        accept,
    });
    let reply = routes
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or(Reply::status(404));
    std::thread::sleep(reply.delay);
    let head = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.status,
        reply.body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&reply.body);
}
