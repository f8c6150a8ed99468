//! A server on its own runtime thread, for programs and tests that embed one (the SDK's and
//! the CLI's end-to-end tests, benchmarks) whatever runtime they run on themselves.

use crate::config::Settings;
use crate::{AppState, StartupError, serve};
use std::path::Path;

/// A running server on 127.0.0.1 with a port the system chose; stops when dropped.
pub struct BackgroundServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl BackgroundServer {
    /// Opens the stores under `data_dir` and serves them. The runtime is built on a plain
    /// thread, so this works from inside another runtime too.
    pub fn start(data_dir: &Path, settings: Settings) -> Result<BackgroundServer, StartupError> {
        let dir = data_dir.to_owned();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let started = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(StartupError::Runtime)?;
            let url = runtime.block_on(async move {
                let state = AppState::open(&dir, settings).await?;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .map_err(StartupError::Runtime)?;
                let addr = listener.local_addr().map_err(StartupError::Runtime)?;
                tokio::spawn(serve(listener, state, async {
                    let _ = stopped.await;
                }));
                Ok::<_, StartupError>(format!("http://{addr}"))
            })?;
            Ok::<_, StartupError>((runtime, url))
        });
        let (runtime, url) = started.join().map_err(|_| {
            StartupError::Runtime(std::io::Error::other("server thread panicked"))
        })??;
        Ok(BackgroundServer {
            url,
            stop: Some(stop),
            runtime: Some(runtime),
        })
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
