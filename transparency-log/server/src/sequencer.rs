//! The sequencer: one thread that owns the right edge of the tree and appends in batches.
//!
//! Requests are pooled: the thread takes every request queued since its last batch (up to
//! [`MAX_BATCH_RECORDS`] records), and per batch it
//! 1. deduplicates (same key and text → the existing index; same key, other text → conflict,
//!    and nothing of that request is appended),
//! 2. assigns indexes and computes the new hash and data tiles,
//! 3. writes them durably (temp, fsync, rename, fsync dir),
//! 4. signs the new checkpoint and replaces the stored one durably,
//! 5. updates the key index (no fsync: recovery rebuilds it from the data tiles),
//! 6. publishes the checkpoint to readers, and only then
//! 7. acknowledges every request of the batch.
//!
//! A crash before step 4 completes leaves the previous checkpoint as the truth and the batch
//! unacknowledged; recovery deletes its tiles. One size is therefore never signed with two
//! roots that anyone saw: a signature is released only after its checkpoint is durable, and a
//! durable checkpoint is never rolled back. A storage failure in steps 3–5 stops the sequencer
//! (every later request fails) so that the in-memory state can never run ahead of the disk; a
//! restart recovers.

use std::collections::HashMap;
use std::fs::File;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use lockproof_tlog::{Record, SignerKey, Tree};
use tokio::sync::{mpsc, oneshot};

use crate::edge::Edge;
use crate::log::{AddOutcome, AddStatus, Shared, sign_tree};
use crate::storage::TILE_WIDTH;
use crate::{Error, MAX_BATCH_RECORDS};

/// Requests queued before senders wait.
const QUEUE_DEPTH: usize = 4096;
/// Every this many batches the index commit is made durable (fsync), bounding recovery work.
const DURABLE_INDEX_EVERY: u64 = 64;

type Reply = oneshot::Sender<Result<AddOutcome, Error>>;

/// One append request.
pub(crate) struct Job {
    records: Vec<Record>,
    reply: Reply,
}

impl Job {
    pub(crate) fn new(records: Vec<Record>) -> (Job, oneshot::Receiver<Result<AddOutcome, Error>>) {
        let (reply, rx) = oneshot::channel();
        (Job { records, reply }, rx)
    }
}

/// The handle to the sequencer thread; dropping it stops the thread after the queued work.
pub(crate) struct Writer {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    fn sender(&self) -> Result<mpsc::Sender<Job>, Error> {
        let guard = match self.tx.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard
            .clone()
            .ok_or_else(|| Error::Stopped("the log is closing".into()))
    }

    pub(crate) fn submit_blocking(&self, job: Job) -> Result<(), Error> {
        self.sender()?
            .blocking_send(job)
            .map_err(|_| Error::Stopped("the sequencer has exited".into()))
    }

    pub(crate) async fn submit(&self, job: Job) -> Result<(), Error> {
        self.sender()?
            .send(job)
            .await
            .map_err(|_| Error::Stopped("the sequencer has exited".into()))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        let handle = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// Starts the sequencer thread. `lock` is the log's lock file, held for the thread's life.
pub(crate) fn start(
    shared: Arc<Shared>,
    signer: SignerKey,
    edge: Edge,
    lock: File,
) -> Result<Writer, Error> {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    let seq = Sequencer {
        shared,
        signer,
        edge,
        failed: None,
        batches: 0,
        _lock: lock,
    };
    let thread = std::thread::Builder::new()
        .name("lockproof-sequencer".into())
        .spawn(move || seq.run(rx))
        .map_err(|e| Error::io("spawn sequencer thread", "", e))?;
    Ok(Writer {
        tx: Mutex::new(Some(tx)),
        thread: Mutex::new(Some(thread)),
    })
}

struct Sequencer {
    shared: Arc<Shared>,
    signer: SignerKey,
    edge: Edge,
    /// Set after a storage failure; every later request gets this error.
    failed: Option<String>,
    batches: u64,
    _lock: File,
}

impl Sequencer {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let mut carry: Option<Job> = None;
        loop {
            let first = match carry.take() {
                Some(j) => j,
                None => match rx.blocking_recv() {
                    Some(j) => j,
                    None => break,
                },
            };
            let mut count = first.records.len();
            let mut jobs = vec![first];
            while count < MAX_BATCH_RECORDS {
                match rx.try_recv() {
                    Ok(j) if count + j.records.len() > MAX_BATCH_RECORDS => {
                        carry = Some(j);
                        break;
                    }
                    Ok(j) => {
                        count += j.records.len();
                        jobs.push(j);
                    }
                    Err(_) => break,
                }
            }
            self.process(jobs);
        }
        // Clean shutdown: make the index durable so the next open has nothing to rebuild.
        if self.failed.is_none() {
            let _ = self.shared.index.write(&[], &[], None, true);
        }
    }

    fn process(&mut self, jobs: Vec<Job>) {
        if let Some(msg) = &self.failed {
            for job in jobs {
                let _ = job.reply.send(Err(Error::Stopped(msg.clone())));
            }
            return;
        }
        let started = Instant::now();
        let published_size = self.edge.size;
        let mut batch_keys: HashMap<String, (u64, usize)> = HashMap::new();
        let mut new_records: Vec<Vec<u8>> = Vec::new();
        let mut new_keys: Vec<(String, u64)> = Vec::new();
        let mut answers: Vec<(Reply, Result<Vec<AddStatus>, Error>)> =
            Vec::with_capacity(jobs.len());
        let (mut duplicates, mut conflicts) = (0u64, 0u64);
        for job in jobs {
            let result = self.plan_job(
                &job.records,
                published_size,
                &mut batch_keys,
                &mut new_records,
                &mut new_keys,
            );
            match &result {
                Ok(statuses) => {
                    duplicates += statuses
                        .iter()
                        .filter(|s| matches!(s, AddStatus::Exists(_)))
                        .count() as u64;
                }
                Err(Error::Conflict { .. }) => conflicts += 1,
                Err(_) => {}
            }
            answers.push((job.reply, result));
        }
        let size = if new_records.is_empty() {
            published_size
        } else {
            match self.commit(&new_records, &new_keys) {
                Ok(size) => size,
                Err(e) => {
                    let msg = e.to_string();
                    for (reply, result) in answers {
                        let err = match result {
                            Ok(_) => Error::Stopped(format!("batch failed: {msg}")),
                            Err(e) => e,
                        };
                        let _ = reply.send(Err(err));
                    }
                    return;
                }
            }
        };
        self.shared.metrics.record_batch(
            new_records.len() as u64,
            duplicates,
            conflicts,
            started.elapsed(),
        );
        for (reply, result) in answers {
            let _ = reply.send(result.map(|results| AddOutcome { size, results }));
        }
    }

    /// Decides the fate of one request's records; on success its new records join the batch.
    fn plan_job(
        &self,
        records: &[Record],
        published_size: u64,
        batch_keys: &mut HashMap<String, (u64, usize)>,
        new_records: &mut Vec<Vec<u8>>,
        new_keys: &mut Vec<(String, u64)>,
    ) -> Result<Vec<AddStatus>, Error> {
        let mut statuses = Vec::with_capacity(records.len());
        let mut local: Vec<(String, &Record)> = Vec::new();
        let mut local_map: HashMap<String, usize> = HashMap::new();
        // Plan: every key, and their indexes from one index read transaction.
        let keys: Vec<String> = records.iter().map(|r| r.key().lookup_path()).collect();
        let indexed = self
            .shared
            .index
            .get_many(keys.iter().map(String::as_str))?;
        for (pos, ((rec, key), indexed)) in records.iter().zip(keys).zip(indexed).enumerate() {
            if let Some(&(index, at)) = batch_keys.get(&key) {
                statuses.push(same_or_conflict(&key, index, &new_records[at], rec)?);
            } else if let Some(&li) = local_map.get(&key) {
                if local[li].1.text() != rec.text() {
                    return Err(Error::MalformedRecord {
                        position: pos + 1,
                        reason: format!(
                            "a different record for {key} appears earlier in the same request"
                        ),
                    });
                }
                let index = published_size + new_records.len() as u64 + li as u64;
                statuses.push(AddStatus::Exists(index));
            } else if let Some(hit) = indexed {
                statuses.push(same_or_conflict(&key, hit.index, &hit.record, rec)?);
            } else {
                let index = published_size + new_records.len() as u64 + local.len() as u64;
                local_map.insert(key.clone(), local.len());
                local.push((key, rec));
                statuses.push(AddStatus::Added(index));
            }
        }
        for (key, rec) in local {
            let index = published_size + new_records.len() as u64;
            batch_keys.insert(key.clone(), (index, new_records.len()));
            new_records.push(rec.as_bytes().to_vec());
            new_keys.push((key, index));
        }
        Ok(statuses)
    }

    /// Steps 2–6 of the batch protocol. Returns the new published size.
    fn commit(
        &mut self,
        new_records: &[Vec<u8>],
        new_keys: &[(String, u64)],
    ) -> Result<u64, Error> {
        let mut edge = self.edge.clone();
        // Computing tiles touches no storage; a failure here leaves everything as it was.
        let writes = edge.append(new_records)?;
        let root = edge.tree_hash()?;
        let published = sign_tree(
            &self.signer,
            Tree {
                size: edge.size,
                hash: root,
            },
        )?;
        let fatal = |failed: &mut Option<String>, e: Error| {
            *failed = Some(format!("storage failure, restart the log to recover: {e}"));
            e
        };
        if let Err(e) = self.shared.storage.write_tiles(&writes) {
            return Err(fatal(&mut self.failed, e));
        }
        if let Err(e) = self.shared.storage.write_checkpoint(&published.note) {
            return Err(fatal(&mut self.failed, e));
        }
        self.batches += 1;
        let durable = self.batches.is_multiple_of(DURABLE_INDEX_EVERY);
        if let Err(e) = self
            .shared
            .index
            .write(new_keys, new_records, Some(edge.size), durable)
        {
            return Err(fatal(&mut self.failed, e));
        }
        let size = edge.size;
        self.edge = edge;
        match self.shared.published.write() {
            Ok(mut p) => *p = Arc::new(published),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(published),
        }
        self.shared.metrics.set_size(size);
        // Partial versions of tiles that are now full are no longer needed (narrower widths
        // are served by truncating the full tile). Best effort: leftovers are harmless.
        for w in writes.iter().filter(|w| w.tile.width == TILE_WIDTH) {
            let _ = self.shared.storage.remove_partials(w.id);
        }
        Ok(size)
    }
}

fn same_or_conflict(
    key: &str,
    index: u64,
    existing: &[u8],
    rec: &Record,
) -> Result<AddStatus, Error> {
    if existing == rec.as_bytes() {
        Ok(AddStatus::Exists(index))
    } else {
        Err(Error::Conflict {
            key: key.to_owned(),
            index,
            existing: String::from_utf8_lossy(existing).into_owned(),
        })
    }
}
