//! `verify` against a log served over HTTPS under a private CA: trusted through the PEM bundle
//! `SSL_CERT_FILE` names (as the registry client of mirror mode is), refused without it.

#[path = "support/mod.rs"]
mod support;
#[path = "verify_util/mod.rs"]
mod verify_util;

use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use verify_util::fake::{FakeLog, Server, serve_tls};
use verify_util::{cargo_lock, text};

const NAME: &str = "tls.test/log";

/// The test server's certificate (for 127.0.0.1, issued by `fixtures/tls/ca.pem`) and key.
fn server_config() -> Arc<rustls::ServerConfig> {
    let certs = CertificateDer::pem_file_iter(support::fixture("tls/server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(support::fixture("tls/server.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    Arc::new(config)
}

struct Case {
    home: tempfile::TempDir,
    server: Server,
}

fn setup() -> Case {
    let home = tempfile::tempdir().unwrap();
    let (lock, records) = cargo_lock(5);
    std::fs::write(home.path().join("Cargo.lock"), lock).unwrap();
    let server = serve_tls(FakeLog::new(NAME, 3, &records), server_config());
    Case { home, server }
}

impl Case {
    fn verify(&self, cert_file: Option<&std::path::Path>) -> std::process::Output {
        let vkey = self.server.log.lock().unwrap().vkey();
        let mut cmd = support::lockproof(self.home.path());
        cmd.current_dir(self.home.path())
            .env_remove("SSL_CERT_FILE")
            .args(["verify", "Cargo.lock", "--timeout", "5", "--log"])
            .arg(format!("{vkey} {}", self.server.url));
        if let Some(f) = cert_file {
            cmd.env("SSL_CERT_FILE", f);
        }
        cmd.output().unwrap()
    }
}

#[test]
fn verifies_through_an_https_log_whose_ca_ssl_cert_file_names() {
    let c = setup();
    assert!(c.server.url.starts_with("https://127.0.0.1:"));
    let out = c.verify(Some(&support::fixture("tls/ca.pem")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("5 matched"), "{}", text(&out));
    // The requests really went over TLS to this server.
    assert!(!c.server.requests.lock().unwrap().is_empty());
}

#[test]
fn refuses_an_https_log_whose_certificate_no_trusted_root_issued() {
    let c = setup();
    let out = c.verify(None);
    let t = text(&out);
    assert_ne!(out.status.code(), Some(0), "{t}");
    assert!(t.to_lowercase().contains("certificate"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    // Nothing was answered: the handshake failed before any request.
    assert!(c.server.requests.lock().unwrap().is_empty());
}

#[test]
fn reports_and_ignores_an_ssl_cert_file_without_certificates() {
    let c = setup();
    let bad = c.home.path().join("not-a-bundle.pem");
    std::fs::write(&bad, "not PEM\n").unwrap();
    let out = c.verify(Some(&bad));
    let t = text(&out);
    assert_ne!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("ignoring SSL_CERT_FILE"), "{t}");
    assert!(t.contains("not-a-bundle.pem"), "{t}");
}
