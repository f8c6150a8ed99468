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
    /// Starts the server on `data_dir`, appending its log to `data_dir/../server.log`.
    pub fn start(data_dir: &Path) -> ServerProcess {
        let log_path = data_dir.with_extension("log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("open the server log");
        let mut child = Command::new(binary("coffer-server"))
            .args(["--listen", "127.0.0.1:0", "--data"])
            .arg(data_dir)
            .env("RUST_LOG", "debug")
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
            let n = reader.read_line(&mut line).expect("read the server's stdout");
            assert!(n > 0 && Instant::now() < deadline, "coffer-server did not start; see {}", log_path.display());
        }
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("the listening line names the URL")
            .to_string();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        ServerProcess { child, url, data_dir: data_dir.to_path_buf(), log_path }
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

/// Every file below `dir` (recursively), with its bytes.
pub fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
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
