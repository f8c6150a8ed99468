//! restic over its REST protocol, served by `rclone serve restic` on loopback.

use super::{PEER_PASSWORD, Samples};
use crate::bigfile::size_label;
use crate::context::{Bench, progress};
use crate::data::count_files;
use crate::measure::Proc;
use crate::results::{Results, Unit, keys};
use crate::service::{Service, free_loopback_addr};
use anyhow::{Context, Result, ensure};
use std::path::{Path, PathBuf};
use std::process::Command;

/// restic → REST → `rclone serve restic`; a new repository for every run, so nothing dedups
/// against an earlier run.
pub struct Restic {
    _server: Service,
    dir: PathBuf,
    url: String,
    scratch: PathBuf,
    samples: Samples,
}

impl Restic {
    pub fn start(b: &Bench) -> Result<Restic> {
        let dir = b.fresh_dir("peer-restic")?;
        let root = dir.join("rest-root");
        std::fs::create_dir_all(&root)?;
        let addr = free_loopback_addr()?;
        let mut cmd = Command::new("rclone");
        cmd.env("RCLONE_CONFIG", dir.join("rclone-empty.conf"));
        cmd.args(["serve", "restic", "--addr", &addr.to_string()])
            .arg(&root);
        let mut server = Service::spawn("rclone serve restic", cmd, &dir.join("serve.log"))?;
        server.wait_for_port(addr)?;
        Ok(Restic {
            _server: server,
            url: format!("rest:http://{addr}"),
            scratch: b.scratch()?,
            dir,
            samples: Samples::default(),
        })
    }

    fn restic(&self, repo: &str) -> Proc {
        Proc::new("restic")
            .args(["-q", "-r"])
            .arg(format!("{}/{repo}/", self.url))
            .env("RESTIC_PASSWORD", PEER_PASSWORD)
            .env("RESTIC_CACHE_DIR", self.dir.join("cache"))
    }

    /// Backs up `path` (from its parent folder, by name) into a new repository, then restores
    /// it; returns (backup secs, restore secs, backup peak RSS, restored folder).
    fn round(&self, repo: &str, path: &Path) -> Result<(f64, f64, f64, PathBuf)> {
        self.restic(repo).arg("init").run()?;
        let parent = path.parent().context("input has no folder")?;
        let name = path.file_name().context("input has no name")?;
        let up = self
            .restic(repo)
            .arg("backup")
            .arg(name)
            .dir(parent)
            .run_measured(&self.scratch)?;
        let out = self.dir.join(format!("restored-{repo}"));
        let down = self
            .restic(repo)
            .args(["restore", "latest", "--target"])
            .arg(&out)
            .run_measured(&self.scratch)?;
        Ok((up.secs, down.secs, up.peak_rss_mib, out))
    }

    pub fn big_round(&mut self, run: usize, file: &Path) -> Result<()> {
        let bytes = std::fs::metadata(file)?.len();
        let (up, down, rss, out) = self.round(&format!("big-{run}"), file)?;
        let got = std::fs::metadata(out.join(file.file_name().context("name")?))?.len();
        crate::data::remove(&out)?;
        ensure!(got == bytes, "restic restored {got} bytes, not {bytes}");
        let mb = bytes as f64 / 1e6;
        progress(format!(
            "restic/rest {}: backup {:.0} MB/s, restore {:.0} MB/s",
            size_label(bytes),
            mb / up,
            mb / down
        ));
        self.samples.push(keys::RESTIC_UP, mb / up);
        self.samples.push(keys::RESTIC_DOWN, mb / down);
        self.samples.push(keys::RESTIC_UP_RSS, rss);
        Ok(())
    }

    pub fn small_round(&mut self, run: usize, folder: &Path) -> Result<()> {
        let count = count_files(folder)?;
        let (up, down, _, out) = self.round(&format!("small-{run}"), folder)?;
        let got = count_files(&out)?;
        crate::data::remove(&out)?;
        ensure!(got == count, "restic restored {got} files, not {count}");
        let n = count as f64;
        progress(format!(
            "restic/rest {count} small files: backup {:.0} files/s, restore {:.0} files/s",
            n / up,
            n / down
        ));
        self.samples.push(keys::RESTIC_SMALL_UP, n / up);
        self.samples.push(keys::RESTIC_SMALL_DOWN, n / down);
        Ok(())
    }

    pub fn record(self, r: &mut Results, big: u64, small: usize) -> Result<()> {
        let s = &self.samples;
        let size = size_label(big);
        let mb = Unit::MegabytesPerSec;
        r.record(
            keys::RESTIC_UP,
            &format!("restic/REST: {size} backup"),
            mb,
            s.get(keys::RESTIC_UP),
        );
        r.record(
            keys::RESTIC_DOWN,
            &format!("restic/REST: {size} restore"),
            mb,
            s.get(keys::RESTIC_DOWN),
        );
        r.record(
            keys::RESTIC_UP_RSS,
            &format!("restic/REST: {size} backup, client peak RSS"),
            Unit::Mebibytes,
            s.get(keys::RESTIC_UP_RSS),
        );
        r.record(
            keys::RESTIC_SMALL_UP,
            &format!("restic/REST: {small} × 4 KiB backup"),
            Unit::FilesPerSec,
            s.get(keys::RESTIC_SMALL_UP),
        );
        r.record(
            keys::RESTIC_SMALL_DOWN,
            &format!("restic/REST: {small} × 4 KiB restore"),
            Unit::FilesPerSec,
            s.get(keys::RESTIC_SMALL_DOWN),
        );
        crate::data::remove(&self.dir)
    }
}
