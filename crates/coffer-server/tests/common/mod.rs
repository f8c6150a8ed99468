//! Test harness: real servers on port 0 over a temporary data directory, driven through HTTP
//! with reqwest, signing up and logging in with coffer-crypto's OPAQUE client. Encrypted fields
//! are arbitrary bytes of the right shape: the server treats them as opaque.
#![allow(dead_code)] // each test binary uses its own part of the harness

use coffer_api::*;
use coffer_server::config::Settings;
use coffer_server::{AppState, serve};
use reqwest::{Method, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const PASSWORD: &[u8] = b"correct horse battery staple";
pub const CHUNK: u32 = 65536;
pub const FULL: u64 = CHUNK as u64 + 16;

/// A running server. Dropping the data directory handle last keeps the files for a restart.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub data: Arc<tempfile::TempDir>,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(Arc::new(tempfile::tempdir().unwrap()), Settings::default()).await
    }

    pub async fn start_with(data: Arc<tempfile::TempDir>, settings: Settings) -> TestServer {
        let state = AppState::open(data.path(), settings).await.expect("open state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        TestServer {
            base,
            http: reqwest::Client::new(),
            data,
            state,
            stop: Some(stop),
            task: Some(task),
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

    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<&impl Serialize>) -> Response {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    /// A JSON call expected to succeed with `status`.
    pub async fn ok<T: DeserializeOwned>(&self, method: Method, path: &str, token: Option<&str>, body: Option<&impl Serialize>, status: StatusCode) -> T {
        let response = self.send(method.clone(), path, token, body).await;
        let got = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
    }

    /// A call expected to fail with `code`; checks the problem+json shape.
    pub async fn fails(&self, method: Method, path: &str, token: Option<&str>, body: Option<&impl Serialize>, code: ErrorCode) {
        let response = self.send(method.clone(), path, token, body).await;
        expect_problem(response, code, &format!("{method} {path}")).await;
    }

    pub async fn signup(&self, email: &str) -> Account {
        let mut rng = coffer_crypto::OsRng;
        let (state, request) = coffer_crypto::client_registration_start(PASSWORD, &mut rng).unwrap();
        let start: SignupStartResponse = self
            .ok(Method::POST, "/api/v1/signup/start", None, Some(&SignupStartRequest {
                email: email.to_string(),
                registration_request: B64(request),
            }), StatusCode::OK)
            .await;
        let (upload, _export) = coffer_crypto::client_registration_finish(state, PASSWORD, &start.registration_response, &mut rng).unwrap();
        let root = new_node(Id::random(), None, Vec::new());
        let finish: SignupFinishResponse = self
            .ok(Method::POST, "/api/v1/signup/finish", None, Some(&SignupFinishRequest {
                email: email.to_string(),
                registration_upload: B64(upload),
                key_container: key_container(),
                root: root.clone(),
            }), StatusCode::OK)
            .await;
        assert_eq!(finish.root_id, root.id);
        let session = self.login(email, PASSWORD).await.expect("login after signup");
        Account { token: session.token, id: finish.account_id, root: finish.root_id }
    }

    /// Logs in; `Err` carries the error code of the failing step.
    pub async fn login(&self, email: &str, password: &[u8]) -> Result<SessionResponse, ErrorCode> {
        let mut rng = coffer_crypto::OsRng;
        let (state, request) = coffer_crypto::client_login_start(password, &mut rng).unwrap();
        let start: LoginStartResponse = self
            .ok(Method::POST, "/api/v1/login/start", None, Some(&LoginStartRequest {
                email: email.to_string(),
                credential_request: B64(request),
            }), StatusCode::OK)
            .await;
        // A wrong password (or unknown email) fails on the client first; tell the server anyway
        // with a junk finalization, as a hostile client would.
        let finalization = match coffer_crypto::client_login_finish(state, password, &start.credential_response, &mut rng) {
            Ok((finalization, _export)) => finalization,
            Err(_) => vec![0u8; 64],
        };
        let response = self
            .send(Method::POST, "/api/v1/login/finish", None, Some(&LoginFinishRequest {
                login_id: start.login_id,
                credential_finalization: B64(finalization),
            }))
            .await;
        if response.status().is_success() {
            Ok(response.json().await.unwrap())
        } else {
            let problem: Problem = response.json().await.unwrap();
            Err(problem.code)
        }
    }
}

pub async fn expect_problem(response: Response, code: ErrorCode, what: &str) {
    let status = response.status();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    assert_eq!(status.as_u16(), code.status(), "{what}: {text}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{what}");
    let problem: Problem = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
    assert_eq!(problem.code, code, "{what}: {text}");
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

pub fn key_container() -> KeyContainer {
    KeyContainer {
        version: 1,
        generation: 1,
        signing_public: B64(vec![1; 32]),
        agreement_public: B64(vec![2; 32]),
        wrapped_master_key: B64(vec![3; 93]),
        wrapped_identity: B64(vec![4; 125]),
        signature: B64(vec![5; 64]),
    }
}

pub fn new_node(id: Id, parent: Option<Id>, name_tag: Vec<u8>) -> NewNode {
    NewNode {
        id,
        parent_id: parent,
        author_key: B64(vec![1; 32]),
        name_tag: B64(name_tag),
        wrapped_key: B64(vec![2; 93]),
        encrypted_attributes: B64(vec![3; 70]),
        signature: B64(vec![4; 64]),
    }
}

/// A 32-byte name tag derived from a readable name (stands in for the HMAC).
pub fn tag(name: &str) -> Vec<u8> {
    blake3::hash(name.as_bytes()).as_bytes().to_vec()
}

pub fn create_upload(parent: Id, node: Id, name: &str, ciphertext_size: u64) -> CreateUpload {
    let chunk_count = chunk_count_of(ciphertext_size);
    CreateUpload {
        node_id: node,
        parent_id: parent,
        version_id: Id::random(),
        name_tag: B64(tag(name)),
        wrapped_key: B64(vec![2; 93]),
        encrypted_attributes: B64(vec![3; 70]),
        header: B64(vec![6; 106]),
        chunk_size: CHUNK,
        ciphertext_size,
        chunk_count,
        base_revision: None,
    }
}

/// Chunks of a file of `ciphertext_size` (PROTOCOL.md §5.2, with this harness's chunk size).
pub fn chunk_count_of(ciphertext_size: u64) -> u64 {
    ciphertext_size.div_ceil(FULL).max(1)
}

/// The ciphertext bytes of chunk `index` of a file of `ciphertext_size` (any bytes will do).
pub fn chunk_bytes(seed: u8, index: u64, ciphertext_size: u64) -> Vec<u8> {
    let count = chunk_count_of(ciphertext_size);
    let len = if index + 1 < count { FULL } else { ciphertext_size - (count - 1) * FULL };
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed).wrapping_add(index as u8)).collect()
}

pub fn commit_for(chunks: &[Vec<u8>]) -> CommitUpload {
    let hashes: Vec<[u8; 32]> = chunks.iter().map(|c| coffer_crypto::chunk_hash(c)).collect();
    CommitUpload {
        encrypted_attributes: B64(vec![9; 80]),
        chunk_list_hash: B64(coffer_crypto::chunk_list_hash(&hashes).to_vec()),
        author_key: B64(vec![1; 32]),
        signature: B64(vec![8; 64]),
    }
}

pub async fn put_chunk(server: &TestServer, token: &str, upload: Id, index: u64, bytes: &[u8]) -> Response {
    server
        .http
        .put(server.url(&format!("/api/v1/uploads/{upload}/chunks/{index}")))
        .bearer_auth(token)
        .header(CHUNK_HASH_HEADER, hex::encode(coffer_crypto::chunk_hash(bytes)))
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

/// Uploads and commits a whole file of `ciphertext_size` under `parent`; returns the node and
/// its chunks.
pub async fn upload_file(server: &TestServer, account: &Account, parent: Id, name: &str, ciphertext_size: u64) -> (Node, Vec<Vec<u8>>) {
    let create = create_upload(parent, Id::random(), name, ciphertext_size);
    let upload: Upload = server.ok(Method::POST, "/api/v1/uploads", account.token(), Some(&create), StatusCode::CREATED).await;
    let chunks: Vec<Vec<u8>> = (0..create.chunk_count).map(|i| chunk_bytes(7, i, ciphertext_size)).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let response = put_chunk(server, &account.token, upload.id, i as u64, chunk).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{}", response.text().await.unwrap());
    }
    let node: Node = server
        .ok(Method::POST, &format!("/api/v1/uploads/{}/commit", upload.id), account.token(), Some(&commit_for(&chunks)), StatusCode::OK)
        .await;
    (node, chunks)
}

pub async fn get_chunk(server: &TestServer, token: &str, node: Id, version: Id, index: u64) -> Response {
    server
        .http
        .get(server.url(&format!("/api/v1/nodes/{node}/versions/{version}/chunks/{index}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// No body, for calls that take none.
pub const NO_BODY: Option<&()> = None;

pub fn blob_files(data: &Path) -> usize {
    fn walk(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&data.join("blobs"))
}
