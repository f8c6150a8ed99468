//! Takedowns (OPERATIONS.md "Takedowns and abuse"): the notices the operator acted on, the
//! links each one disabled, reinstatement, and the node blocks the public chunk route consults.
//!
//! A link points at one takedown in force (`links.taken_down_by`, [`super::link_takedowns`]).
//! When several cover a link, the first applied is the one in force; reinstating it hands the
//! link to the oldest other active takedown that covers it, or frees it. Every change of a
//! takedown and of the links it covers happens in one transaction, so a public request never
//! sees a takedown without its links or the reverse.

use super::MetaStore;
use super::links::MAX_LINK_DEPTH;
use super::rows::id_at;
use crate::error::{Result, StoreError};
use crate::records::{Id, NewTakedown, TakedownKind, TakedownRecord};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

const TAKEDOWN_COLUMNS: &str = "id, kind, target_id, account_id, notice, claimant, created_at, \
     reinstated_at, reason";

impl MetaStore {
    /// Records a takedown and disables its links at once: the one link (`Link`), or every
    /// link whose target is the node (`Node`, which also blocks the node's content inside
    /// folder links, [`MetaStore::content_taken_down`]). A link already taken down keeps the
    /// takedown in force and is covered by this one as well.
    ///
    /// Errors: `NotFound` (no such link; no such node, or no node that any link names),
    /// `IdExists`.
    pub async fn create_takedown(&self, new: &NewTakedown, now: i64) -> Result<TakedownRecord> {
        let mut tx = self.writer.begin().await?;
        let owner_query = match new.kind {
            TakedownKind::Link => "SELECT account_id FROM links WHERE id = $1",
            // A node that was deleted may still have links (state `gone`): their owner counts.
            TakedownKind::Node => {
                "SELECT account_id FROM nodes WHERE id = $1 \
                 UNION ALL SELECT account_id FROM links WHERE node_id = $1 LIMIT 1"
            }
        };
        let owner: Vec<u8> = sqlx::query_scalar(owner_query)
            .bind(&new.target_id.0[..])
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let inserted = sqlx::query(
            "INSERT INTO takedowns (id, kind, target_id, account_id, notice, claimant, \
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&new.id.0[..])
        .bind(new.kind.as_str())
        .bind(&new.target_id.0[..])
        .bind(&owner)
        .bind(&new.notice)
        .bind(new.claimant.as_deref())
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if crate::error::is_unique_violation(&e) => return Err(StoreError::IdExists),
            Err(e) => return Err(e.into()),
        }
        let covered = match new.kind {
            TakedownKind::Link => "SELECT $1, id FROM links WHERE id = $2",
            TakedownKind::Node => "SELECT $1, id FROM links WHERE node_id = $2",
        };
        let insert_links = format!("INSERT INTO takedown_links (takedown_id, link_id) {covered}");
        sqlx::query(sqlx::AssertSqlSafe(insert_links))
            .bind(&new.id.0[..])
            .bind(&new.target_id.0[..])
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE links SET taken_down_by = $1, taken_down_at = $2 \
             WHERE taken_down_by IS NULL \
               AND id IN (SELECT link_id FROM takedown_links WHERE takedown_id = $1)",
        )
        .bind(&new.id.0[..])
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let record = takedown_in(&mut tx, new.id).await?;
        self.commit(tx).await?;
        Ok(record)
    }

    /// Reinstates a takedown: records `reason` and the time, and frees every link it covers
    /// unless another active takedown still covers it (that one is then in force). Returns the
    /// takedown and whether it was active (reinstating twice changes nothing the second time).
    /// Errors: `NotFound`.
    pub async fn reinstate_takedown(
        &self,
        id: Id,
        reason: &str,
        now: i64,
    ) -> Result<(TakedownRecord, bool)> {
        let mut tx = self.writer.begin().await?;
        let changed = sqlx::query(
            "UPDATE takedowns SET reinstated_at = $2, reason = $3 \
             WHERE id = $1 AND reinstated_at IS NULL",
        )
        .bind(&id.0[..])
        .bind(now)
        .bind(reason)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            // The oldest other active takedown covering the link takes over, or none.
            sqlx::query(
                "UPDATE links SET \
                   taken_down_by = (SELECT t.id FROM takedown_links tl \
                     JOIN takedowns t ON t.id = tl.takedown_id \
                     WHERE tl.link_id = links.id AND t.reinstated_at IS NULL \
                     ORDER BY t.created_at, t.id LIMIT 1), \
                   taken_down_at = (SELECT t.created_at FROM takedown_links tl \
                     JOIN takedowns t ON t.id = tl.takedown_id \
                     WHERE tl.link_id = links.id AND t.reinstated_at IS NULL \
                     ORDER BY t.created_at, t.id LIMIT 1) \
                 WHERE taken_down_by = $1",
            )
            .bind(&id.0[..])
            .execute(&mut *tx)
            .await?;
        }
        let record = takedown_in(&mut tx, id).await?;
        self.commit(tx).await?;
        Ok((record, changed))
    }

    /// One takedown. Errors: `NotFound`.
    pub async fn takedown(&self, id: Id) -> Result<TakedownRecord> {
        let mut conn = self.reader.acquire().await?;
        takedown_in(&mut conn, id).await
    }

    /// Every takedown, oldest first.
    pub async fn list_takedowns(&self) -> Result<Vec<TakedownRecord>> {
        let query = format!("SELECT {TAKEDOWN_COLUMNS} FROM takedowns ORDER BY created_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(query))
            .fetch_all(&self.reader)
            .await?;
        let links = sqlx::query("SELECT takedown_id, link_id FROM takedown_links")
            .fetch_all(&self.reader)
            .await?;
        let mut records = rows
            .iter()
            .map(takedown_from_row)
            .collect::<Result<Vec<_>>>()?;
        let index: std::collections::HashMap<Id, usize> =
            records.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        for row in &links {
            if let Some(&i) = index.get(&id_at(row, "takedown_id")?) {
                records[i].links.push(id_at(row, "link_id")?);
            }
        }
        Ok(records)
    }

    /// How many takedowns of the account are active (the repeat-infringer count).
    pub async fn active_takedowns_of(&self, account: Id) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM takedowns WHERE account_id = $1 AND reinstated_at IS NULL",
        )
        .bind(&account.0[..])
        .fetch_one(&self.reader)
        .await?;
        super::rows::to_u64(count, "takedown count")
    }

    /// Whether `node` (of `account`) or a folder above it (at most [`MAX_LINK_DEPTH`] levels
    /// up) is blocked by an active node takedown: its content answers `451` through any link.
    pub async fn content_taken_down(&self, account: Id, node: Id) -> Result<bool> {
        let blocked: Option<i64> = sqlx::query_scalar(
            "WITH RECURSIVE anc(id, depth) AS ( \
               SELECT id, 0 FROM nodes WHERE id = $2 AND account_id = $1 \
               UNION ALL \
               SELECT n.parent_id, anc.depth + 1 FROM nodes n JOIN anc ON n.id = anc.id \
               WHERE n.account_id = $1 AND n.parent_id IS NOT NULL AND anc.depth < $3) \
             SELECT 1 FROM anc JOIN takedowns t ON t.target_id = anc.id \
             WHERE t.kind = 'node' AND t.reinstated_at IS NULL LIMIT 1",
        )
        .bind(&account.0[..])
        .bind(&node.0[..])
        .bind(MAX_LINK_DEPTH)
        .fetch_optional(&self.reader)
        .await?;
        Ok(blocked.is_some())
    }
}

/// A takedown with its links, read on any connection (inside a write transaction too).
async fn takedown_in(conn: &mut sqlx::SqliteConnection, id: Id) -> Result<TakedownRecord> {
    let query = format!("SELECT {TAKEDOWN_COLUMNS} FROM takedowns WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(query))
        .bind(&id.0[..])
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut record = takedown_from_row(&row)?;
    let links = sqlx::query("SELECT link_id FROM takedown_links WHERE takedown_id = $1")
        .bind(&id.0[..])
        .fetch_all(&mut *conn)
        .await?;
    record.links = links
        .iter()
        .map(|row| id_at(row, "link_id"))
        .collect::<Result<_>>()?;
    Ok(record)
}

fn takedown_from_row(row: &SqliteRow) -> Result<TakedownRecord> {
    let kind: String = row.try_get("kind")?;
    Ok(TakedownRecord {
        id: id_at(row, "id")?,
        kind: TakedownKind::parse(&kind).ok_or(StoreError::Corrupt("takedown kind"))?,
        target_id: id_at(row, "target_id")?,
        account_id: id_at(row, "account_id")?,
        notice: row.try_get("notice")?,
        claimant: row.try_get("claimant")?,
        created_at: row.try_get("created_at")?,
        reinstated_at: row.try_get("reinstated_at")?,
        reason: row.try_get("reason")?,
        links: Vec::new(),
    })
}
