//! Property targets for the mirror's text inputs: `--mirror` / `--upstream` flags and the data
//! directory variables never panic, and accepted flags always name known upstreams.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_mirror::Upstreams;
use lockproof_mirror::embedded::default_log_dir;
use proptest::prelude::*;

fn http() -> lockproof_upstream::Http {
    lockproof_upstream::Http::new(&lockproof_upstream::HttpConfig::default())
}

proptest! {
    #[test]
    fn upstream_flags_never_panic(mirror in ".{0,40}", overrides in proptest::collection::vec(".{0,60}", 0..4)) {
        let _ = Upstreams::from_flags(&mirror, &overrides, &http());
    }

    #[test]
    fn accepted_mirror_lists_name_only_known_upstreams(
        names in proptest::collection::vec(
            prop_oneof![Just("crates"), Just("cargo"), Just("npm"), Just("pypi"), Just("go"),
                        Just("gem"), Just("rubygems"), Just("maven"), Just("")], 0..6)
    ) {
        let list = names.join(",");
        let result = Upstreams::from_flags(&list, &[], &http());
        let known = names.iter().all(|n| *n != "maven");
        let any = names.iter().any(|n| !n.is_empty());
        prop_assert_eq!(result.is_ok(), known && any, "{}", list);
    }

    #[test]
    fn data_dir_lookup_never_panics(xdg in proptest::option::of(".{0,30}"), home in proptest::option::of(".{0,30}")) {
        if let Ok(dir) = default_log_dir(xdg.map(Into::into), home.map(Into::into)) {
            prop_assert!(dir.is_absolute());
            prop_assert!(dir.ends_with("lockproof/default-log"));
        }
    }
}
