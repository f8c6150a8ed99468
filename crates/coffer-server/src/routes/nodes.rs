//! The node tree: read a node, list or look up children, create folders, move or rename,
//! delete subtrees. Every call goes through [`crate::access`]: the owner, or a recipient of a
//! share on the node or an ancestor (reads need a read grant, changes a write grant); anyone
//! else gets `404 not_found`, exactly as for a missing node.

use crate::access::{Need, node_access, write_account};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::incoming;
use crate::outgoing;
use crate::state::{AppState, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use coffer_api::{
    B64, ChildrenQuery, DEFAULT_PAGE, DeleteQuery, Id, MAX_PAGE, NewNode, Node, NodePage,
    UpdateNode,
};

/// One node (the caller's, or in a folder shared with it).
#[utoipa::path(get, path = "/api/v1/nodes/{id}", tag = "nodes",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Node id")),
    responses((status = 200, description = "The node", body = Node)))]
pub async fn get_node(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Node>, ApiError> {
    let access = node_access(&state, auth.account_id, id, Need::Read).await?;
    let node = state.meta.get_node(access.account, id).await?;
    Ok(Json(outgoing::node(node)))
}

/// A page of a folder's children with ids above `after`, ordered by id (keyset paging: `next`
/// is the last id of the page, to pass as `after`), or with `name_tag` the one child carrying
/// that tag (an empty page if none does).
#[utoipa::path(get, path = "/api/v1/nodes/{id}/children", tag = "nodes",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Folder id"), ChildrenQuery),
    responses((status = 200, description = "A page of children", body = NodePage)))]
pub async fn children(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    ApiQuery(query): ApiQuery<ChildrenQuery>,
) -> Result<Response, ApiError> {
    let account = node_access(&state, auth.account_id, id, Need::Read)
        .await?
        .account;
    if let Some(tag) = &query.name_tag {
        let tag =
            B64::decode(tag).map_err(|_| ApiError::bad_request("name_tag is not base64url"))?;
        let child = state.meta.child_by_name_tag(account, id, &tag).await?;
        return Ok(Json(NodePage {
            items: child.into_iter().map(outgoing::node).collect(),
            next: None,
        })
        .into_response());
    }
    children_page(&state, account, id, query.after.as_deref(), query.limit).await
}

/// A page of the folder `id`'s children in `account` (`after`, `limit` as the query gave
/// them): the owner's listing and the public-link one (which checked its subtree first).
pub(crate) async fn children_page(
    state: &AppState,
    account: Id,
    id: Id,
    after: Option<&str>,
    limit: Option<u32>,
) -> Result<Response, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    let after = after
        .map(str::parse::<Id>)
        .transpose()
        .map_err(|_| ApiError::bad_request("after is not an id"))?;
    let page = state.meta.children(account, id, after, limit).await?;
    page_json(&NodePage {
        items: page.items.into_iter().map(outgoing::node).collect(),
        next: page.next_after.map(|id| id.to_string()),
    })
}

/// About the JSON size of a folder node; a file's is larger (its content header).
const NODE_JSON_BYTES: usize = 720;

/// A page as JSON, written into one buffer sized for it up front. Pages run to megabytes, and
/// a buffer grown by doubling (what `Json` does) copied each page about twice more.
fn page_json(page: &NodePage) -> Result<Response, ApiError> {
    let mut body = Vec::with_capacity(64 + page.items.len() * NODE_JSON_BYTES);
    serde_json::to_writer(&mut body, page).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Creates a folder (in a folder shared with the caller, it needs a write grant and belongs to
/// the owner). `409 name_exists` / `id_exists`, `400 not_a_folder` for a file parent,
/// `403 read_only_share`.
#[utoipa::path(post, path = "/api/v1/nodes", tag = "nodes",
    security(("bearer" = [])),
    request_body = NewNode,
    responses((status = 201, description = "The folder is created", body = Node)))]
pub async fn create_folder(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewNode>,
) -> Result<(StatusCode, Json<Node>), ApiError> {
    let folder = incoming::new_folder(body)?;
    let account = match folder.parent_id {
        Some(parent) => write_account(&state, auth.account_id, parent, None).await?,
        None => auth.account_id, // refused by the store: only signup creates roots
    };
    let node = state.meta.create_folder(account, &folder, now_ms()).await?;
    Ok((StatusCode::CREATED, Json(outgoing::node(node))))
}

/// Moves and/or renames a node with a new signed record. `409 revision_conflict` if it changed
/// since `base_revision`; `400 invalid_move` for the root or a move into its own subtree.
/// A recipient with a write grant may move within the folders it can write (`403
/// read_only_share` for a target it can only read) but not the shared folder itself
/// (`403 not_owner`).
#[utoipa::path(put, path = "/api/v1/nodes/{id}", tag = "nodes",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Node id")),
    request_body = UpdateNode,
    responses((status = 200, description = "The node", body = Node)))]
pub async fn update_node(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<UpdateNode>,
) -> Result<Json<Node>, ApiError> {
    let update = incoming::node_update(body)?;
    let access = node_access(&state, auth.account_id, id, Need::Write).await?;
    access.not_share_root(id)?;
    write_account(
        &state,
        auth.account_id,
        update.parent_id,
        Some(access.account),
    )
    .await?;
    let node = state
        .meta
        .update_node(access.account, id, &update, now_ms())
        .await?;
    Ok(Json(outgoing::node(node)))
}

/// Deletes a file, an empty folder, or with `recursive=true` a folder and everything under it;
/// file contents are deleted in the background. `400 invalid_move` for the root,
/// `409 folder_not_empty` for a non-recursive delete of a folder with children. Shares on the
/// deleted folders end with them. A recipient needs a write grant and may not delete the
/// shared folder itself (`403 not_owner`).
#[utoipa::path(delete, path = "/api/v1/nodes/{id}", tag = "nodes",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Node id"), DeleteQuery),
    responses((status = 204, description = "The subtree is deleted")))]
pub async fn delete_node(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    ApiQuery(query): ApiQuery<DeleteQuery>,
) -> Result<StatusCode, ApiError> {
    let access = node_access(&state, auth.account_id, id, Need::Write).await?;
    access.not_share_root(id)?;
    let versions = state
        .meta
        .delete_subtree(access.account, id, query.recursive, now_ms())
        .await?;
    if !versions.is_empty() {
        state.cleanup_wake.notify_one();
    }
    Ok(StatusCode::NO_CONTENT)
}
