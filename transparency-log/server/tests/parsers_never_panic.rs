//! Property tests: the add-body parser never panics and round-trips valid record lists.

use lockproof_log::http::api::parse_add_body;
use proptest::prelude::*;

proptest! {
    #[test]
    fn add_body_parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_add_body(&body);
    }

    #[test]
    fn add_body_parser_never_panics_on_record_like_text(body in "[a-z/@. :0-9\n]{0,300}") {
        let _ = parse_add_body(body.as_bytes());
    }

    #[test]
    fn valid_record_lists_round_trip(n in 1usize..20, sep_trailing in any::<bool>()) {
        let records: Vec<String> = (0..n)
            .map(|i| format!("cargo/p{i} 1.0.{i} sha256:{:064x}\n", i * 31))
            .collect();
        let mut body = records.join("\n");
        if sep_trailing {
            body.push('\n');
        }
        let parsed = parse_add_body(body.as_bytes()).expect("valid list");
        let texts: Vec<&str> = parsed.iter().map(|r| r.text()).collect();
        prop_assert_eq!(texts, records.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
