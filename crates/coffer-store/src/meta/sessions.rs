//! Sessions (bearer tokens, stored as their hash; named to their account by a public id) and
//! pending OPAQUE login attempts.

use super::MetaStore;
use super::rows::{id_at, opt_id_at};
use crate::error::{Result, StoreError};
use crate::records::{Hash, Id, LiveSession, LoginAttempt, NewSession, SessionRecord};
use sqlx::Row;

impl MetaStore {
    /// Records a new session.
    pub async fn insert_session(&self, session: &NewSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, revoked_at, \
             id, last_used_at, client_label) VALUES ($1, $2, $3, $4, NULL, $5, $3, $6)",
        )
        .bind(&session.token_hash[..])
        .bind(&session.account_id.0[..])
        .bind(session.created_at)
        .bind(session.expires_at)
        .bind(&session.id.0[..])
        .bind(session.client_label.as_deref())
        .execute(&self.writer)
        .await?;
        self.durable().await
    }

    /// The live session of a token: known, not expired at `now`, not revoked.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &Hash,
        now: i64,
    ) -> Result<Option<LiveSession>> {
        sqlx::query(
            "SELECT account_id, expires_at, last_used_at, created_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2 AND revoked_at IS NULL",
        )
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.reader)
        .await?
        .map(|row| {
            Ok(LiveSession {
                account_id: id_at(&row, "account_id")?,
                expires_at: row.try_get("expires_at")?,
                last_used_at: last_used(&row)?,
            })
        })
        .transpose()
    }

    /// Notes that the session was used at `now`. Callers refresh it at most once a minute, so
    /// that authenticating stays a read.
    pub async fn touch_session(&self, token_hash: &Hash, now: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_used_at = $2 WHERE token_hash = $1")
            .bind(&token_hash[..])
            .bind(now)
            .execute(&self.writer)
            .await?;
        self.durable().await
    }

    /// The account's live sessions at `now`, newest first.
    pub async fn account_sessions(&self, account: Id, now: i64) -> Result<Vec<SessionRecord>> {
        let rows = sqlx::query(
            "SELECT id, token_hash, created_at, last_used_at, expires_at, client_label \
             FROM sessions WHERE account_id = $1 AND expires_at > $2 AND revoked_at IS NULL \
             ORDER BY created_at DESC, id",
        )
        .bind(&account.0[..])
        .bind(now)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SessionRecord {
                    id: id_at(row, "id")?,
                    token_hash: hash_at(row)?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: last_used(row)?,
                    expires_at: row.try_get("expires_at")?,
                    client_label: row.try_get("client_label")?,
                })
            })
            .collect()
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

    /// Revokes the live session `id` of `account`; returns its token hash (for the server's
    /// cache), or `None` when the account has no such live session.
    pub async fn revoke_session_by_id(
        &self,
        account: Id,
        id: Id,
        now: i64,
    ) -> Result<Option<Hash>> {
        let row = sqlx::query(
            "UPDATE sessions SET revoked_at = $3 \
             WHERE id = $2 AND account_id = $1 AND revoked_at IS NULL AND expires_at > $3 \
             RETURNING token_hash",
        )
        .bind(&account.0[..])
        .bind(&id.0[..])
        .bind(now)
        .fetch_optional(&self.writer)
        .await?;
        self.durable().await?;
        row.map(|row| hash_at(&row)).transpose()
    }

    /// Revokes every live session of `account` but the one of `keep`; returns their token
    /// hashes.
    pub async fn revoke_other_sessions(
        &self,
        account: Id,
        keep: &Hash,
        now: i64,
    ) -> Result<Vec<Hash>> {
        let rows = sqlx::query(
            "UPDATE sessions SET revoked_at = $3 \
             WHERE account_id = $1 AND token_hash <> $2 AND revoked_at IS NULL \
             AND expires_at > $3 RETURNING token_hash",
        )
        .bind(&account.0[..])
        .bind(&keep[..])
        .bind(now)
        .fetch_all(&self.writer)
        .await?;
        self.durable().await?;
        rows.iter().map(hash_at).collect()
    }

    /// Keeps the server's OPAQUE state between login start and finish.
    pub async fn put_login_attempt(
        &self,
        id: Id,
        attempt: &LoginAttempt,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_attempts (id, account_id, state, expires_at, limit_key) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id.0[..])
        .bind(attempt.account_id.as_ref().map(|a| &a.0[..]))
        .bind(&attempt.state[..])
        .bind(expires_at)
        .bind(attempt.limit_key.as_deref())
        .execute(&self.writer)
        .await?;
        self.durable().await
    }

    /// Removes and returns a login attempt that has not expired at `now`: each attempt can be
    /// finished once.
    pub async fn take_login_attempt(&self, id: Id, now: i64) -> Result<Option<LoginAttempt>> {
        let row = sqlx::query(
            "DELETE FROM login_attempts WHERE id = $1 RETURNING account_id, state, expires_at, limit_key",
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
            limit_key: row.try_get("limit_key")?,
        }))
    }
}

fn hash_at(row: &sqlx::sqlite::SqliteRow) -> Result<Hash> {
    let bytes: Vec<u8> = row.try_get("token_hash")?;
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("session token hash"))
}

/// Sessions from before last_used_at was kept count as used when they were created.
fn last_used(row: &sqlx::sqlite::SqliteRow) -> Result<i64> {
    let used: Option<i64> = row.try_get("last_used_at")?;
    match used {
        Some(used) => Ok(used),
        None => Ok(row.try_get("created_at")?),
    }
}
