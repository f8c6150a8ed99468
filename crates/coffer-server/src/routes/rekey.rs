//! A folder key rotation (PROTOCOL.md §12.5): after a revocation the owner's client gives the
//! folder a new key, re-wraps its children under it and re-seals the remaining grants; the
//! server writes all of it in one transaction.

use crate::access::{Need, node_access};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::incoming;
use crate::outgoing;
use crate::state::{AppState, now_ms};
use axum::Json;
use axum::extract::State;
use coffer_api::{Id, Rekey, RekeyDone};

/// Largest rekey body: a folder of 100,000 children is about 40 MB of JSON.
pub const REKEY_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Rotates a folder's key: its new record (same parent), every current child re-wrapped once
/// (at its current revision), and a new grant (higher generation) for every share on it, all
/// or nothing. Owner only (`403 not_owner` for a recipient). `400 bad_request` for the root,
/// `not_a_folder`, `invalid_move` for another parent; `409 revision_conflict` when the folder,
/// a child or a share changed (re-read and retry), `name_exists` for two equal new name tags.
/// The body may be up to 64 MiB.
#[utoipa::path(post, path = "/api/v1/nodes/{id}/rekey", tag = "shares",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Folder id")),
    request_body = Rekey,
    responses((status = 200, description = "The folder and its children", body = RekeyDone)))]
pub async fn rekey_folder(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<Rekey>,
) -> Result<Json<RekeyDone>, ApiError> {
    let access = node_access(&state, auth.account_id, id, Need::Read).await?;
    access.owner_only()?;
    let account =
        (state.meta.account_by_id(auth.account_id).await?).ok_or_else(ApiError::unauthorized)?;
    if account.root_id == id {
        return Err(ApiError::bad_request(
            "the root folder has no key to rotate",
        ));
    }
    let folder = incoming::node_update(body.folder)?;
    let children = (body.children.into_iter())
        .map(incoming::rekey_child)
        .collect::<Result<Vec<_>, _>>()?;
    let grants = (body.grants.into_iter())
        .map(incoming::share_grant)
        .collect::<Result<Vec<_>, _>>()?;
    let (folder, children) = state
        .meta
        .rekey_folder(auth.account_id, id, &folder, &children, &grants, now_ms())
        .await?;
    Ok(Json(RekeyDone {
        folder: outgoing::node(folder),
        children: children.into_iter().map(outgoing::node).collect(),
    }))
}
