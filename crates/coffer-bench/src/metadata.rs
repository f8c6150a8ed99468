//! Benchmark 4: 200 concurrent clients doing metadata operations (ls, mkdir, mv), each in its
//! own folder, through the SDK driver (one process, one `Drive` and connection pool per client).
//! Latency is per SDK call, as its user waits for it.

use crate::coffer::CofferBed;
use crate::context::{Bench, progress};
use crate::metadata_load::MetadataReport;
use crate::results::{Results, Unit, keys};
use anyhow::{Context, Result};

/// `coffer-bench metadata`.
pub fn run(b: &Bench, r: &mut Results) -> Result<()> {
    let (clients, rounds) = (b.sizes.clients, b.sizes.metadata_rounds);
    let bed = CofferBed::start(b, "coffer-metadata")?;
    let scratch = b.scratch()?;
    let (mut p50, mut p99, mut rate, mut client, mut server) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for run in 0..b.runs {
        let (m, server_peak) = bed.phase(|c| {
            c.driver()
                .args(["metadata", &format!("/meta-{run}"), "--clients"])
                .arg(clients.to_string())
                .arg("--rounds")
                .arg(rounds.to_string())
                .capture()
                .run_measured(&scratch)
        })?;
        let report: MetadataReport =
            serde_json::from_slice(&m.stdout).context("reading the driver's metadata report")?;
        progress(format!(
            "{clients} clients: {} ops in {:.1} s, p50 {:.1} ms, p99 {:.1} ms",
            report.ops, report.secs, report.all.p50, report.all.p99
        ));
        p50.push(report.all.p50);
        p99.push(report.all.p99);
        rate.push(report.ops as f64 / report.secs);
        client.push(m.peak_rss_mib);
        server.push(server_peak);
        last = Some(report);
    }
    let what = format!("metadata ops at {clients} clients");
    r.record(
        keys::METADATA_P50,
        &format!("{what}: p50 latency"),
        Unit::Millis,
        &p50,
    );
    r.record(
        keys::METADATA_P99,
        &format!("{what}: p99 latency"),
        Unit::Millis,
        &p99,
    );
    r.record(
        keys::METADATA_RATE,
        &format!("{what}: throughput"),
        Unit::OpsPerSec,
        &rate,
    );
    r.record(
        keys::METADATA_CLIENT_RSS,
        &format!("{what}: driver peak RSS (all clients)"),
        Unit::Mebibytes,
        &client,
    );
    r.record(
        keys::METADATA_SERVER_RSS,
        &format!("{what}: server peak RSS"),
        Unit::Mebibytes,
        &server,
    );
    if let Some(report) = last {
        for (op, lat) in [
            ("ls", report.ls),
            ("mkdir", report.mkdir),
            ("mv", report.mv),
            ("all", report.all),
        ] {
            r.latencies.insert(op.to_owned(), lat);
        }
        r.note(format!(
            "Metadata latencies: {clients} clients × {rounds} rounds × (ls, mkdir, mv) per run; \
             the per-operation table is the last run's."
        ));
    }
    bed.finish()
}
