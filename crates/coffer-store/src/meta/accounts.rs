//! Accounts: created together with their root folder, looked up by email (login) or id.

use super::MetaStore;
use super::nodes::insert_folder;
use super::rows::id_at;
use crate::error::{Result, StoreError, is_unique_violation};
use crate::records::{AccountRecord, Id, NewAccount};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

impl MetaStore {
    /// Creates the account and its root folder in one transaction.
    ///
    /// Errors: `EmailTaken`, `IdExists` (account or root id in use), `InvalidMove` when the root
    /// has a parent.
    pub async fn create_account(&self, account: &NewAccount, now: i64) -> Result<()> {
        if account.root.parent_id.is_some() {
            return Err(StoreError::InvalidMove);
        }
        let mut tx = self.writer.begin().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT 1 FROM accounts WHERE email = $1")
            .bind(&account.email)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::EmailTaken);
        }
        let inserted = sqlx::query(
            "INSERT INTO accounts (id, email, password_file, key_container, root_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&account.id.0[..])
        .bind(&account.email)
        .bind(&account.password_file)
        .bind(&account.key_container)
        .bind(&account.root.id.0[..])
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(StoreError::IdExists),
            other => other?,
        };
        insert_folder(&mut tx, account.id, &account.root, now).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// The account registered under this (normalised) email.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<AccountRecord>> {
        sqlx::query(
            "SELECT id, email, password_file, key_container, root_id, created_at \
             FROM accounts WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.reader)
        .await?
        .map(|row| account_from_row(&row))
        .transpose()
    }

    pub async fn account_by_id(&self, id: Id) -> Result<Option<AccountRecord>> {
        sqlx::query(
            "SELECT id, email, password_file, key_container, root_id, created_at \
             FROM accounts WHERE id = $1",
        )
        .bind(&id.0[..])
        .fetch_optional(&self.reader)
        .await?
        .map(|row| account_from_row(&row))
        .transpose()
    }
}

fn account_from_row(row: &SqliteRow) -> Result<AccountRecord> {
    Ok(AccountRecord {
        id: id_at(row, "id")?,
        email: row.try_get("email")?,
        password_file: row.try_get("password_file")?,
        key_container: row.try_get("key_container")?,
        root_id: id_at(row, "root_id")?,
        created_at: row.try_get("created_at")?,
    })
}
