//! The sequencer: appends in batches, in two pipelined stages.
//!
//! Requests are pooled: the planner thread takes every request queued since its last batch (up
//! to [`MAX_BATCH_RECORDS`] records); it does steps 1–2 below and signs, then hands the batch to
//! the committer thread, which does steps 3–7 strictly in order. The planner works one batch
//! ahead, so the CPU work of batch k+1 overlaps the fsyncs of batch k. Per batch:
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

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use lockproof_tlog::{Record, SignerKey, Tree};
use tokio::sync::{mpsc, oneshot};

use crate::edge::Edge;
use crate::log::{AddOutcome, AddStatus, Published, Shared, sign_tree};
use crate::storage::{TILE_WIDTH, TileWrite};
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

/// Starts the sequencer: the planner thread (which owns the edge) and the committer thread it
/// feeds. `lock` is the log's lock file, held until both have exited.
pub(crate) fn start(
    shared: Arc<Shared>,
    signer: SignerKey,
    edge: Edge,
    lock: File,
) -> Result<Writer, Error> {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    let failed: Arc<Mutex<Option<String>>> = Arc::default();
    let indexed_upto = Arc::new(AtomicU64::new(edge.size));
    // Capacity 1: at most one planned batch waits while another is being committed.
    let (to_commit, planned) = std::sync::mpsc::sync_channel::<Planned>(1);
    let committer = Committer {
        shared: Arc::clone(&shared),
        failed: Arc::clone(&failed),
        indexed_upto: Arc::clone(&indexed_upto),
        batches: 0,
    };
    let committer = std::thread::Builder::new()
        .name("lockproof-commit".into())
        .spawn(move || committer.run(&planned))
        .map_err(|e| Error::io("spawn committer thread", "", e))?;
    let planner = Planner {
        shared,
        signer,
        edge,
        failed,
        indexed_upto,
        pending: HashMap::new(),
        pending_order: VecDeque::new(),
        to_commit: Some(to_commit),
        committer: Some(committer),
        _lock: lock,
    };
    let thread = std::thread::Builder::new()
        .name("lockproof-sequencer".into())
        .spawn(move || planner.run(rx))
        .map_err(|e| Error::io("spawn sequencer thread", "", e))?;
    Ok(Writer {
        tx: Mutex::new(Some(tx)),
        thread: Mutex::new(Some(thread)),
    })
}

/// A planned batch on its way to the committer.
struct Planned {
    /// Tiles to write, the signed checkpoint and the index entries; `None` when the batch adds
    /// nothing (its requests still wait for every earlier batch to be published).
    commit: Option<Commit>,
    answers: Vec<(Reply, Result<Vec<AddStatus>, Error>)>,
    started: Instant,
    duplicates: u64,
    conflicts: u64,
}

struct Commit {
    writes: Vec<TileWrite>,
    published: Published,
    new_keys: Vec<(String, u64)>,
    new_records: Vec<Vec<u8>>,
}

fn lock_failed(failed: &Mutex<Option<String>>) -> Option<String> {
    match failed.lock() {
        Ok(f) => f.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

/// Stage one (steps 1–2 and signing): pools requests, deduplicates, assigns indexes, computes
/// tiles and signs. It runs one batch ahead of the committer, so computing batch k+1 overlaps
/// the fsyncs of batch k.
struct Planner {
    shared: Arc<Shared>,
    signer: SignerKey,
    edge: Edge,
    failed: Arc<Mutex<Option<String>>>,
    /// Tree size the key index covers (set by the committer).
    indexed_upto: Arc<AtomicU64>,
    /// Keys of batches handed to the committer whose index entries may not be written yet.
    pending: HashMap<String, (u64, Vec<u8>)>,
    /// (end size, keys) of those batches, oldest first.
    pending_order: VecDeque<(u64, Vec<String>)>,
    to_commit: Option<std::sync::mpsc::SyncSender<Planned>>,
    committer: Option<JoinHandle<()>>,
    _lock: File,
}

impl Planner {
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
        // Let the committer finish the queued batches, then stop it.
        self.to_commit.take();
        if let Some(c) = self.committer.take() {
            let _ = c.join();
        }
    }

    fn process(&mut self, jobs: Vec<Job>) {
        if let Some(msg) = lock_failed(&self.failed) {
            for job in jobs {
                let _ = job.reply.send(Err(Error::Stopped(msg.clone())));
            }
            return;
        }
        let started = Instant::now();
        let indexed = self.indexed_upto.load(Ordering::Acquire);
        while self
            .pending_order
            .front()
            .is_some_and(|(end, _)| *end <= indexed)
        {
            if let Some((_, keys)) = self.pending_order.pop_front() {
                for k in keys {
                    self.pending.remove(&k);
                }
            }
        }
        let base = self.edge.size;
        let mut batch_keys: HashMap<String, (u64, usize)> = HashMap::new();
        let mut new_records: Vec<Vec<u8>> = Vec::new();
        let mut new_keys: Vec<(String, u64)> = Vec::new();
        let mut answers = Vec::with_capacity(jobs.len());
        let (mut duplicates, mut conflicts) = (0u64, 0u64);
        for job in jobs {
            let result = self.plan_job(
                &job.records,
                base,
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
        let commit = if new_records.is_empty() {
            None
        } else {
            match self.compute(&new_records) {
                Ok((edge, writes, published)) => {
                    self.edge = edge;
                    let keys: Vec<String> = new_keys.iter().map(|(k, _)| k.clone()).collect();
                    for ((k, i), rec) in new_keys.iter().zip(&new_records) {
                        self.pending.insert(k.clone(), (*i, rec.clone()));
                    }
                    self.pending_order.push_back((self.edge.size, keys));
                    Some(Commit {
                        writes,
                        published,
                        new_keys,
                        new_records,
                    })
                }
                Err(e) => {
                    // Nothing was written; the edge is unchanged.
                    let msg = e.to_string();
                    for (reply, result) in answers {
                        let _ = reply.send(Err(match result {
                            Ok(_) => Error::Stopped(format!("batch failed: {msg}")),
                            Err(e) => e,
                        }));
                    }
                    return;
                }
            }
        };
        let planned = Planned {
            commit,
            answers,
            started,
            duplicates,
            conflicts,
        };
        let sent = match &self.to_commit {
            Some(tx) => tx.send(planned).map_err(|std::sync::mpsc::SendError(p)| p),
            None => Err(planned),
        };
        if let Err(planned) = sent {
            for (reply, _) in planned.answers {
                let _ = reply.send(Err(Error::Stopped("the committer has exited".into())));
            }
        }
    }

    /// Decides the fate of one request's records; on success its new records join the batch.
    fn plan_job(
        &self,
        records: &[Record],
        base: u64,
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
                let index = base + new_records.len() as u64 + li as u64;
                statuses.push(AddStatus::Exists(index));
            } else if let Some((index, existing)) = self.pending.get(&key) {
                statuses.push(same_or_conflict(&key, *index, existing, rec)?);
            } else if let Some(hit) = indexed {
                statuses.push(same_or_conflict(&key, hit.index, &hit.record, rec)?);
            } else {
                let index = base + new_records.len() as u64 + local.len() as u64;
                local_map.insert(key.clone(), local.len());
                local.push((key, rec));
                statuses.push(AddStatus::Added(index));
            }
        }
        for (key, rec) in local {
            let index = base + new_records.len() as u64;
            batch_keys.insert(key.clone(), (index, new_records.len()));
            new_records.push(rec.as_bytes().to_vec());
            new_keys.push((key, index));
        }
        Ok(statuses)
    }

    /// Step 2 and signing: the new edge, its tiles and its signed checkpoint. Touches no storage.
    fn compute(&self, new_records: &[Vec<u8>]) -> Result<(Edge, Vec<TileWrite>, Published), Error> {
        let mut edge = self.edge.clone();
        let writes = edge.append(new_records)?;
        let root = edge.tree_hash()?;
        let published = sign_tree(
            &self.signer,
            Tree {
                size: edge.size,
                hash: root,
            },
        )?;
        Ok((edge, writes, published))
    }
}

/// Stage two (steps 3–7), strictly in batch order: write tiles, replace the checkpoint, index,
/// publish, acknowledge.
struct Committer {
    shared: Arc<Shared>,
    failed: Arc<Mutex<Option<String>>>,
    indexed_upto: Arc<AtomicU64>,
    batches: u64,
}

impl Committer {
    fn run(mut self, planned: &std::sync::mpsc::Receiver<Planned>) {
        while let Ok(batch) = planned.recv() {
            self.process(batch);
        }
        // Clean shutdown: make the index durable so the next open has nothing to rebuild.
        if lock_failed(&self.failed).is_none() {
            let _ = self.shared.index.write(&[], &[], None, true);
        }
    }

    fn process(&mut self, batch: Planned) {
        let failure = match lock_failed(&self.failed) {
            Some(msg) => Some(msg),
            None => match &batch.commit {
                Some(c) => self.commit(c).err().map(|e| {
                    let msg = format!("storage failure, restart the log to recover: {e}");
                    match self.failed.lock() {
                        Ok(mut f) => *f = Some(msg.clone()),
                        Err(p) => *p.into_inner() = Some(msg.clone()),
                    }
                    msg
                }),
                None => None,
            },
        };
        if let Some(msg) = failure {
            for (reply, result) in batch.answers {
                let _ = reply.send(Err(match result {
                    Ok(_) => Error::Stopped(msg.clone()),
                    Err(e) => e,
                }));
            }
            return;
        }
        let added = batch
            .commit
            .as_ref()
            .map_or(0, |c| c.new_records.len() as u64);
        self.shared.metrics.record_batch(
            added,
            batch.duplicates,
            batch.conflicts,
            batch.started.elapsed(),
        );
        let size = match self.shared.published.read() {
            Ok(p) => p.tree.size,
            Err(p) => p.into_inner().tree.size,
        };
        for (reply, result) in batch.answers {
            let _ = reply.send(result.map(|results| AddOutcome { size, results }));
        }
    }

    /// Steps 3–6 of the batch protocol.
    fn commit(&mut self, c: &Commit) -> Result<(), Error> {
        self.shared.storage.write_tiles(&c.writes)?;
        self.shared.storage.write_checkpoint(&c.published.note)?;
        self.batches += 1;
        let durable = self.batches.is_multiple_of(DURABLE_INDEX_EVERY);
        let size = c.published.tree.size;
        self.shared
            .index
            .write(&c.new_keys, &c.new_records, Some(size), durable)?;
        self.indexed_upto.store(size, Ordering::Release);
        match self.shared.published.write() {
            Ok(mut p) => *p = Arc::new(c.published.clone()),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(c.published.clone()),
        }
        self.shared.metrics.set_size(size);
        // Partial versions of tiles that are now full are no longer needed (narrower widths
        // are served by truncating the full tile). Best effort: leftovers are harmless.
        for w in c.writes.iter().filter(|w| w.tile.width == TILE_WIDTH) {
            let _ = self.shared.storage.remove_partials(w.id);
        }
        Ok(())
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
