//! Committing an upload: the one transaction that makes a file (or a file's new version) visible.

use super::MetaStore;
use super::imports::queue_if_unreferenced;
use super::nodes::{name_taken, require_folder};
use super::quotas::StorageChange;
use super::rows::{node_columns, node_from_row, to_hash, to_i64, upload_columns};
use super::uploads::file_version_at_revision;
use crate::error::{Result, StoreError, is_unique_violation};
use crate::records::{Hash, Id, NodeRecord, UploadCommit, UploadState};
use sqlx::{Row, SqliteConnection};

impl MetaStore {
    /// Commits session `id`: checks it is open and unexpired at `now`, that every chunk is
    /// stored, that `list_hash` of the stored chunk hashes (in index order) equals the commit's,
    /// that the parent is a folder of the account and the name tag is free there; then inserts
    /// the file node (or, for a replacement, updates it if its revision is still the base one and
    /// queues the old version's blobs for deletion) and marks the session committed. All of it in
    /// one transaction: the node appears whole or not at all.
    ///
    /// `list_hash` is the protocol's chunk-list summary (PROTOCOL.md §5.3), passed in so that this
    /// crate needs no crypto.
    ///
    /// Errors: `NotFound`, `UploadCommitted`, `UploadExpired`, `UploadIncomplete`,
    /// `ChunkListMismatch`, `NotAFolder`, `NameExists`, `IdExists`, `RevisionConflict`,
    /// `QuotaExceeded` (only when the storage quota was lowered below what the session reserved).
    pub async fn commit_upload(
        &self,
        account: Id,
        id: Id,
        commit: &UploadCommit,
        now: i64,
        list_hash: impl FnOnce(&[Hash]) -> Hash,
    ) -> Result<NodeRecord> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            upload_columns!(),
            " FROM uploads WHERE id = $1 AND account_id = $2"
        ))
        .bind(&id.0[..])
        .bind(&account.0[..])
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let upload = super::rows::upload_from_row(&row)?;
        if upload.state == UploadState::Committed {
            return Err(StoreError::UploadCommitted);
        }
        if upload.expires_at <= now {
            return Err(StoreError::UploadExpired);
        }

        let chunk_rows =
            sqlx::query("SELECT idx, hash FROM chunks WHERE version_id = $1 ORDER BY idx")
                .bind(&upload.version_id.0[..])
                .fetch_all(&mut *tx)
                .await?;
        if chunk_rows.len() as u64 != upload.chunk_count {
            return Err(StoreError::UploadIncomplete);
        }
        let mut hashes = Vec::with_capacity(chunk_rows.len());
        for (expected, row) in chunk_rows.iter().enumerate() {
            if row.try_get::<i64, _>("idx")? != expected as i64 {
                return Err(StoreError::Corrupt("chunk index beyond count"));
            }
            hashes.push(to_hash(&row.try_get::<Vec<u8>, _>("hash")?)?);
        }
        if list_hash(&hashes) != commit.chunk_list_hash {
            return Err(StoreError::ChunkListMismatch);
        }

        require_folder(&mut tx, account, upload.parent_id).await?;
        let replaced_version = match upload.base_revision {
            Some(base) => file_version_at_revision(&mut tx, account, upload.node_id, base).await?,
            None => None,
        };
        let except = upload.base_revision.map(|_| upload.node_id);
        if name_taken(&mut tx, upload.parent_id, &upload.name_tag, except).await? {
            return Err(StoreError::NameExists);
        }
        // Checked again here: the quota may have been lowered since the session reserved.
        let change = StorageChange {
            adds: upload.ciphertext_size,
            converting: Some(id),
            replaced: except,
            ..StorageChange::default()
        };
        self.check_storage(&mut tx, account, change, now).await?;

        let version = FileVersion {
            node_id: upload.node_id,
            parent_id: upload.parent_id,
            name_tag: &upload.name_tag,
            wrapped_key: &upload.wrapped_key,
            encrypted_attributes: &commit.encrypted_attributes,
            author_key: &commit.author_key,
            signature: &commit.signature,
            version_id: upload.version_id,
            header: &upload.header,
            chunk_size: upload.chunk_size,
            ciphertext_size: upload.ciphertext_size,
            chunk_count: upload.chunk_count,
            chunk_list_hash: &commit.chunk_list_hash,
            replaces_existing: upload.base_revision.is_some(),
        };
        let node = write_file_version(&mut tx, account, &version, replaced_version, now).await?;
        sqlx::query("UPDATE uploads SET state = 'committed' WHERE id = $1")
            .bind(&id.0[..])
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(node)
    }
}

/// The signed record of a file's new content, as a commit writes it.
pub(super) struct FileVersion<'a> {
    pub node_id: Id,
    pub parent_id: Id,
    pub name_tag: &'a [u8],
    pub wrapped_key: &'a [u8],
    pub encrypted_attributes: &'a [u8],
    pub author_key: &'a [u8],
    pub signature: &'a [u8],
    pub version_id: Id,
    pub header: &'a [u8],
    pub chunk_size: u32,
    pub ciphertext_size: u64,
    pub chunk_count: u64,
    pub chunk_list_hash: &'a Hash,
    /// The node exists (a new version of it), else it is created.
    pub replaces_existing: bool,
}

/// Writes `version` as the file node's content: inserts the node, or updates it when it
/// replaces the existing one; `replaced` (the version whose chunks the node read, checked by the
/// caller) is queued for deletion unless an import still reads it. The caller checked the parent and the name. `IdExists` when
/// the id is taken.
pub(super) async fn write_file_version(
    tx: &mut SqliteConnection,
    account: Id,
    version: &FileVersion<'_>,
    replaced: Option<Vec<u8>>,
    now: i64,
) -> Result<NodeRecord> {
    let write = if version.replaces_existing {
        sqlx::query(concat!(
            "UPDATE nodes SET parent_id = $3, name_tag = $4, wrapped_key = $5, \
               encrypted_attributes = $6, author_key = $7, signature = $8, version_id = $9, \
               header = $10, chunk_size = $11, ciphertext_size = $12, chunk_count = $13, \
               chunk_list_hash = $14, content_version_id = NULL, revision = revision + 1, \
               updated_at = $15 \
             WHERE id = $1 AND account_id = $2 RETURNING ",
            node_columns!()
        ))
    } else {
        sqlx::query(concat!(
            "INSERT INTO nodes (id, account_id, parent_id, name_tag, wrapped_key, \
               encrypted_attributes, author_key, signature, version_id, header, chunk_size, \
               ciphertext_size, chunk_count, chunk_list_hash, updated_at, created_at, kind, \
               revision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, 2, 1) \
             RETURNING ",
            node_columns!()
        ))
    };
    let row = write
        .bind(&version.node_id.0[..])
        .bind(&account.0[..])
        .bind(&version.parent_id.0[..])
        .bind(version.name_tag)
        .bind(version.wrapped_key)
        .bind(version.encrypted_attributes)
        .bind(version.author_key)
        .bind(version.signature)
        .bind(&version.version_id.0[..])
        .bind(version.header)
        .bind(i64::from(version.chunk_size))
        .bind(to_i64(version.ciphertext_size, "ciphertext_size")?)
        .bind(to_i64(version.chunk_count, "chunk_count")?)
        .bind(&version.chunk_list_hash[..])
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match is_unique_violation(&e) {
            true => StoreError::IdExists,
            false => e.into(),
        })?;
    let node = node_from_row(&row)?;
    if let Some(old) = replaced {
        // Imports of the old version keep reading it (PROTOCOL.md §10.5).
        queue_if_unreferenced(tx, &old, now).await?;
    }
    Ok(node)
}
