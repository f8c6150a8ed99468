//! Benchmark 2: a folder of 10,000 files of 4 KiB uploaded with one `put -r` (durable on the
//! server when it returns: every commit is fsync'd before it is acknowledged), then downloaded
//! with one `get -r`.

use crate::coffer::CofferBed;
use crate::context::{Bench, progress};
use crate::data::count_files;
use crate::results::{Results, Unit, keys};
use anyhow::{Result, ensure};
use std::path::{Path, PathBuf};

pub struct SmallFiles {
    bed: CofferBed,
    folder: PathBuf,
    count: usize,
    up: Vec<f64>,
    down: Vec<f64>,
    up_client: Vec<f64>,
    up_server: Vec<f64>,
}

impl SmallFiles {
    pub fn start(b: &Bench, folder: &Path) -> Result<SmallFiles> {
        Ok(SmallFiles {
            bed: CofferBed::start(b, "coffer-small-files")?,
            folder: folder.to_owned(),
            count: count_files(folder)?,
            up: Vec::new(),
            down: Vec::new(),
            up_client: Vec::new(),
            up_server: Vec::new(),
        })
    }

    pub fn round(&mut self, run: usize) -> Result<()> {
        let home = format!("/run-{run}");
        self.bed.client.mkdir(&home)?;
        let name = self
            .folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let remote = format!("{home}/{}", name.unwrap_or_default());
        let local = self.bed.dir.join(format!("down-{run}"));
        let (up, up_server) = self
            .bed
            .phase(|c| c.put_dir(&self.folder, &format!("{home}/")))?;
        let down = self.bed.client.get_dir(&remote, &local)?;
        let got = count_files(&local)?;
        crate::data::remove(&local)?;
        ensure!(
            got == self.count,
            "downloaded {got} files, not {}",
            self.count
        );
        let n = self.count as f64;
        progress(format!(
            "coffer {} small files: up {:.0} files/s, down {:.0} files/s",
            self.count,
            n / up.secs,
            n / down.secs
        ));
        self.up.push(n / up.secs);
        self.down.push(n / down.secs);
        self.up_client.push(up.peak_rss_mib);
        self.up_server.push(up_server);
        Ok(())
    }

    pub fn record(self, r: &mut Results, bytes: usize) -> Result<()> {
        use keys::*;
        let what = format!("{} × {} KiB", self.count, bytes / 1024);
        let rss = Unit::Mebibytes;
        r.record(
            SMALL_UP,
            &format!("{what} folder upload"),
            Unit::FilesPerSec,
            &self.up,
        );
        r.record(
            SMALL_DOWN,
            &format!("{what} folder download"),
            Unit::FilesPerSec,
            &self.down,
        );
        r.record(
            SMALL_UP_CLIENT_RSS,
            &format!("{what} upload: client peak RSS"),
            rss,
            &self.up_client,
        );
        r.record(
            SMALL_UP_SERVER_RSS,
            &format!("{what} upload: server peak RSS"),
            rss,
            &self.up_server,
        );
        self.bed.finish()
    }
}

/// `coffer-bench small-files`.
pub fn run(b: &Bench, r: &mut Results) -> Result<()> {
    let folder = b.small_files(b.sizes.small_count)?;
    let mut bench = SmallFiles::start(b, &folder)?;
    for run in 0..b.runs {
        bench.round(run)?;
    }
    bench.record(r, b.sizes.small_bytes)
}
