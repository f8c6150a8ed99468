//! A thin typed wrapper over reqwest for the routes of PROTOCOL.md §9.
//!
//! This module owns the socket side: bearer auth, problem+json decoding into [`ClientError`],
//! bounded body reads (a hostile server cannot make the client buffer without limit) and
//! retries with backoff (see [`retry`]). The typed route methods live in [`routes`].

mod links;
mod retry;
mod routes;
mod sessions;
mod shares;

use crate::error::{ClientError, Result};
use bytes::Bytes;
use coffer_api::{API_PREFIX, Problem};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
pub(crate) use retry::Idempotence;
use retry::{Failure, next_delay};
pub(crate) use routes::ChildrenParams;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// Largest JSON body the client accepts: a 5000-node page is a few MiB.
const MAX_JSON_BODY: usize = 64 << 20;
/// Largest problem document read for an error message.
const MAX_PROBLEM_BODY: usize = 64 << 10;

/// A connection to one coffer server, with or without credentials.
#[derive(Clone)]
pub(crate) struct Api {
    client: reqwest::Client,
    /// e.g. `http://127.0.0.1:8080/api/v1`
    base: Arc<str>,
    /// The whole `Authorization` value: `Bearer <token>` for a session, `CofferLink <access>`
    /// or `CofferTicket <ticket>` for a public link (PROTOCOL.md §10.4).
    authorization: Option<Arc<Zeroizing<String>>>,
}

/// A request to send: method, path below the API prefix, and how to fill it in.
pub(crate) struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub idempotence: Idempotence,
    /// Applied to every attempt (bodies are cheap to clone: JSON bytes or [`Bytes`]).
    pub build: &'a (dyn Fn(RequestBuilder) -> RequestBuilder + Send + Sync),
    /// The largest success body accepted.
    pub max_body: usize,
}

impl Api {
    /// A client for `server_url` (e.g. `https://drive.example.org`); no session yet.
    pub(crate) fn new(server_url: &str) -> Result<Api> {
        let server = server_url.trim_end_matches('/');
        let parsed = reqwest::Url::parse(server)
            .map_err(|e| ClientError::Protocol(format!("invalid server URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::Protocol(
                "the server URL must start with http:// or https://".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(120))
            .user_agent(concat!("coffer-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok(Api {
            client,
            base: format!("{server}{API_PREFIX}").into(),
            authorization: None,
        })
    }

    /// The same connection, authenticated with the session `token`.
    pub(crate) fn with_token(&self, token: &str) -> Api {
        self.with_authorization("Bearer", token)
    }

    /// The same connection, sending `Authorization: <scheme> <credential>` (a link's access
    /// token or a download ticket, base64url).
    pub(crate) fn with_authorization(&self, scheme: &str, credential: &str) -> Api {
        Api {
            authorization: Some(Arc::new(Zeroizing::new(format!("{scheme} {credential}")))),
            ..self.clone()
        }
    }

    /// Sends `call`, retrying as its idempotence allows; returns the success body.
    pub(crate) async fn execute(&self, call: Call<'_>) -> Result<(StatusCode, Bytes)> {
        let url = format!("{}{}", self.base, call.path);
        let mut attempt = 0;
        loop {
            let mut request = self.client.request(call.method.clone(), &url);
            if let Some(value) = &self.authorization {
                request = request.header(reqwest::header::AUTHORIZATION, sensitive(value)?);
            }
            let (error, failure, hint) = match (call.build)(request).send().await {
                Ok(response) if response.status().is_success() => {
                    let status = response.status();
                    match read_limited(response, call.max_body).await {
                        Ok(body) => return Ok((status, body)),
                        Err(e) => {
                            let failure = match e {
                                ClientError::Network(_) => Failure::Transport,
                                _ => Failure::Permanent,
                            };
                            (e, failure, None)
                        }
                    }
                }
                Ok(response) => {
                    let hint = retry_after(&response);
                    let error = problem(response).await;
                    let failure = if error.is_temporary() {
                        Failure::Temporary
                    } else {
                        Failure::Permanent
                    };
                    (error, failure, hint)
                }
                Err(e) if e.is_connect() => (network(e), Failure::Connect, None),
                Err(e) if e.is_builder() => return Err(ClientError::Protocol(e.to_string())),
                Err(e) => (network(e), Failure::Transport, None),
            };
            match next_delay(attempt, failure, call.idempotence, hint) {
                Some(delay) => {
                    tracing::debug!(attempt, ?failure, "retrying request");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                None => return Err(error.with_retry_after(hint)),
            }
        }
    }

    /// Sends a JSON request and decodes a JSON answer.
    pub(crate) async fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        body: Option<&(impl serde::Serialize + Sync)>,
        idempotence: Idempotence,
    ) -> Result<T> {
        let body = encode_json(body)?;
        let build = |r: RequestBuilder| with_json(r, &body);
        let (_, bytes) = self
            .execute(Call {
                method,
                path,
                idempotence,
                build: &build,
                max_body: MAX_JSON_BODY,
            })
            .await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Protocol(format!("malformed JSON answer: {e}")))
    }

    /// Sends a request whose success answer has no body (204).
    pub(crate) async fn empty(
        &self,
        method: Method,
        path: String,
        idempotence: Idempotence,
    ) -> Result<()> {
        let build = |r: RequestBuilder| r;
        self.execute(Call {
            method,
            path,
            idempotence,
            build: &build,
            max_body: MAX_PROBLEM_BODY,
        })
        .await
        .map(drop)
    }
}

/// A header value marked sensitive (kept out of reqwest's `Debug` output).
fn sensitive(value: &str) -> Result<reqwest::header::HeaderValue> {
    let mut header = reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| ClientError::Protocol("a credential that is not a header value".into()))?;
    header.set_sensitive(true);
    Ok(header)
}

fn encode_json(body: Option<&(impl serde::Serialize + Sync)>) -> Result<Option<Bytes>> {
    body.map(|b| {
        serde_json::to_vec(b)
            .map(Bytes::from)
            .map_err(|e| ClientError::Protocol(format!("cannot encode request: {e}")))
    })
    .transpose()
}

fn with_json(request: RequestBuilder, body: &Option<Bytes>) -> RequestBuilder {
    match body {
        Some(bytes) => request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes.clone()),
        None => request,
    }
}

/// A transport error as text, with its causes and without the URL (it may carry ids; the user
/// knows which server they talk to).
fn network(e: reqwest::Error) -> ClientError {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    ClientError::Network(text)
}

fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    let seconds: u64 = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// Decodes a problem document; anything else becomes a protocol error naming the status.
async fn problem(response: Response) -> ClientError {
    let status = response.status();
    let body = match read_limited(response, MAX_PROBLEM_BODY).await {
        Ok(body) => body,
        Err(e) => return e,
    };
    match serde_json::from_slice::<Problem>(&body) {
        Ok(p) => ClientError::from_problem(status.as_u16(), p.code, p.detail),
        Err(_) if status.is_server_error() => {
            ClientError::from_problem(status.as_u16(), coffer_api::ErrorCode::Internal, None)
        }
        Err(_) => ClientError::Protocol(format!("HTTP {status} without a problem document")),
    }
}

/// Reads a body of at most `limit` bytes.
async fn read_limited(mut response: Response, limit: usize) -> Result<Bytes> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ClientError::Protocol("answer larger than allowed".into()));
    }
    // Sized from the announced length (checked against the limit above): growing the buffer
    // piece by piece copied a big chunk twice over into freshly faulted pages.
    let announced = response.content_length().unwrap_or(0);
    let mut body = bytes::BytesMut::with_capacity(usize::try_from(announced).unwrap_or(0));
    while let Some(piece) = response.chunk().await.map_err(network)? {
        if body.len() + piece.len() > limit {
            return Err(ClientError::Protocol("answer larger than allowed".into()));
        }
        body.extend_from_slice(&piece);
    }
    Ok(body.freeze())
}
