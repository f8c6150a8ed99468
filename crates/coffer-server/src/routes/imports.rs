//! Importing a file of a public link into the caller's drive (PROTOCOL.md §10.5): a new node
//! that reads the same ciphertext, so no byte is uploaded again. Both credentials are needed:
//! the importer's bearer token (whose drive receives the node) and the link's access token in
//! `x-coffer-link-access` (checked and rate-limited exactly as the recipient routes check it).

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::incoming;
use crate::link_access::{ClientAddress, access_header_token, authorize_token};
use crate::outgoing;
use crate::state::{AppState, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use coffer_api::{ErrorCode, Id, ImportFile, Node};

/// Makes a file inside the link's subtree a node of the caller's drive, counting one download
/// of the link (`410 link_exhausted` at its limit, with the other `410` states). `401
/// link_key_wrong` for a wrong access token, `404 not_found` for a source outside the link or
/// a parent that is not the caller's (a folder shared with the caller included: imports go into
/// the caller's own drive only), `409 revision_conflict` when the source's current
/// version is not the one given, `409 chunk_list_mismatch` when a content field differs from
/// the source's, `409 name_exists` / `id_exists`, `451 content_taken_down`.
#[utoipa::path(post, path = "/api/v1/links/{id}/import", tag = "links",
    security(("bearer" = [])),
    params(
        ("id" = Id, Path, description = "Link id"),
        ("x-coffer-link-access" = String, Header, description = "The link's access token, base64url"),
    ),
    request_body = ImportFile,
    responses((status = 201, description = "The imported file", body = Node)))]
pub async fn import_file(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    client: ClientAddress,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ImportFile>,
) -> Result<(StatusCode, Json<Node>), ApiError> {
    let link = authorize_token(&state, id, || access_header_token(&headers), client).await?;
    let file = incoming::imported_file(link.id, body)?;
    let source = state
        .meta
        .link_node_in_subtree(link.account_id, link.node_id, file.source_node)
        .await?;
    if state
        .meta
        .content_taken_down(link.account_id, source.id)
        .await?
    {
        return Err(ApiError::new(
            ErrorCode::ContentTakenDown,
            "this content was taken down by the operator",
        ));
    }
    let node = state
        .meta
        .import_file(auth.account_id, link.account_id, &file, now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(outgoing::node(node))))
}
