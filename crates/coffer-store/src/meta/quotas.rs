//! Quotas and limits per account: storage, monthly transfer, bandwidth.
//!
//! The operator sets each limit per account ([`MetaStore::set_limits`]); an account without its
//! own value follows the server's default ([`MetaStore::with_default_limits`]). Storage counts
//! the ciphertext of the account's file nodes plus the declared size of its open, unexpired
//! upload sessions (a session reserves its size when it opens, so concurrent uploads cannot
//! together pass the quota). Every write that adds stored bytes checks the quota inside its own
//! write transaction ([`check_storage`]); the single writer connection serialises those
//! transactions, so the check and the insert see the same state.
//!
//! Transfer counts chunk bytes served per calendar month (UTC); [`MetaStore::charge_transfer`]
//! checks and adds in one statement.

use super::MetaStore;
use super::rows::to_i64;
use crate::error::{Result, StoreError};
use crate::records::Id;
use sqlx::{Row, SqliteConnection};

/// One account's setting of one limit, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Limit {
    /// The server's default applies.
    #[default]
    Default,
    /// No limit for this account, whatever the default.
    Unlimited,
    /// Bytes (storage, transfer per month) or bytes per second (bandwidth).
    Bytes(u64),
}

/// The limits in force for an account (`None`: unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountLimits {
    pub storage: Option<u64>,
    /// Per calendar month (UTC).
    pub transfer: Option<u64>,
    /// Bytes per second of chunk bodies, up and down.
    pub bandwidth: Option<u64>,
}

/// An account's own settings of its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitSettings {
    pub storage: Limit,
    pub transfer: Limit,
    pub bandwidth: Limit,
}

/// A change of an account's limits: `None` leaves a limit as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitChange {
    pub storage: Option<Limit>,
    pub transfer: Option<Limit>,
    pub bandwidth: Option<Limit>,
}

impl LimitSettings {
    /// The limits in force under these settings and the server's `defaults`.
    pub fn effective(&self, defaults: &AccountLimits) -> AccountLimits {
        let pick = |own: Limit, default: Option<u64>| match own {
            Limit::Default => default,
            Limit::Unlimited => None,
            Limit::Bytes(n) => Some(n),
        };
        AccountLimits {
            storage: pick(self.storage, defaults.storage),
            transfer: pick(self.transfer, defaults.transfer),
            bandwidth: pick(self.bandwidth, defaults.bandwidth),
        }
    }
}

/// The column value of a limit (see the migration): NULL default, -1 unlimited.
fn limit_to_column(limit: Limit) -> Result<Option<i64>> {
    match limit {
        Limit::Default => Ok(None),
        Limit::Unlimited => Ok(Some(-1)),
        Limit::Bytes(n) => to_i64(n, "limit").map(Some),
    }
}

fn limit_from_column(value: Option<i64>) -> Result<Limit> {
    match value {
        None => Ok(Limit::Default),
        Some(-1) => Ok(Limit::Unlimited),
        Some(n) => u64::try_from(n)
            .map(Limit::Bytes)
            .map_err(|_| StoreError::Corrupt("limit")),
    }
}

impl MetaStore {
    /// This store with `defaults` as the limits of accounts that have no value of their own.
    pub fn with_default_limits(mut self, defaults: AccountLimits) -> MetaStore {
        self.default_limits = defaults;
        self
    }

    /// The server's default limits.
    pub fn default_limits(&self) -> AccountLimits {
        self.default_limits
    }

    /// The account's own settings (all `Default` when it has none).
    pub async fn limit_settings(&self, account: Id) -> Result<LimitSettings> {
        let row = sqlx::query(
            "SELECT storage_quota, transfer_quota, bandwidth_limit FROM account_limits \
             WHERE account_id = $1",
        )
        .bind(&account.0[..])
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else {
            return Ok(LimitSettings::default());
        };
        Ok(LimitSettings {
            storage: limit_from_column(row.try_get("storage_quota")?)?,
            transfer: limit_from_column(row.try_get("transfer_quota")?)?,
            bandwidth: limit_from_column(row.try_get("bandwidth_limit")?)?,
        })
    }

    /// The limits in force for the account.
    pub async fn limits(&self, account: Id) -> Result<AccountLimits> {
        Ok(self
            .limit_settings(account)
            .await?
            .effective(&self.default_limits))
    }

    /// Changes the account's limits (those `change` names) and returns its settings afterwards.
    /// `NotFound` for an unknown account.
    pub async fn set_limits(&self, account: Id, change: &LimitChange) -> Result<LimitSettings> {
        let column = |c: Option<Limit>| c.map(limit_to_column).transpose();
        let (storage, transfer, bandwidth) = (
            column(change.storage)?,
            column(change.transfer)?,
            column(change.bandwidth)?,
        );
        // $2/$4/$6 say whether to set the value in $3/$5/$7 (a value may be NULL: default).
        let row = sqlx::query(
            "INSERT INTO account_limits (account_id, storage_quota, transfer_quota, \
               bandwidth_limit) \
             SELECT id, $3, $5, $7 FROM accounts WHERE id = $1 \
             ON CONFLICT (account_id) DO UPDATE SET \
               storage_quota = CASE WHEN $2 THEN $3 ELSE storage_quota END, \
               transfer_quota = CASE WHEN $4 THEN $5 ELSE transfer_quota END, \
               bandwidth_limit = CASE WHEN $6 THEN $7 ELSE bandwidth_limit END \
             RETURNING storage_quota, transfer_quota, bandwidth_limit",
        )
        .bind(&account.0[..])
        .bind(change.storage.is_some())
        .bind(storage.flatten())
        .bind(change.transfer.is_some())
        .bind(transfer.flatten())
        .bind(change.bandwidth.is_some())
        .bind(bandwidth.flatten())
        .fetch_optional(&self.writer)
        .await?
        .ok_or(StoreError::NotFound)?;
        self.durable().await?;
        Ok(LimitSettings {
            storage: limit_from_column(row.try_get("storage_quota")?)?,
            transfer: limit_from_column(row.try_get("transfer_quota")?)?,
            bandwidth: limit_from_column(row.try_get("bandwidth_limit")?)?,
        })
    }

    /// Bytes the account's storage quota counts at `now`: its files plus its open uploads'
    /// reservations.
    pub async fn storage_charged(&self, account: Id, now: i64) -> Result<u64> {
        let mut conn = self.reader.acquire().await?;
        let default = self.default_limits.storage;
        let facts = storage_facts(&mut conn, account, default, (None, None), now, true).await?;
        Ok(facts.charged)
    }

    /// Chunk bytes served to the account in `month` (yyyymm, UTC).
    pub async fn transfer_used(&self, account: Id, month: u32) -> Result<u64> {
        let used: Option<i64> = sqlx::query_scalar(
            "SELECT bytes FROM transfer_usage WHERE account_id = $1 AND month = $2",
        )
        .bind(&account.0[..])
        .bind(i64::from(month))
        .fetch_optional(&self.reader)
        .await?;
        u64::try_from(used.unwrap_or(0)).map_err(|_| StoreError::Corrupt("transfer bytes"))
    }

    /// Adds `bytes` to the account's transfer in `month` (yyyymm, UTC) unless that would pass
    /// its transfer quota: then `TransferQuotaExceeded` and nothing is added. One statement.
    ///
    /// Not awaited to durability on purpose: a counter lost with the last second before a power
    /// cut costs nothing worth a log sync per chunk served; the next durable write syncs it.
    pub async fn charge_transfer(&self, account: Id, month: u32, bytes: u64) -> Result<()> {
        let limit = self.default_limits.transfer.map(|q| to_i64(q, "limit"));
        // lim: the account's own value, else the default (NULL or -1: no limit).
        let done = sqlx::query(
            "WITH lim(v) AS (SELECT COALESCE( \
               (SELECT transfer_quota FROM account_limits WHERE account_id = $1), $4)) \
             INSERT INTO transfer_usage (account_id, month, bytes) \
             SELECT $1, $2, $3 FROM lim WHERE v IS NULL OR v < 0 OR $3 <= v \
             ON CONFLICT (account_id, month) DO UPDATE SET bytes = bytes + excluded.bytes \
             WHERE (SELECT v FROM lim) IS NULL OR (SELECT v FROM lim) < 0 \
               OR transfer_usage.bytes + excluded.bytes <= (SELECT v FROM lim)",
        )
        .bind(&account.0[..])
        .bind(i64::from(month))
        .bind(to_i64(bytes, "transfer bytes")?)
        .bind(limit.transpose()?)
        .execute(&self.writer)
        .await?
        .rows_affected();
        if done == 1 {
            return Ok(());
        }
        // Refused: say how much was used of what (a diagnosis only on failure).
        let used = self.transfer_used(account, month).await?;
        let quota = self.limits(account).await?.transfer.unwrap_or(0);
        Err(StoreError::TransferQuotaExceeded { used, quota })
    }
}

/// What the storage check reads in one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StorageFacts {
    /// `None`: no storage quota (the sums were not computed).
    pub quota: Option<u64>,
    /// Files plus open uploads' reservations, without the upload being converted.
    pub charged: u64,
    /// The ciphertext size of the node being replaced (0 if none).
    pub replaced: u64,
}

/// Reads the account's storage quota (its own, else `default`) and, when it has one or
/// `always_sum`, the bytes charged to it. `converting` is an upload whose reservation is about
/// to become a node (not counted); `replaced` a node whose size is reported apart (and counted).
async fn storage_facts(
    conn: &mut SqliteConnection,
    account: Id,
    default: Option<u64>,
    (converting, replaced): (Option<Id>, Option<Id>),
    now: i64,
    always_sum: bool,
) -> Result<StorageFacts> {
    let default = default.map(|q| to_i64(q, "limit")).transpose()?;
    // SQLite evaluates only the CASE branch taken: an unlimited account costs no sums.
    let row = sqlx::query(
        "WITH lim(v) AS (SELECT COALESCE( \
           (SELECT storage_quota FROM account_limits WHERE account_id = $1), $2)) \
         SELECT v, CASE WHEN $6 OR v >= 0 THEN \
             (SELECT COALESCE(SUM(ciphertext_size), 0) FROM nodes WHERE account_id = $1) \
             + (SELECT COALESCE(SUM(ciphertext_size), 0) FROM uploads \
                WHERE account_id = $1 AND state = 'open' AND expires_at > $3) \
             - (SELECT COALESCE(SUM(ciphertext_size), 0) FROM uploads \
                WHERE id = $4 AND account_id = $1 AND state = 'open' AND expires_at > $3) \
           ELSE 0 END AS charged, \
           (SELECT COALESCE(SUM(ciphertext_size), 0) FROM nodes \
             WHERE id = $5 AND account_id = $1) AS replaced \
         FROM lim",
    )
    .bind(&account.0[..])
    .bind(default)
    .bind(now)
    .bind(converting.as_ref().map(|u| &u.0[..]))
    .bind(replaced.as_ref().map(|n| &n.0[..]))
    .bind(always_sum)
    .fetch_one(conn)
    .await?;
    let size = |col: &str| -> Result<u64> {
        u64::try_from(row.try_get::<i64, _>(col)?).map_err(|_| StoreError::Corrupt("usage"))
    };
    Ok(StorageFacts {
        // -1 (unlimited for this account) and NULL (no default) alike: no quota.
        quota: row
            .try_get::<Option<i64>, _>("v")?
            .and_then(|v| u64::try_from(v).ok()),
        charged: size("charged")?,
        replaced: size("replaced")?,
    })
}

/// What a write does to the account's stored bytes, for [`check_storage`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StorageChange {
    /// Bytes the write adds (a reservation, a new version, an import).
    pub adds: u64,
    /// Bytes it frees, besides `replaced` (versions a batch replaces).
    pub frees: u64,
    /// An open upload whose reservation the write turns into a node.
    pub converting: Option<Id>,
    /// A node whose content the write replaces (its size is freed).
    pub replaced: Option<Id>,
}

impl MetaStore {
    /// Refuses with `QuotaExceeded` a write that grows the account's storage past its quota.
    /// Call inside the write transaction, before the write, so that the check and the write see
    /// the same state.
    pub(crate) async fn check_storage(
        &self,
        conn: &mut SqliteConnection,
        account: Id,
        change: StorageChange,
        now: i64,
    ) -> Result<()> {
        if change.adds == 0 {
            return Ok(());
        }
        let default = self.default_limits.storage;
        let subjects = (change.converting, change.replaced);
        let facts = storage_facts(conn, account, default, subjects, now, false).await?;
        storage_verdict(facts, change.adds, change.frees)
    }
}

/// The pure rule: a write that adds `adds` and frees `frees` (plus the replaced node's size)
/// is refused when it grows the storage and the result passes the quota. A write that does
/// not grow it always passes, so an account over a lowered quota can still shrink.
pub(crate) fn storage_verdict(facts: StorageFacts, adds: u64, frees: u64) -> Result<()> {
    let Some(quota) = facts.quota else {
        return Ok(());
    };
    let frees = frees.saturating_add(facts.replaced);
    let Some(needed) = adds.checked_sub(frees).filter(|n| *n > 0) else {
        return Ok(());
    };
    let left = quota.saturating_sub(facts.charged);
    if needed > left {
        return Err(StoreError::QuotaExceeded {
            needed,
            left,
            quota,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(quota: Option<u64>, charged: u64, replaced: u64) -> StorageFacts {
        StorageFacts {
            quota,
            charged,
            replaced,
        }
    }

    #[test]
    fn writes_that_grow_past_the_quota_are_refused() {
        assert!(storage_verdict(facts(None, 10, 0), 1 << 40, 0).is_ok());
        assert!(storage_verdict(facts(Some(100), 60, 0), 40, 0).is_ok());
        match storage_verdict(facts(Some(100), 60, 0), 41, 0) {
            Err(StoreError::QuotaExceeded {
                needed,
                left,
                quota,
            }) => assert_eq!((needed, left, quota), (41, 40, 100)),
            other => panic!("{other:?}"),
        }
        // Over a lowered quota: growing is refused, shrinking or staying level is not.
        assert!(storage_verdict(facts(Some(50), 60, 0), 1, 0).is_err());
        assert!(storage_verdict(facts(Some(50), 60, 30), 20, 0).is_ok());
        assert!(storage_verdict(facts(Some(50), 60, 10), 5, 5).is_ok());
        // A replacement counts only what it adds beyond the old version.
        assert!(storage_verdict(facts(Some(100), 90, 30), 40, 0).is_ok());
        assert!(storage_verdict(facts(Some(100), 90, 30), 41, 0).is_err());
    }

    #[test]
    fn settings_fall_back_to_the_defaults() {
        let defaults = AccountLimits {
            storage: Some(5),
            transfer: None,
            bandwidth: Some(7),
        };
        let own = LimitSettings {
            storage: Limit::Unlimited,
            transfer: Limit::Bytes(9),
            bandwidth: Limit::Default,
        };
        assert_eq!(
            own.effective(&defaults),
            AccountLimits {
                storage: None,
                transfer: Some(9),
                bandwidth: Some(7)
            }
        );
        for limit in [
            Limit::Default,
            Limit::Unlimited,
            Limit::Bytes(0),
            Limit::Bytes(1 << 50),
        ] {
            let column = limit_to_column(limit).unwrap();
            assert_eq!(limit_from_column(column).unwrap(), limit);
        }
    }
}
