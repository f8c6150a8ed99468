//! A real coffer server on port 0 with a temporary data directory, on its own runtime.

pub struct TestServer {
    server: coffer_server::BackgroundServer,
    _data: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> TestServer {
        let data = tempfile::tempdir().expect("temp dir");
        let settings = coffer_server::config::Settings::default();
        let server = coffer_server::BackgroundServer::start(data.path(), settings).expect("server");
        TestServer {
            server,
            _data: data,
        }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }
}
