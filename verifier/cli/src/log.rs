//! `lockproof log …`: create, fill, serve and audit a checksum log.
//!
//! The library (`lockproof-log`) does the work; this module parses arguments, prints, shows a
//! progress bar for audits and forwards `log add` to a running server when the log directory
//! is held by one (found through `DIR/serve.json`, written by `log serve`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use lockproof_log::{AddStatus, Log, audit::audit};
use lockproof_tlog::SignerKey;

use crate::Outcome;

/// Written by `log serve` into the log directory: how to reach the running server.
const SERVE_FILE: &str = "serve.json";
/// Records per forwarded HTTP add request (the server accepts up to 16,384 and 8 MiB).
const FORWARD_CHUNK: usize = 4096;

/// The `lockproof log` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum LogCommand {
    /// Create a log and print its verifier key (`<name>+<keyid>+<key>`).
    Init {
        /// The log directory to create (must not exist or be empty).
        #[arg(long)]
        dir: PathBuf,
        /// The log's name: its key name and C2SP origin, `host[/path]` (e.g. sum.example.com).
        #[arg(long)]
        name: String,
        /// Sign with this key (a Go `PRIVATE+KEY+<name>+<id>+<key>` file) instead of a new one.
        #[arg(long, value_name = "FILE")]
        signer_key: Option<PathBuf>,
    },
    /// Append records (separated by blank lines, sumdb data format) to a log.
    ///
    /// Works on a stopped log directly; when a `log serve` holds the directory, the records are
    /// forwarded to it over HTTP (needs --token-file).
    Add {
        /// The log directory.
        #[arg(long)]
        dir: PathBuf,
        /// The records file (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        records: PathBuf,
        /// Bearer token file, used only when forwarding to a running server.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
    },
    /// Serve a log over HTTP: sumdb face, C2SP tlog-tiles face, JSON API, /healthz, /metrics.
    ///
    /// The key index is loaded into memory in the background (about the key and record bytes
    /// plus 40 bytes per record); lookups read the on-disk index until then, and for good if
    /// the log outgrows LOCKPROOF_LOG_MEMORY_INDEX_BYTES (default 1 GiB; 0 disables it).
    /// Full hash tiles that batched lookups prove through are kept expanded (64 MiB at most),
    /// and so are the few partial tiles at the right edge of the latest tree.
    Serve(ServeArgs),
    /// Log what lockfiles pin, as they pin it (trust on first use), for registries without an
    /// upstream; exit 1 if a lockfile disagrees with a record already logged.
    Import {
        /// The log directory (stopped: not held by a running `log serve`).
        #[arg(long)]
        dir: PathBuf,
        /// Lockfiles to import.
        #[arg(required = true)]
        lockfiles: Vec<PathBuf>,
    },
    /// Recompute every hash, tile and checkpoint signature and check the index; report the
    /// first inconsistency (exit 1) or "ok" (exit 0).
    Audit {
        /// The log directory (the log must not be served while auditing).
        #[arg(long)]
        dir: PathBuf,
    },
    /// Show a log's name, verifier key, size and root.
    Status {
        /// The log directory.
        #[arg(long)]
        dir: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// The options of `lockproof log serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The log directory.
    #[arg(long)]
    dir: PathBuf,
    /// Address to listen on (`127.0.0.1:0` picks a free port; the bound URL is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// File holding the bearer token that authorises POST /lockproof/v1/add; without it
    /// the server is read-only.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Append one line per request (`<METHOD> <path> <status> <bytes>`) to this file.
    #[arg(long, value_name = "FILE")]
    access_log: Option<PathBuf>,
    /// Mirror mode: fill lookup misses from these registries' published checksums
    /// (comma-separated: crates, npm, pypi, go, gem).
    #[arg(long, value_name = "ECOSYSTEMS")]
    mirror: Option<String>,
    /// Replace a mirror's default registry, NAME=URL (repeatable): crates=sparse+https://…,
    /// npm=…, pypi=…, gem=…, go=<GOPROXY or file:// dir>, go-sumdb="<vkey> <url>".
    #[arg(long, value_name = "NAME=URL", requires = "mirror")]
    upstream: Vec<String>,
    /// Submit every new checkpoint to this witness, "<vkey> <url>" (repeatable): a
    /// cosignature/v1 witness key and its C2SP tlog-witness submission URL. Cosignatures
    /// are served on /checkpoint.
    #[arg(long, value_name = "VKEY URL")]
    witness: Vec<String>,
    /// Worker threads serving HTTP connections (each connection stays on one worker);
    /// default: the CPUs this process may run on.
    #[arg(long, value_name = "N")]
    workers: Option<std::num::NonZeroUsize>,
}

pub(crate) fn run(cmd: LogCommand) -> anyhow::Result<Outcome> {
    match cmd {
        LogCommand::Init {
            dir,
            name,
            signer_key,
        } => init(&dir, &name, signer_key.as_deref()),
        LogCommand::Add {
            dir,
            records,
            token_file,
        } => add(&dir, &records, token_file.as_deref()),
        LogCommand::Serve(args) => serve(&args),
        LogCommand::Import { dir, lockfiles } => crate::mirror::import(&dir, &lockfiles),
        LogCommand::Audit { dir } => run_audit(&dir),
        LogCommand::Status { dir, json } => status(&dir, json),
    }
}

fn init(dir: &Path, name: &str, signer_key: Option<&Path>) -> anyhow::Result<Outcome> {
    let signer = match signer_key {
        Some(path) => {
            let text =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Some(
                SignerKey::parse_file(&text)
                    .with_context(|| format!("{}: not a signer key", path.display()))?,
            )
        }
        None => None,
    };
    let vkey = Log::init(dir, name, signer)
        .with_context(|| format!("creating a log in {}", dir.display()))?;
    println!("{vkey}");
    Ok(Outcome::Passed)
}

fn read_token(path: &Path) -> anyhow::Result<String> {
    let token =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let token = token.trim().to_owned();
    if token.is_empty() {
        bail!("{}: the token file is empty", path.display());
    }
    Ok(token)
}

fn add(dir: &Path, records: &Path, token_file: Option<&Path>) -> anyhow::Result<Outcome> {
    let body = if records == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .context("reading standard input")?;
        buf
    } else {
        std::fs::read(records).with_context(|| format!("reading {}", records.display()))?
    };
    let parsed = lockproof_log::http::api::parse_add_body(&body)
        .with_context(|| format!("{}: malformed records", records.display()))?;
    match Log::open(dir) {
        Ok(log) => {
            let out = log
                .add(parsed)
                .with_context(|| format!("appending to {}", dir.display()))?;
            let added = out
                .results
                .iter()
                .filter(|s| matches!(s, AddStatus::Added(_)))
                .count();
            println!(
                "added {added}, already present {}; checkpoint size {}",
                out.results.len() - added,
                out.size
            );
            Ok(Outcome::Passed)
        }
        Err(lockproof_log::Error::Directory { reason, .. }) if dir.join(SERVE_FILE).exists() => {
            let token_file = token_file.with_context(|| {
                format!("{} is served by a running `log serve` ({reason}); pass --token-file to forward", dir.display())
            })?;
            forward(dir, &parsed, &read_token(token_file)?)
        }
        Err(e) => Err(e).with_context(|| format!("opening {}", dir.display())),
    }
}

/// Sends records to the running server's `POST /lockproof/v1/add`.
fn forward(dir: &Path, records: &[lockproof_tlog::Record], token: &str) -> anyhow::Result<Outcome> {
    let serve: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(SERVE_FILE)).context("reading serve.json")?)
            .context("parsing serve.json")?;
    let url = serve["url"].as_str().context("serve.json has no url")?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into();
    let (mut added, mut present, mut size) = (0usize, 0usize, 0u64);
    for chunk in records.chunks(FORWARD_CHUNK) {
        let body: Vec<String> = chunk.iter().map(|r| r.text().to_owned()).collect();
        let mut resp = agent
            .post(&format!("{url}/lockproof/v1/add"))
            .header("Authorization", &format!("Bearer {token}"))
            .send(body.join("\n"))
            .with_context(|| format!("POST {url}/lockproof/v1/add"))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .context("reading the server's answer")?;
        if status != 200 {
            bail!("the server refused the records ({status}): {text}");
        }
        let v: serde_json::Value =
            serde_json::from_str(&text).context("parsing the server's answer")?;
        size = v["size"].as_u64().unwrap_or(size);
        for r in v["results"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if r["status"] == "added" {
                added += 1;
            } else {
                present += 1;
            }
        }
    }
    println!("added {added}, already present {present}; checkpoint size {size} (via {url})");
    Ok(Outcome::Passed)
}

fn serve(args: &ServeArgs) -> anyhow::Result<Outcome> {
    let dir = &args.dir;
    let listen = &args.listen;
    let token = args.token_file.as_deref().map(read_token).transpose()?;
    let witnesses = args
        .witness
        .iter()
        .map(|w| lockproof_log::witness::Witness::parse(w).context("--witness"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let access_log = match &args.access_log {
        Some(path) => Some(std::sync::Arc::new(std::sync::Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?,
        ))),
        None => None,
    };
    let log = Log::open(dir).with_context(|| format!("opening {}", dir.display()))?;
    let workers = match args.workers {
        Some(n) => n,
        None => std::thread::available_parallelism().unwrap_or(std::num::NonZeroUsize::MIN),
    };
    // This runtime accepts connections and runs background work (witness submission); the
    // requests themselves are served by `workers` threads of their own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        let url = format!("http://{addr}");
        let serve_file = dir.join(SERVE_FILE);
        std::fs::write(
            &serve_file,
            serde_json::json!({ "url": url, "pid": std::process::id() }).to_string(),
        )
        .with_context(|| format!("writing {}", serve_file.display()))?;
        let cp = log.checkpoint();
        // One line, and never fail on a closed stdout: supervisors often read only the banner.
        let banner = format!(
            "lockproof log {} serving {url} size {} vkey {}\n",
            log.name().as_str(),
            cp.tree.size,
            log.verifier_key()
        );
        let mut stdout = std::io::stdout();
        let _ = stdout
            .write_all(banner.as_bytes())
            .and_then(|()| stdout.flush());
        let config = lockproof_log::http::ServeConfig {
            token,
            access_log,
            witnesses,
        };
        let result = crate::mirror::serve(
            log,
            listener,
            config,
            args.mirror.as_deref(),
            &args.upstream,
            workers,
            shutdown_signal(),
        )
        .await;
        let _ = std::fs::remove_file(&serve_file);
        result.context("serving")
    })?;
    Ok(Outcome::Passed)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn run_audit(dir: &Path) -> anyhow::Result<Outcome> {
    let log = Log::open(dir).with_context(|| format!("opening {}", dir.display()))?;
    let size = log.checkpoint().tree.size;
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template("auditing {bar:40} {pos}/{len} records ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if size < 100_000 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let report = audit(&log, &mut |done, _| bar.set_position(done)).context("auditing")?;
    bar.finish_and_clear();
    match report.problem {
        None => {
            println!(
                "audit ok: {} records, root {}, {} hash tiles recomputed, checkpoint signature valid",
                report.size, report.root, report.tiles_checked
            );
            Ok(Outcome::Passed)
        }
        Some(problem) => {
            println!("audit FAILED at size {}: {problem}", report.size);
            Ok(Outcome::Failed)
        }
    }
}

fn status(dir: &Path, json: bool) -> anyhow::Result<Outcome> {
    let log = Log::open_read_only(dir).with_context(|| format!("opening {}", dir.display()))?;
    let st = log.status().context("reading the index")?;
    let served = std::fs::read_to_string(dir.join(SERVE_FILE)).ok();
    if json {
        let v = serde_json::json!({
            "dir": st.dir,
            "name": log.name().as_str(),
            "vkey": st.vkey,
            "size": st.tree.size,
            "root": st.tree.hash.to_base64(),
            "indexed_keys": st.indexed_keys,
            "served": served.and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok()),
        });
        println!("{v}");
    } else {
        println!("log      {}", log.name().as_str());
        println!("dir      {}", st.dir.display());
        println!("vkey     {}", st.vkey);
        println!("size     {}", st.tree.size);
        println!("root     {}", st.tree.hash);
        println!("indexed  {}", st.indexed_keys);
        if let Some(s) = served {
            println!("served   {}", s.trim());
        }
    }
    Ok(Outcome::Passed)
}
