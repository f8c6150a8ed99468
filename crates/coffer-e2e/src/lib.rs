//! Harness for coffer's end-to-end tests: runs the real `coffer-server` and `coffer` binaries
//! built by `cargo test --workspace`, each server on 127.0.0.1:0 with its own data directory and
//! its log captured to a file, so tests can kill it (-9), restart it on the same data, and search
//! its data and log for anything that should never be there.
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The directory holding the workspace's binaries (`target/debug` or `target/release`).
pub fn bin_dir() -> PathBuf {
    // Test executables live in target/<profile>/deps/.
    let exe = std::env::current_exe().expect("the test executable has a path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps");
    dir.to_path_buf()
}

/// Path of a workspace binary, with a clear message when it was not built.
pub fn binary(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run the suite with `cargo test --workspace`, which builds every binary",
        path.display()
    );
    path
}

/// A `coffer-server` process on a free loopback port.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    pub data_dir: PathBuf,
    pub log_path: PathBuf,
}

impl ServerProcess {
    /// Starts the server on `data_dir` on a free port, appending its log to `<data_dir>.log`.
    pub fn start(data_dir: &Path) -> ServerProcess {
        Self::start_on(data_dir, "127.0.0.1:0")
    }

    /// The `host:port` the server listens on.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Starts the server on `data_dir` listening on `listen` (to restart on the same port).
    pub fn start_on(data_dir: &Path, listen: &str) -> ServerProcess {
        let log_path = data_dir.with_extension("log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("open the server log");
        let mut child = Command::new(binary("coffer-server"))
            .args(["--listen", listen, "--data"])
            .arg(data_dir)
            .env("COFFER_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start coffer-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut reader = BufReader::new(stdout);
        while !line.contains("listening on") {
            line.clear();
            let n = reader
                .read_line(&mut line)
                .expect("read the server's stdout");
            assert!(
                n > 0 && Instant::now() < deadline,
                "coffer-server did not start; see {}",
                log_path.display()
            );
        }
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("the listening line names the URL")
            .to_string();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        ServerProcess {
            child,
            url,
            data_dir: data_dir.to_path_buf(),
            log_path,
        }
    }

    /// kill -9: no shutdown hook runs.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Graceful stop (SIGTERM) and wait.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `coffer-server check --json` on `data_dir` (the server may be running) and fails the
/// test unless it exits 0: every reference resolves (garbage is allowed). The JSON report is in
/// the failure message.
pub fn assert_store_consistent(data_dir: &Path) {
    let output = Command::new(binary("coffer-server"))
        .args(["check", "--json", "--data"])
        .arg(data_dir)
        .output()
        .expect("run coffer-server check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the store in {} is inconsistent ({}):\n{stdout}\n{}",
        data_dir.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file below `dir` (recursively), with its bytes.
pub fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
    out
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A fresh account on `server`, its session kept in `config_dir`, as an open [`Drive`].
pub async fn signup(url: &str, email: &str, config_dir: &Path) -> coffer_client::Drive {
    let store = coffer_client::SessionStore::new(config_dir);
    let session = coffer_client::signup(url, email, PASSWORD.as_bytes(), &store)
        .await
        .expect("signup");
    coffer_client::Drive::open(session).expect("open the drive")
}

/// The password every test account uses.
pub const PASSWORD: &str = "correct horse battery staple 7";

/// `len` deterministic bytes that look random (xorshift64*), distinct for each `seed`.
pub fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The metadata database of a server's data directory, for tests that play a malicious server
/// by rewriting what it stores. Use only while the server is stopped.
pub async fn open_db(data_dir: &Path) -> sqlx::SqlitePool {
    use sqlx::sqlite::SqliteConnectOptions;
    let opts = SqliteConnectOptions::new().filename(data_dir.join("meta.sqlite"));
    sqlx::SqlitePool::connect_with(opts)
        .await
        .expect("open meta.sqlite")
}

/// The blob files of `version_id` (a 16-byte id) under `data_dir`, ordered by chunk index.
pub fn chunk_files(data_dir: &Path, version_id: &[u8]) -> Vec<PathBuf> {
    let hex: String = version_id.iter().map(|b| format!("{b:02x}")).collect();
    let dir = data_dir.join("blobs").join("v").join(&hex[..2]).join(&hex);
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let index = name.split('-').next()?.parse().ok()?;
            Some((index, e.path()))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}
