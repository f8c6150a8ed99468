//! [`ApiError`]: every failure a route returns, and the one place where failures become HTTP.
//!
//! Policy: each error carries a stable [`ErrorCode`] (its HTTP status comes from the code) and a
//! `detail` for people. Store errors map here (`From<StoreError>`), and so do axum's extractor
//! rejections (malformed JSON, bad path or query), the 404 and 405 fallbacks, and timeouts. The
//! body is always `application/problem+json` (RFC 9457). Internal failures are logged here with
//! their cause and answered with a generic detail: nothing about the database or the disk leaks
//! to clients, and no request content reaches the log. Temporary failures (`internal`,
//! `unavailable`) may be retried by clients; all others are permanent for the same request.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coffer_api::{ErrorCode, LinkState, Problem};
use coffer_store::StoreError;
use std::borrow::Cow;

/// A failed request: a stable code and a human-readable detail.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    detail: Cow<'static, str>,
    /// Seconds for the `retry-after` header (`429 rate_limited`).
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError {
            code,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// `429 rate_limited`, to be retried after `seconds` (at least 1).
    pub fn rate_limited(seconds: u64) -> ApiError {
        ApiError {
            retry_after: Some(seconds.max(1)),
            ..ApiError::new(ErrorCode::RateLimited, "too many attempts; retry later")
        }
    }

    /// `429 rate_limited` with a detail of its own (which should say when to retry).
    pub fn rate_limited_because(seconds: u64, detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError {
            retry_after: Some(seconds.max(1)),
            ..ApiError::new(ErrorCode::RateLimited, detail)
        }
    }

    /// The `410` a public link in `state` answers with (`link_revoked`, …).
    pub fn link_inactive(state: LinkState) -> ApiError {
        let (code, detail) = match state {
            LinkState::Revoked => (ErrorCode::LinkRevoked, "the link was revoked by its owner"),
            LinkState::TakenDown => (ErrorCode::LinkTakenDown, "the link was taken down"),
            LinkState::Gone => (ErrorCode::LinkGone, "what the link pointed to was deleted"),
            LinkState::Expired => (ErrorCode::LinkExpired, "the link has expired"),
            LinkState::Exhausted => (ErrorCode::LinkExhausted, "the link's downloads are used up"),
            LinkState::Active => return ApiError::internal(&"an active link was refused"),
        };
        ApiError::new(code, detail)
    }

    pub fn bad_request(detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::new(ErrorCode::BadRequest, detail)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(ErrorCode::Unauthorized, "a valid bearer token is required")
    }

    /// An internal failure: logged with its cause, answered generically.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(ErrorCode::Internal, "the server failed; retry later")
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The same error about file `index` (from 0) of a batch.
    pub fn in_file(self, index: usize) -> ApiError {
        ApiError {
            detail: format!("file {index} of the batch: {}", self.detail).into(),
            ..self
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&Problem::new(self.code, self.detail))
            .unwrap_or_else(|_| b"{\"code\":\"internal\"}".to_vec());
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.code == ErrorCode::Unauthorized {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        use ErrorCode as C;
        let (code, detail) = match e {
            StoreError::NotFound => (C::NotFound, "no such object"),
            StoreError::EmailTaken => (C::EmailTaken, "an account with this email exists"),
            StoreError::IdExists => (C::IdExists, "this id is already in use"),
            StoreError::NameExists => (C::NameExists, "the folder has a child with this name"),
            StoreError::NotAFolder => (C::NotAFolder, "the parent is not a folder"),
            StoreError::RevisionConflict => (
                C::RevisionConflict,
                "the node changed since the base revision",
            ),
            StoreError::FolderNotEmpty => (
                C::FolderNotEmpty,
                "the folder is not empty; delete it recursively",
            ),
            StoreError::InvalidMove => (
                C::InvalidMove,
                "the root cannot be moved or deleted, nor a folder moved into itself",
            ),
            StoreError::ChunkConflict => (
                C::ChunkConflict,
                "other bytes are stored for this chunk index",
            ),
            StoreError::UploadIncomplete => (C::UploadIncomplete, "not every chunk was uploaded"),
            StoreError::UploadCommitted => (C::UploadCommitted, "the upload is already committed"),
            StoreError::UploadExpired => (C::UploadExpired, "the upload session expired"),
            StoreError::ChunkListMismatch => (
                C::ChunkListMismatch,
                "the chunk list hash does not match the stored chunks",
            ),
            StoreError::LinksSuspended => (C::LinksSuspended, "this account may not create links"),
            StoreError::AlreadyShared => (
                C::AlreadyShared,
                "the folder is already shared with this account",
            ),
            StoreError::LinkInactive(state) => return ApiError::link_inactive(state),
            StoreError::QuotaExceeded {
                needed,
                left,
                quota,
            } => return crate::quota::storage_exceeded(needed, left, quota),
            StoreError::TransferQuotaExceeded { used, quota } => {
                return crate::quota::transfer_exceeded(used, quota, crate::state::now_ms());
            }
            StoreError::OutOfRange(what) => {
                return ApiError::bad_request(format!("{what} is out of range"));
            }
            other if other.is_temporary() => {
                tracing::error!(error = %other, "storage unavailable");
                (C::Unavailable, "storage is unavailable; retry later")
            }
            other => return ApiError::internal(&other),
        };
        ApiError::new(code, detail)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(ErrorCode::PayloadTooLarge, "the JSON body is too large")
            }
            _ => ApiError::bad_request(r.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::bad_request(r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        ApiError::bad_request(r.body_text())
    }
}

/// The answer for unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

/// The answer for a known route with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not accept this method",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_keep_their_meaning() {
        let cases = [
            (StoreError::NotFound, ErrorCode::NotFound),
            (StoreError::ChunkConflict, ErrorCode::ChunkConflict),
            (StoreError::UploadExpired, ErrorCode::UploadExpired),
            (StoreError::Corrupt("x"), ErrorCode::Internal),
            (StoreError::OutOfRange("size"), ErrorCode::BadRequest),
            (StoreError::LinksSuspended, ErrorCode::LinksSuspended),
            (
                StoreError::LinkInactive(LinkState::Exhausted),
                ErrorCode::LinkExhausted,
            ),
            (
                StoreError::LinkInactive(LinkState::Gone),
                ErrorCode::LinkGone,
            ),
        ];
        for (store, code) in cases {
            assert_eq!(ApiError::from(store).code(), code);
        }
    }

    #[tokio::test]
    async fn responses_are_problem_json_with_the_code_status() {
        let response = ApiError::unauthorized().into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (problem.code, problem.status),
            (ErrorCode::Unauthorized, 401)
        );
    }

    #[test]
    fn rate_limits_say_when_to_retry() {
        let response = ApiError::rate_limited(0).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
