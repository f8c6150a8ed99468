//! The peers, on the same files, on the same machine, in the same run:
//! - rclone's crypt remote over `rclone serve webdav` on loopback (client-side encryption of
//!   contents and names, like coffer, to a dumb server);
//! - restic backing up to `rclone serve restic` on loopback (encrypted, deduplicating, packs
//!   small files together).
//!
//! Each is run with its defaults, except `--transfers 16` for rclone's small files (BENCH.md's
//! setting). Neither server fsyncs what it stores; coffer's server does before acknowledging.

use crate::bigfile::size_label;
use crate::context::{Bench, progress};
use crate::data::count_files;
use crate::measure::Proc;
use crate::results::{Results, Unit, keys};
use crate::service::{Service, free_loopback_addr};
use anyhow::{Context, Result, ensure};
use std::path::{Path, PathBuf};
use std::process::Command;

const PEER_PASSWORD: &str = "coffer-bench peer password";
const SMALL_TRANSFERS: &str = "16";

/// Samples of one peer, by figure key.
#[derive(Default)]
struct Samples(std::collections::BTreeMap<&'static str, Vec<f64>>);

impl Samples {
    fn push(&mut self, key: &'static str, value: f64) {
        self.0.entry(key).or_default().push(value);
    }
    fn get(&self, key: &str) -> &[f64] {
        self.0.get(key).map_or(&[], |v| v)
    }
}

/// rclone crypt → WebDAV → `rclone serve webdav`.
pub struct RcloneCrypt {
    _server: Service,
    dir: PathBuf,
    config: PathBuf,
    scratch: PathBuf,
    samples: Samples,
}

impl RcloneCrypt {
    pub fn start(b: &Bench) -> Result<RcloneCrypt> {
        let dir = b.fresh_dir("peer-rclone")?;
        let root = dir.join("webdav-root");
        std::fs::create_dir_all(&root)?;
        let addr = free_loopback_addr()?;
        let config = dir.join("rclone.conf");
        let obscured = Proc::new("rclone")
            .args(["obscure", PEER_PASSWORD])
            .capture()
            .run()?;
        let obscured = String::from_utf8_lossy(&obscured).trim().to_owned();
        std::fs::write(
            &config,
            format!(
                "[dav]\ntype = webdav\nurl = http://{addr}/\nvendor = other\n\n\
                 [secret]\ntype = crypt\nremote = dav:crypt\npassword = {obscured}\n"
            ),
        )?;
        let mut cmd = Command::new("rclone");
        cmd.arg("--config").arg(&config);
        cmd.args(["serve", "webdav", "--addr", &addr.to_string()])
            .arg(&root);
        let mut server = Service::spawn("rclone serve webdav", cmd, &dir.join("serve.log"))?;
        server.wait_for_port(addr)?;
        Ok(RcloneCrypt {
            _server: server,
            scratch: b.scratch()?,
            dir,
            config,
            samples: Samples::default(),
        })
    }

    fn rclone(&self) -> Proc {
        Proc::new("rclone").arg("--config").arg(&self.config)
    }

    pub fn big_round(&mut self, run: usize, file: &Path) -> Result<()> {
        let bytes = std::fs::metadata(file)?.len();
        let name = file
            .file_name()
            .context("file name")?
            .to_string_lossy()
            .into_owned();
        let remote = format!("secret:big-{run}");
        let up = self
            .rclone()
            .arg("copy")
            .arg(file)
            .arg(&remote)
            .run_measured(&self.scratch)?;
        let out = self.dir.join(format!("down-{run}"));
        let down = self
            .rclone()
            .arg("copy")
            .arg(format!("{remote}/{name}"))
            .arg(&out)
            .run_measured(&self.scratch)?;
        let got = std::fs::metadata(out.join(&name))?.len();
        crate::data::remove(&out)?;
        ensure!(got == bytes, "rclone downloaded {got} bytes, not {bytes}");
        let mb = bytes as f64 / 1e6;
        progress(format!(
            "rclone crypt/webdav {}: up {:.0} MB/s, down {:.0} MB/s",
            size_label(bytes),
            mb / up.secs,
            mb / down.secs
        ));
        self.samples.push(keys::RCLONE_UP, mb / up.secs);
        self.samples.push(keys::RCLONE_DOWN, mb / down.secs);
        self.samples.push(keys::RCLONE_UP_RSS, up.peak_rss_mib);
        Ok(())
    }

    pub fn small_round(&mut self, run: usize, folder: &Path) -> Result<()> {
        let count = count_files(folder)?;
        let remote = format!("secret:small-{run}");
        let transfers = ["--transfers", SMALL_TRANSFERS];
        let up = self
            .rclone()
            .arg("copy")
            .args(transfers)
            .arg(folder)
            .arg(&remote)
            .run_measured(&self.scratch)?;
        let out = self.dir.join(format!("down-small-{run}"));
        let down = self
            .rclone()
            .arg("copy")
            .args(transfers)
            .arg(&remote)
            .arg(&out)
            .run_measured(&self.scratch)?;
        let got = count_files(&out)?;
        crate::data::remove(&out)?;
        ensure!(got == count, "rclone downloaded {got} files, not {count}");
        let n = count as f64;
        progress(format!(
            "rclone crypt/webdav {count} small files: up {:.0} files/s, down {:.0} files/s",
            n / up.secs,
            n / down.secs
        ));
        self.samples.push(keys::RCLONE_SMALL_UP, n / up.secs);
        self.samples.push(keys::RCLONE_SMALL_DOWN, n / down.secs);
        Ok(())
    }

    pub fn record(self, r: &mut Results, big: u64, small: usize) -> Result<()> {
        let s = &self.samples;
        let size = size_label(big);
        let mb = Unit::MegabytesPerSec;
        r.record(
            keys::RCLONE_UP,
            &format!("rclone crypt/WebDAV: {size} upload"),
            mb,
            s.get(keys::RCLONE_UP),
        );
        r.record(
            keys::RCLONE_DOWN,
            &format!("rclone crypt/WebDAV: {size} download"),
            mb,
            s.get(keys::RCLONE_DOWN),
        );
        r.record(
            keys::RCLONE_UP_RSS,
            &format!("rclone crypt/WebDAV: {size} upload, client peak RSS"),
            Unit::Mebibytes,
            s.get(keys::RCLONE_UP_RSS),
        );
        let what = format!("rclone crypt/WebDAV: {small} × 4 KiB, --transfers {SMALL_TRANSFERS}");
        r.record(
            keys::RCLONE_SMALL_UP,
            &format!("{what}, upload"),
            Unit::FilesPerSec,
            s.get(keys::RCLONE_SMALL_UP),
        );
        r.record(
            keys::RCLONE_SMALL_DOWN,
            &format!("{what}, download"),
            Unit::FilesPerSec,
            s.get(keys::RCLONE_SMALL_DOWN),
        );
        crate::data::remove(&self.dir)
    }
}

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
