//! Fetcher-test support: the shared fake registry and the real-format fixture files.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;

#[path = "../fake_registry/mod.rs"]
mod fake_registry;

pub use fake_registry::{FakeRegistry, Reply};

/// Serve `routes` (path → reply); unknown paths get 404.
pub fn serve(routes: HashMap<String, Reply>) -> FakeRegistry {
    FakeRegistry::serving(routes)
}

/// A file of fixtures/upstream.
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/upstream")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
