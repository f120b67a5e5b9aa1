//! An in-test HTTP log that serves the sumdb face and the batched lookup from an in-memory
//! tree built with `lockproof-tlog`, and lies on command.

use std::io::{BufRead as _, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lockproof_tlog::cosignature::cosign;
use lockproof_tlog::{
    Checkpoint, Hash, KeyAlgorithm, KeyName, RecordKey, SignerKey, Tile, Tree, format_tree_note,
    prove_records, prove_tree, read_tile_data, sign, stored_hashes, tree_hash,
};

/// Ways to lie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lie {
    /// Honest.
    None,
    /// Flip a byte of the log's signature.
    BadSignature,
    /// Sign with another key that has the log's name.
    UnknownKey,
    /// Serve a note whose text is not a tree note.
    MalformedNote,
    /// /lookup returns a record text that differs from the logged one (same key).
    WrongRecordText,
    /// /lookup for key i returns record i+1 (a valid record for a different key, with its id).
    OtherKey,
    /// /lookup returns a record id equal to the tree size.
    IdBeyondSize,
    /// Hash tiles lose their last byte.
    TruncatedTile,
    /// Hash tiles carry 32 extra bytes.
    OversizedTile,
    /// Sleep this long before answering anything.
    Slow(Duration),
    /// Answer with headers, then trickle the body one byte at a time, forever.
    Endless,
    /// Batched lookups: corrupt the first inclusion proof.
    BadInclusion,
}

/// The state a fake log serves.
pub struct FakeLog {
    pub records: Vec<String>,
    pub hashes: Vec<Hash>,
    pub signer: SignerKey,
    pub lie: Lie,
    pub batch: bool,
    pub witnesses: Vec<SignerKey>,
    /// What `/checkpoint` serves (404 when `None`).
    pub c2sp: Option<C2sp>,
    /// Sign the sumdb note, and answer lookups, at this earlier size: the log has grown to all
    /// of `records` since, as its tiles and `/checkpoint` already show.
    pub note_size: Option<u64>,
}

/// A C2SP checkpoint served at `/checkpoint`, signed by the log key and cosigned by
/// `witnesses`, for the log's tree unless `size` names an earlier one. The first `lag`
/// requests get the tree one record smaller (witnesses not caught up yet).
pub struct C2sp {
    pub origin: String,
    pub size: Option<u64>,
    pub witnesses: Vec<SignerKey>,
    pub lag: std::sync::atomic::AtomicUsize,
}

impl FakeLog {
    /// A log named `name` with a deterministic key from `seed`.
    pub fn new(name: &str, seed: u8, records: &[String]) -> Self {
        let signer = SignerKey::from_seed(KeyName::new(name).unwrap(), [seed; 32]);
        let mut f = FakeLog {
            records: Vec::new(),
            hashes: Vec::new(),
            signer,
            lie: Lie::None,
            batch: false,
            witnesses: Vec::new(),
            c2sp: None,
            note_size: None,
        };
        f.set_records(records);
        f
    }

    /// Replace the whole tree.
    pub fn set_records(&mut self, records: &[String]) {
        self.records = records.to_vec();
        self.hashes.clear();
        for (n, r) in records.iter().enumerate() {
            let h = stored_hashes(n as u64, r.as_bytes(), &self.hashes).unwrap();
            self.hashes.extend(h);
        }
    }

    /// The verifier key text.
    pub fn vkey(&self) -> String {
        self.signer.verifier_key().to_string()
    }

    /// A cosignature/v1 witness key from `seed`, added to the witnesses that cosign.
    pub fn add_witness(&mut self, name: &str, seed: u8) -> String {
        let k = SignerKey::from_seed_with(
            KeyName::new(name).unwrap(),
            KeyAlgorithm::CosignatureV1,
            [seed; 32],
        );
        let v = k.verifier_key().to_string();
        self.witnesses.push(k);
        v
    }

    /// A cosignature/v1 verifier key from `seed` that is NOT added to this log's cosigners.
    pub fn witness_vkey(&self, name: &str, seed: u8) -> String {
        SignerKey::from_seed_with(
            KeyName::new(name).unwrap(),
            KeyAlgorithm::CosignatureV1,
            [seed; 32],
        )
        .verifier_key()
        .to_string()
    }

    fn tree(&self) -> Tree {
        let size = self.note_size.unwrap_or(self.records.len() as u64);
        Tree {
            size,
            hash: tree_hash(size, &self.hashes).unwrap(),
        }
    }

    fn note(&self) -> Vec<u8> {
        let tree = self.tree();
        let text = if self.lie == Lie::MalformedNote {
            format!("go.sum database tree\n{}\nnot-a-hash\n", tree.size)
        } else {
            format_tree_note(&tree)
        };
        let signer = if self.lie == Lie::UnknownKey {
            SignerKey::from_seed(self.signer.name().clone(), [0xEE; 32])
        } else {
            self.signer.clone()
        };
        let mut note = sign(&text, &[&signer]).unwrap();
        if self.lie == Lie::BadSignature {
            // The signature is the base64 after the last space; change one character of it.
            let s = String::from_utf8(note).unwrap();
            let i = s.len() - 12;
            let mut b = s.into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            note = b;
        }
        if !self.witnesses.is_empty() && self.lie != Lie::MalformedNote {
            let cp = Checkpoint::parse(&text).unwrap();
            let mut s = String::from_utf8(note).unwrap();
            for w in &self.witnesses {
                let sig = cosign(&cp, w, 1_700_000_000).unwrap();
                s.push_str(&sig.to_line());
                if !s.ends_with('\n') {
                    s.push('\n');
                }
            }
            note = s.into_bytes();
        }
        note
    }

    /// The signed, cosigned C2SP checkpoint, if this log serves one.
    fn c2sp_checkpoint(&self) -> Option<Vec<u8>> {
        let c = self.c2sp.as_ref()?;
        let mut size = c.size.unwrap_or(self.records.len() as u64);
        let lagging = c.lag.fetch_update(
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
            |n| n.checked_sub(1),
        );
        if lagging.is_ok() {
            size -= 1;
        }
        let tree = Tree {
            size,
            hash: tree_hash(size, &self.hashes).unwrap(),
        };
        let cp = Checkpoint::new(&c.origin, tree, Vec::new()).unwrap();
        let mut note = String::from_utf8(sign(&cp.to_text(), &[&self.signer]).unwrap()).unwrap();
        for w in &c.witnesses {
            note.push_str(&cosign(&cp, w, 1_700_000_000).unwrap().to_line());
        }
        Some(note.into_bytes())
    }

    fn index_of(&self, key: &str) -> Option<usize> {
        self.records.iter().position(|r| {
            lockproof_tlog::Record::parse(r.as_bytes())
                .map(|rec| rec.key().lookup_path() == key)
                .unwrap_or(false)
        })
    }

    fn respond(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let path = path.trim_start_matches('/');
        if method == "POST" && path == "lockproof/v1/lookups" {
            return if self.batch {
                self.batch_answer(body)
            } else {
                (404, b"not found".to_vec())
            };
        }
        if path == "latest" {
            return (200, self.note());
        }
        if path == "checkpoint" {
            return match self.c2sp_checkpoint() {
                Some(note) => (200, note),
                None => (404, b"not found".to_vec()),
            };
        }
        if let Some(key) = path.strip_prefix("lookup/") {
            let Some(i) = self.index_of(key) else {
                return (404, b"not found".to_vec());
            };
            let (mut id, mut rec) = (i as u64, self.records[i].clone());
            match self.lie {
                Lie::OtherKey => {
                    let j = (i + 1) % self.records.len();
                    id = j as u64;
                    rec = self.records[j].clone();
                }
                Lie::IdBeyondSize => id = self.records.len() as u64,
                _ => {}
            }
            if self.lie == Lie::WrongRecordText {
                // Same key, different digest: flip the last hex digit.
                let mut b = self.records[i].clone().into_bytes();
                let k = b.len() - 2;
                b[k] = if b[k] == b'0' { b'1' } else { b'0' };
                rec = String::from_utf8(b).unwrap();
            }
            let mut out = format!("{id}\n{rec}\n").into_bytes();
            out.extend(self.note());
            return (200, out);
        }
        if path.starts_with("tile/") {
            let Ok(tile) = Tile::parse_path(path) else {
                return (404, Vec::new());
            };
            let size = self.records.len() as u64;
            let tiles = lockproof_tlog::tree_tiles(8, size).unwrap();
            if !tiles
                .iter()
                .any(|t| t.level == tile.level && t.n == tile.n && t.width >= tile.width)
            {
                return (404, b"not found".to_vec());
            }
            let mut data = read_tile_data(&tile, &self.hashes).unwrap();
            match self.lie {
                Lie::TruncatedTile => {
                    data.pop();
                }
                Lie::OversizedTile => data.extend([0u8; 32]),
                _ => {}
            }
            return (200, data);
        }
        (404, b"not found".to_vec())
    }

    fn batch_answer(&self, body: &[u8]) -> (u16, Vec<u8>) {
        let req: serde_json::Value = serde_json::from_slice(body).unwrap();
        let tree = self.tree();
        let old = req["old_size"].as_u64().unwrap_or(0);
        let consistency: Vec<String> = if old == 0 || old >= tree.size {
            Vec::new()
        } else {
            prove_tree(tree.size, old, &self.hashes)
                .unwrap()
                .0
                .iter()
                .map(Hash::to_base64)
                .collect()
        };
        let mut results = Vec::new();
        let mut first = true;
        for k in req["keys"].as_array().unwrap() {
            let k = k.as_str().unwrap();
            RecordKey::parse_lookup_path(k).unwrap();
            match self.index_of(k) {
                None => results.push(serde_json::json!({"key": k, "status": "missing"})),
                Some(i) => {
                    let mut proof: Vec<String> =
                        prove_records(tree.size, &[i as u64], &self.hashes).unwrap()[0]
                            .0
                            .iter()
                            .map(Hash::to_base64)
                            .collect();
                    if self.lie == Lie::BadInclusion && first {
                        proof[0] = Hash([7; 32]).to_base64();
                        first = false;
                    }
                    results.push(serde_json::json!({"key": k, "status": "found", "index": i, "record": self.records[i], "inclusion": proof}));
                }
            }
        }
        let resp = serde_json::json!({
            "checkpoint": String::from_utf8(self.note()).unwrap(),
            "consistency": consistency,
            "results": results,
        });
        (200, serde_json::to_vec(&resp).unwrap())
    }
}

/// A running fake server; the log can be changed between requests.
pub struct Server {
    pub url: String,
    pub log: Arc<Mutex<FakeLog>>,
    pub requests: Arc<Mutex<Vec<String>>>,
}

/// Serve `log` on 127.0.0.1 with a port chosen by the OS, one thread per connection.
pub fn serve(log: FakeLog) -> Server {
    serve_with(log, "http", Ok)
}

/// Like [`serve`], over HTTPS with the certificate chain and key of `tls`.
pub fn serve_tls(log: FakeLog, tls: Arc<rustls::ServerConfig>) -> Server {
    serve_with(log, "https", move |tcp| {
        let conn =
            rustls::ServerConnection::new(Arc::clone(&tls)).map_err(std::io::Error::other)?;
        Ok(rustls::StreamOwned::new(conn, tcp))
    })
}

fn serve_with<S: Read + Write + 'static>(
    log: FakeLog,
    scheme: &str,
    wrap: impl Fn(TcpStream) -> std::io::Result<S> + Send + Sync + 'static,
) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("{scheme}://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(log));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (l2, r2) = (Arc::clone(&log), Arc::clone(&requests));
    let wrap = Arc::new(wrap);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (l3, r3, w3) = (Arc::clone(&l2), Arc::clone(&r2), Arc::clone(&wrap));
            std::thread::spawn(move || {
                let _ = w3(stream).and_then(|s| handle(s, &l3, &r3));
            });
        }
    });
    Server { url, log, requests }
}

fn handle(
    stream: impl Read + Write,
    log: &Mutex<FakeLog>,
    requests: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            if h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body)?;
        requests.lock().unwrap().push(format!("{method} {path}"));
        let (lie, (status, data)) = {
            let l = log.lock().unwrap();
            (l.lie.clone(), l.respond(&method, &path, &body))
        };
        if let Lie::Slow(d) = lie {
            std::thread::sleep(d);
        }
        if lie == Lie::Endless {
            reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")?;
            loop {
                reader.get_mut().write_all(b"x")?;
                reader.get_mut().flush()?;
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
            data.len()
        );
        reader.get_mut().write_all(head.as_bytes())?;
        reader.get_mut().write_all(&data)?;
        reader.get_mut().flush()?;
    }
}
