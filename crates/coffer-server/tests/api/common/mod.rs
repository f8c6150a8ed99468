//! Test harness: real servers on port 0 over a temporary data directory, driven through HTTP
//! with reqwest, signing up and logging in with coffer-crypto's OPAQUE client. Encrypted fields
//! are arbitrary bytes of the right shape: the server treats them as opaque.
#![allow(dead_code)] // not every part of the harness is used by every test module

mod fixtures;

pub use fixtures::*;

use coffer_api::*;
use coffer_server::config::Settings;
use coffer_server::{AppState, serve};
use reqwest::{Method, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use std::sync::Arc;

pub const PASSWORD: &[u8] = b"correct horse battery staple";

/// No body, for calls that take none.
pub const NO_BODY: Option<&()> = None;

/// A running server over a data directory that outlives it (for restarts).
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub data: Arc<tempfile::TempDir>,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub token: String,
    pub id: Id,
    pub root: Id,
}

impl Account {
    pub fn token(&self) -> Option<&str> {
        Some(&self.token)
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        let data = Arc::new(tempfile::tempdir().unwrap());
        Self::start_with(data, Settings::default()).await
    }

    pub async fn start_with(data: Arc<tempfile::TempDir>, settings: Settings) -> TestServer {
        let state = AppState::open(data.path(), settings).await.expect("open");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(serve(listener, state.clone(), shutdown));
        let http = reqwest::Client::new();
        let (stop, task) = (Some(stop), Some(task));
        TestServer {
            base,
            http,
            data,
            state,
            stop,
            task,
        }
    }

    /// Stops the server and waits until it has released the data directory.
    pub async fn stop(mut self) -> Arc<tempfile::TempDir> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        self.state.meta.close().await;
        self.data.clone()
    }

    pub fn data_path(&self) -> PathBuf {
        self.data.path().to_path_buf()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn call<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Response {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    /// A JSON call expected to succeed (any 2xx); returns the decoded body.
    pub async fn json<T: DeserializeOwned, B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> T {
        let response = self.call(method.clone(), path, token, body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
    }

    /// `GET path` as `token`, expected to succeed.
    pub async fn get<T: DeserializeOwned>(&self, path: &str, token: Option<&str>) -> T {
        self.json(Method::GET, path, token, NO_BODY).await
    }

    /// A call expected to fail with `code`; checks the problem+json shape.
    pub async fn fails<B: Serialize>(
        &self,
        code: ErrorCode,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) {
        let response = self.call(method.clone(), path, token, body).await;
        expect_problem(response, code, &format!("{method} {path}")).await;
    }

    pub async fn signup(&self, email: &str) -> Account {
        let mut rng = coffer_crypto::OsRng;
        let (state, request) =
            coffer_crypto::client_registration_start(PASSWORD, &mut rng).unwrap();
        let email = email.to_string();
        let start = SignupStartRequest {
            email: email.clone(),
            registration_request: B64(request),
        };
        let start: SignupStartResponse = self
            .json(Method::POST, "/api/v1/signup/start", None, Some(&start))
            .await;
        let response = &start.registration_response;
        let (upload, _export) =
            coffer_crypto::client_registration_finish(state, PASSWORD, response, &mut rng).unwrap();
        let root = new_node(Id::random(), None, Vec::new());
        let finish = SignupFinishRequest {
            email: email.clone(),
            registration_upload: B64(upload),
            key_container: key_container(),
            root: root.clone(),
        };
        let finish: SignupFinishResponse = self
            .json(Method::POST, "/api/v1/signup/finish", None, Some(&finish))
            .await;
        assert_eq!(finish.root_id, root.id);
        let session = self
            .login(&email, PASSWORD)
            .await
            .expect("login after signup");
        Account {
            token: session.token,
            id: finish.account_id,
            root: finish.root_id,
        }
    }

    /// Logs in; `Err` carries the error code of the failing step.
    pub async fn login(&self, email: &str, password: &[u8]) -> Result<SessionResponse, ErrorCode> {
        self.login_with_code(email, password, None).await
    }

    /// Logs in with a second-factor code; `Err` carries the error code of the failing step.
    pub async fn login_with_code(
        &self,
        email: &str,
        password: &[u8],
        totp: Option<&str>,
    ) -> Result<SessionResponse, ErrorCode> {
        let mut rng = coffer_crypto::OsRng;
        let (state, request) = coffer_crypto::client_login_start(password, &mut rng).unwrap();
        let start = LoginStartRequest {
            email: email.into(),
            credential_request: B64(request),
        };
        let response = self
            .call(Method::POST, "/api/v1/login/start", None, Some(&start))
            .await;
        if !response.status().is_success() {
            return Err(response.json::<Problem>().await.unwrap().code);
        }
        let start: LoginStartResponse = response.json().await.unwrap();
        // A wrong password (or unknown email) fails on the client first; send the server junk
        // anyway, as a hostile client would.
        let response = &start.credential_response;
        let finalization =
            match coffer_crypto::client_login_finish(state, password, response, &mut rng) {
                Ok((finalization, _export)) => finalization,
                Err(_) => vec![0u8; 64],
            };
        let finish = LoginFinishRequest {
            login_id: start.login_id,
            credential_finalization: B64(finalization),
            totp: totp.map(str::to_string),
        };
        let response = self
            .call(Method::POST, "/api/v1/login/finish", None, Some(&finish))
            .await;
        if response.status().is_success() {
            Ok(response.json().await.unwrap())
        } else {
            Err(response.json::<Problem>().await.unwrap().code)
        }
    }
}

/// Checks a failed response: the code's status, problem+json, the code itself.
pub async fn expect_problem(response: Response, code: ErrorCode, what: &str) {
    let status = response.status();
    let content_type = response.headers().get("content-type").cloned();
    let text = response.text().await.unwrap();
    assert_eq!(status.as_u16(), code.status(), "{what}: {text}");
    assert_eq!(content_type.unwrap(), "application/problem+json", "{what}");
    let problem: Problem =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
    assert_eq!(problem.code, code, "{what}: {text}");
}
