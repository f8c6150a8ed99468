//! Chunk rows: what a chunk upload needs to know, recording a stored chunk, and finding a
//! chunk of a file's current version for download.

use super::MetaStore;
use super::rows::{id_at, to_hash, to_i64, u32_at, u64_at};
use super::uploads::open_session;
use crate::error::{Result, StoreError};
use crate::records::{ChunkRecorded, ChunkTarget, Hash, Id, StoredChunk, UploadState};
use sqlx::Row;

impl MetaStore {
    /// What a chunk upload to session `id` at `index` needs, in one read.
    pub async fn chunk_target(&self, account: Id, id: Id, index: u64) -> Result<ChunkTarget> {
        let row = sqlx::query(
            "SELECT u.version_id, u.chunk_size, u.chunk_count, u.ciphertext_size, u.state, \
               u.expires_at, c.hash \
             FROM uploads u LEFT JOIN chunks c ON c.version_id = u.version_id AND c.idx = $3 \
             WHERE u.id = $1 AND u.account_id = $2",
        )
        .bind(&id.0[..])
        .bind(&account.0[..])
        .bind(i64::try_from(index).unwrap_or(i64::MAX))
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)?;
        let state: String = row.try_get("state")?;
        Ok(ChunkTarget {
            version_id: id_at(&row, "version_id")?,
            chunk_size: u32_at(&row, "chunk_size")?,
            chunk_count: u64_at(&row, "chunk_count")?,
            ciphertext_size: u64_at(&row, "ciphertext_size")?,
            state: UploadState::parse(&state).ok_or(StoreError::Corrupt("upload state"))?,
            expires_at: row.try_get("expires_at")?,
            stored_hash: row
                .try_get::<Option<Vec<u8>>, _>("hash")?
                .map(|h| to_hash(&h))
                .transpose()?,
        })
    }

    /// Records a chunk whose blob is already durable. Idempotent for the same hash.
    ///
    /// Errors: `NotFound`, `UploadCommitted`, `UploadExpired` (at `now`), `ChunkConflict`
    /// (another hash is recorded for the index).
    pub async fn record_chunk(
        &self,
        account: Id,
        id: Id,
        index: u64,
        size: u64,
        hash: &Hash,
        now: i64,
    ) -> Result<ChunkRecorded> {
        let mut tx = self.writer.begin().await?;
        let version = open_session(&mut tx, account, id, Some(now)).await?;
        let index = to_i64(index, "chunk index")?;
        let inserted = sqlx::query(
            "INSERT INTO chunks (version_id, idx, size, hash) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (version_id, idx) DO NOTHING",
        )
        .bind(&version.0[..])
        .bind(index)
        .bind(to_i64(size, "chunk size")?)
        .bind(&hash[..])
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let outcome = if inserted == 1 {
            ChunkRecorded::Inserted
        } else {
            let stored: Vec<u8> =
                sqlx::query_scalar("SELECT hash FROM chunks WHERE version_id = $1 AND idx = $2")
                    .bind(&version.0[..])
                    .bind(index)
                    .fetch_one(&mut *tx)
                    .await?;
            if to_hash(&stored)? != *hash {
                return Err(StoreError::ChunkConflict);
            }
            ChunkRecorded::AlreadyStored
        };
        self.commit(tx).await?;
        Ok(outcome)
    }

    /// A chunk of the node's current version (`NotFound` for any other version or index). Its
    /// `version_id` is the version the chunk is stored under: the node's own, or for an imported
    /// node the source's; blobs are keyed by it.
    pub async fn chunk_for_download(
        &self,
        account: Id,
        node: Id,
        version: Id,
        index: u64,
    ) -> Result<StoredChunk> {
        // An imported node reads its source version's chunks (PROTOCOL.md §10.5).
        let row = sqlx::query(
            "SELECT c.version_id, c.size, c.hash, c.data FROM nodes n \
             JOIN chunks c ON c.version_id = COALESCE(n.content_version_id, n.version_id) \
               AND c.idx = $4 \
             WHERE n.id = $1 AND n.account_id = $2 AND n.version_id = $3",
        )
        .bind(&node.0[..])
        .bind(&account.0[..])
        .bind(&version.0[..])
        .bind(i64::try_from(index).unwrap_or(i64::MAX))
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(StoredChunk {
            version_id: id_at(&row, "version_id")?,
            index,
            size: u64_at(&row, "size")?,
            hash: to_hash(&row.try_get::<Vec<u8>, _>("hash")?)?,
            inline: row.try_get("data")?,
        })
    }
}
