//! The peers, on the same files, on the same machine, in the same run:
//! - rclone's crypt remote over `rclone serve webdav` on loopback (client-side encryption of
//!   contents and names, like coffer, to a dumb server);
//! - restic backing up to `rclone serve restic` on loopback (encrypted, deduplicating, packs
//!   small files together).
//!
//! Each is run with its defaults, except `--transfers 16` for rclone's small files (BENCH.md's
//! setting). Neither server fsyncs what it stores; coffer's server does before acknowledging.

mod rclone;
mod restic;

pub use rclone::RcloneCrypt;
pub use restic::Restic;

use crate::context::Bench;
use crate::results::Results;
use anyhow::Result;

const PEER_PASSWORD: &str = "coffer-bench peer password";

/// Samples of one peer, by figure key.
#[derive(Default)]
pub(crate) struct Samples(std::collections::BTreeMap<&'static str, Vec<f64>>);

impl Samples {
    pub(crate) fn push(&mut self, key: &'static str, value: f64) {
        self.0.entry(key).or_default().push(value);
    }
    pub(crate) fn get(&self, key: &str) -> &[f64] {
        self.0.get(key).map_or(&[], |v| v)
    }
}

/// `coffer-bench peers`: both peers on the big file and the small files.
pub fn run(b: &Bench, r: &mut Results) -> Result<()> {
    let big = b.big_file()?;
    let small = b.small_files(b.sizes.small_count)?;
    let rclone_small = b.small_files(b.sizes.rclone_small_count)?;
    let mut rclone = RcloneCrypt::start(b)?;
    let mut restic = Restic::start(b)?;
    for run in 0..b.runs {
        rclone.big_round(run, &big)?;
        restic.big_round(run, &big)?;
        restic.small_round(run, &small)?;
    }
    rclone.small_round(0, &rclone_small)?;
    rclone.record(r, b.sizes.big_bytes, b.sizes.rclone_small_count)?;
    restic.record(r, b.sizes.big_bytes, b.sizes.small_count)
}
