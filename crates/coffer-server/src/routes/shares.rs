//! Shares (PROTOCOL.md §12): the owner of a folder grants it to another account, changes the
//! grant, revokes it; the recipient lists and leaves. The server stores grants and checks their
//! shape and the keys they name against the accounts' key containers (a cheap sanity check; the
//! clients verify signatures). A share is visible to its owner and its recipient only; anyone
//! else gets `404 not_found`, as for a missing one.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::incoming;
use crate::outgoing;
use crate::state::{AppState, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{
    ErrorCode, Id, KeyContainer, NewShare, Share, ShareList, ShareWriters, UpdateShare,
};
use coffer_store::{ShareGrant, ShareRecord, StoreError};

/// Shares one of the caller's folders (`grant.folder_id`) with another account; the grant's
/// permission is the share's. `404 not_found` (no such folder of the caller),
/// `404 account_not_found`, `400 not_a_folder`, `self_share`, `bad_request` (the root, field
/// lengths, keys that are not the accounts' current ones), `409 id_exists`, `already_shared`.
#[utoipa::path(post, path = "/api/v1/shares", tag = "shares",
    security(("bearer" = [])),
    request_body = NewShare,
    responses((status = 201, description = "The share", body = Share)))]
pub async fn create_share(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewShare>,
) -> Result<(StatusCode, Json<Share>), ApiError> {
    let grant = incoming::share_grant(body.grant)?;
    if body.recipient_id == auth.account_id {
        return Err(ApiError::new(
            ErrorCode::SelfShare,
            "a folder cannot be shared with its owner",
        ));
    }
    let recipient = state
        .meta
        .account_by_id(body.recipient_id)
        .await?
        .ok_or_else(account_not_found)?;
    let owner = own_container(&state, auth.account_id).await?;
    check_keys(&grant, &owner, &outgoing::stored_container(&recipient)?)?;
    let share = state
        .meta
        .create_share(auth.account_id, recipient.id, &grant, now_ms())
        .await
        .map_err(|e| match e {
            StoreError::InvalidMove => ApiError::bad_request("the root folder cannot be shared"),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(outgoing::share(share))))
}

/// What the caller shares, what is shared with it, and its folders whose key rotation after a
/// revocation is still to finish.
#[utoipa::path(get, path = "/api/v1/shares", tag = "shares",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's shares", body = ShareList)))]
pub async fn list_shares(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<Json<ShareList>, ApiError> {
    let outgoing_shares = state.meta.outgoing_shares(auth.account_id).await?;
    let incoming_shares = state.meta.incoming_shares(auth.account_id).await?;
    let pending_rekeys = state.meta.pending_rekeys(auth.account_id).await?;
    let former_writers = state.meta.former_writers(auth.account_id).await?;
    Ok(Json(ShareList {
        outgoing: outgoing_shares.into_iter().map(outgoing::share).collect(),
        incoming: incoming_shares.into_iter().map(outgoing::share).collect(),
        pending_rekeys,
        former_writers: former_writers.into_iter().map(outgoing::grant).collect(),
    }))
}

/// One share, to its owner or its recipient.
#[utoipa::path(get, path = "/api/v1/shares/{id}", tag = "shares",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Share id")),
    responses((status = 200, description = "The share", body = Share)))]
pub async fn get_share(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Share>, ApiError> {
    let share = member_share(&state, auth.account_id, id).await?;
    Ok(Json(outgoing::share(share)))
}

/// A new grant for a share (another permission, or the folder's key after a rotation): same
/// share id, folder and recipient keys, a higher generation. Owner only (`403 not_owner` for
/// the recipient). `409 revision_conflict` for a generation not above the stored one.
#[utoipa::path(put, path = "/api/v1/shares/{id}", tag = "shares",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Share id")),
    request_body = UpdateShare,
    responses((status = 200, description = "The share", body = Share)))]
pub async fn update_share(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<UpdateShare>,
) -> Result<Json<Share>, ApiError> {
    let grant = incoming::share_grant(body.grant)?;
    let current = member_share(&state, auth.account_id, id).await?;
    if current.owner_id != auth.account_id {
        return Err(not_owner());
    }
    if grant.share_id != id
        || grant.folder_id != current.grant.folder_id
        || grant.recipient_signing_public != current.grant.recipient_signing_public
        || grant.recipient_agreement_public != current.grant.recipient_agreement_public
    {
        return Err(ApiError::bad_request(
            "a new grant must name the same share, folder and recipient keys",
        ));
    }
    let owner = own_container(&state, auth.account_id).await?;
    if grant.owner_signing_public[..] != owner.signing_public[..] {
        return Err(ApiError::bad_request(
            "owner_signing_public is not the owner's signing key",
        ));
    }
    let share = state
        .meta
        .update_share(auth.account_id, &grant, now_ms())
        .await?;
    Ok(Json(outgoing::share(share)))
}

/// Ends a share at once. By the owner: a revocation, which also marks the folder for a key
/// rotation (listed in `pending_rekeys`); by the recipient: leaving it.
#[utoipa::path(delete, path = "/api/v1/shares/{id}", tag = "shares",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Share id")),
    responses((status = 204, description = "The share is gone")))]
pub async fn delete_share(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<StatusCode, ApiError> {
    let share = member_share(&state, auth.account_id, id).await?;
    if share.owner_id == auth.account_id {
        state
            .meta
            .revoke_share(auth.account_id, id, now_ms())
            .await?;
    } else {
        state.meta.leave_share(auth.account_id, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The grants of every write share on this share's folder or below it (same owner): the keys
/// that may sign nodes in the share. To the owner or the recipient.
#[utoipa::path(get, path = "/api/v1/shares/{id}/writers", tag = "shares",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Share id")),
    responses((status = 200, description = "The write grants", body = ShareWriters)))]
pub async fn share_writers(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<ShareWriters>, ApiError> {
    let share = member_share(&state, auth.account_id, id).await?;
    let writers = state
        .meta
        .write_shares_under(share.owner_id, share.grant.folder_id)
        .await?;
    Ok(Json(ShareWriters {
        grants: writers
            .into_iter()
            .map(|w| outgoing::grant(w.grant))
            .collect(),
    }))
}

/// Clears the caller's key-rotation mark on a folder (once its whole subtree is rotated);
/// clearing an absent mark succeeds too.
#[utoipa::path(delete, path = "/api/v1/rekeys/{folder_id}", tag = "shares",
    security(("bearer" = [])),
    params(("folder_id" = Id, Path, description = "Folder id")),
    responses((status = 204, description = "The mark is gone")))]
pub async fn clear_rekey(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(folder): ApiPath<Id>,
) -> Result<StatusCode, ApiError> {
    state.meta.clear_rekey(auth.account_id, folder).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A share the caller owns or receives; `404 not_found` for anyone else.
async fn member_share(state: &AppState, caller: Id, id: Id) -> Result<ShareRecord, ApiError> {
    let share = state.meta.share(id).await?;
    if share.owner_id != caller && share.recipient_id != caller {
        return Err(StoreError::NotFound.into());
    }
    Ok(share)
}

/// The caller's own key container.
pub(crate) async fn own_container(state: &AppState, caller: Id) -> Result<KeyContainer, ApiError> {
    let record = (state.meta.account_by_id(caller).await?).ok_or_else(ApiError::unauthorized)?;
    outgoing::stored_container(&record)
}

/// The grant names the owner's and the recipient's current public keys.
fn check_keys(
    grant: &ShareGrant,
    owner: &KeyContainer,
    recipient: &KeyContainer,
) -> Result<(), ApiError> {
    if grant.owner_signing_public[..] != owner.signing_public[..] {
        return Err(ApiError::bad_request(
            "owner_signing_public is not the owner's signing key",
        ));
    }
    if grant.recipient_signing_public[..] != recipient.signing_public[..]
        || grant.recipient_agreement_public[..] != recipient.agreement_public[..]
    {
        return Err(ApiError::bad_request(
            "the recipient keys are not the recipient's current keys",
        ));
    }
    Ok(())
}

pub(crate) fn not_owner() -> ApiError {
    ApiError::new(ErrorCode::NotOwner, "only the folder's owner may do this")
}

pub(crate) fn account_not_found() -> ApiError {
    ApiError::new(
        ErrorCode::AccountNotFound,
        "no account has this email or id",
    )
}
