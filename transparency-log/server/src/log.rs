//! The [`Log`] handle: create, open (with crash recovery) and append. Its read side (lookups,
//! tiles, proofs) is in `reads.rs`.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use lockproof_tlog::{
    Checkpoint, EMPTY_TREE_HASH, KeyName, Record, SignerKey, Tree, VerifierKey, format_tree_note,
};

use crate::dir::{DirStorage, ensure_dir, write_file_atomic};
use crate::edge::Edge;
use crate::index::Index;
use crate::metrics::Metrics;
use crate::recovery::{
    CONFIG_FILE, Config, FORMAT, ReadOnlyDir, catch_up_index, read_config, read_published,
    read_records, remove_tiles_beyond, restrict_permissions,
};
use crate::sequencer::{self, Job, Writer};
use crate::storage::Storage;
use crate::tiletrees::TileTrees;
use crate::{Error, MAX_BATCH_RECORDS};

const SIGNER_FILE: &str = "signer.key";
const INDEX_FILE: &str = "index.redb";
const LOCK_FILE: &str = "lock";

/// A published (signed and durable) checkpoint of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Tree size and root hash.
    pub tree: Tree,
    /// The signed sumdb tree note (`go.sum database tree\n<N>\n<root>\n` + signature), as served
    /// at `/latest` and inside every `/lookup`.
    pub note: Vec<u8>,
    /// The signed C2SP checkpoint (origin = the log's name), as served at `/checkpoint`.
    pub checkpoint: Vec<u8>,
}

/// What happened to one record of an [`Log::add`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddStatus {
    /// Newly appended at this index.
    Added(u64),
    /// The identical record was already logged at this index (a no-op).
    Exists(u64),
}

impl AddStatus {
    /// The record's leaf index either way.
    #[must_use]
    pub fn index(self) -> u64 {
        match self {
            AddStatus::Added(i) | AddStatus::Exists(i) => i,
        }
    }
}

/// The answer to an [`Log::add`] call, given only once a checkpoint covering every record is
/// durable and published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddOutcome {
    /// The size of the published checkpoint that covers the records.
    pub size: u64,
    /// One status per input record, in input order.
    pub results: Vec<AddStatus>,
}

/// Summary of a log for `lockproof log status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The log directory.
    pub dir: PathBuf,
    /// The verifier key (`<name>+<id>+<key>`).
    pub vkey: String,
    /// Latest published tree.
    pub tree: Tree,
    /// Keys in the index.
    pub indexed_keys: u64,
}

/// Everything readers and the sequencer share.
pub(crate) struct Shared {
    pub(crate) dir: PathBuf,
    pub(crate) name: KeyName,
    pub(crate) vkey: VerifierKey,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) index: Index,
    pub(crate) published: RwLock<Arc<Published>>,
    /// Records of index entries a read-only handle found missing from the index.
    pub(crate) extra_keys: HashMap<String, (u64, String)>,
    pub(crate) metrics: Metrics,
    /// Hash tiles expanded for proofs: the full ones, and the right edge of the latest tree.
    pub(crate) tile_trees: TileTrees,
}

impl Shared {
    /// The shared state of a log opened at `dir` whose latest checkpoint is `published`.
    fn new(
        dir: &Path,
        vkey: VerifierKey,
        storage: Arc<dyn Storage>,
        index: Index,
        published: Published,
        extra_keys: HashMap<String, (u64, String)>,
    ) -> Arc<Shared> {
        let metrics = Metrics::default();
        metrics.set_size(published.tree.size);
        Arc::new(Shared {
            dir: dir.to_path_buf(),
            name: vkey.name().clone(),
            vkey,
            storage,
            index,
            published: RwLock::new(Arc::new(published)),
            extra_keys,
            metrics,
            tile_trees: TileTrees::default(),
        })
    }
}

/// A log stored in a local directory, opened in-process.
///
/// Cloning is cheap and shares the same log. A handle from [`Log::open`] owns the log's lock and
/// its sequencer thread (stopped when the last clone is dropped); one from
/// [`Log::open_read_only`] can only read.
///
/// # Example
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use lockproof_log::Log;
/// let dir = tempfile::tempdir()?;
/// let vkey = Log::init(dir.path(), "log.example.com", None)?;
/// let log = Log::open(dir.path())?;
/// let rec = lockproof_tlog::Record::parse(b"cargo/serde 1.0.0 sha256:0000000000000000000000000000000000000000000000000000000000000000\n")?;
/// let outcome = log.add(vec![rec.clone()])?;
/// assert_eq!(outcome.size, 1);
/// let (index, text) = log.lookup(rec.key())?.expect("logged");
/// assert_eq!((index, text.as_str()), (0, rec.text()));
/// assert!(vkey.to_string().starts_with("log.example.com+"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Log {
    pub(crate) shared: Arc<Shared>,
    writer: Option<Arc<Writer>>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("dir", &self.shared.dir)
            .finish_non_exhaustive()
    }
}

impl Log {
    /// Creates a new, empty log in `dir` (which must not exist or be empty) named `name`,
    /// signing with `signer` (a fresh Ed25519 key if `None`), and publishes the size-0
    /// checkpoint. Returns the verifier key clients need.
    ///
    /// # Errors
    /// [`Error::Directory`] if `dir` is not empty or the key's name differs from `name`;
    /// [`Error::Tlog`] for an invalid name; [`Error::Io`].
    pub fn init(dir: &Path, name: &str, signer: Option<SignerKey>) -> Result<VerifierKey, Error> {
        let name = KeyName::new(name)?;
        let signer = match signer {
            Some(s) => s,
            None => lockproof_tlog::generate_key(name.clone())?.0,
        };
        if signer.name() != &name {
            return Err(Error::Directory {
                path: dir.to_path_buf(),
                reason: format!(
                    "the signer key is named {:?}, not {:?}",
                    signer.name().as_str(),
                    name.as_str()
                ),
            });
        }
        if dir.exists() {
            let mut entries = fs::read_dir(dir).map_err(|e| Error::io("list", dir, e))?;
            if entries.next().is_some() {
                return Err(Error::Directory {
                    path: dir.to_path_buf(),
                    reason: "already exists and is not empty; refusing to create a log there"
                        .into(),
                });
            }
        }
        ensure_dir(dir)?;
        let vkey = signer.verifier_key();
        let key_path = dir.join(SIGNER_FILE);
        write_file_atomic(
            &key_path,
            format!("{}\n", signer.to_private_text()).as_bytes(),
        )?;
        restrict_permissions(&key_path)?;
        let config = Config {
            format: FORMAT.into(),
            name: name.as_str().into(),
            vkey: vkey.to_string(),
        };
        let json = serde_json::to_vec_pretty(&config)
            .map_err(|e| Error::Corrupt(format!("serialising config: {e}")))?;
        let storage = DirStorage::open(dir)?;
        Index::open(&dir.join(INDEX_FILE))?;
        let published = sign_tree(
            &signer,
            Tree {
                size: 0,
                hash: EMPTY_TREE_HASH,
            },
        )?;
        storage.write_checkpoint(&published.note)?;
        // config.json last: a directory without it is not a log, so a crash during init leaves
        // something `init` can be retried on after removing it.
        write_file_atomic(&dir.join(CONFIG_FILE), &json)?;
        Ok(vkey)
    }

    /// Opens the log in `dir` for reading and appending: takes its lock (one writer per log),
    /// recovers from any crash (see below) and starts the sequencer.
    ///
    /// Recovery: the durable checkpoint is the truth. Tiles beyond it (from a batch that was
    /// never acknowledged) are deleted, the in-memory edge is reloaded and its root checked
    /// against the checkpoint, and index entries missing for records below the checkpoint size
    /// are rebuilt from the data tiles.
    ///
    /// # Errors
    /// [`Error::Directory`] if `dir` is not a log or another process holds it;
    /// [`Error::Corrupt`] if the stored tiles do not match the signed checkpoint; [`Error::Io`].
    pub fn open(dir: &Path) -> Result<Log, Error> {
        Self::open_inner(dir, || Ok(Arc::new(DirStorage::open(dir)?)))
    }

    /// Like [`Log::open`], with the tiles and checkpoint in `storage` instead of the directory
    /// (which still holds the config, signer key, key index and lock). This is the seam for
    /// other backends, e.g. an S3-compatible object store, and for tests that inject failures.
    ///
    /// # Errors
    /// As [`Log::open`].
    pub fn open_with_storage(dir: &Path, storage: Arc<dyn Storage>) -> Result<Log, Error> {
        Self::open_inner(dir, || Ok(storage))
    }

    /// Opens the log; `make_storage` runs only once the lock is held.
    fn open_inner(
        dir: &Path,
        make_storage: impl FnOnce() -> Result<Arc<dyn Storage>, Error>,
    ) -> Result<Log, Error> {
        let (config, vkey) = read_config(dir)?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io("open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::Directory {
                    path: dir.to_path_buf(),
                    reason: "in use by another lockproof process (a running `log serve`?)".into(),
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(Error::io("lock", &lock_path, e)),
        }
        let signer_path = dir.join(SIGNER_FILE);
        let signer_text = fs::read(&signer_path).map_err(|e| Error::io("read", &signer_path, e))?;
        let signer = SignerKey::parse_file(&signer_text)?;
        if signer.verifier_key() != vkey {
            return Err(Error::Directory {
                path: dir.to_path_buf(),
                reason: format!("{SIGNER_FILE} does not match the verifier key in {CONFIG_FILE}"),
            });
        }
        let storage = make_storage()?;
        let index = Index::open(&dir.join(INDEX_FILE))?;
        let published = read_published(storage.as_ref(), &vkey, &config, Some(&signer))?;
        let size = published.tree.size;
        remove_tiles_beyond(storage.as_ref(), size)?;
        let edge = Edge::load(storage.as_ref(), size)?;
        if edge.tree_hash()? != published.tree.hash {
            return Err(Error::Corrupt(format!(
                "the stored tiles do not hash to the signed checkpoint root at size {size}"
            )));
        }
        let shared = Shared::new(dir, vkey, storage, index, published, HashMap::new());
        catch_up_index(&shared, size)?;
        let writer = sequencer::start(Arc::clone(&shared), signer, edge, lock)?;
        Ok(Log {
            shared,
            writer: Some(Arc::new(writer)),
        })
    }

    /// Opens the log in `dir` for reading only (no lock, no recovery, no sequencer), e.g. for
    /// `lockproof verify --log "<vkey> /dir"`. Records the index has not caught up with are
    /// found by scanning the data tiles.
    ///
    /// # Errors
    /// [`Error::Directory`] if `dir` is not a log; [`Error::Corrupt`]; [`Error::Io`]. An index
    /// that cannot be opened (held by a running server, or not closed cleanly) is not an error:
    /// the handle then reads every record into memory at open, which takes longer.
    pub fn open_read_only(dir: &Path) -> Result<Log, Error> {
        let (config, vkey) = read_config(dir)?;
        let storage: Arc<dyn Storage> = Arc::new(ReadOnlyDir(DirStorage::at(dir)));
        // The index is a cache of the data tiles: if it cannot be opened (a running server
        // holds it, or a crash left it for the next writer to repair), index the records here.
        let index = match Index::open_read_only(&dir.join(INDEX_FILE)) {
            Ok(index) => index,
            Err(_) => Index::empty_in_memory()?,
        };
        let published = read_published(storage.as_ref(), &vkey, &config, None)?;
        let size = published.tree.size;
        let mut extra_keys = HashMap::new();
        let from = index.indexed_size()?.min(size);
        for (i, rec) in read_records(storage.as_ref(), size, from, size)? {
            extra_keys.insert(rec.key().lookup_path(), (i, rec.text().to_owned()));
        }
        let shared = Shared::new(dir, vkey, storage, index, published, extra_keys);
        Ok(Log {
            shared,
            writer: None,
        })
    }

    /// The log's name (its key name and C2SP origin).
    #[must_use]
    pub fn name(&self) -> &KeyName {
        &self.shared.name
    }

    /// The verifier key clients use for this log.
    #[must_use]
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.shared.vkey
    }

    /// The latest published checkpoint (a snapshot; later appends publish new ones).
    #[must_use]
    pub fn checkpoint(&self) -> Arc<Published> {
        match self.shared.published.read() {
            Ok(p) => Arc::clone(&p),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The server's metrics.
    #[must_use]
    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    /// Appends `records` and returns once a checkpoint covering all of them is durable and
    /// published. Records already logged with identical text are no-ops ([`AddStatus::Exists`]).
    /// Large inputs are split into batches of at most [`MAX_BATCH_RECORDS`]; each batch is
    /// all-or-nothing.
    ///
    /// Must not be called from inside an async runtime (use [`Log::add_async`]).
    ///
    /// # Errors
    /// [`Error::Conflict`] if a record's key already holds a different record (nothing of that
    /// batch is appended); [`Error::Stopped`] for a read-only handle or a failed sequencer;
    /// storage errors.
    pub fn add(&self, records: Vec<Record>) -> Result<AddOutcome, Error> {
        let mut out = AddOutcome {
            size: 0,
            results: Vec::with_capacity(records.len()),
        };
        let mut rest = records;
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(MAX_BATCH_RECORDS));
            let (job, rx) = Job::new(rest);
            self.writer()?.submit_blocking(job)?;
            let part = rx
                .blocking_recv()
                .map_err(|_| Error::Stopped("the sequencer dropped the request".into()))??;
            out.size = part.size;
            out.results.extend(part.results);
            rest = tail;
        }
        if out.results.is_empty() {
            out.size = self.checkpoint().tree.size;
        }
        Ok(out)
    }

    /// [`Log::add`] for async callers (the HTTP server); at most [`MAX_BATCH_RECORDS`] records.
    ///
    /// # Errors
    /// As [`Log::add`]; [`Error::BadRequest`] for too many records.
    pub async fn add_async(&self, records: Vec<Record>) -> Result<AddOutcome, Error> {
        if records.len() > MAX_BATCH_RECORDS {
            return Err(Error::BadRequest(format!(
                "{} records in one request; at most {MAX_BATCH_RECORDS}",
                records.len()
            )));
        }
        if records.is_empty() {
            return Ok(AddOutcome {
                size: self.checkpoint().tree.size,
                results: Vec::new(),
            });
        }
        let (job, rx) = Job::new(records);
        self.writer()?.submit(job).await?;
        rx.await
            .map_err(|_| Error::Stopped("the sequencer dropped the request".into()))?
    }

    fn writer(&self) -> Result<&Writer, Error> {
        self.writer
            .as_deref()
            .ok_or_else(|| Error::Stopped("the log was opened read-only".into()))
    }

    /// Loads the key index into memory (see the `keytable` module: a complete in-memory copy,
    /// within a byte budget of 1 GiB or `LOCKPROOF_LOG_MEMORY_INDEX_BYTES`), after which
    /// lookups and dedup checks no longer read the B-tree. Lookups are answered from the
    /// B-tree meanwhile and whenever the log outgrows the budget. [`http::router`] starts this
    /// on a background thread. Returns whether the copy is complete; a second call does
    /// nothing.
    ///
    /// [`http::router`]: crate::http::router
    ///
    /// # Errors
    /// [`Error::Index`] if the index cannot be read (reads then stay on the B-tree).
    pub fn load_memory_index(&self) -> Result<bool, Error> {
        self.shared.index.load_table(|| true)
    }

    /// [`Log::load_memory_index`] on a background thread that holds only the shared state (not
    /// the writer). It gives up as soon as it holds the last reference, so a dropped log's
    /// index is closed within a few thousand keys' time. If the thread cannot be spawned,
    /// reads simply stay on the B-tree.
    pub(crate) fn spawn_memory_index_load(&self) {
        let shared = Arc::clone(&self.shared);
        let _ = std::thread::Builder::new()
            .name("lockproof-index-load".into())
            .spawn(move || shared.index.load_table(|| Arc::strong_count(&shared) > 1));
    }

    /// A summary for `lockproof log status`.
    ///
    /// # Errors
    /// [`Error::Index`].
    pub fn status(&self) -> Result<Status, Error> {
        Ok(Status {
            dir: self.shared.dir.clone(),
            vkey: self.shared.vkey.to_string(),
            tree: self.checkpoint().tree,
            indexed_keys: self.shared.index.len()?,
        })
    }

    pub(crate) fn storage(&self) -> &dyn Storage {
        self.shared.storage.as_ref()
    }

    pub(crate) fn index(&self) -> &Index {
        &self.shared.index
    }
}

/// Signs the sumdb tree note and the C2SP checkpoint for `tree`.
pub(crate) fn sign_tree(signer: &SignerKey, tree: Tree) -> Result<Published, Error> {
    let note = lockproof_tlog::sign(&format_tree_note(&tree), &[signer])?;
    let cp = Checkpoint::new(signer.name().as_str(), tree, Vec::new())?;
    let checkpoint = lockproof_tlog::sign(&cp.to_text(), &[signer])?;
    Ok(Published {
        tree,
        note,
        checkpoint,
    })
}
