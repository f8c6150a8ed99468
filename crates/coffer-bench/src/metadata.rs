//! Benchmark 4: 200 concurrent clients doing metadata operations (ls, mkdir, mv), each in its
//! own folder, through the SDK driver (one process, one `Drive` and connection pool per client).
//! Latency is per SDK call, as its user waits for it.

use crate::coffer::CofferBed;
use crate::context::{Bench, progress};
use crate::metadata_load::MetadataReport;
use crate::results::{Results, Unit, keys};
use anyhow::{Context, Result};

/// Mean pause of each client between its operations in the paced run: 200 clients then offer
/// about 800 operations per second, a heavy but steady load of independent users.
pub const PACE_MS: u64 = 250;

/// One series of runs at one pace.
struct Series {
    p50: Vec<f64>,
    p99: Vec<f64>,
    rate: Vec<f64>,
    client: Vec<f64>,
    server: Vec<f64>,
    last: Option<MetadataReport>,
}

/// `coffer-bench metadata`: the paced run (the target: latency under a steady load) and the
/// flat-out run (every client back to back: the throughput ceiling, where latency is just
/// clients ÷ throughput).
pub fn run(b: &Bench, r: &mut Results) -> Result<()> {
    let (clients, rounds) = (b.sizes.clients, b.sizes.metadata_rounds);
    let bed = CofferBed::start(b, "coffer-metadata")?;
    let paced = series(b, &bed, PACE_MS, "paced")?;
    let flat = series(b, &bed, 0, "flat")?;

    let what = format!("metadata ops at {clients} clients, {PACE_MS} ms mean pause");
    r.record(
        keys::METADATA_P50,
        &format!("{what}: p50 latency"),
        Unit::Millis,
        &paced.p50,
    );
    r.record(
        keys::METADATA_P99,
        &format!("{what}: p99 latency"),
        Unit::Millis,
        &paced.p99,
    );
    r.record(
        keys::METADATA_RATE,
        &format!("{what}: throughput"),
        Unit::OpsPerSec,
        &paced.rate,
    );
    r.record(
        keys::METADATA_CLIENT_RSS,
        &format!("{what}: driver peak RSS (all clients)"),
        Unit::Mebibytes,
        &paced.client,
    );
    r.record(
        keys::METADATA_SERVER_RSS,
        &format!("{what}: server peak RSS"),
        Unit::Mebibytes,
        &paced.server,
    );
    let flat_what = format!("metadata ops at {clients} clients flat out");
    r.record(
        keys::METADATA_FLAT_P50,
        &format!("{flat_what}: p50 latency"),
        Unit::Millis,
        &flat.p50,
    );
    r.record(
        keys::METADATA_FLAT_P99,
        &format!("{flat_what}: p99 latency"),
        Unit::Millis,
        &flat.p99,
    );
    r.record(
        keys::METADATA_FLAT_RATE,
        &format!("{flat_what}: throughput"),
        Unit::OpsPerSec,
        &flat.rate,
    );
    if let Some(report) = paced.last {
        for (op, lat) in [
            ("ls", report.ls),
            ("mkdir", report.mkdir),
            ("mv", report.mv),
            ("all", report.all),
        ] {
            r.latencies.insert(op.to_owned(), lat);
        }
        r.note(format!(
            "Metadata latencies: {clients} clients × {rounds} rounds × (ls, mkdir, mv) per run, \
             each client pausing {PACE_MS} ms on average (exponentially distributed) before each \
             operation; the per-operation table is the last paced run's. The flat-out run has no \
             pauses: every client issues its next operation as soon as the last one returns."
        ));
    }
    bed.finish()
}

fn series(b: &Bench, bed: &CofferBed, pace_ms: u64, tag: &str) -> Result<Series> {
    let (clients, rounds) = (b.sizes.clients, b.sizes.metadata_rounds);
    let scratch = b.scratch()?;
    let mut s = Series {
        p50: Vec::new(),
        p99: Vec::new(),
        rate: Vec::new(),
        client: Vec::new(),
        server: Vec::new(),
        last: None,
    };
    for run in 0..b.runs {
        let (m, server_peak) = bed.phase(|c| {
            c.driver()
                .args(["metadata", &format!("/meta-{tag}-{run}"), "--clients"])
                .arg(clients.to_string())
                .arg("--rounds")
                .arg(rounds.to_string())
                .arg("--pace-ms")
                .arg(pace_ms.to_string())
                .capture()
                .run_measured(&scratch)
        })?;
        let report: MetadataReport =
            serde_json::from_slice(&m.stdout).context("reading the driver's metadata report")?;
        progress(format!(
            "{clients} clients ({tag}): {} ops in {:.1} s, p50 {:.1} ms, p99 {:.1} ms",
            report.ops, report.secs, report.all.p50, report.all.p99
        ));
        progress(format!("slowest: {}", report.slowest.join(", ")));
        s.p50.push(report.all.p50);
        s.p99.push(report.all.p99);
        s.rate.push(report.ops as f64 / report.secs);
        s.client.push(m.peak_rss_mib);
        s.server.push(server_peak);
        s.last = Some(report);
    }
    Ok(s)
}
