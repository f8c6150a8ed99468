//! Who may touch a node: its owner, or a recipient of a share on the node or an ancestor
//! (PROTOCOL.md §12). Every route that takes a node id asks here first and then calls the store
//! in the account this returns (the owner's), so the store's calls keep filtering on one account.
//!
//! A node the caller has no grant on answers `404 not_found` exactly like a missing one (no
//! existence oracle); a read-only recipient's write answers `403 read_only_share` (it may read
//! the node, so the 403 tells it nothing new).

use crate::error::ApiError;
use crate::state::AppState;
use coffer_api::{ErrorCode, Id, SharePermission};
use coffer_store::{ShareAccess, StoreError};

/// What a route needs to do with a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Read,
    Write,
}

/// The caller's right to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeAccess {
    /// The account the node belongs to: the one to make store calls in.
    pub account: Id,
    /// `None` for the owner; the grant that gives access otherwise.
    pub share: Option<ShareAccess>,
}

impl NodeAccess {
    /// `403 not_owner` unless the caller owns the node (what only an owner may do).
    pub fn owner_only(&self) -> Result<(), ApiError> {
        match self.share {
            None => Ok(()),
            Some(_) => Err(not_owner("only the owner may do this")),
        }
    }

    /// `403 not_owner` when `node` is the folder of the caller's share: a recipient may not
    /// move, rename or delete the root of what was shared with it.
    pub fn not_share_root(&self, node: Id) -> Result<(), ApiError> {
        match self.share {
            Some(share) if share.share_folder == node => Err(not_owner(
                "the shared folder itself can only be moved, renamed or deleted by its owner",
            )),
            _ => Ok(()),
        }
    }
}

fn not_owner(detail: &'static str) -> ApiError {
    ApiError::new(ErrorCode::NotOwner, detail)
}

/// The caller's access to `node` for `need`. The owner's is one indexed read; a recipient's one
/// more query (the ancestor walk).
pub async fn node_access(
    state: &AppState,
    caller: Id,
    node: Id,
    need: Need,
) -> Result<NodeAccess, ApiError> {
    let owner = state.meta.node_owner(node).await?;
    match owner {
        None => Err(StoreError::NotFound.into()),
        Some(owner) if owner == caller => Ok(NodeAccess {
            account: caller,
            share: None,
        }),
        Some(_) => {
            let share =
                (state.meta.share_access(caller, node).await?).ok_or(StoreError::NotFound)?;
            if need == Need::Write && share.permission == SharePermission::Read {
                return Err(ApiError::new(
                    ErrorCode::ReadOnlyShare,
                    "this folder is shared with you read-only",
                ));
            }
            Ok(NodeAccess {
                account: share.owner,
                share: Some(share),
            })
        }
    }
}

/// The account in which the caller may write into `node` (a folder to create in, or a file to
/// replace) — with `within`, only if it is that account: a recipient cannot mix two drives in
/// one call (answered `404 not_found`, as the store would for another account's node).
pub async fn write_account(
    state: &AppState,
    caller: Id,
    node: Id,
    within: Option<Id>,
) -> Result<Id, ApiError> {
    let access = node_access(state, caller, node, Need::Write).await?;
    match within {
        Some(account) if account != access.account => Err(StoreError::NotFound.into()),
        _ => Ok(access.account),
    }
}

/// The account an upload session belongs to, if the caller may use it: its owner, or the
/// recipient that opened it while it still may write into the session's folder (and into the
/// file it replaces, which a commit moves there). Anyone else: `404 not_found`.
pub async fn upload_account(state: &AppState, caller: Id, upload: Id) -> Result<Id, ApiError> {
    let origin = state.meta.upload_origin(upload).await?;
    if origin.account == caller {
        return Ok(caller);
    }
    if origin.created_by != caller {
        return Err(StoreError::NotFound.into());
    }
    let account = write_account(state, caller, origin.parent_id, Some(origin.account)).await?;
    if state.meta.node_owner(origin.node_id).await?.is_some() {
        write_account(state, caller, origin.node_id, Some(account)).await?;
    }
    Ok(account)
}
