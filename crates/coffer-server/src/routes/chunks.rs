//! Chunk transfer: upload one encrypted chunk into a session, download one chunk of a file's
//! current version.
//!
//! An upload holds at most one chunk in memory (≤ 16 MiB + 16), read as it streams in and
//! hashed on the way, straight into the buffer the blob store writes from (aligned for direct
//! I/O); a body longer than the session allows is refused as soon as it is. The blob is written
//! (durably) before the chunk row that references it. A download reads the blob in one go (one
//! chunk in memory, read with direct I/O) and sends that buffer without copying it. Both pass
//! at the account's bandwidth limit (`bandwidth.rs`); downloads count toward the monthly
//! transfer quota (`quota.rs`), uploads do not.

use crate::access::{Need, node_access, upload_account};
use crate::auth::Authenticated;
use crate::bandwidth::Throttle;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::quota;
use crate::state::{AppState, now_ms};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use coffer_api::{CHUNK_HASH_HEADER, CHUNK_OVERHEAD, ErrorCode, Id};
use coffer_store::{BlobBuf, ChunkTarget, StoreError, UploadState};
use futures::StreamExt;

/// Stores chunk `index` of an upload session. The body is the raw ciphertext; the
/// `x-coffer-chunk-hash` header its hex BLAKE3. Sending the same bytes again succeeds. Only the
/// session's owner or the recipient that opened it (while it may still write there).
/// `400 chunk_size_wrong`, `chunk_hash_mismatch`, `chunk_index_out_of_range`;
/// `409 chunk_conflict`, `upload_committed`; `410 upload_expired`; `413 payload_too_large`.
#[utoipa::path(put, path = "/api/v1/uploads/{id}/chunks/{index}", tag = "uploads",
    security(("bearer" = [])),
    params(
        ("id" = Id, Path, description = "Upload id"),
        ("index" = u64, Path, description = "Chunk index, from 0"),
        ("x-coffer-chunk-hash" = String, Header, description = "Hex BLAKE3 of the body"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 204, description = "The chunk is stored")))]
pub async fn put_chunk(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath((id, index)): ApiPath<(Id, u64)>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let declared = declared_hash(&headers)?;
    let account = upload_account(&state, auth.account_id, id).await?;
    let target = state.meta.chunk_target(account, id, index).await?;
    if target.state == UploadState::Committed {
        return Err(StoreError::UploadCommitted.into());
    }
    if target.expires_at <= now_ms() {
        return Err(StoreError::UploadExpired.into());
    }
    if index >= target.chunk_count {
        return Err(ApiError::new(
            ErrorCode::ChunkIndexOutOfRange,
            "the index is beyond the upload's chunk count",
        ));
    }
    if target.stored_hash.is_some_and(|stored| stored != declared) {
        return Err(StoreError::ChunkConflict.into());
    }
    let expected = expected_len(&target, index)?;
    let max = u64::from(target.chunk_size) + CHUNK_OVERHEAD;
    if let Some(length) = content_length(&headers) {
        check_length(length, expected, max)?;
    }
    // The uploader's bandwidth limit (a recipient writing into a share uses its own).
    let throttle = state
        .bandwidth
        .throttle(&state.meta, auth.account_id)
        .await?;
    let buffer = state.blobs.buffer(usize::try_from(expected).unwrap_or(0));
    let (bytes, hash) = read_chunk(body, buffer, expected, max, throttle).await?;
    if hash != declared {
        return Err(ApiError::new(
            ErrorCode::ChunkHashMismatch,
            "the body does not hash to x-coffer-chunk-hash",
        ));
    }
    if target.stored_hash == Some(hash) {
        return Ok(StatusCode::NO_CONTENT); // a retry of a chunk already stored
    }

    let version = target.version_id;
    state.blobs.put(version, index, &hash, bytes).await?;
    let recorded = state
        .meta
        .record_chunk(account, id, index, expected, &hash, now_ms())
        .await;
    match recorded {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(e) => {
            // Our object has a key of its own (the hash is in it): when another hash won the
            // index, or the session is gone, it is garbage nobody else refers to.
            if matches!(e, StoreError::ChunkConflict | StoreError::NotFound) {
                if let Err(cleanup) = state.blobs.delete_chunk(version, index, &hash).await {
                    tracing::warn!(error = %cleanup, "could not delete an orphan chunk");
                }
            }
            Err(e.into())
        }
    }
}

/// One chunk of a file's current version, as stored (ciphertext), with its hash in
/// `x-coffer-chunk-hash`. Any other version is `404 not_found`. Needs a read grant in a folder
/// shared with the caller. Counts toward the caller's monthly transfer:
/// `403 transfer_quota_exceeded` when the chunk would pass it.
#[utoipa::path(get, path = "/api/v1/nodes/{id}/versions/{version_id}/chunks/{index}", tag = "nodes",
    security(("bearer" = [])),
    params(
        ("id" = Id, Path, description = "File node id"),
        ("version_id" = Id, Path, description = "The node's current version id"),
        ("index" = u64, Path, description = "Chunk index, from 0"),
    ),
    responses((status = 200, description = "The chunk ciphertext", content_type = "application/octet-stream", body = Vec<u8>,
        headers(("x-coffer-chunk-hash" = String, description = "Hex BLAKE3 of the body")))))]
pub async fn get_chunk(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath((node, version, index)): ApiPath<(Id, Id, u64)>,
) -> Result<Response, ApiError> {
    let access = node_access(&state, auth.account_id, node, Need::Read).await?;
    // Transfer is the downloader's: a recipient's downloads from a share count as its own.
    serve_chunk(
        &state,
        access.account,
        auth.account_id,
        node,
        version,
        index,
    )
    .await
}

/// Answers with chunk `index` of `node`'s current version `version` in `account`: the owner's
/// chunk route and the public-link one (which checked its ticket and subtree first). The bytes
/// count against `charged`'s monthly transfer (`403 transfer_quota_exceeded` when they would
/// pass it) and pass at its bandwidth limit.
pub(crate) async fn serve_chunk(
    state: &AppState,
    account: Id,
    charged: Id,
    node: Id,
    version: Id,
    index: u64,
) -> Result<Response, ApiError> {
    let chunk = state
        .meta
        .chunk_for_download(account, node, version, index)
        .await?;
    let stored = match chunk.inline {
        Some(inline) => Ok(Bytes::from(inline)), // a small file's chunk, kept in its row
        // Keyed by the version the chunk is stored under (an import's source version).
        None => state.blobs.get(chunk.version_id, index, &chunk.hash).await,
    };
    let bytes = match stored {
        Ok(bytes) => bytes,
        Err(StoreError::NotFound) => {
            return Err(ApiError::internal(&"a stored chunk's blob is missing"));
        }
        Err(e) => return Err(e.into()),
    };
    if bytes.len() as u64 != chunk.size {
        // The body must match the Content-Length below; a damaged blob is our failure.
        return Err(ApiError::internal(&"a stored chunk has the wrong size"));
    }
    quota::charge_download(state, charged, chunk.size).await?;
    let throttle = state.bandwidth.throttle(&state.meta, charged).await?;
    let hash =
        HeaderValue::from_str(&hex::encode(chunk.hash)).map_err(|e| ApiError::internal(&e))?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        ),
        (header::CONTENT_LENGTH, HeaderValue::from(chunk.size)),
        (header::HeaderName::from_static(CHUNK_HASH_HEADER), hash),
    ];
    let body = match throttle {
        Some(throttle) => throttle.body(bytes),
        None => Body::from(bytes),
    };
    Ok((headers, body).into_response())
}

fn declared_hash(headers: &HeaderMap) -> Result<[u8; 32], ApiError> {
    let bad = || ApiError::bad_request("x-coffer-chunk-hash must be 64 hex digits");
    let text = headers
        .get(CHUNK_HASH_HEADER)
        .ok_or_else(|| ApiError::bad_request("x-coffer-chunk-hash is required"))?
        .to_str()
        .map_err(|_| bad())?;
    let mut hash = [0u8; 32];
    hex::decode_to_slice(text, &mut hash).map_err(|_| bad())?;
    Ok(hash)
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// The ciphertext length chunk `index` must have: full chunks, then the remainder.
fn expected_len(target: &ChunkTarget, index: u64) -> Result<u64, ApiError> {
    let full = u64::from(target.chunk_size) + CHUNK_OVERHEAD;
    if index + 1 < target.chunk_count {
        return Ok(full);
    }
    (target.chunk_count - 1)
        .checked_mul(full)
        .and_then(|before| target.ciphertext_size.checked_sub(before))
        .ok_or_else(|| ApiError::internal(&"stored upload geometry is inconsistent"))
}

fn check_length(length: u64, expected: u64, max: u64) -> Result<(), ApiError> {
    if length > max {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the chunk is larger than the upload's chunk size allows",
        ));
    }
    if length != expected {
        return Err(ApiError::new(
            ErrorCode::ChunkSizeWrong,
            format!("chunk must be {expected} bytes"),
        ));
    }
    Ok(())
}

/// Reads the body straight into `buffer` (the blob store's, aligned for direct I/O, with room
/// for `expected` bytes: ≤ 16 MiB + 16 by the session's geometry), hashing as it arrives;
/// stops as soon as it exceeds `max`, or `expected`. With a `throttle`, each piece is paid for
/// before the next is read (TCP flow control slows the sender).
async fn read_chunk(
    body: Body,
    mut buffer: BlobBuf,
    expected: u64,
    max: u64,
    throttle: Option<Throttle>,
) -> Result<(BlobBuf, [u8; 32]), ApiError> {
    let mut stream = body.into_data_stream();
    let mut hasher = blake3::Hasher::new();
    while let Some(frame) = stream.next().await {
        let data =
            frame.map_err(|_| ApiError::bad_request("the request body could not be read"))?;
        let length = (buffer.len() + data.len()) as u64;
        if length > expected || !buffer.try_extend(&data) {
            // The answer a complete body of that length gets (too large, or the wrong size).
            let refused = check_length(length, expected, max).err();
            return Err(refused.unwrap_or_else(|| ApiError::internal(&"chunk buffer too small")));
        }
        hasher.update(&data);
        if let Some(throttle) = &throttle {
            throttle.pass(data.len()).await;
        }
    }
    check_length(buffer.len() as u64, expected, max)?;
    Ok((buffer, *hasher.finalize().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(chunk_count: u64, ciphertext_size: u64) -> ChunkTarget {
        ChunkTarget {
            version_id: Id::ZERO,
            chunk_size: 65536,
            chunk_count,
            ciphertext_size,
            state: UploadState::Open,
            expires_at: 0,
            stored_hash: None,
        }
    }

    #[test]
    fn expected_lengths_follow_the_geometry() {
        let t = target(3, 2 * 65552 + 117);
        assert_eq!(expected_len(&t, 0).unwrap(), 65552);
        assert_eq!(expected_len(&t, 1).unwrap(), 65552);
        assert_eq!(expected_len(&t, 2).unwrap(), 117);
        assert_eq!(expected_len(&target(1, 16), 0).unwrap(), 16);
    }

    #[test]
    fn lengths_are_checked_against_the_limit_first() {
        assert_eq!(
            check_length(65553, 100, 65552).unwrap_err().code(),
            ErrorCode::PayloadTooLarge
        );
        assert_eq!(
            check_length(99, 100, 65552).unwrap_err().code(),
            ErrorCode::ChunkSizeWrong
        );
        assert!(check_length(100, 100, 65552).is_ok());
    }

    #[test]
    fn hash_header_is_strict() {
        let mut headers = HeaderMap::new();
        assert!(declared_hash(&headers).is_err());
        headers.insert(CHUNK_HASH_HEADER, HeaderValue::from_static("zz"));
        assert!(declared_hash(&headers).is_err());
        let hex = "ab".repeat(32);
        headers.insert(CHUNK_HASH_HEADER, HeaderValue::from_str(&hex).unwrap());
        assert_eq!(declared_hash(&headers).unwrap(), [0xab; 32]);
    }
}
