//! Print the entries of each lockfile given on the command line (a debugging aid).

fn main() {
    for arg in std::env::args().skip(1) {
        match lockproof_lockfile::parse(arg.as_ref()) {
            Ok(entries) => {
                for e in &entries {
                    println!(
                        "{}:{} {} {} {} {:?} {} {:?} {:?}",
                        e.location.line,
                        e.location.column,
                        e.ecosystem,
                        e.name,
                        e.version,
                        e.artifact,
                        e.digest
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        e.pin,
                        e.source
                    );
                }
                eprintln!("{arg}: {} entries", entries.len());
            }
            Err(err) => eprintln!("{err}"),
        }
    }
}
