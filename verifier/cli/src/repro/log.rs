//! `--record` and `--expect-log`: artifact digests in a lockproof log, as
//! `artifact/<name> <version> <file> sha256:<hex>` records (shared design, "Records and keys").
//!
//! Recording uses `POST /lockproof/v1/add`; checking uses `POST /lockproof/v1/lookups` and
//! trusts nothing in the answer: the checkpoint must be signed by the given verifier key and
//! every record must be proven included in that checkpoint's tree.

use std::time::Duration;

use anyhow::{Context, bail, ensure};
use base64::Engine as _;
use lockproof_repro::{Expectation, Report, Sha256Digest};
use lockproof_tlog::{
    Ecosystem, Hash, Record, RecordKey, RecordProof, VerifierKey, Verifiers, check_record, open,
    parse_tree_note,
};

/// Largest response body read from a log (a lookups answer for a handful of artifacts is a
/// few KiB; proofs are at most 64 hashes each).
const MAX_RESPONSE_BYTES: u64 = 4 << 20;
/// Network timeout for one request.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The key and record for each artifact of a reproducible report.
fn records(name: &str, version: &str, report: &Report) -> anyhow::Result<Vec<(String, Record)>> {
    report
        .artifacts
        .iter()
        .map(|a| {
            let file = a.name.rsplit('/').next().unwrap_or(&a.name);
            let key = RecordKey::ecosystem(Ecosystem::Artifact, name, version, Some(file))
                .with_context(|| format!("record key for artifact {}", a.name))?;
            let control = a
                .control
                .as_ref()
                .context("artifact missing from the control build")?;
            let text = format!("{} {version} {file} {}\n", key.name(), control.sha256);
            let record = Record::parse(text.as_bytes())
                .with_context(|| format!("record for artifact {}", a.name))?;
            Ok((a.name.clone(), record))
        })
        .collect()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into()
}

fn endpoint(base: &str, path: &str) -> String {
    format!("{}/lockproof/v1/{path}", base.trim_end_matches('/'))
}

/// `POST`s `body` to `url` with `headers` (in order); returns the status and the answer,
/// whatever the status.
///
/// # Errors
/// Network failures, or an answer that is not UTF-8 or longer than `MAX_RESPONSE_BYTES`.
fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> anyhow::Result<(u16, String)> {
    let mut request = agent().post(url);
    for &(name, value) in headers {
        request = request.header(name, value);
    }
    let mut resp = request.send(body).with_context(|| format!("POST {url}"))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_string()
        .with_context(|| format!("reading the answer of {url}"))?;
    Ok((status, text))
}

/// Appends one record per artifact; returns how many the log now holds for us (added or
/// already present with the same digest).
///
/// # Errors
/// Network failures, a rejected token, or a conflicting record already in the log (409: the
/// log already holds a different digest for this name, version and file).
pub(super) fn record(
    log: &str,
    token: Option<&str>,
    name: &str,
    version: &str,
    report: &Report,
) -> anyhow::Result<usize> {
    let token =
        token.context("--record needs a write token (--log-token or LOCKPROOF_LOG_TOKEN)")?;
    let records = records(name, version, report)?;
    let body: String = records
        .iter()
        .map(|(_, r)| format!("{}\n", r.text()))
        .collect();
    let url = endpoint(log, "add");
    let bearer = format!("Bearer {token}");
    let (status, text) = post(
        &url,
        &[("Authorization", &bearer), ("Content-Type", "text/plain")],
        body.as_bytes(),
    )?;
    match status {
        200 => {
            let v: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{url}: answer is not JSON"))?;
            let results = v["results"].as_array().map_or(0, Vec::len);
            ensure!(
                results == records.len(),
                "{url}: {results} results for {} records",
                records.len()
            );
            Ok(results)
        }
        409 => bail!("the log already holds a different record for this key: {text}"),
        _ => bail!("{url} answered {status}: {text}"),
    }
}

#[derive(serde::Deserialize)]
struct LookupsAnswer {
    checkpoint: String,
    results: Vec<LookupAnswer>,
}

#[derive(serde::Deserialize)]
struct LookupAnswer {
    key: String,
    status: String,
    index: Option<u64>,
    record: Option<String>,
    inclusion: Option<Vec<String>>,
}

/// Expectations from the log: for each rebuilt artifact, the digest recorded under
/// `artifact/<name> <version> <file>`, after checking the checkpoint signature and the
/// record's inclusion proof. `log` is `"<verifier key> <url>"`.
///
/// # Errors
/// A malformed log spec, network failures, a bad signature or proof, a record that does not
/// match its key, or an artifact the log has no record for.
pub(super) fn expectations_from_log(
    log: &str,
    name: &str,
    version: &str,
    report: &Report,
) -> anyhow::Result<Vec<Expectation>> {
    let (vkey_text, base) = log.split_once(char::is_whitespace).context(
        "--expect-log takes \"<verifier key> <url>\" (the key from `lockproof log init`)",
    )?;
    let vkey = VerifierKey::parse(vkey_text.trim()).context("--expect-log verifier key")?;
    let base = base.trim();
    let wanted = records(name, version, report)?;
    let keys: Vec<String> = wanted.iter().map(|(_, r)| r.key().lookup_path()).collect();
    let url = endpoint(base, "lookups");
    let body = serde_json::json!({ "keys": keys, "old_size": null }).to_string();
    let (status, text) = post(
        &url,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )?;
    ensure!(status == 200, "{url} answered {status}: {text}");
    let answer: LookupsAnswer =
        serde_json::from_str(&text).with_context(|| format!("{url}: malformed lookups answer"))?;

    let note = open(answer.checkpoint.as_bytes(), &Verifiers::new([vkey]))
        .context("the log's checkpoint is not signed by the given key")?;
    let tree = parse_tree_note(note.text()).context("the log's checkpoint")?;
    ensure!(
        answer.results.len() == wanted.len(),
        "{url}: {} results for {} keys",
        answer.results.len(),
        wanted.len()
    );

    let mut out = Vec::new();
    for ((artifact, ours), (key, got)) in wanted.iter().zip(keys.iter().zip(&answer.results)) {
        ensure!(
            got.key == *key,
            "{url}: answer for {:?} where {key:?} was asked",
            got.key
        );
        let (Some(index), Some(record_text), Some(inclusion)) =
            (got.index, &got.record, &got.inclusion)
        else {
            bail!(
                "the log has no record {key} (status {:?}) for artifact {artifact}",
                got.status
            );
        };
        let theirs = Record::parse_for_key(record_text.as_bytes(), ours.key())
            .with_context(|| format!("the log's record for {key}"))?;
        let proof = RecordProof(
            inclusion
                .iter()
                .map(|h| {
                    let bytes = base64::engine::general_purpose::STANDARD.decode(h)?;
                    let arr: [u8; 32] = bytes
                        .try_into()
                        .map_err(|_| anyhow::anyhow!("proof hash is not 32 bytes"))?;
                    Ok(Hash(arr))
                })
                .collect::<anyhow::Result<Vec<Hash>>>()
                .with_context(|| format!("inclusion proof for {key}"))?,
        );
        check_record(&proof, tree.size, tree.hash, index, theirs.leaf_hash()).with_context(
            || format!("inclusion proof for {key} at index {index} does not verify"),
        )?;
        let digest_text = theirs
            .text()
            .split_whitespace()
            .last()
            .context("record without digest")?;
        let digest: Sha256Digest = digest_text
            .parse()
            .with_context(|| format!("the log's record for {key} is not a sha256 digest"))?;
        out.push(Expectation {
            artifact: Some(artifact.clone()),
            digest,
            origin: format!("log {base} index {index}"),
        });
    }
    Ok(out)
}
