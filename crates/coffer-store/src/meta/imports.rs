//! Importing a file from a public link (PROTOCOL.md §10.5), and the reference counting that
//! keeps an imported version's chunks alive.
//!
//! An imported node has its own id and version id but reads the chunks of the version it was
//! imported from (`nodes.content_version_id`). A version's chunks may therefore be read by more
//! than one node; they are queued for deletion ([`queue_if_unreferenced`]) only when the last
//! node reading them goes, in the transaction that removes it (ARCHITECTURE.md "Deletion
//! order"). An imported node's own version id never has chunks, so it is never queued.

use super::MetaStore;
use super::links::count_one_download;
use super::nodes::{name_taken, require_folder};
use super::quotas::StorageChange;
use super::rows::{node_columns, node_from_row, to_i64};
use super::uploads::version_in_use;
use crate::error::{Result, StoreError, is_unique_violation};
use crate::records::{Id, ImportedFile, NodeRecord};
use sqlx::{Row, SqliteConnection};

impl MetaStore {
    /// Creates the imported file `file` in `account` and counts one download of its link, in
    /// one transaction. `link_account` owns the link and the source; the caller checked the
    /// link's access token and that the source lies inside the link's subtree.
    ///
    /// Errors: `LinkInactive` (nothing counted, nothing created), `NotFound` (source gone, or
    /// the parent is not the importer's), `RevisionConflict` (the source's current version is
    /// not `source_version`), `ChunkListMismatch` (a content field differs from the source's),
    /// `NotAFolder`, `NameExists`, `IdExists`, `QuotaExceeded` (the importer's storage quota).
    pub async fn import_file(
        &self,
        account: Id,
        link_account: Id,
        file: &ImportedFile,
        now: i64,
    ) -> Result<NodeRecord> {
        let mut tx = self.writer.begin().await?;
        if count_one_download(&mut tx, file.link_id, now)
            .await?
            .is_none()
        {
            drop(tx);
            return Err(self.why_not_counted(file.link_id, now).await?);
        }
        // The destination first: another account's folder is `NotFound` whatever the source.
        require_folder(&mut tx, account, file.parent_id).await?;
        let content_version = check_source(&mut tx, link_account, file).await?;
        if name_taken(&mut tx, file.parent_id, &file.name_tag, None).await? {
            return Err(StoreError::NameExists);
        }
        if version_in_use(&mut tx, file.version_id).await? {
            return Err(StoreError::IdExists);
        }
        // The import is charged to the importer's storage, like an upload.
        let change = StorageChange {
            adds: file.ciphertext_size,
            ..StorageChange::default()
        };
        self.check_storage(&mut tx, account, change, now).await?;
        let row = sqlx::query(concat!(
            "INSERT INTO nodes (id, account_id, parent_id, name_tag, wrapped_key, \
               encrypted_attributes, author_key, signature, version_id, header, chunk_size, \
               ciphertext_size, chunk_count, chunk_list_hash, content_version_id, updated_at, \
               created_at, kind, revision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
               $16, 2, 1) \
             RETURNING ",
            node_columns!()
        ))
        .bind(&file.node_id.0[..])
        .bind(&account.0[..])
        .bind(&file.parent_id.0[..])
        .bind(&file.name_tag)
        .bind(&file.wrapped_key)
        .bind(&file.encrypted_attributes)
        .bind(&file.author_key)
        .bind(&file.signature)
        .bind(&file.version_id.0[..])
        .bind(&file.header)
        .bind(i64::from(file.chunk_size))
        .bind(to_i64(file.ciphertext_size, "ciphertext_size")?)
        .bind(to_i64(file.chunk_count, "chunk_count")?)
        .bind(&file.chunk_list_hash[..])
        .bind(&content_version)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match is_unique_violation(&e) {
            true => StoreError::IdExists,
            false => e.into(),
        })?;
        let node = node_from_row(&row)?;
        self.commit(tx).await?;
        Ok(node)
    }
}

/// Checks that the source is a file of `owner` whose current version is `file.source_version`
/// and whose content fields are byte-equal to the import's; returns the version whose chunks
/// it reads (its own, or, for an import of an import, the one it reads in turn).
async fn check_source(
    conn: &mut SqliteConnection,
    owner: Id,
    file: &ImportedFile,
) -> Result<Vec<u8>> {
    let row = sqlx::query(
        "SELECT version_id, COALESCE(content_version_id, version_id) AS content_version, \
           header, chunk_size, ciphertext_size, chunk_count, chunk_list_hash \
         FROM nodes WHERE id = $1 AND account_id = $2 AND kind = 2",
    )
    .bind(&file.source_node.0[..])
    .bind(&owner.0[..])
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let version: Option<Vec<u8>> = row.try_get("version_id")?;
    if version.as_deref() != Some(&file.source_version.0[..]) {
        return Err(StoreError::RevisionConflict);
    }
    let same = row.try_get::<Option<Vec<u8>>, _>("header")?.as_deref() == Some(&file.header[..])
        && row.try_get::<Option<i64>, _>("chunk_size")? == Some(i64::from(file.chunk_size))
        && row.try_get::<Option<i64>, _>("ciphertext_size")?
            == Some(to_i64(file.ciphertext_size, "ciphertext_size")?)
        && row.try_get::<Option<i64>, _>("chunk_count")?
            == Some(to_i64(file.chunk_count, "chunk_count")?)
        && row
            .try_get::<Option<Vec<u8>>, _>("chunk_list_hash")?
            .as_deref()
            == Some(&file.chunk_list_hash[..]);
    if !same {
        return Err(StoreError::ChunkListMismatch);
    }
    row.try_get::<Option<Vec<u8>>, _>("content_version")?
        .ok_or(StoreError::Corrupt("file without a version"))
}

/// Queues `version` (a version whose chunks a node just stopped reading: deleted, or its
/// content replaced) for blob deletion, unless a node still reads it: as its own version or
/// as the version it was imported from. Call it after the node row changed, in the same
/// transaction.
pub(super) async fn queue_if_unreferenced(
    conn: &mut SqliteConnection,
    version: &[u8],
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deleted_versions (version_id, deleted_at) \
         SELECT $1, $2 WHERE NOT EXISTS ( \
           SELECT 1 FROM nodes WHERE version_id = $1 \
           UNION ALL SELECT 1 FROM nodes WHERE content_version_id = $1) \
         ON CONFLICT (version_id) DO NOTHING",
    )
    .bind(version)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
