//! The owner's public links (PROTOCOL.md §10): create, list, read, revoke. Every call is scoped
//! to the authenticated account (another account's link is `404 not_found`). The server checks
//! the shape of what it stores — it cannot open the sealed key, and never needs to.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::outgoing;
use crate::state::{AppState, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{Id, Link, LinkList, LinkPassword, NewLink};
use coffer_store::{LinkPasswordRecord, NewLinkRecord};

/// `seal(LK, "link", …)` of a 64-byte plaintext (PROTOCOL.md §10.3).
const SEALED_KEY_LEN: usize = coffer_crypto::link::SEALED_LINK_KEY_LEN;
const ACCESS_HASH_LEN: usize = 32;
const SALT_LEN: usize = coffer_crypto::LINK_SALT_LEN;

/// Creates a link to one of the caller's files or folders. `404 not_found` for a node not in
/// the account (also one in a folder shared with the caller: only owners make links), `409 id_exists`, `403 links_suspended`, `400 bad_request` for wrong sizes,
/// Argon2id parameters out of bounds, an expiry in the past or a download limit of 0.
#[utoipa::path(post, path = "/api/v1/links", tag = "links",
    security(("bearer" = [])),
    request_body = NewLink,
    responses((status = 201, description = "The link is created", body = Link)))]
pub async fn create_link(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewLink>,
) -> Result<(StatusCode, Json<Link>), ApiError> {
    let now = now_ms();
    let link = new_link(body, now)?;
    let created = state.meta.create_link(auth.account_id, &link, now).await?;
    Ok((StatusCode::CREATED, Json(outgoing::link(created, now))))
}

/// Every link of the caller, newest first, each with its state and download count.
#[utoipa::path(get, path = "/api/v1/links", tag = "links",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's links", body = LinkList)))]
pub async fn list_links(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<Json<LinkList>, ApiError> {
    let now = now_ms();
    let links = state.meta.list_links(auth.account_id).await?;
    let mut items = Vec::with_capacity(links.len());
    for link in links {
        items.push(with_claimant(&state, outgoing::link(link, now)).await?);
    }
    Ok(Json(LinkList { items }))
}

/// One of the caller's links.
#[utoipa::path(get, path = "/api/v1/links/{id}", tag = "links",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Link id")),
    responses((status = 200, description = "The link", body = Link)))]
pub async fn get_link(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Link>, ApiError> {
    let link = state.meta.get_link(auth.account_id, id).await?;
    Ok(Json(
        with_claimant(&state, outgoing::link(link, now_ms())).await?,
    ))
}

/// Revokes one of the caller's links, at once: its recipients and its download tickets are
/// refused from now on. Revoking it again changes nothing.
#[utoipa::path(delete, path = "/api/v1/links/{id}", tag = "links",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Link id")),
    responses((status = 204, description = "The link is revoked")))]
pub async fn revoke_link(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<StatusCode, ApiError> {
    state
        .meta
        .revoke_link(auth.account_id, id, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Fills in who sent the notice of the takedown in force, which the link row does not carry
/// (one lookup per taken-down link: they are few). A takedown id without its record (set
/// through the store directly) shows no claimant rather than failing the listing.
async fn with_claimant(state: &AppState, mut link: Link) -> Result<Link, ApiError> {
    if let Some(takedown) = link.takedown.as_mut() {
        takedown.claimant = match state.meta.takedown(takedown.id).await {
            Ok(record) => record.claimant,
            Err(coffer_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
    }
    Ok(link)
}

/// The request body checked and turned into a store record.
fn new_link(body: NewLink, now: i64) -> Result<NewLinkRecord, ApiError> {
    if body.sealed_key.len() != SEALED_KEY_LEN {
        return Err(ApiError::bad_request(format!(
            "sealed_key must be {SEALED_KEY_LEN} bytes"
        )));
    }
    let access_hash: [u8; ACCESS_HASH_LEN] =
        body.access_hash.0.as_slice().try_into().map_err(|_| {
            ApiError::bad_request(format!("access_hash must be {ACCESS_HASH_LEN} bytes"))
        })?;
    if body.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::bad_request("expires_at must be in the future"));
    }
    if body.max_downloads == Some(0) {
        return Err(ApiError::bad_request("max_downloads must be at least 1"));
    }
    Ok(NewLinkRecord {
        id: body.id,
        node_id: body.node_id,
        sealed_key: body.sealed_key.0,
        access_hash,
        password: body.password.map(link_password).transpose()?,
        expires_at: body.expires_at,
        max_downloads: body.max_downloads,
    })
}

fn link_password(password: LinkPassword) -> Result<LinkPasswordRecord, ApiError> {
    if password.salt.len() != SALT_LEN {
        return Err(ApiError::bad_request(format!(
            "the password salt must be {SALT_LEN} bytes"
        )));
    }
    // The bounds a reader enforces (PROTOCOL.md §10.2): a link outside them could never be
    // opened, so it is refused when created.
    let params = coffer_crypto::LinkPasswordParams {
        salt: [0; SALT_LEN],
        iterations: password.iterations,
        memory_kib: password.memory_kib,
        parallelism: password.parallelism,
    };
    if params.check().is_err() {
        return Err(ApiError::bad_request(
            "Argon2id parameters out of bounds (PROTOCOL.md §10.2)",
        ));
    }
    Ok(LinkPasswordRecord {
        salt: password.salt.0,
        iterations: password.iterations,
        memory_kib: password.memory_kib,
        parallelism: password.parallelism,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_api::{B64, ErrorCode};

    fn body() -> NewLink {
        NewLink {
            id: Id::random(),
            node_id: Id::random(),
            sealed_key: B64(vec![1; 125]),
            access_hash: B64(vec![2; 32]),
            password: Some(LinkPassword {
                salt: B64(vec![3; 16]),
                iterations: 3,
                memory_kib: 65536,
                parallelism: 4,
            }),
            expires_at: Some(2_000),
            max_downloads: Some(1),
        }
    }

    #[test]
    fn well_formed_links_are_accepted() {
        let record = new_link(body(), 1_000).unwrap();
        assert_eq!(record.access_hash, [2; 32]);
        assert_eq!(record.password.unwrap().memory_kib, 65536);
        let mut plain = body();
        (plain.password, plain.expires_at, plain.max_downloads) = (None, None, None);
        assert!(new_link(plain, 1_000).is_ok());
    }

    #[test]
    fn malformed_links_are_bad_requests() {
        let cases: [fn(&mut NewLink); 9] = [
            |b| b.sealed_key = B64(vec![1; 124]),
            |b| b.access_hash = B64(vec![2; 33]),
            |b| b.expires_at = Some(1_000),
            |b| b.max_downloads = Some(0),
            |b| b.password.as_mut().unwrap().salt = B64(vec![3; 15]),
            |b| b.password.as_mut().unwrap().iterations = 11,
            |b| b.password.as_mut().unwrap().memory_kib = 8191,
            |b| b.password.as_mut().unwrap().memory_kib = 1_048_577,
            |b| b.password.as_mut().unwrap().parallelism = 0,
        ];
        for (i, change) in cases.iter().enumerate() {
            let mut b = body();
            change(&mut b);
            let refused = new_link(b, 1_000).expect_err(&format!("case {i}"));
            assert_eq!(refused.code(), ErrorCode::BadRequest, "case {i}");
        }
    }
}
