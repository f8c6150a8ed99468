//! Counting wrong access tokens of public links, per key (`link:<id>`, `ip:<address>`), in
//! fixed windows: the first failure after a window ended starts a new one.
//!
//! Counts live in the database rather than in the server's memory so that every API server in
//! front of one store sees the same counts, and a restart does not reset a guesser's budget.
//! Nothing clears a count on success: an attacker who holds one valid link must not be able to
//! reset the count of their address with it. Windows simply expire, and the cleanup task
//! removes their rows ([`MetaStore::sweep_link_failures`]).

use super::MetaStore;
use crate::error::{Result, StoreError};
use crate::records::FailureWindow;
use sqlx::Row;

impl MetaStore {
    /// Adds one failure under each key (in one transaction) and returns the counts of their
    /// current windows, in the order of `keys`. A window that began at or before
    /// `now - window_ms` is over: the failure starts a new one.
    pub async fn record_link_failures(
        &self,
        keys: &[&str],
        now: i64,
        window_ms: i64,
    ) -> Result<Vec<FailureWindow>> {
        let cutoff = now.saturating_sub(window_ms);
        let mut tx = self.writer.begin().await?;
        let mut windows = Vec::with_capacity(keys.len());
        for key in keys {
            let row = sqlx::query(
                "INSERT INTO link_failures (key, window_start, failures) VALUES ($1, $2, 1) \
                 ON CONFLICT (key) DO UPDATE SET \
                   failures = CASE WHEN link_failures.window_start <= $3 THEN 1 \
                                   ELSE link_failures.failures + 1 END, \
                   window_start = CASE WHEN link_failures.window_start <= $3 THEN $2 \
                                       ELSE link_failures.window_start END \
                 RETURNING window_start, failures",
            )
            .bind(key)
            .bind(now)
            .bind(cutoff)
            .fetch_one(&mut *tx)
            .await?;
            windows.push(window_from_row(&row)?);
        }
        self.commit(tx).await?;
        Ok(windows)
    }

    /// The failures counted under `key` in the window running at `now` (zero when none is).
    pub async fn link_failures_in_window(
        &self,
        key: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<FailureWindow> {
        let row = sqlx::query(
            "SELECT window_start, failures FROM link_failures \
             WHERE key = $1 AND window_start > $2",
        )
        .bind(key)
        .bind(now.saturating_sub(window_ms))
        .fetch_optional(&self.reader)
        .await?;
        row.map_or(Ok(FailureWindow::default()), |row| window_from_row(&row))
    }

    /// Removes the counts of windows that ended by `now`; returns how many.
    pub async fn sweep_link_failures(&self, now: i64, window_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM link_failures WHERE window_start <= $1")
            .bind(now.saturating_sub(window_ms))
            .execute(&self.writer)
            .await?;
        self.durable().await?;
        Ok(done.rows_affected())
    }
}

fn window_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<FailureWindow> {
    Ok(FailureWindow {
        failures: u32::try_from(row.try_get::<i64, _>("failures")?)
            .map_err(|_| StoreError::Corrupt("link failures"))?,
        window_start: row.try_get("window_start")?,
    })
}
