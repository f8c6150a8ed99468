//! Benchmark 3: listing a folder of 100,000 entries, every name decrypted and every signature
//! verified, with the client's peak RSS.
//!
//! The folder is filled with empty folders by the SDK driver (16 clients creating at once):
//! creating 100,000 files one upload at a time would take longer than the whole run may.

use crate::coffer::CofferBed;
use crate::context::{Bench, progress};
use crate::results::{Results, Unit, keys};
use anyhow::{Context, Result, ensure};

const FOLDER: &str = "/listing";
const POPULATE_WORKERS: usize = 16;

/// What the driver's `populate` prints.
#[derive(serde::Deserialize)]
struct Populated {
    created: usize,
    secs: f64,
}

/// `coffer-bench listing`.
pub fn run(b: &Bench, r: &mut Results) -> Result<()> {
    let entries = b.sizes.listing_entries;
    let bed = CofferBed::start(b, "coffer-listing")?;
    progress(format!("creating {entries} folders in {FOLDER}"));
    let out = bed
        .client
        .driver()
        .args(["populate", FOLDER, "--count"])
        .arg(entries.to_string())
        .arg("--workers")
        .arg(POPULATE_WORKERS.to_string())
        .capture()
        .run()?;
    let populated: Populated =
        serde_json::from_slice(&out).context("reading the driver's populate report")?;
    let rate = populated.created as f64 / populated.secs;
    progress(format!(
        "created {} folders at {rate:.0}/s",
        populated.created
    ));
    r.record(
        keys::POPULATE,
        &format!("mkdir by {POPULATE_WORKERS} SDK clients at once (listing setup)"),
        Unit::OpsPerSec,
        &[rate],
    );

    let (mut secs, mut client, mut server) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..b.runs {
        let ((m, count), server_peak) = bed.phase(|c| c.list(FOLDER))?;
        ensure!(count == entries, "listed {count} entries, not {entries}");
        progress(format!(
            "listed {count} entries in {:.2} s (client RSS {:.0} MiB, server {server_peak:.0} MiB)",
            m.secs, m.peak_rss_mib
        ));
        secs.push(m.secs);
        client.push(m.peak_rss_mib);
        server.push(server_peak);
    }
    let what = format!("{entries}-entry folder listed");
    r.record(keys::LISTING, &what, Unit::Seconds, &secs);
    r.record(
        keys::LISTING_CLIENT_RSS,
        &format!("{what}: client peak RSS"),
        Unit::Mebibytes,
        &client,
    );
    r.record(
        keys::LISTING_SERVER_RSS,
        &format!("{what}: server peak RSS"),
        Unit::Mebibytes,
        &server,
    );
    bed.finish()
}
