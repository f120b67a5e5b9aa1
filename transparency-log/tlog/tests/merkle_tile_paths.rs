//! Tile paths for both faces parse and format strictly: every canonical path round-trips, every
//! non-canonical spelling is rejected, and no input makes the parsers panic.

use lockproof_tlog::{Tile, TileLevel};
use proptest::prelude::*;

fn hash_tile(height: u8, level: u8, n: u64, width: u16) -> Tile {
    Tile {
        height,
        level: TileLevel::Hash(level),
        n,
        width,
    }
}

#[test]
fn parses_and_formats_go_tile_path_vectors() {
    // Go's tilePaths table (x/mod sumdb/tlog tlog_test.go), plus lockproof's height 8.
    for (path, tile) in [
        ("tile/4/0/001", hash_tile(4, 0, 1, 16)),
        ("tile/4/0/001.p/5", hash_tile(4, 0, 1, 5)),
        ("tile/3/5/x123/x456/078", hash_tile(3, 5, 123_456_078, 8)),
        (
            "tile/3/5/x123/x456/078.p/2",
            hash_tile(3, 5, 123_456_078, 2),
        ),
        ("tile/1/0/x003/x057/500", hash_tile(1, 0, 3_057_500, 2)),
        (
            "tile/1/data/x003/x057/500",
            Tile {
                height: 1,
                level: TileLevel::Data,
                n: 3_057_500,
                width: 2,
            },
        ),
        ("tile/8/0/x001/x234/067", hash_tile(8, 0, 1_234_067, 256)),
        ("tile/8/1/000.p/1", hash_tile(8, 1, 0, 1)),
        (
            "tile/8/data/000.p/255",
            Tile {
                height: 8,
                level: TileLevel::Data,
                n: 0,
                width: 255,
            },
        ),
    ] {
        assert_eq!(Tile::parse_path(path), Ok(tile), "{path}");
        assert_eq!(tile.path(), path);
    }
}

#[test]
fn parses_and_formats_c2sp_tile_paths() {
    for (path, tile) in [
        ("tile/0/x001/x234/067", hash_tile(8, 0, 1_234_067, 256)),
        ("tile/0/001.p/45", hash_tile(8, 0, 1, 45)),
        ("tile/1/000.p/1", hash_tile(8, 1, 0, 1)),
        (
            "tile/entries/x001/x234/067.p/128",
            Tile {
                height: 8,
                level: TileLevel::Data,
                n: 1_234_067,
                width: 128,
            },
        ),
        (
            "tile/entries/000",
            Tile {
                height: 8,
                level: TileLevel::Data,
                n: 0,
                width: 256,
            },
        ),
    ] {
        assert_eq!(Tile::parse_c2sp_path(path), Ok(tile), "{path}");
        assert_eq!(tile.c2sp_path().as_deref(), Ok(path));
    }
    // Same bytes, two names: the hash tile paths differ only by the height element.
    let tile = hash_tile(8, 2, 7, 256);
    assert_eq!(tile.path(), "tile/8/2/007");
    assert_eq!(tile.c2sp_path().as_deref(), Ok("tile/2/007"));
    assert!(hash_tile(2, 0, 0, 4).c2sp_path().is_err());
}

#[test]
fn rejects_non_canonical_and_hostile_sumdb_paths() {
    for path in [
        "",
        "tile",
        "tile/8/0",
        "tile/8/0/",
        "/tile/8/0/001",
        "tile/8/0/001/",
        "tile/8/0/1",
        "tile/8/0/0001",
        "tile/8/0/x000/001",
        "tile/8/0/x001/x000",
        "tile/8/0/001/002",
        "tile/8/0/x001",
        "tile/8/0/y001/002",
        "tile/8/0/X001/002",
        "tile/8/0/x01/002",
        "tile/8/0/001.p/256",
        "tile/8/0/001.p/0",
        "tile/8/0/001.p/05",
        "tile/8/0/001.p/",
        "tile/8/0/001.p/-1",
        "tile/8/0/001.p/+5",
        "tile/8/0/001.p",
        "tile/8/0/001.P/5",
        "tile/8/0/001.p/5/",
        "tile/8/0/.p/5",
        "tile/8/00/001",
        "tile/8/-1/001",
        "tile/08/0/001",
        "tile/0/0/001",
        "tile/16/0/001",
        "tile/8/8/001",
        "tile/8/Data/001",
        "tile/8/entries/001",
        "tile/8/0/../001",
        "tile/8/0/./001",
        "tile/8/0/001%2F",
        "tile/8/0/ 001",
        "tile/8/0/001\n",
        "tile//8/0/001",
        "tile/3/5/123/456/078",
        "tile/3/-1/123/456/078",
        "tile/8/0/x018/x446/x744/x073/x709/x551/616",
        "tile/8/0/x001/x002/x003/x004/x005/x006/x007/008",
        "tile/8/0/x999/x999/x999/x999/x999/x999/999",
        "tile/8/0/٠٠١",
    ] {
        assert!(Tile::parse_path(path).is_err(), "accepted {path:?}");
    }
    let long = format!("tile/8/0/{}001", "x001/".repeat(40));
    assert!(Tile::parse_path(&long).is_err());
}

#[test]
fn rejects_non_canonical_c2sp_paths() {
    for path in [
        "tile/8/0/001",
        "tile/0/1",
        "tile/00/001",
        "tile/0/001.p/256",
        "tile/0/001.p/0",
        "tile/data/001",
        "tile/Entries/001",
        "tile/entries/001.p/00",
        "tile/8/001",
        "tile/64/001",
        "tile/0/x000/001",
        "tile/0/../001",
        "/tile/0/001",
    ] {
        assert!(Tile::parse_c2sp_path(path).is_err(), "accepted {path:?}");
    }
}

fn arb_tile() -> impl Strategy<Value = Tile> {
    (
        1u8..=15,
        prop::option::of(0u8..8),
        any::<u64>(),
        any::<u16>(),
    )
        .prop_filter_map("valid tile", |(height, level, n, width)| {
            let level = match level {
                Some(l) => TileLevel::Hash(l),
                None => TileLevel::Data,
            };
            let full = 1u32 << height;
            let width = (u32::from(width) % full + 1) as u16;
            let tile = Tile {
                height,
                level,
                n: n >> (height + 2),
                width,
            };
            tile.validate().is_ok().then_some(tile)
        })
}

/// Strings built from the characters tile paths are made of, so the parser's branches are hit.
fn path_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("tile/".to_owned()),
            Just("x".to_owned()),
            Just("/".to_owned()),
            Just(".p/".to_owned()),
            Just("data".to_owned()),
            Just("entries".to_owned()),
            "[0-9]{1,4}",
            "[\\PC]{0,3}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn sumdb_path_round_trips(tile in arb_tile()) {
        let path = tile.path();
        prop_assert_eq!(Tile::parse_path(&path), Ok(tile));
    }

    #[test]
    fn c2sp_path_round_trips(tile in arb_tile()) {
        let tile = Tile { height: 8, width: tile.width.clamp(1, 256), ..tile };
        if tile.validate().is_ok() {
            let path = tile.c2sp_path().expect("height 8");
            prop_assert_eq!(Tile::parse_c2sp_path(&path), Ok(tile));
        }
    }

    #[test]
    fn parsers_never_panic_and_accepted_paths_are_canonical(text in path_like()) {
        if let Ok(tile) = Tile::parse_path(&text) {
            prop_assert_eq!(tile.path(), text.clone());
            prop_assert!(tile.validate().is_ok());
        }
        if let Ok(tile) = Tile::parse_c2sp_path(&text) {
            prop_assert_eq!(tile.c2sp_path().ok(), Some(text.clone()));
        }
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_strings(text in "\\PC{0,120}") {
        if let Ok(tile) = Tile::parse_path(&text) {
            prop_assert_eq!(tile.path(), text.clone());
        }
        if let Ok(tile) = Tile::parse_c2sp_path(&text) {
            prop_assert_eq!(tile.c2sp_path().ok(), Some(text));
        }
    }
}
