//! Housekeeping for the background cleanup task: expiring sessions, login attempts, upload
//! sessions and download tickets of public links, and the queue of versions whose blobs must be deleted.
//!
//! Crash safety: expiring an upload queues its version in `deleted_versions` in the same
//! transaction that drops the session; the blobs are deleted next (outside the database); only
//! then does [`MetaStore::forget_version`] remove the chunk rows and the queue entry. A crash at
//! any point leaves the version queued, and the next pass finishes the job.

use super::MetaStore;
use super::rows::to_id;
use crate::error::Result;
use crate::records::{Id, SweepReport};

impl MetaStore {
    /// Removes what expired before `now`: login attempts, sessions (and revoked ones), open
    /// upload sessions that expired more than `upload_grace_ms` ago (their versions are queued
    /// for blob deletion; the grace lets chunk uploads already under way finish first), and
    /// committed sessions past their expiry (their chunks belong to a node now), and download
    /// tickets past their expiry.
    pub async fn sweep_expired(&self, now: i64, upload_grace_ms: i64) -> Result<SweepReport> {
        let mut tx = self.writer.begin().await?;
        let login_attempts = sqlx::query("DELETE FROM login_attempts WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let sessions =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR revoked_at IS NOT NULL")
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let cutoff = now.saturating_sub(upload_grace_ms);
        sqlx::query(
            "INSERT INTO deleted_versions (version_id, deleted_at) \
             SELECT version_id, $2 FROM uploads WHERE state = 'open' AND expires_at <= $1 \
             ON CONFLICT (version_id) DO NOTHING",
        )
        .bind(cutoff)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let uploads_expired =
            sqlx::query("DELETE FROM uploads WHERE state = 'open' AND expires_at <= $1")
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let uploads_forgotten =
            sqlx::query("DELETE FROM uploads WHERE state = 'committed' AND expires_at <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let link_tickets = sqlx::query("DELETE FROM link_tickets WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        self.commit(tx).await?;
        Ok(SweepReport {
            login_attempts,
            sessions,
            uploads_expired,
            uploads_forgotten,
            link_tickets,
        })
    }

    /// Up to `limit` versions waiting for their blobs to be deleted, oldest first.
    pub async fn queued_versions(&self, limit: u32) -> Result<Vec<Id>> {
        let ids: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT version_id FROM deleted_versions ORDER BY deleted_at, version_id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        ids.iter().map(|v| to_id(v)).collect()
    }

    /// Forgets a version whose blobs are gone: its chunk rows and its queue entry.
    pub async fn forget_version(&self, version: Id) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM chunks WHERE version_id = $1")
            .bind(&version.0[..])
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM deleted_versions WHERE version_id = $1")
            .bind(&version.0[..])
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(())
    }
}
