//! Go's `golang.org/x/mod/sumdb/tlog` agrees: every leaf hash, tree hash, inclusion and
//! consistency proof, stored hash and tile in `fixtures/go-sumdb-vectors/*.json` is reproduced
//! byte for byte. (The signed notes in those files are checked by the note tests.)

mod merkle_support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use lockproof_tlog::{
    Hash, RecordProof, Tile, TileHashReader, Tree, TreeProof, check_record, check_tree,
    hash_from_tile, prove_record, prove_tree, read_tile_data, record_hash, stored_hash_index,
    tile_for_index, tree_hash, tree_tiles,
};
use merkle_support::{MemLog, MemTiles};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/go-sumdb-vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hex_hash(v: &Value) -> Hash {
    Hash::from_hex(v.as_str().expect("hex string")).expect("hex hash")
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array().expect("array").iter().map(hex_hash).collect()
}

fn u64_of(v: &Value) -> u64 {
    v.as_u64().expect("number")
}

fn bytes_of_hex(text: &str) -> Vec<u8> {
    hex::decode(text).expect("hex")
}

/// Builds the log from the vector file's leaves with this crate's `stored_hashes`.
fn log_from(v: &Value) -> MemLog {
    let mut log = MemLog::with_records(0);
    for (i, leaf) in v["leaves"].as_array().expect("leaves").iter().enumerate() {
        assert_eq!(u64_of(&leaf["index"]), i as u64);
        let data = bytes_of_hex(leaf["data_hex"].as_str().expect("data_hex"));
        assert_eq!(data, leaf["data"].as_str().expect("data").as_bytes());
        assert_eq!(record_hash(&data), hex_hash(&leaf["leaf_hash"]), "leaf {i}");
        log.append(&data);
    }
    log
}

fn reproduces_every_value(name: &str) {
    let v = load(name);
    let log = log_from(&v);
    let mut checked = 0;

    for tree in v["trees"].as_array().expect("trees") {
        let size = u64_of(&tree["size"]);
        let root = hex_hash(&tree["root"]);
        assert_eq!(
            tree_hash(size, &log.stored),
            Ok(root),
            "{name}: root of {size}"
        );
        let note_text = format!("go.sum database tree\n{size}\n{}\n", root.to_base64());
        assert_eq!(
            tree["note_text"].as_str(),
            Some(note_text.as_str()),
            "{name}: note {size}"
        );
        checked += 1;
    }

    for case in v["inclusion"].as_array().expect("inclusion") {
        let (n, t) = (u64_of(&case["index"]), u64_of(&case["size"]));
        let want = RecordProof(hashes(&case["proof"]));
        assert_eq!(
            prove_record(t, n, &log.stored),
            Ok(want.clone()),
            "{name}: PATH({n},{t})"
        );
        let th = tree_hash(t, &log.stored).expect("tree hash");
        assert_eq!(
            check_record(&want, t, th, n, log.leaves[n as usize]),
            Ok(())
        );
        checked += 1;
    }

    for case in v["consistency"].as_array().expect("consistency") {
        let (n, t) = (u64_of(&case["old"]), u64_of(&case["new"]));
        let want = TreeProof(hashes(&case["proof"]));
        assert_eq!(
            prove_tree(t, n, &log.stored),
            Ok(want.clone()),
            "{name}: PROOF({n},{t})"
        );
        let th = tree_hash(t, &log.stored).expect("tree hash");
        let h = tree_hash(n, &log.stored).expect("tree hash");
        assert_eq!(check_tree(&want, t, th, n, h), Ok(()));
        checked += 1;
    }

    for stored in v["stored_hashes"].as_array().expect("stored_hashes") {
        let index = u64_of(&stored["index"]);
        let level = u8::try_from(u64_of(&stored["level"])).expect("level");
        let n = u64_of(&stored["n"]);
        assert_eq!(
            stored_hash_index(level, n),
            index,
            "{name}: index of ({level},{n})"
        );
        assert_eq!(
            log.stored[index as usize],
            hex_hash(&stored["hash"]),
            "{name}: hash {index}"
        );
        checked += 1;
    }
    assert_eq!(
        v["stored_hashes"].as_array().map(Vec::len),
        Some(log.stored.len()),
        "{name}: every stored hash is listed"
    );

    let height = u8::try_from(u64_of(&v["tile_height"])).expect("height");
    let mut all_tiles = BTreeSet::new();
    for size in 1..=log.size() {
        all_tiles.extend(tree_tiles(height, size).expect("tree_tiles"));
    }
    for case in v["tiles"].as_array().expect("tiles") {
        let path = case["path"].as_str().expect("path");
        let tile = Tile::parse_path(path).expect("tile path");
        assert_eq!(tile.path(), path);
        assert!(
            all_tiles.contains(&tile),
            "{name}: {path} is a tile of some tree size"
        );
        let data = bytes_of_hex(case["data_hex"].as_str().expect("data_hex"));
        assert_eq!(
            read_tile_data(&tile, &log.stored),
            Ok(data.clone()),
            "{name}: {path}"
        );
        // Every stored hash the tile covers comes back out of it.
        for index in 0..log.stored.len() as u64 {
            if let Ok(h) = hash_from_tile(&tile, &data, index) {
                assert_eq!(h, log.stored[index as usize], "{name}: {path} hash {index}");
                assert_eq!(tile_for_index(height, index).map(|t| t.n), Ok(tile.n));
            }
        }
        checked += 1;
    }

    // The whole log verifies through authenticated tiles of the vectors' height.
    let tiles = MemTiles::new(height, &log.stored);
    let tree = Tree {
        size: log.size(),
        hash: tree_hash(log.size(), &log.stored).expect("root"),
    };
    let reader = TileHashReader::new(tree, &tiles);
    let records: Vec<(u64, Hash)> = log
        .leaves
        .iter()
        .enumerate()
        .map(|(i, h)| (i as u64, *h))
        .collect();
    assert_eq!(reader.check_record_hashes(&records), Ok(()));
    assert!(checked > 10, "{name}: only {checked} values checked");
}

#[test]
fn reproduces_go_vectors_for_seven_synthetic_leaves() {
    reproduces_every_value("leaves7.json");
}

#[test]
fn reproduces_go_vectors_for_three_real_sumdb_records() {
    reproduces_every_value("records3.json");
}

#[test]
fn empty_tree_hash_is_go_zero_hash() {
    let v = load("leaves7.json");
    let empty = &v["trees"][0];
    assert_eq!(u64_of(&empty["size"]), 0);
    assert_eq!(hex_hash(&empty["root"]), lockproof_tlog::EMPTY_TREE_HASH);
}
