//! Upload sessions and their chunk rows (the commit is in [`super::commit`]).
//!
//! A session names the version it uploads; chunk rows are keyed by that version id, so a commit
//! only flips the session's state and writes the node row. Version ids are never reused while
//! anything (a node, a session, a pending blob deletion) still refers to them: blob keys are
//! derived from them.

use super::MetaStore;
use super::nodes::{name_taken, require_folder};
use super::quotas::StorageChange;
use super::rows::{KIND_FILE, id_at, to_i64, to_id, u64_at, upload_columns, upload_from_row};
use crate::error::{Result, StoreError, is_unique_violation};
use crate::records::{Id, NewUpload, UploadRecord, UploadState};
use sqlx::{Row, SqliteConnection};
use std::collections::HashMap;

impl MetaStore {
    /// Opens an upload session.
    ///
    /// Errors: `NotFound` (parent, or the file to replace), `NotAFolder`, `IdExists` (new node id
    /// or version id in use, or the node to replace is a folder), `RevisionConflict`,
    /// `NameExists` (checked again at commit), `QuotaExceeded` (the declared size does not fit
    /// the storage quota; the session reserves it until it is committed, abandoned or expires).
    pub async fn create_upload(&self, account: Id, upload: &NewUpload, now: i64) -> Result<()> {
        self.create_upload_by(account, account, upload, now).await
    }

    /// [`MetaStore::create_upload`] for a session of `account` opened by `created_by` (a
    /// recipient writing into a shared folder; the session still counts for `account`).
    pub async fn create_upload_by(
        &self,
        account: Id,
        created_by: Id,
        upload: &NewUpload,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        require_folder(&mut tx, account, upload.parent_id).await?;
        match upload.base_revision {
            Some(base) => {
                file_version_at_revision(&mut tx, account, upload.node_id, base).await?;
            }
            None => {
                let used: Option<i64> = sqlx::query_scalar("SELECT 1 FROM nodes WHERE id = $1")
                    .bind(&upload.node_id.0[..])
                    .fetch_optional(&mut *tx)
                    .await?;
                if used.is_some() {
                    return Err(StoreError::IdExists);
                }
            }
        }
        if version_in_use(&mut tx, upload.version_id).await? {
            return Err(StoreError::IdExists);
        }
        let except = upload.base_revision.map(|_| upload.node_id);
        if name_taken(&mut tx, upload.parent_id, &upload.name_tag, except).await? {
            return Err(StoreError::NameExists);
        }
        // The session reserves its declared size (a replacement's old version stays until the
        // commit, so it is not credited here).
        let reserve = StorageChange {
            adds: upload.ciphertext_size,
            ..StorageChange::default()
        };
        self.check_storage(&mut tx, account, reserve, now).await?;
        sqlx::query(
            "INSERT INTO uploads (id, account_id, node_id, parent_id, version_id, name_tag, \
               wrapped_key, encrypted_attributes, header, chunk_size, ciphertext_size, \
               chunk_count, base_revision, state, created_at, expires_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $14, $15, \
               $16)",
        )
        .bind(&upload.id.0[..])
        .bind(&account.0[..])
        .bind(&upload.node_id.0[..])
        .bind(&upload.parent_id.0[..])
        .bind(&upload.version_id.0[..])
        .bind(&upload.name_tag)
        .bind(&upload.wrapped_key)
        .bind(&upload.encrypted_attributes)
        .bind(&upload.header)
        .bind(i64::from(upload.chunk_size))
        .bind(to_i64(upload.ciphertext_size, "ciphertext_size")?)
        .bind(to_i64(upload.chunk_count, "chunk_count")?)
        .bind(
            upload
                .base_revision
                .map(|r| to_i64(r, "base_revision"))
                .transpose()?,
        )
        .bind(now)
        .bind(upload.expires_at)
        .bind(&created_by.0[..])
        .execute(&mut *tx)
        .await
        .map_err(|e| match is_unique_violation(&e) {
            true => StoreError::IdExists,
            false => e.into(),
        })?;
        self.commit(tx).await?;
        Ok(())
    }

    /// One session of the account, in any state, with the chunks received so far.
    pub async fn upload(&self, account: Id, id: Id) -> Result<UploadRecord> {
        let mut conn = self.reader.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            upload_columns!(),
            " FROM uploads WHERE id = $1 AND account_id = $2"
        ))
        .bind(&id.0[..])
        .bind(&account.0[..])
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut upload = upload_from_row(&row)?;
        let received: Vec<i64> =
            sqlx::query_scalar("SELECT idx FROM chunks WHERE version_id = $1 ORDER BY idx")
                .bind(&upload.version_id.0[..])
                .fetch_all(&mut *conn)
                .await?;
        upload.received = received
            .into_iter()
            .map(|i| super::rows::to_u64(i, "idx"))
            .collect::<Result<_>>()?;
        Ok(upload)
    }

    /// The account's open, unexpired sessions (optionally only those into `parent`), oldest
    /// first, each with its received chunks. Two queries whatever the number of sessions.
    pub async fn open_uploads(
        &self,
        account: Id,
        parent: Option<Id>,
        now: i64,
    ) -> Result<Vec<UploadRecord>> {
        self.open_uploads_by(account, None, parent, now).await
    }

    /// [`MetaStore::open_uploads`], with `created_by` only the sessions that account opened
    /// (what a recipient of a share may see of the owner's sessions).
    pub async fn open_uploads_by(
        &self,
        account: Id,
        created_by: Option<Id>,
        parent: Option<Id>,
        now: i64,
    ) -> Result<Vec<UploadRecord>> {
        macro_rules! open_of_account {
            () => {
                " FROM uploads WHERE account_id = $1 AND state = 'open' AND expires_at > $2 \
                  AND ($3 IS NULL OR parent_id = $3) \
                  AND ($4 IS NULL OR COALESCE(created_by, account_id) = $4)"
            };
        }
        let parent_bytes = parent.as_ref().map(|p| &p.0[..]);
        let creator_bytes = created_by.as_ref().map(|c| &c.0[..]);
        let mut conn = self.reader.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            upload_columns!(),
            open_of_account!(),
            " ORDER BY created_at, id"
        ))
        .bind(&account.0[..])
        .bind(now)
        .bind(parent_bytes)
        .bind(creator_bytes)
        .fetch_all(&mut *conn)
        .await?;
        let mut uploads = rows
            .iter()
            .map(upload_from_row)
            .collect::<Result<Vec<_>>>()?;
        let chunk_rows = sqlx::query(concat!(
            "SELECT version_id, idx FROM chunks WHERE version_id IN (SELECT version_id",
            open_of_account!(),
            ") ORDER BY version_id, idx"
        ))
        .bind(&account.0[..])
        .bind(now)
        .bind(parent_bytes)
        .bind(creator_bytes)
        .fetch_all(&mut *conn)
        .await?;
        let mut received: HashMap<Id, Vec<u64>> = HashMap::new();
        for row in &chunk_rows {
            received
                .entry(id_at(row, "version_id")?)
                .or_default()
                .push(u64_at(row, "idx")?);
        }
        for upload in &mut uploads {
            upload.received = received.remove(&upload.version_id).unwrap_or_default();
        }
        Ok(uploads)
    }

    /// Drops an open session and queues its blobs for deletion; returns its version id.
    ///
    /// Errors: `NotFound`, `UploadCommitted`.
    pub async fn abandon_upload(&self, account: Id, id: Id, now: i64) -> Result<Id> {
        let mut tx = self.writer.begin().await?;
        let version = open_session(&mut tx, account, id, None).await?;
        sqlx::query(
            "INSERT INTO deleted_versions (version_id, deleted_at) VALUES ($1, $2) \
             ON CONFLICT (version_id) DO NOTHING",
        )
        .bind(&version.0[..])
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM uploads WHERE id = $1")
            .bind(&id.0[..])
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(version)
    }
}

/// The version id of an open session of the account. Errors: `NotFound`,
/// `UploadCommitted`, and `UploadExpired` when `now` is given and past the expiry.
pub(crate) async fn open_session(
    conn: &mut SqliteConnection,
    account: Id,
    id: Id,
    now: Option<i64>,
) -> Result<Id> {
    let row = sqlx::query(
        "SELECT version_id, state, expires_at FROM uploads WHERE id = $1 AND account_id = $2",
    )
    .bind(&id.0[..])
    .bind(&account.0[..])
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let state: String = row.try_get("state")?;
    match UploadState::parse(&state).ok_or(StoreError::Corrupt("upload state"))? {
        UploadState::Committed => return Err(StoreError::UploadCommitted),
        UploadState::Open => {}
    }
    let expires_at: i64 = row.try_get("expires_at")?;
    if now.is_some_and(|now| expires_at <= now) {
        return Err(StoreError::UploadExpired);
    }
    to_id(&row.try_get::<Vec<u8>, _>("version_id")?)
}

/// Whether a node, a session or a pending blob deletion refers to this version id.
pub(super) async fn version_in_use(conn: &mut SqliteConnection, version: Id) -> Result<bool> {
    let used: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM nodes WHERE version_id = $1 \
         UNION ALL SELECT 1 FROM uploads WHERE version_id = $1 \
         UNION ALL SELECT 1 FROM deleted_versions WHERE version_id = $1 \
         LIMIT 1",
    )
    .bind(&version.0[..])
    .fetch_optional(conn)
    .await?;
    Ok(used.is_some())
}

/// The version whose chunks the file `node` reads (its current version, or for an imported
/// file the version it was imported from) if its revision is still `base`: the check both
/// opening and committing a content replacement make. `NotFound` for a node of another account,
/// `IdExists` for a folder, `RevisionConflict` when the file changed meanwhile.
pub(super) async fn file_version_at_revision(
    tx: &mut SqliteConnection,
    account: Id,
    node: Id,
    base: u64,
) -> Result<Option<Vec<u8>>> {
    let (kind, revision, version): (i16, i64, Option<Vec<u8>>) = sqlx::query_as(
        "SELECT kind, revision, COALESCE(content_version_id, version_id) \
         FROM nodes WHERE id = $1 AND account_id = $2",
    )
    .bind(&node.0[..])
    .bind(&account.0[..])
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    if kind != KIND_FILE {
        return Err(StoreError::IdExists);
    }
    if revision != to_i64(base, "base_revision")? {
        return Err(StoreError::RevisionConflict);
    }
    Ok(version)
}
