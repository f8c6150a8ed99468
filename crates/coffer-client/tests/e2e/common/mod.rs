//! A real coffer server on port 0 with a temporary data directory, in its own runtime, and
//! helpers to get a logged-in drive.

#![allow(dead_code)] // each test file uses a different part

use coffer_client::{Drive, SessionStore};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

pub const PASSWORD: &[u8] = b"correct horse battery staple";

/// A real server (its own runtime) over a temporary data directory.
pub struct TestServer {
    pub url: String,
    _server: coffer_server::BackgroundServer,
    data: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> TestServer {
        let data = tempfile::tempdir().expect("temp dir");
        let settings = coffer_server::config::Settings::default();
        let server = coffer_server::BackgroundServer::start(data.path(), settings).expect("server");
        TestServer {
            url: server.url.clone(),
            _server: server,
            data,
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }
}

/// A fresh email per call, so tests on one server never collide.
pub fn unique_email() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "user{}-{}@example.org",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A new account on `server`, logged in; the config dir lives as long as the returned guard.
pub async fn new_drive(server: &TestServer) -> (Drive, SessionStore, tempfile::TempDir) {
    let config = tempfile::tempdir().expect("temp dir");
    let store = SessionStore::new(config.path());
    let session = coffer_client::signup(&server.url, &unique_email(), PASSWORD, &store)
        .await
        .expect("signup");
    (Drive::open(session).expect("drive"), store, config)
}

/// Deterministic pseudo-random bytes (a different stream per seed).
pub fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Every file below `dir` as (relative path, content), sorted.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("prefix").to_owned();
                out.push((rel, std::fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}
