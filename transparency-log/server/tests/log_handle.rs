//! The `Log` handle against an independent in-memory model built with `lockproof_tlog`.

use lockproof_log::{AddStatus, Error, Log, audit::audit};
use lockproof_tlog::{
    Hash, HashReader, KeyName, LOCKPROOF_TILE_HEIGHT, Record, SignerKey, Tile, TileLevel,
    check_record, check_tree, read_tile_data, record_hash, stored_hashes, tree_hash, tree_tiles,
};

fn record(i: u64) -> Record {
    let text = format!("cargo/pkg{i} 1.0.{} sha256:{:064x}\n", i % 7, i * 7919);
    Record::parse(text.as_bytes()).expect("valid record")
}

/// The model: all stored hashes of `n` records.
fn model(n: u64) -> Vec<Hash> {
    let mut hashes: Vec<Hash> = Vec::new();
    for i in 0..n {
        let h = stored_hashes(i, record(i).as_bytes(), &hashes).expect("stored hashes");
        hashes.extend(h);
    }
    hashes
}

fn signer() -> SignerKey {
    SignerKey::from_seed(KeyName::new("log.test").expect("name"), [9; 32])
}

/// A new, empty log in a temporary directory, open for writing.
fn new_log() -> (tempfile::TempDir, Log) {
    let dir = tempfile::tempdir().expect("tempdir");
    Log::init(dir.path(), "log.test", Some(signer())).expect("init");
    let log = Log::open(dir.path()).expect("open");
    (dir, log)
}

#[test]
fn appended_log_matches_the_model_tile_for_tile() {
    let (dir, log) = new_log();
    let mut next = 0u64;
    for chunk in [1u64, 2, 250, 3, 1, 300, 44] {
        let recs: Vec<Record> = (next..next + chunk).map(record).collect();
        let out = log.add(recs).expect("add");
        assert_eq!(out.size, next + chunk);
        assert_eq!(
            out.results,
            (next..next + chunk)
                .map(AddStatus::Added)
                .collect::<Vec<_>>()
        );
        next += chunk;
        let hashes = model(next);
        assert_eq!(
            log.checkpoint().tree.hash,
            tree_hash(next, &hashes).expect("root")
        );
    }
    let size = next;
    let hashes = model(size);
    for tile in tree_tiles(LOCKPROOF_TILE_HEIGHT, size).expect("tiles") {
        assert_eq!(
            log.read_tile(tile).expect("tile"),
            read_tile_data(&tile, &hashes).expect("model"),
            "{}",
            tile.path()
        );
        // Every narrower width is served too.
        let narrow = Tile { width: 1, ..tile };
        assert_eq!(
            log.read_tile(narrow).expect("narrow"),
            read_tile_data(&narrow, &hashes).expect("model")
        );
    }
    // Beyond the tree: not found.
    let beyond = Tile {
        height: 8,
        level: TileLevel::Hash(0),
        n: size / 256,
        width: (size % 256) as u16 + 1,
    };
    assert!(matches!(log.read_tile(beyond), Err(Error::NotFound(_))));
    // Inclusion and consistency proofs verify against the checkpoint.
    let root = log.checkpoint().tree.hash;
    let idx: Vec<u64> = (0..size).step_by(37).collect();
    for (i, p) in idx
        .iter()
        .zip(log.prove_records(size, &idx).expect("prove"))
    {
        check_record(&p, size, root, *i, record_hash(record(*i).as_bytes())).expect("inclusion");
    }
    for old in [1u64, 3, 256, 257, 555] {
        let p = log.prove_tree(size, old).expect("consistency");
        check_tree(
            &p,
            size,
            root,
            old,
            tree_hash(old, &hashes).expect("old root"),
        )
        .expect("consistent");
    }
    // Data tiles hold the records in order.
    let data = log
        .read_tile(Tile {
            height: 8,
            level: TileLevel::Data,
            n: 0,
            width: 2,
        })
        .expect("data");
    assert_eq!(data, format!("{}\n{}\n", record(0), record(1)).into_bytes());
    drop(log);
    // Reopen: same state, audit passes, lookups work.
    let log = Log::open(dir.path()).expect("reopen");
    assert_eq!(log.checkpoint().tree.size, size);
    let report = audit(&log, &mut |_, _| {}).expect("audit");
    assert_eq!(report.problem, None);
    assert_eq!(
        log.lookup(record(300).key()).expect("lookup"),
        Some((300, record(300).text().to_owned()))
    );
    assert_eq!(log.lookup(record(size + 1).key()).expect("lookup"), None);
    assert_eq!(log.record(300).expect("record"), record(300).text());
    assert!(matches!(log.record(size), Err(Error::NotFound(_))));
    assert_eq!(hashes.read_hashes(&[0]).expect("h").len(), 1);
}

#[test]
fn same_record_is_a_no_op_and_a_different_one_conflicts() {
    let (_dir, log) = new_log();
    log.add(vec![record(0), record(1)]).expect("add");
    let out = log
        .add(vec![record(1), record(2), record(2)])
        .expect("re-add");
    assert_eq!(
        out.results,
        vec![
            AddStatus::Exists(1),
            AddStatus::Added(2),
            AddStatus::Exists(2)
        ]
    );
    assert_eq!(out.size, 3);
    let other =
        Record::parse(format!("cargo/pkg1 1.0.1 sha256:{:064x}\n", 5).as_bytes()).expect("rec");
    match log.add(vec![record(3), other]) {
        Err(Error::Conflict {
            index, existing, ..
        }) => {
            assert_eq!(index, 1);
            assert_eq!(existing, record(1).text());
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Nothing of the refused request was appended.
    assert_eq!(log.checkpoint().tree.size, 3);
}

#[test]
fn a_second_writer_is_refused_while_the_log_is_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    Log::init(dir.path(), "log.test", None).expect("init");
    let _log = Log::open(dir.path()).expect("open");
    assert!(matches!(
        Log::open(dir.path()),
        Err(Error::Directory { .. })
    ));
    assert!(
        Log::init(dir.path(), "log.test", None).is_err(),
        "init refuses a non-empty dir"
    );
}

#[test]
fn uncommitted_tiles_beyond_the_checkpoint_are_discarded_on_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    Log::init(dir.path(), "log.test", Some(signer())).expect("init");
    {
        let log = Log::open(dir.path()).expect("open");
        log.add((0..10).map(record).collect()).expect("add");
    }
    // Simulate a crashed batch: a wider partial tile and a stray full tile, no checkpoint.
    let tile_dir = dir.path().join("tile/8/0/000.p");
    std::fs::write(tile_dir.join("20"), vec![7u8; 20 * 32]).expect("write");
    std::fs::create_dir_all(dir.path().join("tile/8/0")).expect("mkdir");
    std::fs::write(dir.path().join("tile/8/0/001"), vec![7u8; 256 * 32]).expect("write");
    let log = Log::open(dir.path()).expect("recover");
    assert!(!tile_dir.join("20").exists());
    assert!(!dir.path().join("tile/8/0/001").exists());
    let out = log.add((10..30).map(record).collect()).expect("add");
    assert_eq!(out.size, 30);
    assert_eq!(
        log.checkpoint().tree.hash,
        tree_hash(30, &model(30)).expect("root")
    );
    assert_eq!(audit(&log, &mut |_, _| {}).expect("audit").problem, None);
}

#[test]
fn concurrent_overlapping_adds_agree_on_one_index_per_key() {
    let (_dir, log) = new_log();
    // Eight writers submit overlapping ranges, so keys arrive while their first copy is still
    // in flight in the pipelined sequencer.
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for round in 0..20u64 {
                    let start = (t * 37 + round * 11) % 400;
                    let recs: Vec<Record> = (start..start + 25).map(record).collect();
                    let out = log.add(recs).expect("add");
                    for (i, s) in (start..start + 25).zip(out.results) {
                        assert!(s.index() < out.size);
                        seen.push((i, s.index()));
                    }
                }
                seen
            })
        })
        .collect();
    let mut index_of = std::collections::HashMap::new();
    for t in threads {
        for (rec, idx) in t.join().expect("writer") {
            assert_eq!(
                *index_of.entry(rec).or_insert(idx),
                idx,
                "record {rec} got two indexes"
            );
        }
    }
    let size = log.checkpoint().tree.size;
    assert_eq!(
        size,
        index_of.len() as u64,
        "every distinct record logged exactly once"
    );
    for (rec, idx) in &index_of {
        assert_eq!(log.record(*idx).expect("record"), record(*rec).text());
    }
    assert_eq!(audit(&log, &mut |_, _| {}).expect("audit").problem, None);
}

/// A directory backend whose checkpoint writes fail on command.
struct FailingCheckpoints {
    inner: lockproof_log::DirStorage,
    fail: std::sync::atomic::AtomicBool,
}

impl lockproof_log::Storage for FailingCheckpoints {
    fn read_tile(
        &self,
        id: lockproof_log::TileId,
        width: u16,
    ) -> Result<Option<lockproof_log::StoredTile>, Error> {
        self.inner.read_tile(id, width)
    }
    fn write_tiles(&self, tiles: &[lockproof_log::TileWrite]) -> Result<(), Error> {
        self.inner.write_tiles(tiles)
    }
    fn truncate_tile(&self, id: lockproof_log::TileId, keep: u16) -> Result<(), Error> {
        self.inner.truncate_tile(id, keep)
    }
    fn remove_partials(&self, id: lockproof_log::TileId) -> Result<(), Error> {
        self.inner.remove_partials(id)
    }
    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, Error> {
        self.inner.read_checkpoint()
    }
    fn write_checkpoint(&self, note: &[u8]) -> Result<(), Error> {
        if self.fail.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::Io {
                op: "write",
                path: "checkpoint".into(),
                source: std::io::Error::other("injected failure"),
            });
        }
        self.inner.write_checkpoint(note)
    }
}

#[test]
fn a_storage_failure_stops_the_sequencer_and_a_reopen_recovers() {
    use lockproof_log::Storage as _;
    let dir = tempfile::tempdir().expect("tempdir");
    Log::init(dir.path(), "log.test", Some(signer())).expect("init");
    let storage = std::sync::Arc::new(FailingCheckpoints {
        inner: lockproof_log::DirStorage::open(dir.path()).expect("storage"),
        fail: std::sync::atomic::AtomicBool::new(false),
    });
    {
        let log = Log::open_with_storage(dir.path(), storage.clone()).expect("open");
        log.add((0..3).map(record).collect()).expect("add");
        storage
            .fail
            .store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(
            log.add((3..5).map(record).collect()).is_err(),
            "the failed batch is not acknowledged"
        );
        storage
            .fail
            .store(false, std::sync::atomic::Ordering::Relaxed);
        assert!(
            matches!(log.add(vec![record(9)]), Err(Error::Stopped(_))),
            "the sequencer stays stopped"
        );
        assert_eq!(log.checkpoint().tree.size, 3);
        assert!(storage.read_checkpoint().expect("read").is_some());
    }
    // Reopen: the unacknowledged batch's tiles are dropped and appending continues at 3.
    let log = Log::open(dir.path()).expect("reopen");
    assert_eq!(log.checkpoint().tree.size, 3);
    assert_eq!(log.lookup(record(3).key()).expect("lookup"), None);
    let out = log
        .add((3..5).map(record).collect())
        .expect("add after recovery");
    assert_eq!(out.results, vec![AddStatus::Added(3), AddStatus::Added(4)]);
    assert_eq!(
        log.checkpoint().tree.hash,
        tree_hash(5, &model(5)).expect("root")
    );
    assert_eq!(audit(&log, &mut |_, _| {}).expect("audit").problem, None);
}

#[test]
fn a_read_only_handle_reads_a_stopped_log_and_refuses_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    Log::init(dir.path(), "log.test", Some(signer())).expect("init");
    {
        let log = Log::open(dir.path()).expect("open");
        log.add((0..300).map(record).collect()).expect("add");
    }
    let ro = Log::open_read_only(dir.path()).expect("read-only open");
    assert_eq!(ro.checkpoint().tree.size, 300);
    assert_eq!(
        ro.lookup(record(299).key()).expect("lookup"),
        Some((299, record(299).text().to_owned()))
    );
    let tile = Tile {
        height: 8,
        level: TileLevel::Hash(0),
        n: 1,
        width: 44,
    };
    assert_eq!(
        ro.read_tile(tile).expect("tile"),
        read_tile_data(&tile, &model(300)).expect("model")
    );
    assert!(matches!(ro.add(vec![record(300)]), Err(Error::Stopped(_))));
    assert!(
        ro.checkpoint().checkpoint.is_empty(),
        "no C2SP re-signing without the signer"
    );
}

#[test]
fn a_lost_index_is_rebuilt_from_the_data_tiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    Log::init(dir.path(), "log.test", Some(signer())).expect("init");
    {
        let log = Log::open(dir.path()).expect("open");
        log.add((0..600).map(record).collect()).expect("add");
    }
    std::fs::remove_file(dir.path().join("index.redb")).expect("remove index");
    let log = Log::open(dir.path()).expect("reopen rebuilds the index");
    assert_eq!(
        log.lookup(record(517).key()).expect("lookup"),
        Some((517, record(517).text().to_owned()))
    );
    assert_eq!(log.status().expect("status").indexed_keys, 600);
    assert_eq!(audit(&log, &mut |_, _| {}).expect("audit").problem, None);
}

#[test]
fn lookups_and_dedup_agree_while_and_after_the_key_index_loads_into_memory() {
    let (_dir, log) = new_log();
    for start in (0..20_000u64).step_by(5_000) {
        log.add((start..start + 5_000).map(record).collect())
            .expect("add");
    }
    // Appends race the load: each is either in the snapshot it reads or written through.
    let loader = {
        let log = log.clone();
        std::thread::spawn(move || log.load_memory_index().expect("load"))
    };
    for start in (20_000..24_000u64).step_by(500) {
        log.add((start..start + 500).map(record).collect())
            .expect("add");
    }
    assert!(
        loader.join().expect("loader"),
        "the key index fits in memory"
    );
    log.add((24_000..24_100).map(record).collect())
        .expect("add");
    for i in (0..24_100).step_by(7).chain([23_999, 24_099]) {
        let (index, text) = log
            .lookup(record(i).key())
            .expect("lookup")
            .unwrap_or_else(|| panic!("record {i} not found"));
        assert_eq!((index, text.as_str()), (i, record(i).text()));
    }
    assert_eq!(log.lookup(record(24_100).key()).expect("lookup"), None);
    // Dedup now answers from memory: the same record is a no-op, a different one conflicts.
    let out = log.add(vec![record(5), record(24_100)]).expect("add");
    assert_eq!(
        out.results,
        vec![AddStatus::Exists(5), AddStatus::Added(24_100)]
    );
    let other = Record::parse(b"cargo/pkg5 1.0.5 sha256:0000000000000000000000000000000000000000000000000000000000000000\n")
        .expect("record");
    assert!(
        matches!(log.add(vec![other]), Err(Error::Conflict { .. })),
        "conflict"
    );
}

#[test]
fn a_large_batch_of_proofs_split_across_threads_equals_the_proofs_one_by_one() {
    let (_dir, log) = new_log();
    log.add((0..70_001).map(record).collect()).expect("add");
    let cp = log.checkpoint().tree;
    let idx: Vec<u64> = (0..cp.size).step_by(113).chain([cp.size - 1]).collect();
    let batch = log.prove_records(cp.size, &idx).expect("prove");
    assert_eq!(batch.len(), idx.len());
    for (i, p) in idx.iter().zip(&batch) {
        check_record(p, cp.size, cp.hash, *i, record_hash(record(*i).as_bytes()))
            .expect("inclusion");
        assert_eq!(
            p,
            &log.prove_records(cp.size, &[*i]).expect("one")[0],
            "record {i}"
        );
    }
}

#[test]
fn proofs_at_an_older_size_verify_after_later_proofs_cached_its_tiles() {
    let (_dir, log) = new_log();
    log.add((0..600).map(record).collect()).expect("add");
    let old = log.checkpoint().tree;
    log.add((600..70_000).map(record).collect()).expect("grow");
    let new = log.checkpoint().tree;
    let idx: Vec<u64> = (0..old.size).step_by(7).collect();
    // Newer proofs first (they expand the full tiles), then the same records at the old size,
    // where tile 2 of level 0 was still partial.
    for (size, root) in [
        (new.size, new.hash),
        (old.size, old.hash),
        (new.size, new.hash),
    ] {
        for (i, p) in idx
            .iter()
            .zip(log.prove_records(size, &idx).expect("prove"))
        {
            check_record(&p, size, root, *i, record_hash(record(*i).as_bytes()))
                .unwrap_or_else(|e| panic!("record {i} at size {size}: {e}"));
        }
    }
}

#[test]
fn a_read_only_handle_reads_a_log_whose_index_a_running_writer_holds() {
    let (dir, writer) = new_log();
    writer.add((0..700).map(record).collect()).expect("add");
    // The writer keeps index.redb open (and locked): the reader indexes the records itself.
    let ro = Log::open_read_only(dir.path()).expect("read-only open");
    assert_eq!(ro.checkpoint().tree, writer.checkpoint().tree);
    for i in [0, 255, 256, 699] {
        assert_eq!(
            ro.lookup(record(i).key()).expect("lookup"),
            Some((i, record(i).text().to_owned()))
        );
    }
    assert_eq!(ro.lookup(record(700).key()).expect("lookup"), None);
}
