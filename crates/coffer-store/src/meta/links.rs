//! Public links (PROTOCOL.md §10): the owner's create / list / get / revoke, the recipient's
//! lookups (no account: by link id, by ticket), the subtree check, and the atomic download count.
//!
//! A link keeps its row when its node is deleted: `node_exists` is computed on every read (the
//! node row exists and still belongs to the link's account), which is what makes the `gone`
//! state. The owner's methods filter on the account id, so another account's link is
//! `NotFound`; the recipient's methods take no account and the caller checks the link's state
//! ([`LinkRecord::state`]) before it serves anything.

use super::MetaStore;
use super::rows::{id_at, node_columns, node_from_row, opt_id_at, to_hash, to_i64, to_u64};
use crate::error::{Result, StoreError, is_unique_violation};
use crate::records::{
    Hash, Id, LinkPasswordRecord, LinkRecord, LinkState, NewLinkRecord, NodeRecord,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

/// The columns [`link_from_row`] reads (from `links l`), as a literal for `concat!`.
macro_rules! link_columns {
    () => {
        "l.id, l.account_id, l.node_id, l.sealed_key, l.access_hash, l.password_salt, \
         l.password_iterations, l.password_memory_kib, l.password_parallelism, l.expires_at, \
         l.max_downloads, l.downloads, l.created_at, l.revoked_at, l.taken_down_by, \
         l.taken_down_at, EXISTS (SELECT 1 FROM nodes n WHERE n.id = l.node_id \
           AND n.account_id = l.account_id) AS node_exists"
    };
}

/// Deepest a node may sit below a link's node and still be found by
/// [`MetaStore::link_node_in_subtree`]: bounds the walk up the tree a recipient can cause.
pub const MAX_LINK_DEPTH: i64 = 4096;

impl MetaStore {
    /// Creates a link to one of the account's nodes (file or folder), with no downloads yet.
    ///
    /// Errors: `NotFound` (no such node in the account), `LinksSuspended`, `IdExists`,
    /// `OutOfRange` (a `max_downloads` above `i64::MAX`).
    pub async fn create_link(
        &self,
        account: Id,
        link: &NewLinkRecord,
        now: i64,
    ) -> Result<LinkRecord> {
        let max_downloads = link
            .max_downloads
            .map(|m| to_i64(m, "max_downloads"))
            .transpose()?;
        let password = link.password.as_ref();
        // One statement, its checks in the WHERE clause; why it inserted nothing is read after.
        let inserted = sqlx::query(
            "INSERT INTO links (id, account_id, node_id, sealed_key, access_hash, password_salt, \
               password_iterations, password_memory_kib, password_parallelism, expires_at, \
               max_downloads, downloads, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12 \
             WHERE EXISTS (SELECT 1 FROM nodes WHERE id = $3 AND account_id = $2) \
               AND EXISTS (SELECT 1 FROM accounts WHERE id = $2 AND links_suspended_at IS NULL)",
        )
        .bind(&link.id.0[..])
        .bind(&account.0[..])
        .bind(&link.node_id.0[..])
        .bind(&link.sealed_key)
        .bind(&link.access_hash[..])
        .bind(password.map(|p| p.salt.as_slice()))
        .bind(password.map(|p| i64::from(p.iterations)))
        .bind(password.map(|p| i64::from(p.memory_kib)))
        .bind(password.map(|p| i64::from(p.parallelism)))
        .bind(link.expires_at)
        .bind(max_downloads)
        .bind(now)
        .execute(&self.writer)
        .await;
        match inserted {
            Ok(done) if done.rows_affected() == 1 => self.durable().await?,
            Ok(_) => {
                let suspended: Option<i64> = sqlx::query_scalar(
                    "SELECT 1 FROM accounts WHERE id = $1 AND links_suspended_at IS NOT NULL",
                )
                .bind(&account.0[..])
                .fetch_optional(&self.reader)
                .await?;
                return Err(match suspended {
                    Some(_) => StoreError::LinksSuspended,
                    None => StoreError::NotFound,
                });
            }
            Err(e) if is_unique_violation(&e) => return Err(StoreError::IdExists),
            Err(e) => return Err(e.into()),
        }
        Ok(LinkRecord {
            id: link.id,
            account_id: account,
            node_id: link.node_id,
            sealed_key: link.sealed_key.clone(),
            access_hash: link.access_hash,
            password: link.password.clone(),
            expires_at: link.expires_at,
            max_downloads: link.max_downloads,
            downloads: 0,
            created_at: now,
            revoked_at: None,
            takedown: None,
            node_exists: true,
        })
    }

    /// Every link of the account, newest first.
    pub async fn list_links(&self, account: Id) -> Result<Vec<LinkRecord>> {
        sqlx::query(concat!(
            "SELECT ",
            link_columns!(),
            " FROM links l WHERE l.account_id = $1 ORDER BY l.created_at DESC, l.id"
        ))
        .bind(&account.0[..])
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(link_from_row)
        .collect()
    }

    /// One of the account's links. Errors: `NotFound` (also for another account's link).
    pub async fn get_link(&self, account: Id, id: Id) -> Result<LinkRecord> {
        sqlx::query(concat!(
            "SELECT ",
            link_columns!(),
            " FROM links l WHERE l.id = $1 AND l.account_id = $2"
        ))
        .bind(&id.0[..])
        .bind(&account.0[..])
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(|row| link_from_row(&row))
    }

    /// Revokes one of the account's links; revoking it again keeps the first time.
    /// Errors: `NotFound` (also for another account's link).
    pub async fn revoke_link(&self, account: Id, id: Id, now: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE links SET revoked_at = COALESCE(revoked_at, $3) \
             WHERE id = $1 AND account_id = $2",
        )
        .bind(&id.0[..])
        .bind(&account.0[..])
        .bind(now)
        .execute(&self.writer)
        .await?;
        self.durable().await?;
        match done.rows_affected() {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// A link by id alone, for recipients; the caller checks its state.
    /// Errors: `NotFound`.
    pub async fn public_link(&self, id: Id) -> Result<LinkRecord> {
        sqlx::query(concat!(
            "SELECT ",
            link_columns!(),
            " FROM links l WHERE l.id = $1"
        ))
        .bind(&id.0[..])
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(|row| link_from_row(&row))
    }

    /// The node `node` if it is `linked` or lies below it, all in `account` (at most
    /// [`MAX_LINK_DEPTH`] levels down). Errors: `NotFound` for any node outside the subtree,
    /// exactly as for a missing one.
    pub async fn link_node_in_subtree(
        &self,
        account: Id,
        linked: Id,
        node: Id,
    ) -> Result<NodeRecord> {
        // Walks from `node` up to `linked` (or the root, or the depth bound) in one statement.
        let row = sqlx::query(concat!(
            "WITH RECURSIVE anc(id, depth) AS ( \
               SELECT id, 0 FROM nodes WHERE id = $3 AND account_id = $1 \
               UNION ALL \
               SELECT n.parent_id, anc.depth + 1 FROM nodes n JOIN anc ON n.id = anc.id \
               WHERE n.account_id = $1 AND n.parent_id IS NOT NULL AND anc.id <> $2 \
                 AND anc.depth < $4) \
             SELECT ",
            node_columns!(),
            " FROM nodes WHERE id = $3 AND account_id = $1 \
               AND EXISTS (SELECT 1 FROM anc WHERE anc.id = $2)"
        ))
        .bind(&account.0[..])
        .bind(&linked.0[..])
        .bind(&node.0[..])
        .bind(MAX_LINK_DEPTH)
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)?;
        node_from_row(&row)
    }

    /// Counts one download of an active link and stores the hash of its ticket, atomically:
    /// the count only moves while `downloads < max_downloads`, in the same statement that
    /// checks it, so concurrent calls never exceed the limit. Returns the new count.
    ///
    /// Errors: `NotFound`, `LinkInactive` (the state that refused it, e.g. `Exhausted`).
    pub async fn count_download(
        &self,
        link: Id,
        ticket_hash: &Hash,
        ticket_expires_at: i64,
        now: i64,
    ) -> Result<u64> {
        let mut tx = self.writer.begin().await?;
        let Some(downloads) = count_one_download(&mut tx, link, now).await? else {
            drop(tx);
            return Err(self.why_not_counted(link, now).await?);
        };
        sqlx::query(
            "INSERT INTO link_tickets (ticket_hash, link_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(&ticket_hash[..])
        .bind(&link.0[..])
        .bind(ticket_expires_at)
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        to_u64(downloads, "downloads")
    }

    /// Why [`count_one_download`] counted nothing: the link's state (`LinkInactive`), or
    /// `NotFound`. Call it after the writing transaction is dropped.
    pub(super) async fn why_not_counted(&self, link: Id, now: i64) -> Result<StoreError> {
        let state = self.public_link(link).await?.state(now);
        // Active here means it changed in between; the count was refused all the same.
        Ok(StoreError::LinkInactive(match state {
            LinkState::Active => LinkState::Exhausted,
            other => other,
        }))
    }

    /// The link a ticket was issued for, if the ticket has not expired at `now`. The link is
    /// returned whatever its state: the caller refuses revoked and taken-down links (they stop
    /// tickets at once) and lets the others finish (expiry does not stop a ticket).
    pub async fn ticket_link(&self, ticket_hash: &Hash, now: i64) -> Result<Option<LinkRecord>> {
        sqlx::query(concat!(
            "SELECT ",
            link_columns!(),
            " FROM link_tickets t JOIN links l ON l.id = t.link_id \
             WHERE t.ticket_hash = $1 AND t.expires_at > $2"
        ))
        .bind(&ticket_hash[..])
        .bind(now)
        .fetch_optional(&self.reader)
        .await?
        .map(|row| link_from_row(&row))
        .transpose()
    }
}

/// Counts one download of the active link `link`, in the caller's transaction: the count only
/// moves while `downloads < max_downloads`, in the same statement that checks it, so concurrent
/// calls never exceed the limit. Returns the new count, or `None` when the link refused it.
/// Shared by downloads and imports (PROTOCOL.md §10.5), so one limit holds for both.
pub(super) async fn count_one_download(
    conn: &mut SqliteConnection,
    link: Id,
    now: i64,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE links SET downloads = downloads + 1 \
         WHERE id = $1 AND revoked_at IS NULL AND taken_down_by IS NULL \
           AND (expires_at IS NULL OR expires_at > $2) \
           AND (max_downloads IS NULL OR downloads < max_downloads) \
           AND EXISTS (SELECT 1 FROM nodes n WHERE n.id = links.node_id \
                       AND n.account_id = links.account_id) \
         RETURNING downloads",
    )
    .bind(&link.0[..])
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

fn link_from_row(row: &SqliteRow) -> Result<LinkRecord> {
    let salt: Option<Vec<u8>> = row.try_get("password_salt")?;
    let param = |col: &'static str| -> Result<u32> {
        row.try_get::<Option<i64>, _>(col)?
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(StoreError::Corrupt("link password parameters"))
    };
    let password = match salt {
        None => None,
        Some(salt) => Some(LinkPasswordRecord {
            salt,
            iterations: param("password_iterations")?,
            memory_kib: param("password_memory_kib")?,
            parallelism: param("password_parallelism")?,
        }),
    };
    let takedown = match opt_id_at(row, "taken_down_by")? {
        None => None,
        Some(id) => Some((
            id,
            row.try_get::<Option<i64>, _>("taken_down_at")?.unwrap_or(0),
        )),
    };
    Ok(LinkRecord {
        id: id_at(row, "id")?,
        account_id: id_at(row, "account_id")?,
        node_id: id_at(row, "node_id")?,
        sealed_key: row.try_get("sealed_key")?,
        access_hash: to_hash(&row.try_get::<Vec<u8>, _>("access_hash")?)?,
        password,
        expires_at: row.try_get("expires_at")?,
        max_downloads: row
            .try_get::<Option<i64>, _>("max_downloads")?
            .map(|m| to_u64(m, "max_downloads"))
            .transpose()?,
        downloads: to_u64(row.try_get("downloads")?, "downloads")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
        takedown,
        node_exists: row.try_get("node_exists")?,
    })
}
