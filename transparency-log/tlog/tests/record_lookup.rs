//! Go checksum-database `/lookup` responses, including a real one from sum.golang.org.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use lockproof_tlog::lookup::{LookupResponse, format_lookup_response};
use lockproof_tlog::{Error, RecordKey, VerifierKey, Verifiers, open, parse_tree_note};

/// sum.golang.org's key (cmd/go/internal/modfetch/key.go).
const SUM_GOLANG_ORG: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

/// A real `/lookup/github.com/!stack!exchange/wmi@v1.2.0` response from sum.golang.org, as
/// quoted in goproxyio/goproxy#209.
const REAL: &str = "5962738\n\
github.com/StackExchange/wmi v1.2.0 h1:noJEYkMQVlFCEAc+2ma5YyRhlfjcWfZqk5sBRYozdyM=\n\
github.com/StackExchange/wmi v1.2.0/go.mod h1:3eOhrUMpNV+6aFIbp5/iudMxNCF27Vw2OZgy4xEx0Fg=\n\
\n\
go.sum database tree\n\
11824063\n\
WCl512Pdu5vjuBVhKZhK+XZw6Xp/DWkqqvzSQdp+8q4=\n\
\n\
— sum.golang.org Az3grjvrvdlD1XXg3nTv0Xpy0rz1iE0usJdqgypkJPeH4tSKI4P0SBoKRlVee1N6BVXR7j7kWLsa7SsnzV7lxL/LPQA=\n";

#[test]
fn parses_and_verifies_a_real_sum_golang_org_lookup() {
    let resp = LookupResponse::parse_unauthenticated(REAL.as_bytes()).unwrap();
    assert_eq!(resp.index, 5962738);
    let key = RecordKey::parse_lookup_path("github.com/!stack!exchange/wmi@v1.2.0").unwrap();
    resp.record.check_key(&key).unwrap();
    let note = open(
        &resp.signed_note,
        &Verifiers::new([VerifierKey::parse(SUM_GOLANG_ORG).unwrap()]),
    )
    .unwrap();
    let tree = parse_tree_note(note.text()).unwrap();
    assert_eq!(tree.size, 11824063);
    assert!(resp.index < tree.size);
    assert_eq!(resp.to_bytes(), REAL.as_bytes());
    assert_eq!(
        format_lookup_response(resp.index, &resp.record, &resp.signed_note),
        REAL.as_bytes()
    );
}

#[test]
fn rejects_a_real_note_with_one_changed_digit() {
    let forged = REAL.replace("11824063", "11824064");
    let resp = LookupResponse::parse_unauthenticated(forged.as_bytes()).unwrap();
    let verifiers = Verifiers::new([VerifierKey::parse(SUM_GOLANG_ORG).unwrap()]);
    assert!(matches!(
        open(&resp.signed_note, &verifiers),
        Err(Error::InvalidSignature { .. })
    ));
}

#[test]
fn rejects_malformed_lookup_responses() {
    let (id_line, rest) = REAL.split_once('\n').unwrap();
    let bad = [
        String::new(),
        rest.to_owned(),    // no id line
        format!("0{REAL}"), // leading zero
        format!("-1\n{rest}"),
        format!("{id_line} \n{rest}"),
        format!("{id_line}\n\n{rest}"),             // empty record
        REAL.replacen("\n\ngo.sum", "\ngo.sum", 1), // no separator
        REAL.split("\n\ngo.sum").next().unwrap().to_owned() + "\n\n", // no note
        REAL.replacen("v1.2.0/go.mod", "v1.2.1/go.mod", 1), // invalid record
    ];
    for body in bad {
        assert!(
            matches!(
                LookupResponse::parse_unauthenticated(body.as_bytes()),
                Err(Error::Malformed { .. })
            ),
            "{body:?}"
        );
    }
}
