//! `coffer-bench driver`: a small client on the SDK, run as its own process so that its peak
//! RSS is measured alone. It times the workloads the CLI cannot express (200 concurrent clients,
//! bulk folder creation) and can stand in for the CLI (`--client sdk`).
//!
//! The session comes from `COFFER_CONFIG_DIR`, the password (signup only) from
//! `COFFER_PASSWORD`, as for the CLI. For experiments, `COFFER_BENCH_CHUNKS_IN_FLIGHT` and
//! `COFFER_BENCH_FILES_IN_FLIGHT` override the SDK's [`TransferOptions`] defaults.

use crate::metadata_load;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use coffer_client::{Drive, SessionStore, TransferOptions};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum DriverCommand {
    /// Create an account and save its session.
    Signup {
        #[arg(long)]
        server: String,
        #[arg(long)]
        email: String,
    },
    /// Upload one file.
    Put { local: PathBuf, dest: String },
    /// Download one file.
    Get { src: String, local: PathBuf },
    /// Upload a folder.
    PutDir { local: PathBuf, dest: String },
    /// Download a folder.
    GetDir { src: String, local: PathBuf },
    /// List a folder; prints the number of entries.
    Ls { path: String },
    /// Create a folder and its parents.
    Mkdir { path: String },
    /// Create `count` empty folders in `folder` (the listing benchmark's setup); prints JSON.
    Populate {
        folder: String,
        #[arg(long)]
        count: usize,
        /// Independent clients creating at once.
        #[arg(long, default_value_t = 16)]
        workers: usize,
    },
    /// Concurrent clients doing ls, mkdir and mv in their own folders; prints JSON latencies.
    Metadata {
        folder: String,
        #[arg(long)]
        clients: usize,
        #[arg(long)]
        rounds: usize,
        /// Mean pause of each client between its operations, in ms (random, exponential: a
        /// steady load of independent users); 0: every client flat out, back to back.
        #[arg(long, default_value_t = 0)]
        pace_ms: u64,
    },
}

pub fn run(command: DriverCommand) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(execute(command))
}

fn store() -> Result<SessionStore> {
    let dir = std::env::var_os("COFFER_CONFIG_DIR").context("COFFER_CONFIG_DIR is not set")?;
    Ok(SessionStore::new(dir))
}

/// A drive on the saved session (each call loads its own: an independent client).
pub fn open_drive(store: &SessionStore) -> Result<Drive> {
    let session = store.load()?.context("not logged in")?;
    Ok(Drive::open(session)?)
}

async fn execute(command: DriverCommand) -> Result<()> {
    let store = store()?;
    let opts = transfer_options();
    match command {
        DriverCommand::Signup { server, email } => {
            let password =
                std::env::var("COFFER_PASSWORD").context("COFFER_PASSWORD is not set")?;
            coffer_client::signup(&server, &email, password.as_bytes(), &store).await?;
        }
        DriverCommand::Put { local, dest } => {
            open_drive(&store)?.put_file(&local, &dest, &opts).await?;
        }
        DriverCommand::Get { src, local } => {
            open_drive(&store)?.get_file(&src, &local, &opts).await?;
        }
        DriverCommand::PutDir { local, dest } => {
            open_drive(&store)?.put_dir(&local, &dest, &opts).await?;
        }
        DriverCommand::GetDir { src, local } => {
            open_drive(&store)?.get_dir(&src, &local, &opts).await?;
        }
        DriverCommand::Ls { path } => {
            println!("{}", open_drive(&store)?.ls(&path).await?.len());
        }
        DriverCommand::Mkdir { path } => {
            open_drive(&store)?.mkdir(&path, true).await?;
        }
        DriverCommand::Populate {
            folder,
            count,
            workers,
        } => populate(&store, &folder, count, workers).await?,
        DriverCommand::Metadata {
            folder,
            clients,
            rounds,
            pace_ms,
        } => {
            let pace = std::time::Duration::from_millis(pace_ms);
            let report = metadata_load::run(&store, &folder, clients, rounds, pace).await?;
            println!("{}", serde_json::to_string(&report)?);
        }
    }
    Ok(())
}

/// The SDK's defaults, unless the experiment variables say otherwise.
fn transfer_options() -> TransferOptions {
    let from_env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    let mut opts = TransferOptions::default();
    if let Some(n) = from_env("COFFER_BENCH_CHUNKS_IN_FLIGHT") {
        opts.chunks_in_flight = n;
    }
    if let Some(n) = from_env("COFFER_BENCH_FILES_IN_FLIGHT") {
        opts.files_in_flight = n;
    }
    opts
}

/// Creates `folder/e000000` … with `workers` independent clients taking names in turn.
async fn populate(store: &SessionStore, folder: &str, count: usize, workers: usize) -> Result<()> {
    if workers == 0 {
        bail!("--workers must be at least 1");
    }
    let first = open_drive(store)?;
    first.mkdir(folder, true).await?;
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (drive, next, folder) = (open_drive(store)?, next.clone(), folder.to_owned());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<(), coffer_client::ClientError>(());
                }
                drive.mkdir(&format!("{folder}/e{i:06}"), false).await?;
            }
        }));
    }
    for task in tasks {
        task.await.context("a populate worker panicked")??;
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{}", serde_json::json!({ "created": count, "secs": secs }));
    Ok(())
}
