//! What one benchmark run found: the machine, every figure with all its samples, the latency
//! distributions, and notes. Serialised as `bench/results.json`; [`crate::analysis`] derives the
//! ratios and target checks from it.

use crate::stats::{Latencies, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The unit a figure is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    /// 10^6 bytes per second.
    #[serde(rename = "MB/s")]
    MegabytesPerSec,
    #[serde(rename = "files/s")]
    FilesPerSec,
    #[serde(rename = "ops/s")]
    OpsPerSec,
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "ms")]
    Millis,
    #[serde(rename = "MiB")]
    Mebibytes,
}

impl Unit {
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::MegabytesPerSec => "MB/s",
            Unit::FilesPerSec => "files/s",
            Unit::OpsPerSec => "ops/s",
            Unit::Seconds => "s",
            Unit::Millis => "ms",
            Unit::Mebibytes => "MiB",
        }
    }
}

/// One measured quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// What was measured, for people.
    pub label: String,
    pub unit: Unit,
    pub summary: Summary,
}

/// The machine and the code a run measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// UTC, RFC 3339.
    pub date: String,
    /// `git rev-parse HEAD`, with `+dirty` when the work tree had changes.
    pub commit: String,
    pub cpu_model: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub rustc: String,
    /// Versions of the peers and tools (rclone, restic, openssl, iperf3, curl).
    pub tools: BTreeMap<String, String>,
    /// The 1-minute load average when the run started and when it ended: other work on a
    /// shared machine shows here.
    pub load_before: f64,
    pub load_after: f64,
    /// Which coffer client was timed: the `coffer` CLI, or the SDK driver.
    pub client: String,
    /// Runs per figure, sizes and counts used.
    pub settings: BTreeMap<String, String>,
    pub wall_secs: f64,
}

/// Everything one run found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub run: RunInfo,
    pub figures: BTreeMap<String, Figure>,
    /// Operation latencies (ms) of the concurrency benchmark, by operation.
    pub latencies: BTreeMap<String, Latencies>,
    /// Remarks made while measuring (what was skipped and why, what a figure includes).
    pub notes: Vec<String>,
}

impl Results {
    pub fn record(&mut self, key: &str, label: &str, unit: Unit, samples: &[f64]) {
        if let Some(summary) = Summary::of(samples) {
            self.figures.insert(
                key.to_owned(),
                Figure {
                    label: label.to_owned(),
                    unit,
                    summary,
                },
            );
        }
    }

    pub fn median(&self, key: &str) -> Option<f64> {
        self.figures.get(key).map(|f| f.summary.median)
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }
}

/// Figure keys shared by the benchmarks that record them and the analysis that reads them.
pub mod keys {
    pub const AES_GCM: &str = "limit.aes_256_gcm_openssl";
    pub const LOOPBACK_TCP: &str = "limit.loopback_tcp";
    pub const DISK_WRITE: &str = "limit.disk_write_fsync_1gib";
    pub const FSYNC_FILES: &str = "limit.fsync_4kib_files";
    pub const FDATASYNC_APPENDS: &str = "limit.fdatasync_4kib_appends";
    pub const HTTP_GET: &str = "limit.http_get_1gib_devnull";
    pub const HTTP_GET_FILE: &str = "limit.http_get_1gib_to_file";

    pub const UPLOAD: &str = "coffer.upload_1gib";
    pub const DOWNLOAD: &str = "coffer.download_1gib";
    pub const UPLOAD_CLIENT_RSS: &str = "coffer.upload_1gib.client_rss";
    pub const UPLOAD_SERVER_RSS: &str = "coffer.upload_1gib.server_rss";
    pub const DOWNLOAD_CLIENT_RSS: &str = "coffer.download_1gib.client_rss";
    pub const DOWNLOAD_SERVER_RSS: &str = "coffer.download_1gib.server_rss";

    pub const SMALL_UP: &str = "coffer.small_files_up";
    pub const SMALL_DOWN: &str = "coffer.small_files_down";
    pub const SMALL_UP_CLIENT_RSS: &str = "coffer.small_files_up.client_rss";
    pub const SMALL_UP_SERVER_RSS: &str = "coffer.small_files_up.server_rss";

    pub const LISTING: &str = "coffer.listing_100k";
    pub const LISTING_CLIENT_RSS: &str = "coffer.listing_100k.client_rss";
    pub const LISTING_SERVER_RSS: &str = "coffer.listing_100k.server_rss";
    pub const POPULATE: &str = "coffer.listing_100k.folders_created";

    pub const METADATA_P50: &str = "coffer.metadata.p50";
    pub const METADATA_P99: &str = "coffer.metadata.p99";
    pub const METADATA_RATE: &str = "coffer.metadata.ops";
    pub const METADATA_CLIENT_RSS: &str = "coffer.metadata.client_rss";
    pub const METADATA_SERVER_RSS: &str = "coffer.metadata.server_rss";
    pub const METADATA_FLAT_P50: &str = "coffer.metadata_flat.p50";
    pub const METADATA_FLAT_P99: &str = "coffer.metadata_flat.p99";
    pub const METADATA_FLAT_RATE: &str = "coffer.metadata_flat.ops";

    pub const HUGE_UP: &str = "coffer.upload_10gib";
    pub const HUGE_DOWN: &str = "coffer.download_10gib";
    pub const HUGE_UP_CLIENT_RSS: &str = "coffer.upload_10gib.client_rss";
    pub const HUGE_DOWN_CLIENT_RSS: &str = "coffer.download_10gib.client_rss";
    pub const HUGE_SERVER_RSS: &str = "coffer.10gib.server_rss";

    pub const RCLONE_UP: &str = "rclone.upload_1gib";
    pub const RCLONE_DOWN: &str = "rclone.download_1gib";
    pub const RCLONE_SMALL_UP: &str = "rclone.small_files_up";
    pub const RCLONE_SMALL_DOWN: &str = "rclone.small_files_down";
    pub const RCLONE_UP_RSS: &str = "rclone.upload_1gib.client_rss";

    pub const RESTIC_UP: &str = "restic.backup_1gib";
    pub const RESTIC_DOWN: &str = "restic.restore_1gib";
    pub const RESTIC_SMALL_UP: &str = "restic.small_files_backup";
    pub const RESTIC_SMALL_DOWN: &str = "restic.small_files_restore";
    pub const RESTIC_UP_RSS: &str = "restic.backup_1gib.client_rss";

    /// Every key in the order a report lists them.
    pub const ORDER: &[&str] = &[
        AES_GCM,
        LOOPBACK_TCP,
        DISK_WRITE,
        FSYNC_FILES,
        FDATASYNC_APPENDS,
        HTTP_GET,
        HTTP_GET_FILE,
        UPLOAD,
        DOWNLOAD,
        UPLOAD_CLIENT_RSS,
        UPLOAD_SERVER_RSS,
        DOWNLOAD_CLIENT_RSS,
        DOWNLOAD_SERVER_RSS,
        SMALL_UP,
        SMALL_DOWN,
        SMALL_UP_CLIENT_RSS,
        SMALL_UP_SERVER_RSS,
        LISTING,
        LISTING_CLIENT_RSS,
        LISTING_SERVER_RSS,
        POPULATE,
        METADATA_P50,
        METADATA_P99,
        METADATA_RATE,
        METADATA_CLIENT_RSS,
        METADATA_SERVER_RSS,
        METADATA_FLAT_P50,
        METADATA_FLAT_P99,
        METADATA_FLAT_RATE,
        HUGE_UP,
        HUGE_DOWN,
        HUGE_UP_CLIENT_RSS,
        HUGE_DOWN_CLIENT_RSS,
        HUGE_SERVER_RSS,
        RCLONE_UP,
        RCLONE_DOWN,
        RCLONE_UP_RSS,
        RCLONE_SMALL_UP,
        RCLONE_SMALL_DOWN,
        RESTIC_UP,
        RESTIC_DOWN,
        RESTIC_UP_RSS,
        RESTIC_SMALL_UP,
        RESTIC_SMALL_DOWN,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_round_trips_through_json() {
        let mut r = Results::default();
        r.record(
            keys::UPLOAD,
            "1 GiB upload",
            Unit::MegabytesPerSec,
            &[100.0, 300.0, 200.0],
        );
        r.record("empty", "nothing", Unit::Seconds, &[]);
        assert_eq!(r.median(keys::UPLOAD), Some(200.0));
        assert_eq!(r.median("empty"), None);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"MB/s\""));
        let back: Results = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
