//! rclone's crypt remote over WebDAV, served by `rclone serve webdav` on loopback.

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

const SMALL_TRANSFERS: &str = "16";

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
