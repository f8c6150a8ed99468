//! Changes to the tree's shape: moves/renames (with the cycle check) and subtree deletion.

use super::MetaStore;
use super::nodes::require_folder;
use super::rows::{node_columns, node_from_row, to_i64};
use crate::error::{Result, StoreError, is_unique_violation};
use crate::records::{Id, NodeRecord, NodeUpdate};
use sqlx::SqliteConnection;

impl MetaStore {
    /// Moves and/or renames a node: a new signed record under a (possibly new) parent.
    ///
    /// Errors: `NotFound`, `InvalidMove` (the root, or into the node's own subtree),
    /// `RevisionConflict`, `NotAFolder`, `NameExists`.
    pub async fn update_node(
        &self,
        account: Id,
        id: Id,
        update: &NodeUpdate,
        now: i64,
    ) -> Result<NodeRecord> {
        // One statement with every check in its WHERE clause (one round trip to the writer);
        // when it changes nothing, the checks are made one by one to say why.
        let row = sqlx::query(concat!(
            "UPDATE nodes SET parent_id = $3, name_tag = $4, wrapped_key = $5, \
             encrypted_attributes = $6, author_key = $7, signature = $8, \
             revision = revision + 1, updated_at = $9 \
             WHERE id = $1 AND account_id = $2 AND parent_id IS NOT NULL AND revision = $10 \
               AND EXISTS (SELECT 1 FROM nodes p WHERE p.id = $3 AND p.account_id = $2 \
                           AND p.kind = 1) \
               AND NOT EXISTS (WITH RECURSIVE anc(id) AS ( \
                   SELECT id FROM nodes WHERE id = $3 \
                   UNION \
                   SELECT n.parent_id FROM nodes n JOIN anc ON n.id = anc.id \
                   WHERE n.parent_id IS NOT NULL) \
                 SELECT 1 FROM anc WHERE anc.id = $1) \
             RETURNING ",
            node_columns!()
        ))
        .bind(&id.0[..])
        .bind(&account.0[..])
        .bind(&update.parent_id.0[..])
        .bind(&update.name_tag)
        .bind(&update.wrapped_key)
        .bind(&update.encrypted_attributes)
        .bind(&update.author_key)
        .bind(&update.signature)
        .bind(now)
        .bind(to_i64(update.base_revision, "base_revision")?)
        .fetch_optional(&self.writer)
        .await
        .map_err(|e| match is_unique_violation(&e) {
            true => StoreError::NameExists,
            false => e.into(),
        })?;
        match row {
            Some(row) => {
                self.durable().await?;
                node_from_row(&row)
            }
            None => Err(self.why_not_updated(account, id, update).await?),
        }
    }

    /// Why [`MetaStore::update_node`] changed nothing: its checks, one by one, in order.
    async fn why_not_updated(
        &self,
        account: Id,
        id: Id,
        update: &NodeUpdate,
    ) -> Result<StoreError> {
        let mut conn = self.reader.acquire().await?;
        let (parent, revision): (Option<Vec<u8>>, i64) = sqlx::query_as(
            "SELECT parent_id, revision FROM nodes WHERE id = $1 AND account_id = $2",
        )
        .bind(&id.0[..])
        .bind(&account.0[..])
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        if parent.is_none() {
            return Ok(StoreError::InvalidMove);
        }
        if revision != to_i64(update.base_revision, "base_revision")? {
            return Ok(StoreError::RevisionConflict);
        }
        if let Err(e) = require_folder(&mut conn, account, update.parent_id).await {
            return Ok(e);
        }
        if is_ancestor_or_self(&mut conn, id, update.parent_id).await? {
            return Ok(StoreError::InvalidMove);
        }
        // Every check passes now: the node changed between the update and these reads.
        Ok(StoreError::RevisionConflict)
    }

    /// Deletes a node and its whole subtree in one transaction, queueing the blobs of every file
    /// version in it that no node outside it reads for deletion; returns the versions queued.
    ///
    /// Errors: `NotFound`, `InvalidMove` (the root).
    pub async fn delete_subtree(
        &self,
        account: Id,
        id: Id,
        recursive: bool,
        now: i64,
    ) -> Result<Vec<Id>> {
        // The subtree, restricted to the account at every step.
        macro_rules! subtree {
            () => {
                "WITH RECURSIVE sub(id) AS ( \
                   SELECT id FROM nodes WHERE id = $1 AND account_id = $2 \
                   UNION ALL \
                   SELECT n.id FROM nodes n JOIN sub ON n.parent_id = sub.id \
                   WHERE n.account_id = $2) "
            };
        }
        let mut tx = self.writer.begin().await?;
        let parent: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT parent_id FROM nodes WHERE id = $1 AND account_id = $2")
                .bind(&id.0[..])
                .bind(&account.0[..])
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        if parent.is_none() {
            return Err(StoreError::InvalidMove);
        }
        if !recursive {
            // Checked in the same transaction as the delete: a child added meanwhile is never
            // deleted by a non-recursive call.
            let child: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT id FROM nodes WHERE parent_id = $1 LIMIT 1")
                    .bind(&id.0[..])
                    .fetch_optional(&mut *tx)
                    .await?;
            if child.is_some() {
                return Err(StoreError::FolderNotEmpty);
            }
        }
        // The versions whose chunks the subtree's files read (their own, or for imports the
        // source's), queued only if no node outside the subtree reads them too (PROTOCOL.md
        // §10.5): an import keeps its source's chunks alive, and the last reader frees them.
        let versions: Vec<Vec<u8>> = sqlx::query_scalar(concat!(
            subtree!(),
            "INSERT INTO deleted_versions (version_id, deleted_at) \
             SELECT DISTINCT c.v, $3 FROM ( \
               SELECT COALESCE(n.content_version_id, n.version_id) AS v \
               FROM nodes n JOIN sub ON n.id = sub.id WHERE n.version_id IS NOT NULL) c \
             WHERE NOT EXISTS ( \
               SELECT 1 FROM nodes o WHERE (o.version_id = c.v OR o.content_version_id = c.v) \
                 AND o.id NOT IN (SELECT id FROM sub)) \
             ON CONFLICT (version_id) DO NOTHING RETURNING version_id"
        ))
        .bind(&id.0[..])
        .bind(&account.0[..])
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        // Shares on the subtree's folders end with them, and so do their rotation marks. The
        // subtree is walked again only for an account that has any (most have none).
        let has_shares: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM shares WHERE owner_id = $1 \
             UNION ALL SELECT 1 FROM rekey_pending WHERE owner_id = $1 LIMIT 1",
        )
        .bind(&account.0[..])
        .fetch_optional(&mut *tx)
        .await?;
        if has_shares.is_some() {
            sqlx::query(concat!(
                subtree!(),
                "DELETE FROM shares WHERE folder_id IN (SELECT id FROM sub)"
            ))
            .bind(&id.0[..])
            .bind(&account.0[..])
            .execute(&mut *tx)
            .await?;
            for delete in [
                concat!(
                    subtree!(),
                    "DELETE FROM rekey_pending WHERE owner_id = $2 \
                     AND folder_id IN (SELECT id FROM sub)"
                ),
                concat!(
                    subtree!(),
                    "DELETE FROM rekey_former WHERE owner_id = $2 \
                     AND folder_id IN (SELECT id FROM sub)"
                ),
            ] {
                sqlx::query(delete)
                    .bind(&id.0[..])
                    .bind(&account.0[..])
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query(concat!(
            subtree!(),
            "DELETE FROM nodes WHERE id IN (SELECT id FROM sub)"
        ))
        .bind(&id.0[..])
        .bind(&account.0[..])
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        versions.iter().map(|v| super::rows::to_id(v)).collect()
    }
}

/// Whether `node` is `target` or one of its ancestors (a move of `node` under `target` would
/// then make a cycle). `UNION` rather than `UNION ALL`: terminates even on a corrupt cycle.
async fn is_ancestor_or_self(conn: &mut SqliteConnection, node: Id, target: Id) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "WITH RECURSIVE anc(id) AS ( \
           SELECT id FROM nodes WHERE id = $1 \
           UNION \
           SELECT n.parent_id FROM nodes n JOIN anc ON n.id = anc.id \
           WHERE n.parent_id IS NOT NULL) \
         SELECT 1 FROM anc WHERE id = $2",
    )
    .bind(&target.0[..])
    .bind(&node.0[..])
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}
