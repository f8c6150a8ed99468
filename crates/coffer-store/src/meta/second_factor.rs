//! An account's TOTP second factor: a secret set up, confirmed by a first code, and the time
//! step of the last accepted code, advanced atomically so that a code is accepted once.

use super::MetaStore;
use crate::error::Result;
use crate::records::{Id, SecondFactorRecord};
use sqlx::Row;

impl MetaStore {
    /// The account's second factor, set up or enabled.
    pub async fn second_factor(&self, account: Id) -> Result<Option<SecondFactorRecord>> {
        let row = sqlx::query(
            "SELECT secret, enabled_at, last_step FROM second_factors WHERE account_id = $1",
        )
        .bind(&account.0[..])
        .fetch_optional(&self.reader)
        .await?;
        row.map(|row| {
            Ok(SecondFactorRecord {
                secret: zeroize::Zeroizing::new(row.try_get("secret")?),
                enabled_at: row.try_get("enabled_at")?,
                last_step: row.try_get("last_step")?,
            })
        })
        .transpose()
    }

    /// Stores a new secret awaiting confirmation, replacing one not yet confirmed. Returns
    /// `false` (and changes nothing) when the account's second factor is already enabled.
    pub async fn set_up_second_factor(&self, account: Id, secret: &[u8], now: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO second_factors (account_id, secret, created_at, enabled_at, last_step) \
             VALUES ($1, $2, $3, NULL, NULL) \
             ON CONFLICT (account_id) DO UPDATE SET secret = $2, created_at = $3, last_step = NULL \
             WHERE second_factors.enabled_at IS NULL",
        )
        .bind(&account.0[..])
        .bind(secret)
        .bind(now)
        .execute(&self.writer)
        .await?;
        self.durable().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Accepts a code of time step `step`, once: records it as the last accepted step (and, with
    /// `enable`, turns a pending setup on) only if no code of this step or a later one was
    /// accepted before, and only if the factor is in the expected state (pending with `enable`,
    /// enabled without). Returns whether the code was accepted.
    pub async fn accept_second_factor_step(
        &self,
        account: Id,
        step: i64,
        enable: bool,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE second_factors SET last_step = $2, \
               enabled_at = CASE WHEN $3 THEN $4 ELSE enabled_at END \
             WHERE account_id = $1 AND (last_step IS NULL OR last_step < $2) \
               AND ((enabled_at IS NULL) = $3)",
        )
        .bind(&account.0[..])
        .bind(step)
        .bind(enable)
        .bind(now)
        .execute(&self.writer)
        .await?;
        self.durable().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes the account's second factor; returns whether there was one.
    pub async fn remove_second_factor(&self, account: Id) -> Result<bool> {
        let done = sqlx::query("DELETE FROM second_factors WHERE account_id = $1")
            .bind(&account.0[..])
            .execute(&self.writer)
            .await?;
        self.durable().await?;
        Ok(done.rows_affected() == 1)
    }
}
