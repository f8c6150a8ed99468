//! The recipient's side of public links (PROTOCOL.md §10.4): no account, only the link's access
//! token ([`crate::link_access`]), and for chunks a download ticket. Every node a recipient
//! names must lie inside the linked subtree; any other is `404 not_found`, exactly like a
//! missing one. The linked node's owner account is the scope of every store call.

use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::link_access::{ClientAddress, active_link, authorize, authorize_ticket, ticket_hash};
use crate::outgoing;
use crate::routes::{chunks, nodes};
use crate::state::{AppState, ms_after, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use coffer_api::{
    B64, DownloadTicket, Id, LinkChildrenQuery, Node, NodePage, OpenedLink, PublicLinkInfo,
};
use zeroize::Zeroizing;

/// What a recipient needs before deriving the access token: the password parameters, if any,
/// and the expiry. `410` with the link's state (`link_revoked`, `link_expired`, …) when it is
/// not active, `404 not_found` for an unknown id.
#[utoipa::path(get, path = "/api/v1/public/links/{id}", tag = "public links",
    params(("id" = Id, Path, description = "Link id")),
    responses((status = 200, description = "The link's public parameters", body = PublicLinkInfo)))]
pub async fn link_info(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<PublicLinkInfo>, ApiError> {
    let link = active_link(&state, id).await?;
    Ok(Json(outgoing::public_link(link)))
}

/// The sealed key and the linked node's record, for the access token in
/// `Authorization: CofferLink …`. `401 link_key_wrong` for a wrong token (counted), `429
/// rate_limited` once the link or the client address used up its wrong attempts.
#[utoipa::path(post, path = "/api/v1/public/links/{id}/open", tag = "public links",
    security(("link" = [])),
    params(("id" = Id, Path, description = "Link id")),
    responses((status = 200, description = "The sealed key and the linked node", body = OpenedLink)))]
pub async fn open_link(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    client: ClientAddress,
    headers: HeaderMap,
) -> Result<Json<OpenedLink>, ApiError> {
    let link = authorize(&state, id, &headers, client).await?;
    let node = state.meta.get_node(link.account_id, link.node_id).await?;
    Ok(Json(OpenedLink {
        id: link.id,
        sealed_key: B64(link.sealed_key),
        node: outgoing::node(node),
    }))
}

/// One node inside the linked subtree (access token).
#[utoipa::path(get, path = "/api/v1/public/links/{id}/nodes/{node}", tag = "public links",
    security(("link" = [])),
    params(
        ("id" = Id, Path, description = "Link id"),
        ("node" = Id, Path, description = "A node inside the linked subtree"),
    ),
    responses((status = 200, description = "The node", body = Node)))]
pub async fn link_node(
    State(state): State<AppState>,
    ApiPath((id, node)): ApiPath<(Id, Id)>,
    client: ClientAddress,
    headers: HeaderMap,
) -> Result<Json<Node>, ApiError> {
    let link = authorize(&state, id, &headers, client).await?;
    let record = state
        .meta
        .link_node_in_subtree(link.account_id, link.node_id, node)
        .await?;
    Ok(Json(outgoing::node(record)))
}

/// A page of the children of a folder inside the linked subtree (access token), paged exactly
/// as `GET /api/v1/nodes/{id}/children`.
#[utoipa::path(get, path = "/api/v1/public/links/{id}/nodes/{node}/children", tag = "public links",
    security(("link" = [])),
    params(
        ("id" = Id, Path, description = "Link id"),
        ("node" = Id, Path, description = "A folder inside the linked subtree"),
        LinkChildrenQuery,
    ),
    responses((status = 200, description = "A page of children", body = NodePage)))]
pub async fn link_children(
    State(state): State<AppState>,
    ApiPath((id, node)): ApiPath<(Id, Id)>,
    ApiQuery(query): ApiQuery<LinkChildrenQuery>,
    client: ClientAddress,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let link = authorize(&state, id, &headers, client).await?;
    let folder = state
        .meta
        .link_node_in_subtree(link.account_id, link.node_id, node)
        .await?;
    let (after, limit) = (query.after.as_deref(), query.limit);
    nodes::children_page(&state, link.account_id, folder.id, after, limit).await
}

/// Counts one download (atomically: concurrent requests never exceed `max_downloads`; at the
/// limit `410 link_exhausted`) and returns a ticket for the chunks (access token).
#[utoipa::path(post, path = "/api/v1/public/links/{id}/downloads", tag = "public links",
    security(("link" = [])),
    params(("id" = Id, Path, description = "Link id")),
    responses((status = 201, description = "One download counted", body = DownloadTicket)))]
pub async fn create_download(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    client: ClientAddress,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<DownloadTicket>), ApiError> {
    let link = authorize(&state, id, &headers, client).await?;
    let ticket = Zeroizing::new(coffer_crypto::random_bytes::<32>());
    let now = now_ms();
    let expires_at = ms_after(now, state.settings.link_ticket_ttl);
    state
        .meta
        .count_download(link.id, &ticket_hash(&*ticket), expires_at, now)
        .await?;
    let ticket = B64(ticket.to_vec());
    Ok((
        StatusCode::CREATED,
        Json(DownloadTicket { ticket, expires_at }),
    ))
}

/// One chunk of the current version of a file inside the linked subtree, with a ticket of this
/// link in `Authorization: CofferTicket …`; served exactly as the owner's chunk route serves
/// it. `401 unauthorized` without a live ticket of this link; `410 link_revoked` /
/// `link_taken_down` once the link is (tickets stop at once; expiry does not stop them); `451
/// content_taken_down` for content under a node takedown; `403 transfer_quota_exceeded` when
/// the chunk would pass the link owner's monthly transfer quota.
#[utoipa::path(get, path = "/api/v1/public/links/{id}/nodes/{node}/versions/{version_id}/chunks/{index}",
    tag = "public links",
    security(("ticket" = [])),
    params(
        ("id" = Id, Path, description = "Link id"),
        ("node" = Id, Path, description = "A file inside the linked subtree"),
        ("version_id" = Id, Path, description = "The file's current version id"),
        ("index" = u64, Path, description = "Chunk index, from 0"),
    ),
    responses((status = 200, description = "The chunk ciphertext", content_type = "application/octet-stream", body = Vec<u8>,
        headers(("x-coffer-chunk-hash" = String, description = "Hex BLAKE3 of the body")))))]
pub async fn link_chunk(
    State(state): State<AppState>,
    ApiPath((id, node, version, index)): ApiPath<(Id, Id, Id, u64)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let link = authorize_ticket(&state, id, &headers).await?;
    let file = state
        .meta
        .link_node_in_subtree(link.account_id, link.node_id, node)
        .await?;
    // A node takedown blocks the content (and all below it) through every link, whatever the
    // link's own state; listings still show the record (OPERATIONS.md).
    if state
        .meta
        .content_taken_down(link.account_id, file.id)
        .await?
    {
        return Err(ApiError::new(
            coffer_api::ErrorCode::ContentTakenDown,
            "this content was taken down by the operator",
        ));
    }
    // A link's downloads count against its owner's transfer quota.
    chunks::serve_chunk(
        &state,
        link.account_id,
        link.account_id,
        file.id,
        version,
        index,
    )
    .await
}
