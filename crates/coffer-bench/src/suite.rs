//! `coffer-bench all`: every benchmark in one run, the peers alternating with coffer round by
//! round on the same files, so that a noisy neighbour hits both alike.

use crate::bigfile::{self, BigFile};
use crate::context::{Bench, progress};
use crate::peers::{RcloneCrypt, Restic};
use crate::results::Results;
use crate::small_files::SmallFiles;
use crate::{limits, listing, metadata};
use anyhow::Result;

pub fn run_all(b: &Bench, r: &mut Results) -> Result<()> {
    progress("machine limits");
    limits::run(b, r)?;

    let big = b.big_file()?;
    let small = b.small_files(b.sizes.small_count)?;
    let rclone_small = b.small_files(b.sizes.rclone_small_count)?;
    let mut rclone = RcloneCrypt::start(b)?;
    let mut restic = Restic::start(b)?;

    progress("big file: coffer, rclone and restic in turn");
    let mut coffer_big = BigFile::start(b, &big)?;
    for run in 0..b.runs {
        coffer_big.round(run)?;
        rclone.big_round(run, &big)?;
        restic.big_round(run, &big)?;
    }
    coffer_big.record(r)?;

    progress("small files: coffer and restic in turn, then rclone on a subset");
    let mut coffer_small = SmallFiles::start(b, &small)?;
    for run in 0..b.runs {
        coffer_small.round(run)?;
        restic.small_round(run, &small)?;
    }
    coffer_small.record(r, b.sizes.small_bytes)?;
    rclone.small_round(0, &rclone_small)?;
    rclone.record(r, b.sizes.big_bytes, b.sizes.rclone_small_count)?;
    restic.record(r, b.sizes.big_bytes, b.sizes.small_count)?;
    r.note(format!(
        "rclone's small-file figures come from one run over {} of the files: its WebDAV client \
         paces requests (~10 ms apart), so all {} would take minutes; the rate is what is compared.",
        b.sizes.rclone_small_count, b.sizes.small_count
    ));

    progress("listing");
    listing::run(b, r)?;
    progress("metadata at many clients");
    metadata::run(b, r)?;
    progress("huge file");
    bigfile::run_huge(b, r)
}
