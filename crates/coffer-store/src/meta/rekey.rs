//! A folder key rotation (PROTOCOL.md §12.5): the folder's new record, every child re-wrapped
//! under the new key, and every grant on the folder, written in one transaction or not at all.

use super::MetaStore;
use super::rows::{KIND_FOLDER, node_columns, node_from_row, to_i64, to_id};
use super::shares::{same_target, write_grant};
use crate::error::{Result, StoreError, is_unique_violation};
use crate::records::{Id, NodeRecord, NodeUpdate, RekeyChildUpdate, ShareGrant};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

impl MetaStore {
    /// Rotates the key of the account's folder `id`: `folder` is its new record (same parent),
    /// `children` must name every current child exactly once at its current revision, and
    /// `grants` every share on the folder (same folder and recipient keys, higher generation).
    /// Every record written gets revision + 1. Returns the folder and its children, by id.
    ///
    /// Errors: `NotFound`, `NotAFolder`, `InvalidMove` (the root, or another parent),
    /// `RevisionConflict` (the folder, a child or a share changed: re-read and retry),
    /// `NameExists` (two children with one new name tag).
    pub async fn rekey_folder(
        &self,
        account: Id,
        id: Id,
        folder: &NodeUpdate,
        children: &[RekeyChildUpdate],
        grants: &[ShareGrant],
        now: i64,
    ) -> Result<(NodeRecord, Vec<NodeRecord>)> {
        let mut tx = self.writer.begin().await?;
        let (kind, parent, revision): (i16, Option<Vec<u8>>, i64) = sqlx::query_as(
            "SELECT kind, parent_id, revision FROM nodes WHERE id = $1 AND account_id = $2",
        )
        .bind(&id.0[..])
        .bind(&account.0[..])
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        if kind != KIND_FOLDER {
            return Err(StoreError::NotAFolder);
        }
        let parent = parent.ok_or(StoreError::InvalidMove)?;
        if revision != to_i64(folder.base_revision, "base_revision")? {
            return Err(StoreError::RevisionConflict);
        }
        if parent[..] != folder.parent_id.0[..] {
            return Err(StoreError::InvalidMove);
        }

        // Exactly the current children, once each, at their current revisions.
        let rows = sqlx::query("SELECT id, revision FROM nodes WHERE parent_id = $1")
            .bind(&id.0[..])
            .fetch_all(&mut *tx)
            .await?;
        let mut current: HashMap<Id, i64> = HashMap::with_capacity(rows.len());
        for row in &rows {
            current.insert(
                to_id(&row.try_get::<Vec<u8>, _>("id")?)?,
                row.try_get("revision")?,
            );
        }
        if children.len() != current.len() {
            return Err(StoreError::RevisionConflict);
        }
        let mut tags = HashSet::with_capacity(children.len());
        for child in children {
            let base = to_i64(child.base_revision, "base_revision")?;
            // Removing makes a second mention of the same id fail.
            if current.remove(&child.id) != Some(base) {
                return Err(StoreError::RevisionConflict);
            }
            if !tags.insert(&child.name_tag[..]) {
                return Err(StoreError::NameExists);
            }
        }

        // Exactly the current shares on the folder, each for the same recipient keys.
        let shares = sqlx::query("SELECT id FROM shares WHERE folder_id = $1 AND owner_id = $2")
            .bind(&id.0[..])
            .bind(&account.0[..])
            .fetch_all(&mut *tx)
            .await?;
        let mut share_ids: HashSet<Id> = shares
            .iter()
            .map(|r| to_id(&r.try_get::<Vec<u8>, _>("id")?))
            .collect::<Result<_>>()?;
        if grants.len() != share_ids.len() {
            return Err(StoreError::RevisionConflict);
        }
        for grant in grants {
            if !share_ids.remove(&grant.share_id) {
                return Err(StoreError::RevisionConflict);
            }
            let stored = stored_grant(&mut tx, grant.share_id).await?;
            if !same_target(&stored, grant) {
                return Err(StoreError::RevisionConflict);
            }
            write_grant(&mut tx, grant, now).await?;
        }

        let unique = |e: sqlx::Error| match is_unique_violation(&e) {
            true => StoreError::NameExists,
            false => e.into(),
        };
        sqlx::query(
            "UPDATE nodes SET name_tag = $2, wrapped_key = $3, encrypted_attributes = $4, \
               author_key = $5, signature = $6, revision = revision + 1, updated_at = $7 \
             WHERE id = $1",
        )
        .bind(&id.0[..])
        .bind(&folder.name_tag)
        .bind(&folder.wrapped_key)
        .bind(&folder.encrypted_attributes)
        .bind(&folder.author_key)
        .bind(&folder.signature)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(unique)?;
        for child in children {
            sqlx::query(
                "UPDATE nodes SET name_tag = $2, wrapped_key = $3, author_key = $4, \
                   signature = $5, revision = revision + 1, updated_at = $6 \
                 WHERE id = $1",
            )
            .bind(&child.id.0[..])
            .bind(&child.name_tag)
            .bind(&child.wrapped_key)
            .bind(&child.author_key)
            .bind(&child.signature)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(unique)?;
        }

        // Open upload sessions into this folder carry node keys wrapped under the old key: their
        // commit would make nodes nobody can open. They are abandoned as `abandon_upload` does
        // (their chunks queued for deletion); their clients start over.
        sqlx::query(
            "INSERT INTO deleted_versions (version_id, deleted_at) \
             SELECT version_id, $2 FROM uploads WHERE parent_id = $1 AND state = 'open' \
             ON CONFLICT (version_id) DO NOTHING",
        )
        .bind(&id.0[..])
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM uploads WHERE parent_id = $1 AND state = 'open'")
            .bind(&id.0[..])
            .execute(&mut *tx)
            .await?;

        let row = sqlx::query(concat!(
            "SELECT ",
            node_columns!(),
            " FROM nodes WHERE id = $1"
        ))
        .bind(&id.0[..])
        .fetch_one(&mut *tx)
        .await?;
        let folder_record = node_from_row(&row)?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            node_columns!(),
            " FROM nodes WHERE parent_id = $1 ORDER BY id"
        ))
        .bind(&id.0[..])
        .fetch_all(&mut *tx)
        .await?;
        let child_records = rows.iter().map(node_from_row).collect::<Result<Vec<_>>>()?;
        self.commit(tx).await?;
        Ok((folder_record, child_records))
    }
}

/// The stored grant of a share. Errors: `NotFound`.
async fn stored_grant(conn: &mut sqlx::SqliteConnection, id: Id) -> Result<ShareGrant> {
    let row = sqlx::query(
        "SELECT folder_id, recipient_signing_public, recipient_agreement_public FROM shares \
         WHERE id = $1",
    )
    .bind(&id.0[..])
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    // Only the fields `same_target` compares matter here.
    Ok(ShareGrant {
        share_id: id,
        folder_id: to_id(&row.try_get::<Vec<u8>, _>("folder_id")?)?,
        owner_signing_public: Vec::new(),
        recipient_signing_public: row.try_get("recipient_signing_public")?,
        recipient_agreement_public: row.try_get("recipient_agreement_public")?,
        permission: crate::records::SharePermission::Read,
        generation: 0,
        enc: Vec::new(),
        ciphertext: Vec::new(),
        signature: Vec::new(),
    })
}
