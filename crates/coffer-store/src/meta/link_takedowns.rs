//! The operator's levers on public links (PROTOCOL.md §10, §11): a takedown on one link, and
//! an account's right to create links. The takedown records themselves (notices, claimants)
//! belong to the abuse workflow; a link only points at the takedown in force, and its state
//! ([`crate::LinkRecord::state`]) honours it.

use super::MetaStore;
use crate::error::{Result, StoreError};
use crate::records::Id;

impl MetaStore {
    /// Puts a takedown on a link (`Some((takedown id, at))`) or lifts it (`None`).
    /// Errors: `NotFound`.
    pub async fn set_link_takedown(&self, link: Id, takedown: Option<(Id, i64)>) -> Result<()> {
        let done =
            sqlx::query("UPDATE links SET taken_down_by = $2, taken_down_at = $3 WHERE id = $1")
                .bind(&link.0[..])
                .bind(takedown.as_ref().map(|(id, _)| &id.0[..]))
                .bind(takedown.map(|(_, at)| at))
                .execute(&self.writer)
                .await?;
        self.durable().await?;
        match done.rows_affected() {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// Forbids (`Some(at)`) or allows again (`None`) the account to create links; existing
    /// links are not touched. Errors: `NotFound`.
    pub async fn set_links_suspended(&self, account: Id, at: Option<i64>) -> Result<()> {
        let done = sqlx::query("UPDATE accounts SET links_suspended_at = $2 WHERE id = $1")
            .bind(&account.0[..])
            .bind(at)
            .execute(&self.writer)
            .await?;
        self.durable().await?;
        match done.rows_affected() {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }
}
