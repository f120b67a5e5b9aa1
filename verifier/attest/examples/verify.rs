//! The smallest bundle verifier: `verify BUNDLE ARTIFACT IDENTITY ISSUER`, exit 0 if verified.
//!
//! Also the yardstick for the binary-size cost of the `sigstore` feature (benchmarks/attest.md):
//! build it in release with and without the feature and compare.
#![allow(missing_docs, reason = "example")]

use lockproof_attest::{Artifact, Policy, TrustRoot, Verifier};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bundle, artifact, identity, issuer] = args.as_slice() else {
        eprintln!("usage: verify BUNDLE ARTIFACT IDENTITY ISSUER");
        return std::process::ExitCode::from(2);
    };
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        let verifier = Verifier::new(&TrustRoot::public_good()?)?;
        let bundle = std::fs::read_to_string(bundle)?;
        let artifact = std::fs::read(artifact)?;
        let verified = verifier.verify(
            &bundle,
            Artifact::Bytes(&artifact),
            &Policy::keyless(identity, issuer),
        )?;
        println!(
            "verified: signed by {:?} at {:?}",
            verified.identity, verified.verified_times
        );
        Ok(())
    };
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::from(1)
        }
    }
}
