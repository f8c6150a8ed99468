//! What every benchmark needs: where the binaries and the work directory are, how many runs,
//! what sizes, and which coffer client to time.

use anyhow::{Context as _, Result, bail};
use std::path::{Path, PathBuf};

/// Sizes and counts of one run. `full` is what BENCH.md specifies; `quick` is a smoke test of
/// the harness itself (seconds, not minutes), never reported as a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizes {
    pub big_bytes: u64,
    pub huge_bytes: u64,
    pub small_count: usize,
    pub small_bytes: usize,
    /// rclone's WebDAV client paces its requests (~30 files/s): it gets a subset of the small
    /// files, so that the run stays within its time budget. Its rate is what is compared.
    pub rclone_small_count: usize,
    pub listing_entries: usize,
    pub clients: usize,
    /// ls + mkdir + mv rounds per client.
    pub metadata_rounds: usize,
}

impl Sizes {
    pub fn full() -> Sizes {
        Sizes {
            big_bytes: 1 << 30,
            huge_bytes: 10 << 30,
            small_count: 10_000,
            small_bytes: 4096,
            rclone_small_count: 1_000,
            listing_entries: 100_000,
            clients: 200,
            metadata_rounds: 10,
        }
    }

    pub fn quick() -> Sizes {
        Sizes {
            big_bytes: 64 << 20,
            huge_bytes: 256 << 20,
            small_count: 500,
            small_bytes: 4096,
            rclone_small_count: 100,
            listing_entries: 2_000,
            clients: 20,
            metadata_rounds: 3,
        }
    }
}

/// Which program the coffer figures time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientKind {
    /// The real `coffer` command-line client.
    Cli,
    /// `coffer-bench driver`, a small release-built program on the SDK.
    Sdk,
}

/// The release binaries a run uses.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub server: PathBuf,
    pub cli: PathBuf,
    /// This program (its `driver` subcommand is the SDK client).
    pub bench: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Bench {
    pub repo: PathBuf,
    pub bins: Binaries,
    pub work: PathBuf,
    pub runs: usize,
    pub sizes: Sizes,
    pub client: ClientKind,
    /// Keep the 10 GiB source file for the next run (else it is deleted afterwards).
    pub keep_data: bool,
}

impl Bench {
    /// The workspace root: two levels above this crate's manifest, or the current directory
    /// when it has the workspace's `Cargo.toml`.
    pub fn find_repo() -> Result<PathBuf> {
        let from_build = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for candidate in [from_build, std::env::current_dir()?] {
            if candidate.join("crates/coffer-bench").is_dir() {
                return Ok(candidate.canonicalize()?);
            }
        }
        bail!("cannot find the coffer workspace: run from its root")
    }

    /// Release binaries next to this one (`target/release`).
    pub fn find_binaries() -> Result<Binaries> {
        let bench = std::env::current_exe().context("locating coffer-bench")?;
        let dir = bench.parent().context("coffer-bench has no directory")?;
        let bins = Binaries {
            server: dir.join("coffer-server"),
            cli: dir.join("coffer"),
            bench: bench.clone(),
        };
        for bin in [&bins.server, &bins.cli] {
            if !bin.is_file() {
                bail!(
                    "{} is missing: build with `cargo build --release -p coffer-server -p coffer-cli`",
                    bin.display()
                );
            }
        }
        Ok(bins)
    }

    /// A fresh, empty directory `name` inside the work directory.
    pub fn fresh_dir(&self, name: &str) -> Result<PathBuf> {
        let dir = self.work.join(name);
        crate::data::remove(&dir)?;
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(dir)
    }

    /// The directory the reusable input files live in.
    pub fn inputs(&self) -> Result<PathBuf> {
        let dir = self.work.join("inputs");
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// The 1 GiB input file (made on first use).
    pub fn big_file(&self) -> Result<PathBuf> {
        let path = self.inputs()?.join("big.bin");
        crate::data::ensure_file(&path, self.sizes.big_bytes, 1)?;
        Ok(path)
    }

    /// The folder of small files (made on first use).
    pub fn small_files(&self, count: usize) -> Result<PathBuf> {
        let path = self.inputs()?.join(format!("small-{count}"));
        crate::data::ensure_small_files(&path, count, self.sizes.small_bytes)?;
        Ok(path)
    }

    /// Where `/usr/bin/time` writes its report.
    pub fn scratch(&self) -> Result<PathBuf> {
        let dir = self.work.join("scratch");
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }
}

/// Logs progress on stderr, so stdout stays the result.
pub fn progress(what: impl AsRef<str>) {
    eprintln!("[coffer-bench] {}", what.as_ref());
}
