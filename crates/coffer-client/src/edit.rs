//! Changing the tree: `mkdir`, `mv` (move and rename), `rm`.

use crate::drive::Drive;
use crate::entry::Entry;
use crate::error::{ClientError, Result};
use crate::path::{DrivePath, PathSpec};
use crate::plan::plan_move;
use crate::records::{moved, new_folder, now_ms};
use crate::shares::{SHARED, SharedPath, not_a_folder};
use crate::verify::{VerifiedNode, verify_child};
use coffer_api::ErrorCode;

impl Drive {
    /// Creates the folder at `path`. With `parents`, creates missing folders on the way and
    /// accepts an existing folder (like `mkdir -p`).
    pub async fn mkdir(&self, path: &str, parents: bool) -> Result<Entry> {
        let path = DrivePath::parse(path)?;
        let Some(name) = path.name() else {
            return if parents {
                Ok(Entry::of(&self.root().await?))
            } else {
                Err(ClientError::AlreadyExists("/".into()))
            };
        };
        if parents {
            return Ok(Entry::of(&self.ensure_folder_path(&path).await?));
        }
        let parent_path = path.parent().expect("invariant: a named path has a parent");
        let parent = self.resolve_folder(&parent_path).await?;
        Ok(Entry::of(&self.create_folder(&parent, name).await?))
    }

    /// The folder at `path`, creating it and missing ancestors.
    pub(crate) async fn ensure_folder_path(&self, path: &DrivePath) -> Result<VerifiedNode> {
        let mut node = match SharedPath::of(path) {
            None => match self.inner.folders.deepest(path) {
                Some(folder) => folder,
                None => self.root().await?,
            },
            Some(SharedPath::Inside { owner, base }) => {
                match (self.inner.folders.deepest(path)).filter(|f| f.path.starts_with(&base)) {
                    Some(folder) => folder,
                    None => (self.share_root(&owner, &base).await?)
                        .ok_or_else(|| ClientError::NotFound(base.to_string()))?,
                }
            }
            Some(_) => return Err(not_a_folder(path)),
        };
        for name in path.names().iter().skip(node.path.names().len()) {
            node = self.ensure_folder(&node, name).await?;
            self.inner.folders.remember(&node);
        }
        Ok(node)
    }

    /// The child folder `name` of `parent`, created if missing.
    pub(crate) async fn ensure_folder(
        &self,
        parent: &VerifiedNode,
        name: &str,
    ) -> Result<VerifiedNode> {
        let existing = match self.child(parent, name).await? {
            Some(child) => child,
            None => match self.create_folder(parent, name).await {
                // Created meanwhile by someone else: use theirs.
                Err(ClientError::AlreadyExists(path)) => self
                    .child(parent, name)
                    .await?
                    .ok_or(ClientError::Conflict(path))?,
                other => return other,
            },
        };
        if !existing.is_folder() {
            return Err(ClientError::NotAFolder(existing.path.to_string()));
        }
        Ok(existing)
    }

    /// Creates the folder `name` in `parent`; [`ClientError::AlreadyExists`] if the name is taken.
    pub(crate) async fn create_folder(
        &self,
        parent: &VerifiedNode,
        name: &str,
    ) -> Result<VerifiedNode> {
        let path = parent.path.join(name)?;
        check_not_reserved(&path)?;
        let record = new_folder(
            &parent.as_parent(),
            name,
            now_ms(),
            &self.session().identity,
        );
        let node = self
            .api()
            .create_node(&record)
            .await
            .map_err(|e| match e.api_code() {
                Some(ErrorCode::NameExists) => ClientError::AlreadyExists(path.to_string()),
                Some(ErrorCode::NotAFolder) => ClientError::NotAFolder(parent.path.to_string()),
                Some(ErrorCode::NotFound) => ClientError::NotFound(parent.path.to_string()),
                _ => e,
            })?;
        verify_child(node, &parent.as_parent())
    }

    /// Moves and/or renames `src` to `dest` (like `mv`: into `dest` if it is a folder). Never
    /// replaces an existing node. Returns the moved node.
    pub async fn mv(&self, src: &str, dest: &str) -> Result<Entry> {
        let src = DrivePath::parse(src)?;
        let dest = PathSpec::parse(dest)?;
        let dest_node = self.lookup(&dest.path).await?;
        let target = plan_move(&src, &dest, dest_node.as_ref().map(|n| n.node.kind))?;
        check_not_reserved(&target.path())?;
        if realm(&src) != realm(&target.parent) {
            return Err(ClientError::InvalidOperation {
                path: src.to_string(),
                reason: "cannot move between your drive and a shared folder (copy it instead)",
            });
        }
        if is_share_root(&src) {
            return Err(ClientError::InvalidOperation {
                path: src.to_string(),
                reason: "a folder shared with you cannot be moved or renamed",
            });
        }
        let node = self.resolve(&src).await?;
        let cached_parent = (self.inner.folders.deepest(&target.parent))
            .filter(|folder| folder.path == target.parent);
        let new_parent = match (dest_node, cached_parent) {
            (Some(folder), _) if folder.path == target.parent => folder,
            (_, Some(folder)) => folder,
            _ => self.resolve_folder(&target.parent).await?,
        };
        if node.node.parent_id == Some(new_parent.id()) && node.attrs.name == target.name {
            return Ok(Entry::of(&node));
        }
        // When `dest` named the target itself, the lookup above already found it free.
        let looked_up = dest.path == target.path();
        if !looked_up && self.child(&new_parent, &target.name).await?.is_some() {
            return Err(ClientError::AlreadyExists(target.path().to_string()));
        }
        let update = moved(
            &node,
            &new_parent.as_parent(),
            &target.name,
            &self.session().identity,
        );
        self.inner.folders.forget(&node.path);
        let updated = self
            .api()
            .update_node(node.id(), &update)
            .await
            .map_err(|e| match e.api_code() {
                Some(ErrorCode::NameExists) => {
                    ClientError::AlreadyExists(target.path().to_string())
                }
                Some(ErrorCode::RevisionConflict) => ClientError::Conflict(src.to_string()),
                Some(ErrorCode::NotFound) => ClientError::NotFound(src.to_string()),
                Some(ErrorCode::InvalidMove) => ClientError::InvalidOperation {
                    path: src.to_string(),
                    reason: "the server refused the move",
                },
                _ => e,
            })?;
        Ok(Entry::of(&verify_child(updated, &new_parent.as_parent())?))
    }

    /// Deletes the file or empty folder at `path`; a folder with everything in it only with
    /// `recursive` (checked by the server in the same transaction as the delete).
    pub async fn rm(&self, path: &str, recursive: bool) -> Result<()> {
        let path = DrivePath::parse(path)?;
        if path.is_root() {
            return Err(ClientError::InvalidOperation {
                path: "/".into(),
                reason: "the root cannot be deleted",
            });
        }
        if is_share_root(&path) {
            return Err(ClientError::InvalidOperation {
                path: path.to_string(),
                reason: "a folder shared with you cannot be deleted; `coffer unshare` leaves it",
            });
        }
        if let Some(SharedPath::Top | SharedPath::Owner(_)) = SharedPath::of(&path) {
            return Err(not_a_folder(&path));
        }
        let node = self.resolve(&path).await?;
        self.inner.folders.forget(&path);
        self.api()
            .delete_node(node.id(), recursive)
            .await
            .map_err(|e| match e.api_code() {
                Some(ErrorCode::NotFound) => ClientError::NotFound(path.to_string()),
                Some(ErrorCode::FolderNotEmpty) => ClientError::FolderNotEmpty(path.to_string()),
                _ => e,
            })
    }
}

/// Refuses `/shared` as a name at the root: that path shows the folders shared with this
/// account.
pub(crate) fn check_not_reserved(path: &DrivePath) -> Result<()> {
    if path.names().len() == 1 && path.name() == Some(SHARED) {
        return Err(ClientError::InvalidOperation {
            path: path.to_string(),
            reason: "reserved for the folders others share with you; choose another name",
        });
    }
    Ok(())
}

/// Which tree a path is in: the own drive (`None`) or one incoming share (its root's path).
fn realm(path: &DrivePath) -> Option<DrivePath> {
    match SharedPath::of(path)? {
        SharedPath::Inside { base, .. } => Some(base),
        _ => Some(path.clone()),
    }
}

/// Whether `path` is the root of an incoming share (`/shared/<email>/<name>`).
fn is_share_root(path: &DrivePath) -> bool {
    matches!(SharedPath::of(path), Some(SharedPath::Inside { base, .. }) if base == *path)
}
