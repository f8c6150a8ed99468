//! Benchmark 1: upload and download of one 1 GiB file through the coffer client, with the
//! client's and the server's peak RSS. Also benchmark 5 (the 10 GiB file, once), whose point is
//! that memory stays flat whatever the size.

use crate::coffer::CofferBed;
use crate::context::{Bench, progress};
use crate::results::{Results, Unit, keys};
use anyhow::{Result, ensure};
use std::path::{Path, PathBuf};

/// One file of `bytes` bytes, up then down, `runs` times (rounds called from outside so that
/// peers can run between them).
pub struct BigFile {
    bed: CofferBed,
    file: PathBuf,
    bytes: u64,
    up: Vec<f64>,
    down: Vec<f64>,
    up_client: Vec<f64>,
    up_server: Vec<f64>,
    down_client: Vec<f64>,
    down_server: Vec<f64>,
}

impl BigFile {
    pub fn start(b: &Bench, file: &Path) -> Result<BigFile> {
        Ok(BigFile {
            bed: CofferBed::start(b, "coffer-bigfile")?,
            file: file.to_owned(),
            bytes: std::fs::metadata(file)?.len(),
            up: Vec::new(),
            down: Vec::new(),
            up_client: Vec::new(),
            up_server: Vec::new(),
            down_client: Vec::new(),
            down_server: Vec::new(),
        })
    }

    pub fn round(&mut self, run: usize) -> Result<()> {
        let remote = format!("/big-{run}.bin");
        let local = self.bed.dir.join(format!("down-{run}.bin"));
        let (up, up_server) = self.bed.phase(|c| c.put_file(&self.file, &remote))?;
        let (down, down_server) = self.bed.phase(|c| c.get_file(&remote, &local))?;
        let got = std::fs::metadata(&local)?.len();
        crate::data::remove(&local)?;
        ensure!(
            got == self.bytes,
            "downloaded {got} bytes, not {}",
            self.bytes
        );
        let mb = self.bytes as f64 / 1e6;
        progress(format!(
            "coffer {}: up {:.0} MB/s, down {:.0} MB/s (client RSS {:.0}/{:.0} MiB, server {:.0}/{:.0} MiB)",
            size_label(self.bytes),
            mb / up.secs,
            mb / down.secs,
            up.peak_rss_mib,
            down.peak_rss_mib,
            up_server,
            down_server
        ));
        self.up.push(mb / up.secs);
        self.down.push(mb / down.secs);
        self.up_client.push(up.peak_rss_mib);
        self.down_client.push(down.peak_rss_mib);
        self.up_server.push(up_server);
        self.down_server.push(down_server);
        Ok(())
    }

    /// Records the 1 GiB figures.
    pub fn record(self, r: &mut Results) -> Result<()> {
        use keys::*;
        let size = size_label(self.bytes);
        r.record(
            UPLOAD,
            &format!("{size} upload"),
            Unit::MegabytesPerSec,
            &self.up,
        );
        r.record(
            DOWNLOAD,
            &format!("{size} download"),
            Unit::MegabytesPerSec,
            &self.down,
        );
        let rss = Unit::Mebibytes;
        r.record(
            UPLOAD_CLIENT_RSS,
            &format!("{size} upload: client peak RSS"),
            rss,
            &self.up_client,
        );
        r.record(
            UPLOAD_SERVER_RSS,
            &format!("{size} upload: server peak RSS"),
            rss,
            &self.up_server,
        );
        r.record(
            DOWNLOAD_CLIENT_RSS,
            &format!("{size} download: client peak RSS"),
            rss,
            &self.down_client,
        );
        r.record(
            DOWNLOAD_SERVER_RSS,
            &format!("{size} download: server peak RSS"),
            rss,
            &self.down_server,
        );
        self.bed.finish()
    }

    /// Records the 10 GiB figures (one run).
    pub fn record_huge(self, r: &mut Results) -> Result<()> {
        use keys::*;
        let size = size_label(self.bytes);
        r.record(
            HUGE_UP,
            &format!("{size} upload"),
            Unit::MegabytesPerSec,
            &self.up,
        );
        r.record(
            HUGE_DOWN,
            &format!("{size} download"),
            Unit::MegabytesPerSec,
            &self.down,
        );
        let rss = Unit::Mebibytes;
        r.record(
            HUGE_UP_CLIENT_RSS,
            &format!("{size} upload: client peak RSS"),
            rss,
            &self.up_client,
        );
        r.record(
            HUGE_DOWN_CLIENT_RSS,
            &format!("{size} download: client peak RSS"),
            rss,
            &self.down_client,
        );
        let server: Vec<f64> = self
            .up_server
            .iter()
            .zip(&self.down_server)
            .map(|(u, d)| u.max(*d))
            .collect();
        r.record(
            HUGE_SERVER_RSS,
            &format!("{size} upload and download: server peak RSS"),
            rss,
            &server,
        );
        self.bed.finish()
    }
}

/// `coffer-bench upload`: the 1 GiB file alone.
pub fn run(b: &Bench, r: &mut Results) -> Result<()> {
    let file = b.big_file()?;
    let mut bench = BigFile::start(b, &file)?;
    for run in 0..b.runs {
        bench.round(run)?;
    }
    bench.record(r)
}

/// `coffer-bench huge`: the 10 GiB file, once; the input is deleted afterwards unless kept.
pub fn run_huge(b: &Bench, r: &mut Results) -> Result<()> {
    let file = b.inputs()?.join("huge.bin");
    progress(format!(
        "making the {} input file",
        size_label(b.sizes.huge_bytes)
    ));
    crate::data::ensure_file(&file, b.sizes.huge_bytes, 10)?;
    let mut bench = BigFile::start(b, &file)?;
    bench.round(0)?;
    bench.record_huge(r)?;
    if !b.keep_data {
        crate::data::remove(&file)?;
    }
    r.note(format!(
        "The {} transfer ran once (it exists to show that memory stays flat).",
        size_label(b.sizes.huge_bytes)
    ));
    Ok(())
}

pub fn size_label(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes % (1 << 30) == 0 {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}
