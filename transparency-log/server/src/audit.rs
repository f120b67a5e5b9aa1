//! `lockproof log audit`: recompute everything from the records and compare.
//!
//! Reads every data tile, re-parses every record (strictly, canonical form), checks the key
//! index maps each record's key to its own index (which also proves keys are unique), rebuilds
//! every hash tile from the leaves and compares it byte for byte with the stored one, and checks
//! the recomputed root against the signed checkpoint. The first inconsistency is reported with
//! the record index, tile path or key involved.

use lockproof_tlog::{Hash, Record, Tile, TileLevel, Verifiers, parse_tree_note};

use crate::edge::{Edge, read_exact_tile, split_data_tile, tile_width_at, truncate_tile};
use crate::storage::{TILE_HEIGHT, TILE_WIDTH, TileId, TileWrite};
use crate::{Error, Log};

/// The result of an audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// The audited tree size (the checkpoint's).
    pub size: u64,
    /// The checkpoint's root hash.
    pub root: Hash,
    /// Hash tiles compared byte for byte.
    pub tiles_checked: u64,
    /// The first inconsistency found, if any (the log is sound when `None`).
    pub problem: Option<String>,
}

/// Audits `log` at its latest checkpoint, calling `progress(records_done, total)` after each
/// data tile.
///
/// # Errors
/// Operational failures only (unreadable files, index errors); inconsistencies are reported in
/// [`AuditReport::problem`].
pub fn audit(log: &Log, progress: &mut dyn FnMut(u64, u64)) -> Result<AuditReport, Error> {
    let published = log.checkpoint();
    let size = published.tree.size;
    let mut report = AuditReport {
        size,
        root: published.tree.hash,
        tiles_checked: 0,
        problem: None,
    };
    let verifiers = Verifiers::new([log.verifier_key().clone()]);
    match lockproof_tlog::open(&published.note, &verifiers).map(|n| parse_tree_note(n.text())) {
        Ok(Ok(tree)) if tree == published.tree => {}
        Ok(Ok(tree)) => {
            report.problem = Some(format!(
                "checkpoint says size {} root {}, expected {:?}",
                tree.size, tree.hash, published.tree
            ));
            return Ok(report);
        }
        Ok(Err(e)) | Err(e) => {
            report.problem = Some(format!(
                "checkpoint does not verify with the log's key: {e}"
            ));
            return Ok(report);
        }
    }
    let storage = log.storage();
    let index = log.index();
    let mut edge = Edge::empty();
    let tiles = size.div_ceil(u64::from(TILE_WIDTH));
    for n in 0..tiles {
        let id = TileId {
            level: TileLevel::Data,
            index: n,
        };
        let width = tile_width_at(size, TileLevel::Data, n);
        let path = Tile {
            height: TILE_HEIGHT,
            level: TileLevel::Data,
            n,
            width,
        }
        .path();
        let data = match read_exact_tile(storage, id, width) {
            Ok(d) => d,
            Err(e) => {
                report.problem = Some(format!("{path}: {e}"));
                return Ok(report);
            }
        };
        let records = split_data_tile(&data);
        if records.len() != usize::from(width) {
            report.problem = Some(format!(
                "{path}: holds {} records, expected {width}",
                records.len()
            ));
            return Ok(report);
        }
        let mut texts = Vec::with_capacity(records.len());
        for (pos, rec) in records.iter().enumerate() {
            let i = (n << TILE_HEIGHT) + pos as u64;
            let parsed = match Record::parse(rec) {
                Ok(r) => r,
                Err(e) => {
                    report.problem = Some(format!("record {i} ({path} entry {pos}): {e}"));
                    return Ok(report);
                }
            };
            let key = parsed.key().lookup_path();
            match index.get(&key)? {
                Some(hit) if hit.index == i && hit.record == *rec => {}
                Some(hit) if hit.index == i => {
                    report.problem = Some(format!(
                        "record {i} ({path} entry {pos}): the index holds a different text for {key}"
                    ));
                    return Ok(report);
                }
                Some(hit) => {
                    let j = hit.index;
                    report.problem = Some(format!(
                        "record {i} ({path} entry {pos}): key {key} is indexed at {j} (duplicate key or stale index)"
                    ));
                    return Ok(report);
                }
                None => {
                    report.problem = Some(format!(
                        "record {i} ({path} entry {pos}): key {key} is missing from the index"
                    ));
                    return Ok(report);
                }
            }
            texts.push(rec.to_vec());
        }
        let last = n + 1 == tiles;
        let writes = edge.append(&texts)?;
        for w in writes.iter().filter(|w| w.id.level != TileLevel::Data) {
            if w.tile.width < TILE_WIDTH && !last {
                continue;
            }
            if let Some(problem) = compare_tile(log, w)? {
                report.problem = Some(problem);
                return Ok(report);
            }
            report.tiles_checked += 1;
        }
        progress(edge.size, size);
    }
    let root = edge.tree_hash()?;
    if root != published.tree.hash {
        report.problem = Some(format!(
            "recomputed root {root} at size {size} differs from the signed checkpoint root {}",
            published.tree.hash
        ));
        return Ok(report);
    }
    let keys = index.len()?;
    if keys != size {
        report.problem = Some(format!("the index holds {keys} keys for {size} records"));
    }
    Ok(report)
}

fn compare_tile(log: &Log, expected: &TileWrite) -> Result<Option<String>, Error> {
    let path = Tile {
        height: TILE_HEIGHT,
        level: expected.id.level,
        n: expected.id.index,
        width: expected.tile.width,
    }
    .path();
    let stored = match log.storage().read_tile(expected.id, expected.tile.width)? {
        Some(s) => s,
        None => return Ok(Some(format!("{path}: missing"))),
    };
    let data = match truncate_tile(expected.id, stored, expected.tile.width) {
        Ok(d) => d,
        Err(e) => return Ok(Some(format!("{path}: {e}"))),
    };
    if data != expected.tile.data {
        let at = data
            .iter()
            .zip(&expected.tile.data)
            .position(|(a, b)| a != b)
            .unwrap_or(0)
            / 32;
        return Ok(Some(format!(
            "{path}: hash {at} differs from the one recomputed from the records"
        )));
    }
    Ok(None)
}
