//! A real coffer server on port 0 with a temporary data directory, in its own runtime, and
//! helpers to get a logged-in drive.

#![allow(dead_code)] // each test file uses a different part

use coffer_client::{Drive, SessionStore};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

pub const PASSWORD: &[u8] = b"correct horse battery staple";

pub struct TestServer {
    pub url: String,
    data: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestServer {
    /// Starts the server on its own runtime (built on a plain thread, so this works from
    /// inside a test's runtime too).
    pub fn start() -> TestServer {
        let data = tempfile::tempdir().expect("temp dir");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let dir = data.path().to_owned();
        let (runtime, url) = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            let url = runtime.block_on(async move {
                let settings = coffer_server::config::Settings::default();
                let state = coffer_server::AppState::open(&dir, settings)
                    .await
                    .expect("server state");
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let addr = listener.local_addr().expect("addr");
                tokio::spawn(coffer_server::serve(listener, state, async {
                    let _ = stopped.await;
                }));
                format!("http://{addr}")
            });
            (runtime, url)
        })
        .join()
        .expect("server thread");
        TestServer {
            url,
            data,
            stop: Some(stop),
            runtime: Some(runtime),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
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
