//! Property tests for the hash text parsers and the index arithmetic: no input panics, and
//! every accepted text is the canonical encoding of what it parsed to.

use lockproof_tlog::{
    Hash, MAX_TREE_SIZE, split_stored_hash_index, stored_hash_count, stored_hash_index,
    tile_for_index,
};
use proptest::prelude::*;

proptest! {
    #[test]
    fn hash_text_round_trips(bytes in any::<[u8; 32]>()) {
        let h = Hash(bytes);
        prop_assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        prop_assert_eq!(Hash::from_hex(&h.to_hex()), Ok(h));
        prop_assert_eq!(h.to_string().parse::<Hash>(), Ok(h));
    }

    #[test]
    fn hash_parsers_accept_only_canonical_text(text in "[A-Za-z0-9+/=_ -]{0,70}") {
        if let Ok(h) = Hash::from_base64(&text) {
            prop_assert_eq!(h.to_base64(), text.clone());
        }
        if let Ok(h) = Hash::from_hex(&text) {
            prop_assert_eq!(h.to_hex(), text);
        }
    }

    #[test]
    fn hash_parsers_never_panic(text in "\\PC{0,100}") {
        let _ = Hash::from_base64(&text);
        let _ = Hash::from_hex(&text);
    }

    #[test]
    fn index_arithmetic_never_panics(index in any::<u64>(), height in any::<u8>()) {
        let (level, n) = split_stored_hash_index(index);
        let _ = stored_hash_index(level, n);
        let _ = stored_hash_count(index);
        let _ = stored_hash_index(height, index);
        let _ = tile_for_index(height, index);
    }

    #[test]
    fn split_inverts_stored_hash_index_within_range(level in 0u8..40, n in 0u64..(1 << 20)) {
        let n = n % (MAX_TREE_SIZE >> level);
        prop_assert_eq!(split_stored_hash_index(stored_hash_index(level, n)), (level, n));
    }
}

#[test]
fn extreme_indexes_do_not_panic() {
    assert!(tile_for_index(8, u64::MAX).is_err());
    for index in (u64::MAX - 300..=u64::MAX).chain((0..64).map(|k| u64::MAX >> k)) {
        let _ = split_stored_hash_index(index);
        let _ = tile_for_index(8, index);
    }
    let _ = stored_hash_count(u64::MAX);
    let _ = stored_hash_index(u8::MAX, u64::MAX);
    // The largest tree's last leaf still round-trips.
    let last = stored_hash_index(0, MAX_TREE_SIZE - 1);
    assert_eq!(split_stored_hash_index(last), (0, MAX_TREE_SIZE - 1));
}
