//! lockproof's checksum-log server: storage, sequencer, sumdb and tlog-tiles HTTP faces.
//!
//! A log is an append-only RFC 6962 Merkle tree of records (Go sumdb records and lockproof's
//! one-line ecosystem records, see [`lockproof_tlog::Record`]), one record per key forever,
//! published as signed checkpoints and tiles of height 8.
//!
//! - [`Log`] is the in-process handle: [`Log::init`], [`Log::open`] (with crash recovery),
//!   [`Log::open_read_only`], [`Log::open_with_storage`], [`Log::checkpoint`],
//!   [`Log::lookup`], [`Log::record`], [`Log::read_tile`], [`Log::read_entries`], [`Log::add`],
//!   [`Log::add_async`], [`Log::prove_records`], [`Log::prove_tree`],
//!   [`Log::load_memory_index`], [`audit::audit`], and
//!   [`http::api::answer_lookups`] (the batched-lookups answer, usable in-process).
//! - [`Storage`] is the narrow backend trait (tiles + the latest checkpoint); [`DirStorage`]
//!   keeps them as files with temp → fsync → rename → fsync-dir discipline.
//! - The key → leaf-index map lives in an embedded [redb] database. redb was chosen over
//!   SQLite because it is pure Rust (no C library to build or audit), transactional with
//!   copy-on-write B-trees, and matches the log's shape exactly: one writer (the sequencer)
//!   and many readers that never block it. The index is derived data: it is committed after
//!   the checkpoint that covers it, so it needs no fsync per batch, and recovery rebuilds any
//!   missing tail from the data tiles. Servers also keep a complete copy of it in memory
//!   ([`Log::load_memory_index`], within a byte budget), so lookups and dedup checks do not
//!   read the B-tree; a log that outgrows the budget is served from the B-tree.
//! - The sequencer (one thread) pools concurrent appends into batches and acknowledges a
//!   record only after the checkpoint covering it is durable and published.
//! - [`http::service`] (or, as an axum router, [`http::router`]) serves the sumdb face
//!   (`/lookup`, `/latest`, `/tile/8/…`, also under `/sumdb/<name>/`), the C2SP tlog-tiles face
//!   (`/checkpoint`, `/tile/<L>/<N>`, `/tile/entries/<N>`), the lockproof JSON API
//!   (`/lockproof/v1/add`, `/lockproof/v1/lookups`), `/healthz` and `/metrics`;
//!   [`http::serve_on_workers`] serves it with one single-threaded runtime per worker thread.
//!
//! # Example
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! lockproof_log::Log::init(dir.path(), "log.example.com", None)?;
//! let log = lockproof_log::Log::open(dir.path())?;
//! let records = lockproof_tlog::parse_record_list(
//!     b"example.com/m v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\
//!       example.com/m v1.0.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
//! )?;
//! let outcome = log.add(records)?;
//! assert_eq!(outcome.size, 1);
//! assert_eq!(log.checkpoint().tree.size, 1);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used)]

pub mod audit;
mod dir;
mod edge;
mod error;
mod hot;
pub mod http;
mod index;
mod keytable;
mod log;
mod metrics;
mod reads;
mod recovery;
mod sequencer;
mod storage;
mod tiletrees;
pub mod witness;

pub use dir::DirStorage;
pub use edge::tile_width_at;
pub use error::Error;
pub use log::{AddOutcome, AddStatus, Log, Published, Status};
pub use metrics::{Metrics, write_metric};
pub use storage::{
    MAX_LEVEL, Storage, StoredTile, TILE_HEIGHT, TILE_WIDTH, TileId, TileLevel, TileWrite,
};

/// Most records the sequencer puts in one batch, and most records in one add request.
/// Bounds the work recovery does (it probes at most `MAX_BATCH_RECORDS / 256 + 2` tile
/// positions per level beyond the checkpoint) and the latency of one batch. Measured: 8,192
/// → 16,384 raised durable appends on the benchmark VM from ~75k/s to ~90k/s (fewer fixed
/// per-batch fsyncs); 32,768 gained nothing more (benchmarks/server.md).
pub const MAX_BATCH_RECORDS: usize = 16384;
