//! Upload sessions: create, list (to resume), read, abandon, commit. Chunks are in
//! [`super::chunks`].

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::incoming;
use crate::outgoing;
use crate::state::{AppState, ms_after, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{CommitUpload, CreateUpload, Id, Node, Upload, UploadList, UploadQuery};

/// Opens an upload session for a new file, or for new content of an existing file
/// (`base_revision` set). The session expires after the configured upload TTL.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "uploads",
    security(("bearer" = [])),
    request_body = CreateUpload,
    responses((status = 201, description = "The session is open", body = Upload)))]
pub async fn create_upload(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateUpload>,
) -> Result<(StatusCode, Json<Upload>), ApiError> {
    let now = now_ms();
    let expires_at = ms_after(now, state.settings.upload_ttl);
    let upload = incoming::new_upload(body, Id::random(), expires_at)?;
    state
        .meta
        .create_upload(auth.account_id, &upload, now)
        .await?;
    let created = state.meta.upload(auth.account_id, upload.id).await?;
    Ok((StatusCode::CREATED, Json(outgoing::upload(created))))
}

/// The account's unfinished, unexpired sessions (optionally only those into one folder), each
/// with the chunk indexes already stored, so a client can resume.
#[utoipa::path(get, path = "/api/v1/uploads", tag = "uploads",
    security(("bearer" = [])),
    params(UploadQuery),
    responses((status = 200, description = "The open sessions", body = UploadList)))]
pub async fn list_uploads(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<UploadQuery>,
) -> Result<Json<UploadList>, ApiError> {
    let open = state
        .meta
        .open_uploads(auth.account_id, query.parent, now_ms())
        .await?;
    Ok(Json(UploadList {
        items: open.into_iter().map(outgoing::upload).collect(),
    }))
}

/// One session with the chunk indexes stored so far.
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "uploads",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Upload id")),
    responses((status = 200, description = "The session", body = Upload)))]
pub async fn get_upload(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Upload>, ApiError> {
    let upload = state.meta.upload(auth.account_id, id).await?;
    Ok(Json(outgoing::upload(upload)))
}

/// Abandons an open session; its chunks are deleted in the background.
/// `409 upload_committed` once committed.
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", tag = "uploads",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Upload id")),
    responses((status = 204, description = "The session is abandoned")))]
pub async fn delete_upload(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<StatusCode, ApiError> {
    state
        .meta
        .abandon_upload(auth.account_id, id, now_ms())
        .await?;
    state.cleanup_wake.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// Commits a session: the file (or its new content) appears atomically. The server recomputes
/// the chunk list hash from the hashes it stored and compares it with the commit's.
/// `409 upload_incomplete`, `upload_committed`, `name_exists`, `revision_conflict`;
/// `400 chunk_list_mismatch`; `410 upload_expired`.
#[utoipa::path(post, path = "/api/v1/uploads/{id}/commit", tag = "uploads",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Upload id")),
    request_body = CommitUpload,
    responses((status = 200, description = "The node", body = Node)))]
pub async fn commit_upload(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<CommitUpload>,
) -> Result<Json<Node>, ApiError> {
    let commit = incoming::upload_commit(body)?;
    let node = state
        .meta
        .commit_upload(auth.account_id, id, &commit, now_ms(), |hashes| {
            coffer_crypto::chunk_list_hash(hashes)
        })
        .await?;
    if node.revision > 1 {
        // A replacement queued the previous version's blobs.
        state.cleanup_wake.notify_one();
    }
    Ok(Json(outgoing::node(node)))
}
