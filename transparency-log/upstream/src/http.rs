//! A small blocking HTTP(S) getter with a timeout and a size cap on every body.
//!
//! `file://` URLs are read from disk with the same cap, so a `file://` GOPROXY or a fixture
//! directory works like a server.

use std::io::Read;
use std::time::Duration;

use crate::Error;

/// Settings shared by every fetcher.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Whole-request timeout: connect, send, and read the full body.
    pub timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Root certificates to trust instead of the built-in Mozilla set (for example the system
    /// bundle named by `SSL_CERT_FILE`, behind a TLS-intercepting proxy). `None`: Mozilla's.
    pub root_certificates: Option<RootCertificates>,
}

/// A set of trusted root certificates, parsed from PEM.
#[derive(Clone)]
pub struct RootCertificates(Vec<ureq::tls::Certificate<'static>>);

impl std::fmt::Debug for RootCertificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RootCertificates({} certificates)", self.0.len())
    }
}

impl RootCertificates {
    /// The certificates of a PEM bundle (other PEM items are skipped).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when the PEM is malformed or holds no certificate.
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::InvalidRequest(format!("root certificates: {e}")));
                }
            }
        }
        if certs.is_empty() {
            return Err(Error::InvalidRequest(
                "root certificates: no certificate in the PEM data".into(),
            ));
        }
        Ok(Self(certs))
    }

    /// A TLS configuration that trusts exactly these roots.
    pub fn tls_config(&self) -> ureq::tls::TlsConfig {
        ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&self.0))
            .build()
    }

    /// How many certificates the set holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty (never, for a set from [`RootCertificates::from_pem`]).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            user_agent: concat!("lockproof/", env!("CARGO_PKG_VERSION")).to_string(),
            root_certificates: None,
        }
    }
}

/// A keep-alive HTTP client; cheap to clone and safe to share between threads.
#[derive(Debug, Clone)]
pub struct Http {
    agent: ureq::Agent,
}

impl Http {
    /// A client with the given settings.
    pub fn new(config: &HttpConfig) -> Self {
        let mut builder = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .user_agent(config.user_agent.as_str());
        if let Some(roots) = &config.root_certificates {
            builder = builder.tls_config(roots.tls_config());
        }
        let agent = builder.build().into();
        Self { agent }
    }

    /// GET `url` and return its body, or `None` when the server says the resource does not
    /// exist (404 or 410).
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] on connection failures and timeouts, [`Error::Status`] on any other
    /// non-200 status, [`Error::TooLarge`] when the body exceeds `limit` bytes.
    pub fn get(
        &self,
        url: &str,
        accept: Option<&str>,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, Error> {
        if let Some(path) = url.strip_prefix("file://") {
            return read_file_capped(url, path, limit);
        }
        let mut req = self.agent.get(url);
        if let Some(accept) = accept {
            req = req.header("Accept", accept);
        }
        let mut resp = req.call().map_err(|e| transport(url, &e))?;
        let status = resp.status().as_u16();
        if status == 404 || status == 410 {
            return Ok(None);
        }
        if status != 200 {
            return Err(Error::Status {
                url: url.to_string(),
                status,
            });
        }
        match resp.body_mut().with_config().limit(limit).read_to_vec() {
            Ok(body) => Ok(Some(body)),
            Err(ureq::Error::BodyExceedsLimit(_)) => Err(Error::TooLarge {
                url: url.to_string(),
                limit,
            }),
            Err(e) => Err(transport(url, &e)),
        }
    }
}

fn transport(url: &str, err: &ureq::Error) -> Error {
    Error::Transport {
        url: url.to_string(),
        reason: err.to_string(),
    }
}

fn read_file_capped(url: &str, path: &str, limit: u64) -> Result<Option<Vec<u8>>, Error> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Transport {
                url: url.to_string(),
                reason: e.to_string(),
            });
        }
    };
    let mut body = Vec::new();
    // Read one byte past the cap so an exactly-at-cap file is accepted and a larger one is not.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| Error::Transport {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
    if body.len() as u64 > limit {
        return Err(Error::TooLarge {
            url: url.to_string(),
            limit,
        });
    }
    Ok(Some(body))
}

/// Join a base URL and a path with exactly one `/` between them.
pub(crate) fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}
