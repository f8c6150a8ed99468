//! A real coffer server on port 0 with a temporary data directory, on its own runtime.

pub struct TestServer {
    pub url: String,
    _data: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let data = tempfile::tempdir().expect("temp dir");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = data.path().to_owned();
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
        TestServer {
            url,
            _data: data,
            stop: Some(stop),
            runtime: Some(runtime),
        }
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
