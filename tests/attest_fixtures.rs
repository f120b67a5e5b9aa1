//! `lockproof attest verify` and the conformance entry point `verify-bundle` on the 14
//! sigstore-conformance cases in `fixtures/sigstore/` (conventions in its README), each run with
//! the artifact path and with `sha256:<hex>`. Every `_fail` case must fail for its stated
//! reason, read from the JSON report, not only by exit status.

#[path = "support/mod.rs"]
mod support;

/// Without the `sigstore` feature the commands exist but fail clearly (exit 2), never pass.
#[cfg(not(feature = "sigstore"))]
#[test]
fn without_the_sigstore_feature_verification_is_a_clear_error() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = support::fixture("sigstore/bundle-verify");
    let out = support::lockproof(home.path())
        .args(["verify-bundle", "--bundle"])
        .arg(dir.join("happy-path-v0.3/bundle.sigstore.json"))
        .args([
            "--certificate-identity",
            "x",
            "--certificate-oidc-issuer",
            "y",
        ])
        .arg(dir.join("a.txt"))
        .output()
        .expect("run lockproof");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without the `sigstore` feature"));
}

#[cfg(feature = "sigstore")]
mod with_sigstore {
    use super::support;

    use std::ffi::OsStr;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    use serde_json::Value;

    const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

    /// Expected verdict per case: `None` passes; `Some(reason)` fails with that reason. The reasons
    /// follow each case's upstream README (see fixtures/sigstore/README.md).
    const CASES: &[(&str, Option<&str>)] = &[
        ("happy-path-v0.1", None),
        ("happy-path-v0.3", None),
        ("happy-path-intoto-in-dsse-v3", None),
        ("intoto-with-custom-trust-root", None),
        ("rekor2-happy-path", None),
        // "The artifact signature does not verify."
        ("signature-mismatch_fail", Some("signature")),
        // A v0.2 bundle whose stale proof also lacks the checkpoint v0.2 requires.
        ("invalid-inclusion-proof_fail", Some("checkpoint")),
        // One hash of the audit path is flipped: the recomputed root does not match.
        (
            "inclusion-proof-corrupted-hash_fail",
            Some("inclusion_proof"),
        ),
        // The Signed Entry Timestamp signature is invalid.
        ("set-invalid-signature_fail", Some("inclusion_promise")),
        // The checkpoint's signature is invalid.
        ("invalid-checkpoint-signature_fail", Some("checkpoint")),
        // The checkpoint root is not the root the proof leads to.
        ("checkpoint-wrong-roothash_fail", Some("checkpoint")),
        // The log entry body describes a different artifact.
        ("wrong-hashedrekord-entry_fail", Some("log_entry_mismatch")),
        // The leaf was issued outside the CA's validity window in the trust root.
        ("intoto-expired-certificate_fail", Some("certificate")),
        // Integrated time outside the certificate's validity window.
        ("integrated-time-in-future_fail", Some("certificate")),
    ];

    /// One case's inputs, resolved by the conformance conventions.
    struct Case {
        bundle: PathBuf,
        artifact: PathBuf,
        trusted_root: Option<PathBuf>,
        identity: String,
        issuer: String,
    }

    fn case(name: &str) -> Case {
        let root = support::fixture("sigstore/bundle-verify");
        let dir = root.join(name);
        let read = |file: &str| {
            std::fs::read_to_string(dir.join(file))
                .ok()
                .map(|s| s.trim_end().to_owned())
        };
        Case {
            bundle: dir.join("bundle.sigstore.json"),
            artifact: if dir.join("artifact").exists() {
                dir.join("artifact")
            } else {
                root.join("a.txt")
            },
            trusted_root: dir
                .join("trusted_root.json")
                .exists()
                .then(|| dir.join("trusted_root.json")),
            identity: read("identity").unwrap_or_else(|| DEFAULT_IDENTITY.to_owned()),
            issuer: read("issuer").unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
        }
    }

    impl Case {
        /// `lockproof attest verify --bundle <bundle> --artifact <artifact> <args>`, not yet run.
        fn attest_verify(
            &self,
            home: &Path,
            artifact: impl AsRef<OsStr>,
            args: &[&str],
        ) -> Command {
            let mut cmd = support::lockproof(home);
            cmd.args(["attest", "verify", "--bundle"])
                .arg(&self.bundle)
                .arg("--artifact")
                .arg(artifact)
                .args(args);
            cmd
        }

        /// The signer the case expects, as `attest verify` options.
        fn signer(&self) -> [&str; 4] {
            ["--identity", &self.identity, "--issuer", &self.issuer]
        }

        /// Adds `--trusted-root` when the case brings its own trust root.
        fn add_trusted_root(&self, cmd: &mut Command) {
            if let Some(root) = &self.trusted_root {
                cmd.arg("--trusted-root").arg(root);
            }
        }
    }

    fn run(mut cmd: Command) -> Output {
        cmd.output().expect("run lockproof")
    }

    fn sha256_arg(path: &Path) -> String {
        lockproof_attest::Sha256Digest::of(&std::fs::read(path).expect("read artifact")).to_string()
    }

    /// Runs `attest verify --json` and returns (exit code, report).
    fn attest_verify_json(home: &Path, c: &Case, artifact: &str) -> (i32, Value) {
        let mut cmd = c.attest_verify(home, artifact, &[&["--json"][..], &c.signer()].concat());
        c.add_trusted_root(&mut cmd);
        let out = run(cmd);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "bad JSON ({e}): {stdout}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().expect("exit code"), report)
    }

    #[test]
    fn every_fixture_case_gives_its_expected_result_and_reason_with_path_and_digest() {
        let home = tempfile::tempdir().expect("tempdir");
        let mut wrong = Vec::new();
        for (name, expected) in CASES {
            let c = case(name);
            for artifact in [
                c.artifact.to_str().expect("utf-8 path").to_owned(),
                sha256_arg(&c.artifact),
            ] {
                let (code, report) = attest_verify_json(home.path(), &c, &artifact);
                let ok = match expected {
                    None => code == 0 && report["result"] == "pass",
                    Some(reason) => {
                        code == 1 && report["result"] == "fail" && report["reason"] == *reason
                    }
                };
                if !ok {
                    wrong.push(format!(
                        "{name} ({artifact}): expected {expected:?}, got exit {code}: {report}"
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn conformance_entry_point_exits_zero_exactly_for_passing_cases() {
        let home = tempfile::tempdir().expect("tempdir");
        for (name, expected) in CASES {
            let c = case(name);
            for artifact in [
                c.artifact.to_str().expect("utf-8 path").to_owned(),
                sha256_arg(&c.artifact),
            ] {
                // The argument order the sigstore-conformance harness uses.
                let mut cmd = support::lockproof(home.path());
                cmd.args(["verify-bundle", "--bundle"])
                    .arg(&c.bundle)
                    .args([
                        "--certificate-identity",
                        &c.identity,
                        "--certificate-oidc-issuer",
                        &c.issuer,
                    ]);
                c.add_trusted_root(&mut cmd);
                cmd.arg(&artifact);
                let status = run(cmd).status;
                assert_eq!(
                    status.code(),
                    Some(if expected.is_none() { 0 } else { 1 }),
                    "{name} {artifact}"
                );
            }
        }
    }

    #[test]
    fn human_report_names_identity_log_and_failure_reason() {
        let home = tempfile::tempdir().expect("tempdir");
        let c = case("happy-path-v0.1");
        let out = run(c.attest_verify(home.path(), &c.artifact, &c.signer()));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains("identity:") && text.contains(&c.identity),
            "{text}"
        );
        assert!(
            text.contains("log inclusion:   rekor.sigstore.dev"),
            "{text}"
        );

        let c = case("set-invalid-signature_fail");
        let out = run(c.attest_verify(home.path(), &c.artifact, &c.signer()));
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("FAILED (inclusion_promise)"));
    }

    #[test]
    fn regex_policies_match_like_cosign_and_reject_non_matching_signers() {
        let home = tempfile::tempdir().expect("tempdir");
        let c = case("happy-path-v0.3");
        let verify = |identity_re: &str, issuer_re: &str| {
            run(c.attest_verify(
                home.path(),
                &c.artifact,
                &[
                    "--json",
                    "--identity-regexp",
                    identity_re,
                    "--issuer-regexp",
                    issuer_re,
                ],
            ))
        };
        let out = verify(
            r"^https://github\.com/sigstore-conformance/",
            r"^https://token\.actions\.githubusercontent\.com$",
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let out = verify(r"^https://github\.com/someone-else/", r"githubusercontent");
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            (out.status.code(), report["reason"].as_str()),
            (Some(1), Some("identity"))
        );
        let out = verify("sigstore-conformance", r"^https://accounts\.google\.com$");
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            (out.status.code(), report["reason"].as_str()),
            (Some(1), Some("issuer"))
        );
    }

    #[test]
    fn usage_errors_exit_two_with_a_message() {
        let home = tempfile::tempdir().expect("tempdir");
        let c = case("happy-path-v0.3");
        let cases: [&[&str]; 3] = [
            &["--identity", "x"], // no issuer
            &[
                "--identity",
                "x",
                "--issuer",
                "y",
                "--trusted-root",
                "/nonexistent/root.json",
            ],
            &["--identity-regexp", "(", "--issuer", "y"],
        ];
        for extra in cases {
            let out = run(c.attest_verify(home.path(), "sha256:00", extra));
            assert_eq!(
                out.status.code(),
                Some(2),
                "{extra:?}: {}",
                String::from_utf8_lossy(&out.stdout)
            );
            assert!(!out.stderr.is_empty());
        }
    }
}
