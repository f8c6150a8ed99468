//! The node tree: lookups, listings, folder creation, usage, and the checks shared with moves
//! and uploads (moves and deletion are in [`super::tree`]).
//!
//! Every statement filters on the account id, so another account's node is `NotFound`. Tree
//! invariants kept here: one root per account (parent NULL); every other node's parent is a folder
//! of the same account; name tags are unique among a folder's children; no cycles (a move into
//! the node's own subtree is refused by walking the target's ancestors).

use super::MetaStore;
use super::rows::{KIND_FOLDER, kind_from_code, node_columns, node_from_row};
use crate::error::{Result, StoreError, is_unique_violation};
use crate::records::{ChildPage, Id, NewFolder, NodeKind, NodeRecord, UsageRecord};
use futures::TryStreamExt;
use sqlx::SqliteConnection;

impl MetaStore {
    pub async fn get_node(&self, account: Id, id: Id) -> Result<NodeRecord> {
        let row = sqlx::query(concat!(
            "SELECT ",
            node_columns!(),
            " FROM nodes WHERE id = $1 AND account_id = $2"
        ))
        .bind(&id.0[..])
        .bind(&account.0[..])
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)?;
        node_from_row(&row)
    }

    /// Up to `limit` children of the folder `parent` with ids above `after`, ordered by id.
    pub async fn children(
        &self,
        account: Id,
        parent: Id,
        after: Option<Id>,
        limit: u32,
    ) -> Result<ChildPage> {
        let mut conn = self.reader.acquire().await?;
        require_folder(&mut conn, account, parent).await?;
        let after_bytes: &[u8] = after.as_ref().map_or(&[], |a| &a.0[..]);
        // Streamed: each row becomes a record as it arrives, and its values are freed at once.
        let mut rows = sqlx::query(concat!(
            "SELECT ",
            node_columns!(),
            " FROM nodes WHERE account_id = $1 AND parent_id = $2 AND id > $3 ORDER BY id LIMIT $4"
        ))
        .bind(&account.0[..])
        .bind(&parent.0[..])
        .bind(after_bytes)
        .bind(i64::from(limit) + 1)
        .fetch(&mut *conn);
        let mut items = Vec::new();
        while let Some(row) = rows.try_next().await? {
            items.push(node_from_row(&row)?);
        }
        drop(rows);
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_after = if more {
            items.last().map(|n| n.id)
        } else {
            None
        };
        Ok(ChildPage { items, next_after })
    }

    /// The child of the folder `parent` with this name tag.
    pub async fn child_by_name_tag(
        &self,
        account: Id,
        parent: Id,
        name_tag: &[u8],
    ) -> Result<Option<NodeRecord>> {
        let mut conn = self.reader.acquire().await?;
        require_folder(&mut conn, account, parent).await?;
        sqlx::query(concat!(
            "SELECT ",
            node_columns!(),
            " FROM nodes WHERE account_id = $1 AND parent_id = $2 AND name_tag = $3"
        ))
        .bind(&account.0[..])
        .bind(&parent.0[..])
        .bind(name_tag)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| node_from_row(&row))
        .transpose()
    }

    /// Creates a folder under an existing folder of the account.
    ///
    /// Errors: `InvalidMove` (no parent: only signup creates roots), `NotFound`, `NotAFolder`,
    /// `IdExists`, `NameExists`.
    pub async fn create_folder(
        &self,
        account: Id,
        folder: &NewFolder,
        now: i64,
    ) -> Result<NodeRecord> {
        let parent = folder.parent_id.ok_or(StoreError::InvalidMove)?;
        // One statement (one round trip to the writer): the parent check in its WHERE clause,
        // the id and the name by the table's unique constraints; why it failed is read after.
        let inserted = sqlx::query(
            "INSERT INTO nodes (id, account_id, parent_id, kind, author_key, name_tag, \
               wrapped_key, encrypted_attributes, signature, revision, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10 \
             WHERE EXISTS (SELECT 1 FROM nodes WHERE id = $3 AND account_id = $2 AND kind = 1)",
        )
        .bind(&folder.id.0[..])
        .bind(&account.0[..])
        .bind(&parent.0[..])
        .bind(KIND_FOLDER)
        .bind(&folder.author_key)
        .bind(&folder.name_tag)
        .bind(&folder.wrapped_key)
        .bind(&folder.encrypted_attributes)
        .bind(&folder.signature)
        .bind(now)
        .execute(&self.writer)
        .await;
        match inserted {
            Ok(done) if done.rows_affected() == 1 => self.durable().await?,
            Ok(_) => {
                let mut conn = self.reader.acquire().await?;
                require_folder(&mut conn, account, parent).await?;
                return Err(StoreError::NotFound); // the parent went away meanwhile
            }
            Err(e) if is_unique_violation(&e) => {
                let id_used: Option<i64> = sqlx::query_scalar("SELECT 1 FROM nodes WHERE id = $1")
                    .bind(&folder.id.0[..])
                    .fetch_optional(&self.reader)
                    .await?;
                return Err(match id_used {
                    Some(_) => StoreError::IdExists,
                    None => StoreError::NameExists,
                });
            }
            Err(e) => return Err(e.into()),
        }
        Ok(NodeRecord {
            id: folder.id,
            parent_id: folder.parent_id,
            kind: NodeKind::Folder,
            author_key: folder.author_key.clone(),
            name_tag: folder.name_tag.clone(),
            wrapped_key: folder.wrapped_key.clone(),
            encrypted_attributes: folder.encrypted_attributes.clone(),
            signature: folder.signature.clone(),
            content: None,
            revision: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// Storage used by the account. `folders` does not count the root.
    pub async fn usage(&self, account: Id) -> Result<UsageRecord> {
        let mut conn = self.reader.acquire().await?;
        let (bytes, files, folders): (i64, i64, i64) = sqlx::query_as(
            "SELECT \
               CAST(COALESCE(SUM(CASE WHEN kind = 2 THEN ciphertext_size ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN kind = 2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN kind = 1 AND parent_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM nodes WHERE account_id = $1",
        )
        .bind(&account.0[..])
        .fetch_one(&mut *conn)
        .await?;
        let pending: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(c.size), 0) AS BIGINT) FROM chunks c \
             JOIN uploads u ON u.version_id = c.version_id \
             WHERE u.account_id = $1 AND u.state = 'open'",
        )
        .bind(&account.0[..])
        .fetch_one(&mut *conn)
        .await?;
        let count = |v: i64| u64::try_from(v).map_err(|_| StoreError::Corrupt("usage"));
        Ok(UsageRecord {
            bytes_used: count(bytes)?,
            files: count(files)?,
            folders: count(folders)?,
            pending_upload_bytes: count(pending)?,
        })
    }
}

/// `NotFound` unless `id` is a node of the account, `NotAFolder` unless it is a folder.
pub(crate) async fn require_folder(conn: &mut SqliteConnection, account: Id, id: Id) -> Result<()> {
    let kind: i16 = sqlx::query_scalar("SELECT kind FROM nodes WHERE id = $1 AND account_id = $2")
        .bind(&id.0[..])
        .bind(&account.0[..])
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    match kind_from_code(kind)? {
        NodeKind::Folder => Ok(()),
        NodeKind::File => Err(StoreError::NotAFolder),
    }
}

/// Whether a child of `parent` other than `except` carries `name_tag`.
pub(crate) async fn name_taken(
    conn: &mut SqliteConnection,
    parent: Id,
    name_tag: &[u8],
    except: Option<Id>,
) -> Result<bool> {
    let except_bytes: &[u8] = except.as_ref().map_or(&[], |e| &e.0[..]);
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM nodes WHERE parent_id = $1 AND name_tag = $2 AND id <> $3",
    )
    .bind(&parent.0[..])
    .bind(name_tag)
    .bind(except_bytes)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Inserts a folder row (the caller checked the parent). Errors: `IdExists`, `NameExists`.
pub(crate) async fn insert_folder(
    conn: &mut SqliteConnection,
    account: Id,
    folder: &NewFolder,
    now: i64,
) -> Result<()> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM nodes WHERE id = $1")
        .bind(&folder.id.0[..])
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_some() {
        return Err(StoreError::IdExists);
    }
    if let Some(parent) = folder.parent_id {
        if name_taken(&mut *conn, parent, &folder.name_tag, None).await? {
            return Err(StoreError::NameExists);
        }
    }
    sqlx::query(
        "INSERT INTO nodes (id, account_id, parent_id, kind, author_key, name_tag, wrapped_key, \
           encrypted_attributes, signature, revision, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)",
    )
    .bind(&folder.id.0[..])
    .bind(&account.0[..])
    .bind(folder.parent_id.as_ref().map(|p| &p.0[..]))
    .bind(KIND_FOLDER)
    .bind(&folder.author_key)
    .bind(&folder.name_tag)
    .bind(&folder.wrapped_key)
    .bind(&folder.encrypted_attributes)
    .bind(&folder.signature)
    .bind(now)
    .execute(conn)
    .await
    .map_err(|e| match is_unique_violation(&e) {
        true => StoreError::NameExists,
        false => e.into(),
    })?;
    Ok(())
}
