//! Tiles: coordinates, contents, growth, and authentication of fetched tiles against a trusted
//! tree (fetched tiles are suspect until verified; only verified tiles are saved).

mod merkle_support;

use std::cell::RefCell;
use std::collections::BTreeMap;

use lockproof_tlog::{
    Error, Hash, HashReader, Tile, TileHashReader, TileLevel, TileReader, check_record, check_tree,
    hash_from_tile, new_tiles, prove_record, prove_tree, read_tile_data, stored_hash_count,
    stored_hash_index, tile_for_index, tree_hash, tree_tiles,
};
use merkle_support::{MemLog, MemTiles};

const TEST_HEIGHT: u8 = 2;

#[test]
fn tiles_grow_by_extending_earlier_tiles_and_hold_every_stored_hash() {
    // Go's TestTree, tile half: as records are appended, each new tile extends the previous
    // version of itself by one hash, and every stored hash can be read back from its tile.
    let mut log = MemLog::with_records(0);
    let mut published: BTreeMap<Tile, Vec<u8>> = BTreeMap::new();
    for i in 0..100u64 {
        let old_count = log.stored.len();
        log.append(format!("leaf {i}").as_bytes());
        for tile in new_tiles(TEST_HEIGHT, i, i + 1).expect("new_tiles") {
            let data = read_tile_data(&tile, &log.stored).expect("tile data");
            let old = Tile {
                width: tile.width - 1,
                ..tile
            };
            let old_data = published.get(&old).cloned().unwrap_or_default();
            assert_eq!(
                old_data.len() + 32,
                data.len(),
                "{} extends {}",
                tile.path(),
                old.path()
            );
            assert!(data.starts_with(&old_data));
            published.insert(tile, data);
        }
        for tile in tree_tiles(TEST_HEIGHT, i + 1).expect("tree_tiles") {
            assert_eq!(
                published.get(&tile),
                Some(&read_tile_data(&tile, &log.stored).expect("tile data"))
            );
        }
        for j in old_count..log.stored.len() {
            let tile = tile_for_index(TEST_HEIGHT, j as u64).expect("tile_for_index");
            let data = published
                .get(&tile)
                .unwrap_or_else(|| panic!("{} not published", tile.path()));
            assert_eq!(hash_from_tile(&tile, data, j as u64), Ok(log.stored[j]));
        }
    }
}

#[test]
fn new_tiles_counts_match_go() {
    // Go's TestNewTilesForSize, height 10.
    for (old, new, want) in [
        (1, 1, 0),
        (100, 101, 1),
        (1023, 1025, 3),
        (1024, 1030, 1),
        (1030, 2000, 1),
        (1030, 10000, 10),
        (49_516_517, 49_516_586, 3),
    ] {
        assert_eq!(
            new_tiles(10, old, new).map(|t| t.len()),
            Ok(want),
            "{old} -> {new}"
        );
    }
}

#[test]
fn tree_tiles_match_the_c2sp_example() {
    // C2SP tlog-tiles: size 70,000 → 273 full + a partial (112) at level 0, one full + a
    // partial (17) at level 1, a partial (1) at level 2.
    let tiles = tree_tiles(8, 70_000).expect("tree_tiles");
    let at = |l: u8| tiles.iter().filter(move |t| t.level == TileLevel::Hash(l));
    assert_eq!(at(0).filter(|t| t.is_full()).count(), 273);
    assert_eq!(
        at(0)
            .filter(|t| !t.is_full())
            .map(|t| (t.n, t.width))
            .collect::<Vec<_>>(),
        [(273, 112)]
    );
    assert_eq!(
        at(1).map(|t| (t.n, t.width)).collect::<Vec<_>>(),
        [(0, 256), (1, 17)]
    );
    assert_eq!(at(2).map(|t| (t.n, t.width)).collect::<Vec<_>>(), [(0, 1)]);
    assert_eq!(tiles.len(), 273 + 1 + 2 + 1);
}

#[test]
fn tile_functions_reject_bad_heights_and_data_tiles() {
    assert!(matches!(tile_for_index(0, 5), Err(Error::OutOfRange(_))));
    assert!(matches!(tile_for_index(16, 5), Err(Error::OutOfRange(_))));
    assert!(matches!(new_tiles(0, 0, 5), Err(Error::OutOfRange(_))));
    assert!(matches!(new_tiles(8, 6, 5), Err(Error::OutOfRange(_))));
    let log = MemLog::with_records(4);
    let data_tile = Tile {
        height: 2,
        level: TileLevel::Data,
        n: 0,
        width: 4,
    };
    assert!(matches!(
        read_tile_data(&data_tile, &log.stored),
        Err(Error::OutOfRange(_))
    ));
    let tile = Tile {
        height: 2,
        level: TileLevel::Hash(0),
        n: 0,
        width: 4,
    };
    let data = read_tile_data(&tile, &log.stored).expect("tile");
    assert_eq!(
        hash_from_tile(&tile, &data[..64], 0),
        Err(Error::InvalidProof)
    );
    assert!(matches!(
        hash_from_tile(&tile, &data, stored_hash_index(0, 4)),
        Err(Error::OutOfRange(_))
    ));
    let wide = Tile { width: 5, ..tile };
    assert!(matches!(wide.validate(), Err(Error::OutOfRange(_))));
    let huge = Tile {
        height: 8,
        level: TileLevel::Hash(7),
        n: u64::MAX,
        width: 1,
    };
    assert!(huge.validate().is_err());
}

#[test]
fn tile_hash_reader_returns_every_stored_hash_and_saves_only_verified_tiles() {
    let mut log = MemLog::with_records(0);
    for i in 0..100u64 {
        log.append(format!("leaf {i}").as_bytes());
        let size = i + 1;
        let tiles = MemTiles::new(TEST_HEIGHT, &log.stored);
        let reader = TileHashReader::new(log.tree(size), &tiles);
        let all: Vec<u64> = (0..stored_hash_index(0, size)).collect();
        let got = reader.read_hashes(&all).expect("read_hashes");
        assert_eq!(got, log.stored[..all.len()], "size {size}");
        assert_eq!(*tiles.reads.borrow(), 1, "one batched read");
        // What was saved is exactly the true tile data.
        for (tile, data) in tiles.saved.borrow().iter() {
            assert_eq!(read_tile_data(tile, &log.stored).as_ref(), Ok(data));
        }
        // Reading past the tree is an error, not a panic, and fetches nothing.
        assert!(reader.read_hashes(&[stored_hash_index(0, size)]).is_err());
        assert_eq!(*tiles.reads.borrow(), 1);
    }
}

#[test]
fn tile_hash_reader_rejects_any_tampered_hash_and_saves_nothing() {
    // Go's zeroIndex test: zero one stored hash (or, above a tile's bottom row, the bottom-row
    // hashes it is computed from) in whatever tile serves it.
    let log = MemLog::with_records(70);
    for size in 1..=70u64 {
        let tree = log.tree(size);
        let all: Vec<u64> = (0..stored_hash_index(0, size)).collect();
        for &target in &all {
            let (ttile, start, end) = zero_range(TEST_HEIGHT, target);
            let mut tiles = MemTiles::new(TEST_HEIGHT, &log.stored);
            tiles.tamper = Some(Box::new(move |tile: &Tile, data: &mut Vec<u8>| {
                if tile.level == ttile.level && tile.n == ttile.n && end <= data.len() {
                    data[start..end].fill(0);
                }
            }));
            let reader = TileHashReader::new(tree, &tiles);
            assert!(
                reader.read_hashes(&[target]).is_err(),
                "size {size}: tampered {target}"
            );
            assert!(
                reader.read_hashes(&all).is_err(),
                "size {size}: tampered {target} in all"
            );
            assert!(
                tiles.saved.borrow().is_empty(),
                "size {size}: saved unverified tiles"
            );
        }
    }
}

/// The tile holding `index` and the byte range of its bottom-row hashes that `index` is
/// computed from.
fn zero_range(height: u8, index: u64) -> (Tile, usize, usize) {
    let tile = tile_for_index(height, index).expect("tile");
    // Find the range by probing: the hashes whose change alters hash_from_tile's result.
    let data = vec![0u8; tile.hash_data_len()];
    let base = hash_from_tile(&tile, &data, index).expect("hash");
    let mut lo = usize::MAX;
    let mut hi = 0;
    for k in 0..usize::from(tile.width) {
        let mut probe = data.clone();
        probe[k * 32] = 1;
        if hash_from_tile(&tile, &probe, index).expect("hash") != base {
            lo = lo.min(k * 32);
            hi = hi.max(k * 32 + 32);
        }
    }
    (tile, lo, hi)
}

#[test]
fn rejects_forged_child_tile_when_several_subtree_roots_share_a_tile() {
    // Size 11 at height 2: the tree hash is made of three subtree roots, two of them in the
    // same level-0 tile, so there are fewer root tiles than roots. A child tile planned right
    // after them must still be checked against its parent. (Go's loop over the tiles to check
    // starts at the number of roots, not the number of root tiles.)
    let log = MemLog::with_records(11);
    let mut tiles = MemTiles::new(TEST_HEIGHT, &log.stored);
    let forged = Hash([7; 32]);
    tiles.tamper = Some(Box::new(move |tile: &Tile, data: &mut Vec<u8>| {
        if tile.level == TileLevel::Hash(0) && tile.n == 0 {
            data[32..64].copy_from_slice(&forged.0);
        }
    }));
    let reader = TileHashReader::new(log.tree(11), &tiles);
    assert_eq!(
        reader.read_hashes(&[stored_hash_index(0, 1)]),
        Err(Error::InvalidProof)
    );
    assert_eq!(
        reader.check_record_hashes(&[(1, forged)]),
        Err(Error::InvalidProof)
    );
    assert!(tiles.saved.borrow().is_empty());
    // Same at height 8, size 515 (bits 9, 1 and 0 set).
    let log = MemLog::with_records(515);
    let mut tiles = MemTiles::new(8, &log.stored);
    tiles.tamper = Some(Box::new(move |tile: &Tile, data: &mut Vec<u8>| {
        if tile.level == TileLevel::Hash(0) && tile.n == 0 {
            data[5 * 32..6 * 32].copy_from_slice(&forged.0);
        }
    }));
    let reader = TileHashReader::new(log.tree(515), &tiles);
    assert_eq!(
        reader.check_record_hashes(&[(5, forged)]),
        Err(Error::InvalidProof)
    );
    assert!(tiles.saved.borrow().is_empty());
}

/// A tile reader whose answers are wrong in shape.
struct BadShape<'a> {
    inner: MemTiles<'a>,
    drop_tile: bool,
    extra_byte: bool,
}

impl TileReader for BadShape<'_> {
    fn height(&self) -> u8 {
        self.inner.height()
    }
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        let mut data = self.inner.read_tiles(tiles)?;
        if self.drop_tile {
            data.pop();
        }
        if self.extra_byte
            && let Some(d) = data.last_mut()
        {
            d.push(0);
        }
        Ok(data)
    }
    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        self.inner.save_tiles(tiles, data);
    }
}

#[test]
fn tile_hash_reader_rejects_wrong_length_tiles_and_missing_tiles() {
    let log = MemLog::with_records(300);
    let tree = log.tree(300);
    let index = [stored_hash_index(0, 3)];
    let long = BadShape {
        inner: MemTiles::new(8, &log.stored),
        drop_tile: false,
        extra_byte: true,
    };
    assert_eq!(
        TileHashReader::new(tree, &long).read_hashes(&index),
        Err(Error::InvalidProof)
    );
    let short = BadShape {
        inner: MemTiles::new(8, &log.stored),
        drop_tile: true,
        extra_byte: false,
    };
    assert!(matches!(
        TileHashReader::new(tree, &short).read_hashes(&index),
        Err(Error::Reader(_))
    ));
    assert!(long.inner.saved.borrow().is_empty() && short.inner.saved.borrow().is_empty());
}

#[test]
fn tile_hash_reader_rejects_tiles_of_a_different_tree() {
    let log = MemLog::with_records(300);
    let other = MemLog {
        stored: log.stored.iter().map(|h| Hash([h.0[0] ^ 1; 32])).collect(),
        leaves: vec![],
    };
    let tiles = MemTiles::new(8, &other.stored);
    let reader = TileHashReader::new(log.tree(300), &tiles);
    assert_eq!(reader.read_hashes(&[0]), Err(Error::InvalidProof));
    assert!(tiles.saved.borrow().is_empty());
}

#[test]
fn checks_many_record_lookups_with_one_tile_fetch() {
    let log = MemLog::with_records(1000);
    let tree = log.tree(1000);
    let tiles = MemTiles::new(8, &log.stored);
    let reader = TileHashReader::new(tree, &tiles);
    let lookups: Vec<(u64, Hash)> = (0..1000u64)
        .step_by(3)
        .map(|i| (i, log.leaves[i as usize]))
        .collect();
    assert_eq!(reader.check_record_hashes(&lookups), Ok(()));
    assert_eq!(*tiles.reads.borrow(), 1);
    let mut wrong = lookups.clone();
    wrong[10].1 = log.leaves[11];
    assert_eq!(reader.check_record_hashes(&wrong), Err(Error::InvalidProof));
    assert_eq!(
        reader.check_record_hashes(&[(1000, log.leaves[0])]),
        Err(Error::InvalidProof)
    );
    assert_eq!(reader.check_record_hashes(&[]), Ok(()));
}

#[test]
fn proofs_and_older_tree_hashes_come_out_of_authenticated_tiles() {
    let log = MemLog::with_records(600);
    let tree = log.tree(600);
    let tiles = MemTiles::new(8, &log.stored);
    let reader = TileHashReader::new(tree, &tiles);
    for old in [1, 2, 255, 256, 257, 511, 512, 599, 600] {
        let h = tree_hash(old, &reader).expect("tree hash");
        assert_eq!(h, log.tree(old).hash, "tree hash of {old}");
        let p = prove_tree(600, old, &reader).expect("prove_tree");
        assert_eq!(check_tree(&p, 600, tree.hash, old, h), Ok(()));
    }
    for n in [0, 1, 255, 256, 300, 599] {
        let p = prove_record(600, n, &reader).expect("prove_record");
        assert_eq!(
            check_record(&p, 600, tree.hash, n, log.leaves[n as usize]),
            Ok(())
        );
    }
    assert_eq!(stored_hash_count(600), log.stored.len() as u64);
}

/// A reader that records every tile it is asked for (to check partial-tile widths).
struct Recorder<'a> {
    inner: MemTiles<'a>,
    asked: RefCell<Vec<Tile>>,
}

impl TileReader for Recorder<'_> {
    fn height(&self) -> u8 {
        8
    }
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        self.asked.borrow_mut().extend_from_slice(tiles);
        self.inner.read_tiles(tiles)
    }
    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        self.inner.save_tiles(tiles, data);
    }
}

#[test]
fn lookup_in_301_record_tree_fetches_the_tiles_go_fetches() {
    // The brief's observed `go` request sequence for record 300 of 301: tile/8/1/000.p/1 and
    // tile/8/0/001.p/45.
    let log = MemLog::with_records(301);
    let rec = Recorder {
        inner: MemTiles::new(8, &log.stored),
        asked: RefCell::new(Vec::new()),
    };
    let reader = TileHashReader::new(log.tree(301), &rec);
    assert_eq!(
        reader.check_record_hashes(&[(300, log.leaves[300])]),
        Ok(())
    );
    let mut paths: Vec<String> = rec.asked.borrow().iter().map(Tile::path).collect();
    paths.sort();
    assert_eq!(paths, ["tile/8/0/001.p/45", "tile/8/1/000.p/1"]);
}
