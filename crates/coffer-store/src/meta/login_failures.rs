//! Counting failed logins per key (`login:<email hash>`, `login-ip:<address>`) in fixed
//! windows, as [`super::link_failures`] does for link guesses and for the same reasons: the
//! counts are shared by every server on the store and survive a restart, and a success clears
//! nothing. A table of its own, because its window is configured apart from the links'.

use super::MetaStore;
use crate::error::{Result, StoreError};
use crate::records::FailureWindow;
use sqlx::Row;

impl MetaStore {
    /// Adds one failure under each key (in one transaction) and returns the counts of their
    /// current windows, in the order of `keys`. A window that began at or before
    /// `now - window_ms` is over: the failure starts a new one.
    pub async fn record_login_failures(
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
                "INSERT INTO login_failures (key, window_start, failures) VALUES ($1, $2, 1) \
                 ON CONFLICT (key) DO UPDATE SET \
                   failures = CASE WHEN login_failures.window_start <= $3 THEN 1 \
                                   ELSE login_failures.failures + 1 END, \
                   window_start = CASE WHEN login_failures.window_start <= $3 THEN $2 \
                                       ELSE login_failures.window_start END \
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
    pub async fn login_failures_in_window(
        &self,
        key: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<FailureWindow> {
        let row = sqlx::query(
            "SELECT window_start, failures FROM login_failures \
             WHERE key = $1 AND window_start > $2",
        )
        .bind(key)
        .bind(now.saturating_sub(window_ms))
        .fetch_optional(&self.reader)
        .await?;
        row.map_or(Ok(FailureWindow::default()), |row| window_from_row(&row))
    }

    /// Removes the counts of windows that ended by `now`; returns how many.
    pub async fn sweep_login_failures(&self, now: i64, window_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM login_failures WHERE window_start <= $1")
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
            .map_err(|_| StoreError::Corrupt("login failures"))?,
        window_start: row.try_get("window_start")?,
    })
}
