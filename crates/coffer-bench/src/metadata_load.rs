//! The concurrency workload: many independent clients (each its own [`Drive`], so its own
//! connection pool), released together, each listing, creating and renaming in its own folder.
//! Every SDK call is timed whole, path resolution and verification included: the latency a user
//! of that client would see.

use crate::driver::open_drive;
use crate::stats::Latencies;
use anyhow::{Context, Result, bail};
use coffer_client::{Drive, SessionStore};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Client folders created at once during setup.
const SETUP_PARALLELISM: usize = 16;

/// What the workload measured (serialised between the driver and the harness).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataReport {
    pub clients: usize,
    pub rounds: usize,
    /// Operations completed, all kinds.
    pub ops: usize,
    /// From the release of the clients to the last completion.
    pub secs: f64,
    pub ls: Latencies,
    pub mkdir: Latencies,
    pub mv: Latencies,
    pub all: Latencies,
    /// The slowest operations and when they began: a cluster at one moment is a stall (a
    /// checkpoint, a disk flush), a spread is queueing.
    #[serde(default)]
    pub slowest: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Ls,
    Mkdir,
    Mv,
}

pub async fn run(
    store: &SessionStore,
    folder: &str,
    clients: usize,
    rounds: usize,
    pace: Duration,
) -> Result<MetadataReport> {
    if clients == 0 || rounds == 0 {
        bail!("clients and rounds must be at least 1");
    }
    let setup = open_drive(store)?;
    setup.mkdir(folder, true).await?;
    futures::stream::iter(0..clients)
        .map(|c| {
            let drive = setup.clone();
            async move { drive.mkdir(&client_folder(folder, c), false).await }
        })
        .buffer_unordered(SETUP_PARALLELISM)
        .try_collect::<Vec<_>>()
        .await?;

    let drives = (0..clients)
        .map(|_| open_drive(store))
        .collect::<Result<Vec<_>>>()?;
    let barrier = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let mut tasks = Vec::with_capacity(clients);
    for (c, drive) in drives.into_iter().enumerate() {
        let (barrier, home) = (barrier.clone(), client_folder(folder, c));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            client_rounds(&drive, &home, rounds, Pauses::new(c as u64, pace)).await
        }));
    }
    barrier.wait().await;
    let start = Instant::now();
    let mut timed: Vec<Sample> = Vec::with_capacity(clients * rounds * 3);
    for task in tasks {
        timed.extend(task.await.context("a client task panicked")??);
    }
    let secs = start.elapsed().as_secs_f64();
    let slowest = slowest(&mut timed, start);
    let samples: Vec<(Op, f64)> = timed.iter().map(|s| (s.op, s.ms)).collect();
    let of = |pick: fn(Op) -> bool| -> Result<Latencies> {
        let ms: Vec<f64> = samples
            .iter()
            .filter(|(op, _)| pick(*op))
            .map(|s| s.1)
            .collect();
        Latencies::of(&ms).context("no operation completed")
    };
    Ok(MetadataReport {
        clients,
        rounds,
        ops: samples.len(),
        secs,
        ls: of(|op| matches!(op, Op::Ls))?,
        mkdir: of(|op| matches!(op, Op::Mkdir))?,
        mv: of(|op| matches!(op, Op::Mv))?,
        all: of(|_| true)?,
        slowest,
    })
}

/// One timed operation.
struct Sample {
    op: Op,
    began: Instant,
    ms: f64,
}

/// The eight slowest operations, with when they began.
fn slowest(samples: &mut [Sample], start: Instant) -> Vec<String> {
    samples.sort_by(|a, b| b.ms.total_cmp(&a.ms));
    samples
        .iter()
        .take(8)
        .map(|s| {
            let at = s.began.saturating_duration_since(start).as_secs_f64();
            format!("{:?} {:.1} ms at {at:.2} s", s.op, s.ms)
        })
        .collect()
}

fn client_folder(folder: &str, client: usize) -> String {
    format!("{}/c{client:03}", folder.trim_end_matches('/'))
}

/// `rounds` × (ls of the client's folder, mkdir of a new folder in it, rename of that folder),
/// each operation after a pause (none when flat out).
async fn client_rounds(
    drive: &Drive,
    home: &str,
    rounds: usize,
    mut pauses: Pauses,
) -> Result<Vec<Sample>> {
    let mut samples = Vec::with_capacity(rounds * 3);
    let timed = |op, began: Instant| Sample {
        op,
        began,
        ms: ms_since(began),
    };
    for r in 0..rounds {
        let (made, renamed) = (format!("{home}/d{r}"), format!("{home}/m{r}"));
        pauses.pause().await;
        let t = Instant::now();
        drive.ls(home).await?;
        samples.push(timed(Op::Ls, t));
        pauses.pause().await;
        let t = Instant::now();
        drive.mkdir(&made, false).await?;
        samples.push(timed(Op::Mkdir, t));
        pauses.pause().await;
        let t = Instant::now();
        drive.mv(&made, &renamed).await?;
        samples.push(timed(Op::Mv, t));
    }
    Ok(samples)
}

/// A client's pauses between operations: exponentially distributed around `mean` (the gaps of
/// independent users), from a small deterministic generator seeded per client.
struct Pauses {
    mean: Duration,
    state: u64,
}

impl Pauses {
    fn new(client: u64, mean: Duration) -> Pauses {
        Pauses {
            mean,
            state: client.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    async fn pause(&mut self) {
        if self.mean.is_zero() {
            return;
        }
        // xorshift64*; a uniform in (0, 1], then the exponential's inverse CDF.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let bits = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        let uniform = (bits as f64 + 1.0) / (1u64 << 53) as f64;
        tokio::time::sleep(self.mean.mul_f64(-uniform.ln())).await;
    }
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
