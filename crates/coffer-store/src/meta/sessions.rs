//! Sessions (bearer tokens, stored as their hash) and pending OPAQUE login attempts.

use super::MetaStore;
use super::rows::{id_at, opt_id_at};
use crate::error::Result;
use crate::records::{Hash, Id, LoginAttempt};
use sqlx::Row;

impl MetaStore {
    /// Records a new session for `account`, valid until `expires_at`.
    pub async fn insert_session(
        &self,
        token_hash: &Hash,
        account: Id,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(&token_hash[..])
        .bind(&account.0[..])
        .bind(now)
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        self.durable().await
    }

    /// The account of a live session: known, not expired at `now`, not revoked.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &Hash,
        now: i64,
    ) -> Result<Option<(Id, i64)>> {
        sqlx::query(
            "SELECT account_id, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2 AND revoked_at IS NULL",
        )
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.reader)
        .await?
        .map(|row| Ok((id_at(&row, "account_id")?, row.try_get("expires_at")?)))
        .transpose()
    }

    /// Revokes a session; revoking an unknown or revoked one does nothing.
    pub async fn revoke_session(&self, token_hash: &Hash, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(&token_hash[..])
        .bind(now)
        .execute(&self.writer)
        .await?;
        self.durable().await
    }

    /// Keeps the server's OPAQUE state between login start and finish.
    pub async fn put_login_attempt(
        &self,
        id: Id,
        attempt: &LoginAttempt,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_attempts (id, account_id, state, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id.0[..])
        .bind(attempt.account_id.as_ref().map(|a| &a.0[..]))
        .bind(&attempt.state[..])
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        self.durable().await
    }

    /// Removes and returns a login attempt that has not expired at `now`: each attempt can be
    /// finished once.
    pub async fn take_login_attempt(&self, id: Id, now: i64) -> Result<Option<LoginAttempt>> {
        let row = sqlx::query(
            "DELETE FROM login_attempts WHERE id = $1 RETURNING account_id, state, expires_at",
        )
        .bind(&id.0[..])
        .fetch_optional(&self.writer)
        .await?;
        self.durable().await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<i64, _>("expires_at")? <= now {
            return Ok(None);
        }
        Ok(Some(LoginAttempt {
            account_id: opt_id_at(&row, "account_id")?,
            state: zeroize::Zeroizing::new(row.try_get("state")?),
        }))
    }
}
