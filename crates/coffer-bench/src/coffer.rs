//! The coffer client as the benchmarks run it: one account on one server, and each operation
//! as a separate process (the `coffer` CLI, or `coffer-bench driver` on the SDK), so that its
//! peak RSS is its own.

use crate::context::{Bench, ClientKind};
use crate::measure::{Measured, Proc};
use crate::service::CofferServer;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The password of every benchmark account (the accounts live only in throw-away servers).
pub const PASSWORD: &str = "coffer-bench correct horse battery staple";

/// A logged-in coffer client: a config directory holding the session.
pub struct CofferClient {
    kind: ClientKind,
    cli: PathBuf,
    bench: PathBuf,
    config: PathBuf,
    scratch: PathBuf,
}

impl CofferClient {
    /// Signs up a new account on the server at `url`; the session goes to `config`.
    pub fn signup(b: &Bench, url: &str, config: &Path) -> Result<CofferClient> {
        let client = CofferClient {
            kind: b.client,
            cli: b.bins.cli.clone(),
            bench: b.bins.bench.clone(),
            config: config.to_owned(),
            scratch: b.scratch()?,
        };
        let email = "bench@example.org";
        match client.kind {
            ClientKind::Cli => client
                .cli_proc()
                .args(["--server", url, "signup", "--email", email]),
            ClientKind::Sdk => client
                .driver()
                .args(["signup", "--server", url, "--email", email]),
        }
        .run()
        .context("signing up the benchmark account")?;
        Ok(client)
    }

    fn cli_proc(&self) -> Proc {
        Proc::new(&self.cli)
            .arg("-q")
            .env("COFFER_CONFIG_DIR", &self.config)
            .env("COFFER_PASSWORD", PASSWORD)
    }

    /// `coffer-bench driver …` on this client's session.
    pub fn driver(&self) -> Proc {
        Proc::new(&self.bench)
            .arg("driver")
            .env("COFFER_CONFIG_DIR", &self.config)
            .env("COFFER_PASSWORD", PASSWORD)
    }

    /// The same operation through whichever client is timed.
    fn op(&self, cli: &[&str], sdk: &[&str], paths: &[&Path]) -> Proc {
        let base = match self.kind {
            ClientKind::Cli => self.cli_proc().args(cli),
            ClientKind::Sdk => self.driver().args(sdk),
        };
        base.args(paths)
    }

    /// Uploads the local file `local` to the drive path `dest`.
    pub fn put_file(&self, local: &Path, dest: &str) -> Result<Measured> {
        self.op(&["put"], &["put"], &[local])
            .arg(dest)
            .run_measured(&self.scratch)
    }

    /// Downloads the drive file `src` to the local path `local`.
    pub fn get_file(&self, src: &str, local: &Path) -> Result<Measured> {
        self.op(&["get", src], &["get", src], &[local])
            .run_measured(&self.scratch)
    }

    /// Uploads the local folder `local` into the drive folder `dest`.
    pub fn put_dir(&self, local: &Path, dest: &str) -> Result<Measured> {
        self.op(&["put", "-r"], &["put-dir"], &[local])
            .arg(dest)
            .run_measured(&self.scratch)
    }

    /// Downloads the drive folder `src` as the local folder `local`.
    pub fn get_dir(&self, src: &str, local: &Path) -> Result<Measured> {
        self.op(&["get", "-r", src], &["get-dir", src], &[local])
            .run_measured(&self.scratch)
    }

    /// Lists the drive folder `path` (every entry verified); returns how many entries it has.
    pub fn list(&self, path: &str) -> Result<(Measured, usize)> {
        let measured = self
            .op(&["ls", path], &["ls", path], &[])
            .capture()
            .run_measured(&self.scratch)?;
        let text = String::from_utf8_lossy(&measured.stdout);
        let count = match self.kind {
            ClientKind::Cli => text.lines().filter(|l| !l.is_empty()).count(),
            ClientKind::Sdk => text.trim().parse().context("the driver's entry count")?,
        };
        Ok((measured, count))
    }

    /// Creates a drive folder (and its parents).
    pub fn mkdir(&self, path: &str) -> Result<()> {
        self.op(&["mkdir", "-p", path], &["mkdir", path], &[])
            .run()?;
        Ok(())
    }
}

/// A fresh server with one signed-up client, in its own directory under the work directory.
pub struct CofferBed {
    pub server: CofferServer,
    pub client: CofferClient,
    pub dir: PathBuf,
}

impl CofferBed {
    pub fn start(b: &Bench, name: &str) -> Result<CofferBed> {
        let dir = b.fresh_dir(name)?;
        let server = CofferServer::start(
            &b.bins.server,
            &dir.join("server-data"),
            &dir.join("server.log"),
        )?;
        let client = CofferClient::signup(b, &server.url, &dir.join("client-config"))?;
        Ok(CofferBed {
            server,
            client,
            dir,
        })
    }

    /// Runs `f` as one phase of the server's memory: returns its result and the server's peak
    /// RSS during it (MiB).
    pub fn phase<T>(&self, f: impl FnOnce(&CofferClient) -> Result<T>) -> Result<(T, f64)> {
        self.server.reset_peak_rss()?;
        let out = f(&self.client)?;
        Ok((out, self.server.peak_rss_mib()?))
    }

    /// Stops the server and deletes everything it stored.
    pub fn finish(self) -> Result<()> {
        self.server.stop();
        crate::data::remove(&self.dir)
    }
}
