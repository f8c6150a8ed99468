//! Upload sessions: create, list (to resume), read, abandon, commit. Chunks are in
//! [`super::chunks`].
//!
//! In a folder shared with the caller (write grant), a session belongs to the owner's account
//! (quota, pending bytes) and remembers who opened it: only that recipient or the owner may use
//! it, and the recipient only while it may still write into the folder.

use crate::access::{Need, node_access, upload_account, write_account};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::incoming;
use crate::outgoing;
use crate::state::{AppState, ms_after, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{
    CommitUpload, CreateUpload, ErrorCode, Id, Node, SmallFileBatch, SmallFileNodes, Upload,
    UploadList, UploadQuery,
};
use coffer_store::BatchError;

/// Opens an upload session for a new file, or for new content of an existing file
/// (`base_revision` set). The session expires after the configured upload TTL. It reserves
/// its declared size in the drive owner's storage quota until it is committed, abandoned or
/// expires. `403 read_only_share` in a folder shared read-only; `507 quota_exceeded` when the
/// size does not fit (`detail` says how much is left).
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
    let account = write_account(&state, auth.account_id, upload.parent_id, None).await?;
    if upload.base_revision.is_some() {
        // The file to replace must be writable too, and in the same drive.
        write_account(&state, auth.account_id, upload.node_id, Some(account)).await?;
    }
    state
        .meta
        .create_upload_by(account, auth.account_id, &upload, now)
        .await?;
    let created = state.meta.upload(account, upload.id).await?;
    Ok((StatusCode::CREATED, Json(outgoing::upload(created))))
}

/// The account's unfinished, unexpired sessions (optionally only those into one folder), each
/// with the chunk indexes already stored, so a client can resume. With `parent` a folder shared
/// with the caller: only the sessions the caller opened there.
#[utoipa::path(get, path = "/api/v1/uploads", tag = "uploads",
    security(("bearer" = [])),
    params(UploadQuery),
    responses((status = 200, description = "The open sessions", body = UploadList)))]
pub async fn list_uploads(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<UploadQuery>,
) -> Result<Json<UploadList>, ApiError> {
    // A folder the caller cannot see lists nothing, as an empty folder of its own would.
    let (account, created_by) = match query.parent {
        Some(parent) => match node_access(&state, auth.account_id, parent, Need::Read).await {
            Ok(access) => (access.account, access.share.map(|_| auth.account_id)),
            Err(e) if e.code() == ErrorCode::NotFound => (auth.account_id, None),
            Err(e) => return Err(e),
        },
        None => (auth.account_id, None),
    };
    let open = state
        .meta
        .open_uploads_by(account, created_by, query.parent, now_ms())
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
    let account = upload_account(&state, auth.account_id, id).await?;
    let upload = state.meta.upload(account, id).await?;
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
    let account = upload_account(&state, auth.account_id, id).await?;
    state.meta.abandon_upload(account, id, now_ms()).await?;
    state.cleanup_wake.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// Commits a session: the file (or its new content) appears atomically. The server recomputes
/// the chunk list hash from the hashes it stored and compares it with the commit's.
/// `409 upload_incomplete`, `upload_committed`, `name_exists`, `revision_conflict`;
/// `400 chunk_list_mismatch`; `410 upload_expired`; `507 quota_exceeded` when the quota was
/// lowered below what the session reserved.
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
    let account = upload_account(&state, auth.account_id, id).await?;
    let node = state
        .meta
        .commit_upload(account, id, &commit, now_ms(), |hashes| {
            coffer_crypto::chunk_list_hash(hashes)
        })
        .await?;
    if node.revision > 1 {
        // A replacement queued the previous version's blobs.
        state.cleanup_wake.notify_one();
    }
    Ok(Json(outgoing::node(node)))
}

/// Commits small files whole, their only chunk inline: a session, its chunk and its commit for
/// each, all in one request and one transaction (PROTOCOL.md §9.1). All or nothing: the first
/// file that fails names the error (`detail` says which, from 0). A retry of a committed batch
/// returns the same nodes. At most 1000 files, each at most 64 KiB of plaintext.
/// `400 chunk_list_mismatch`, `bad_request`; `409 name_exists`, `id_exists`,
/// `revision_conflict`; `404 not_found` (parent or replaced file); `413 payload_too_large`;
/// `403 read_only_share`; `507 quota_exceeded` for the batch as a whole. Files may go into
/// folders shared with the caller (write grant), all of one batch into one account's drive.
#[utoipa::path(post, path = "/api/v1/uploads/batch", tag = "uploads",
    security(("bearer" = [])),
    request_body = SmallFileBatch,
    responses((status = 200, description = "The nodes, in request order", body = SmallFileNodes)))]
pub async fn commit_small_files(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SmallFileBatch>,
) -> Result<Json<SmallFileNodes>, ApiError> {
    if body.files.is_empty() {
        return Err(ApiError::bad_request("the batch has no files"));
    }
    if body.files.len() > coffer_api::MAX_BATCH_FILES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("a batch has at most {} files", coffer_api::MAX_BATCH_FILES),
        ));
    }
    let files = (body.files.into_iter().enumerate())
        .map(|(index, file)| incoming::small_file(file).map_err(|e| e.in_file(index)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut account = None;
    for (index, file) in files.iter().enumerate() {
        let within = write_account(&state, auth.account_id, file.parent_id, account)
            .await
            .map_err(|e| e.in_file(index))?;
        if file.base_revision.is_some() {
            write_account(&state, auth.account_id, file.node_id, Some(within))
                .await
                .map_err(|e| e.in_file(index))?;
        }
        account = Some(within);
    }
    let account = account.unwrap_or(auth.account_id);
    let nodes = state
        .meta
        .commit_small_files(account, &files, now_ms())
        .await
        .map_err(|BatchError { index, error }| {
            let e = ApiError::from(error);
            match index {
                Some(index) => e.in_file(index),
                None => e,
            }
        })?;
    if nodes.iter().any(|n| n.revision > 1) {
        state.cleanup_wake.notify_one();
    }
    Ok(Json(SmallFileNodes {
        items: nodes.into_iter().map(outgoing::node).collect(),
    }))
}
