//! Acceptance 3 of issue 3: for the same signer key and the same records in the same order,
//! `lockproof log serve` answers `/latest`, every `/lookup/…` and every tile byte for byte like
//! Go's reference server (`golang.org/x/mod/sumdb.NewServer` from Debian's
//! golang-golang-x-mod-dev, wrapped by `tests/go/gotest refsumdb`).
//!
//! One documented difference: Debian's x/mod v0.7.0 writes each record of a *data* tile
//! (`tile/8/data/…`) with its record-id line in front; later x/mod (and sum.golang.org) dropped
//! that line, and lockproof follows them. The test pins both formats exactly.

#[path = "log_harness/mod.rs"]
mod harness;
#[path = "support/mod.rs"]
mod support;

use harness::go_helper::{RefSumdb, gotest};
use harness::{Server, add_records, get, go_key, init_log, pad_record};
use lockproof_tlog::{LOCKPROOF_TILE_HEIGHT, Record, Tile, TileLevel, tree_tiles};

const NAME: &str = "sumdb.reference.test";

#[test]
fn responses_are_byte_identical_to_the_go_reference_server() {
    let Some(bin) = gotest() else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    let (skey, _) = go_key(&bin, w, NAME);

    // Records: three real module versions, 300 Go fillers and some ecosystem records, mixed.
    let (_, modules) = harness::go_fixture_proxy(&bin, w);
    let mut records: Vec<String> = Vec::new();
    for i in 0..300 {
        if i == 17 {
            records.push(modules[0].clone());
        }
        if i == 260 {
            records.push(modules[2].clone());
            records.push(format!("cargo/serde 1.0.219 sha256:{}\n", "ab".repeat(32)));
            records.push(format!(
                "npm/@babel/core 7.24.0 sha512:{}\n",
                "cd".repeat(64)
            ));
        }
        records.push(pad_record("r", i));
    }
    records.push(modules[1].clone());
    records.push(format!(
        "pypi/requests 2.31.0 requests-2.31.0-py3-none-any.whl sha256:{}\n",
        "ef".repeat(32)
    ));
    let size = records.len() as u64;

    let file = w.join("all.records");
    std::fs::write(&file, harness::records_file(&records)).expect("write");
    let reference = RefSumdb::start(&bin, &skey, &file, &w.join("ref.addr"), &[]);
    let dir = w.join("log");
    init_log(w, &dir, NAME, Some(&skey));
    add_records(w, &dir, &records);
    let ours = Server::start(w, &dir, &[]);
    let theirs = &reference.url;

    let same = |path: &str| {
        let (s1, b1) = get(&format!("{}{path}", ours.url));
        let (s2, b2) = get(&format!("{theirs}{path}"));
        assert_eq!((s1, s2), (200, 200), "{path}");
        assert!(
            b1 == b2,
            "{path} differs:\nours:\n{}\nreference:\n{}",
            String::from_utf8_lossy(&b1),
            String::from_utf8_lossy(&b2)
        );
    };
    same("/latest");
    let latest = get(&format!("{}/latest", ours.url)).1;
    assert!(
        String::from_utf8_lossy(&latest).starts_with(&format!("go.sum database tree\n{size}\n"))
    );
    for rec in records.iter().filter(|r| !r.contains(" sha")) {
        let key = Record::parse(rec.as_bytes())
            .expect("record")
            .key()
            .lookup_path();
        same(&format!("/lookup/{key}"));
        same(&format!("/sumdb/{NAME}/lookup/{key}"));
    }
    assert!(
        modules.iter().any(|r| r.starts_with("example.org/Greet ")),
        "the !greet case is covered"
    );
    assert_eq!(get(&format!("{}/sumdb/{NAME}/supported", ours.url)).0, 200);
    assert_eq!(
        get(&format!("{}/lookup/example.com/nothere@v1.0.0", ours.url)).0,
        404
    );
    assert_eq!(
        get(&format!("{theirs}/lookup/example.com/nothere@v1.0.0")).0,
        404
    );

    let mut compared = 0;
    for tile in tree_tiles(LOCKPROOF_TILE_HEIGHT, size).expect("tiles") {
        for width in 1..=tile.width {
            let t = Tile { width, ..tile };
            same(&format!("/{}", t.path()));
            compared += 1;
        }
    }
    // Data tiles, every width of every data tile.
    for n in 0..=(size >> 8) {
        let full = harness_width(size, n);
        for width in 1..=full {
            let t = Tile {
                height: 8,
                level: TileLevel::Data,
                n,
                width,
            };
            let (s1, b1) = get(&format!("{}/{}", ours.url, t.path()));
            let (s2, b2) = get(&format!("{theirs}/{}", t.path()));
            assert_eq!((s1, s2), (200, 200), "{}", t.path());
            let start = (n << 8) as usize;
            let slice = &records[start..start + usize::from(width)];
            let expect_ours: String = slice.iter().map(|r| format!("{r}\n")).collect();
            let expect_ref: String = slice
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{}\n{r}\n", start + i))
                .collect();
            assert_eq!(String::from_utf8_lossy(&b1), expect_ours, "{}", t.path());
            assert_eq!(
                String::from_utf8_lossy(&b2),
                expect_ref,
                "{} (x/mod v0.7.0 format)",
                t.path()
            );
            compared += 1;
        }
    }
    assert!(compared > 300, "compared {compared} tiles");
    drop(reference);
}

fn harness_width(size: u64, n: u64) -> u16 {
    u16::try_from((size - (n << 8)).min(256)).expect("width")
}
