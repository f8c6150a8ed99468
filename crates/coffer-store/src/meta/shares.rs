//! Shared folders (PROTOCOL.md §12): share rows, the access walk that decides what a recipient
//! may do with a node of another account, the writers of a share, and the marks of folders whose
//! key must be rotated after a revocation.
//!
//! A share never moves a node: the folder and everything a recipient writes into it stay in the
//! owner's account. The access walk goes up from the node through `parent_id` and picks the
//! caller's strongest grant on the way (write over read, the nearest among equals).

use super::MetaStore;
use super::rows::{KIND_FOLDER, id_at, to_i64, u64_at};
use crate::error::{Result, StoreError, is_unique_violation};
use crate::records::{Id, ShareAccess, ShareGrant, SharePermission, ShareRecord, UploadOrigin};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

/// The columns [`share_from_row`] reads (`s` the share, `o` and `r` its two accounts).
macro_rules! share_select {
    () => {
        "SELECT s.id, s.folder_id, s.owner_id, s.recipient_id, s.permission, s.generation, \
           s.owner_signing_public, s.recipient_signing_public, s.recipient_agreement_public, \
           s.enc, s.ciphertext, s.signature, s.created_at, s.updated_at, \
           o.email AS owner_email, r.email AS recipient_email \
         FROM shares s JOIN accounts o ON o.id = s.owner_id JOIN accounts r ON r.id = s.recipient_id "
    };
}

/// How a permission is stored; higher is stronger.
pub(crate) fn permission_code(p: SharePermission) -> i16 {
    i16::from(p.code())
}

fn permission_from_code(code: i16) -> Result<SharePermission> {
    match code {
        1 => Ok(SharePermission::Read),
        2 => Ok(SharePermission::Write),
        _ => Err(StoreError::Corrupt("share permission")),
    }
}

/// The grant's columns of a row (of `shares`, whose id column is `id`, or of `rekey_former`,
/// whose is `share_id`).
fn grant_from_row(row: &SqliteRow, id_column: &str) -> Result<ShareGrant> {
    Ok(ShareGrant {
        share_id: id_at(row, id_column)?,
        folder_id: id_at(row, "folder_id")?,
        owner_signing_public: row.try_get("owner_signing_public")?,
        recipient_signing_public: row.try_get("recipient_signing_public")?,
        recipient_agreement_public: row.try_get("recipient_agreement_public")?,
        permission: permission_from_code(row.try_get("permission")?)?,
        generation: u64_at(row, "generation")?,
        enc: row.try_get("enc")?,
        ciphertext: row.try_get("ciphertext")?,
        signature: row.try_get("signature")?,
    })
}

fn share_from_row(row: &SqliteRow) -> Result<ShareRecord> {
    Ok(ShareRecord {
        grant: grant_from_row(row, "id")?,
        owner_id: id_at(row, "owner_id")?,
        owner_email: row.try_get("owner_email")?,
        recipient_id: id_at(row, "recipient_id")?,
        recipient_email: row.try_get("recipient_email")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl MetaStore {
    /// Shares the owner's folder `grant.folder_id` with `recipient`.
    ///
    /// Errors: `NotFound` (no such folder of the owner, or no such recipient), `NotAFolder`,
    /// `InvalidMove` (the owner's root), `IdExists` (share id in use), `AlreadyShared`.
    pub async fn create_share(
        &self,
        owner: Id,
        recipient: Id,
        grant: &ShareGrant,
        now: i64,
    ) -> Result<ShareRecord> {
        let mut tx = self.writer.begin().await?;
        let (kind, parent): (i16, Option<Vec<u8>>) =
            sqlx::query_as("SELECT kind, parent_id FROM nodes WHERE id = $1 AND account_id = $2")
                .bind(&grant.folder_id.0[..])
                .bind(&owner.0[..])
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        if kind != KIND_FOLDER {
            return Err(StoreError::NotAFolder);
        }
        if parent.is_none() {
            return Err(StoreError::InvalidMove);
        }
        let recipient_exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM accounts WHERE id = $1")
                .bind(&recipient.0[..])
                .fetch_optional(&mut *tx)
                .await?;
        if recipient_exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let id_used: Option<i64> = sqlx::query_scalar("SELECT 1 FROM shares WHERE id = $1")
            .bind(&grant.share_id.0[..])
            .fetch_optional(&mut *tx)
            .await?;
        if id_used.is_some() {
            return Err(StoreError::IdExists);
        }
        let shared: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM shares WHERE folder_id = $1 AND recipient_id = $2")
                .bind(&grant.folder_id.0[..])
                .bind(&recipient.0[..])
                .fetch_optional(&mut *tx)
                .await?;
        if shared.is_some() {
            return Err(StoreError::AlreadyShared);
        }
        sqlx::query(
            "INSERT INTO shares (id, folder_id, owner_id, recipient_id, permission, generation, \
               owner_signing_public, recipient_signing_public, recipient_agreement_public, enc, \
               ciphertext, signature, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        )
        .bind(&grant.share_id.0[..])
        .bind(&grant.folder_id.0[..])
        .bind(&owner.0[..])
        .bind(&recipient.0[..])
        .bind(permission_code(grant.permission))
        .bind(to_i64(grant.generation, "generation")?)
        .bind(&grant.owner_signing_public)
        .bind(&grant.recipient_signing_public)
        .bind(&grant.recipient_agreement_public)
        .bind(&grant.enc)
        .bind(&grant.ciphertext)
        .bind(&grant.signature)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| match is_unique_violation(&e) {
            true => StoreError::AlreadyShared,
            false => e.into(),
        })?;
        let share = share_in(&mut tx, grant.share_id).await?;
        self.commit(tx).await?;
        Ok(share)
    }

    /// One share, whoever asks (the caller checks that it is the owner or the recipient).
    pub async fn share(&self, id: Id) -> Result<ShareRecord> {
        let mut conn = self.reader.acquire().await?;
        share_in(&mut conn, id).await
    }

    /// The shares the account made, oldest first.
    pub async fn outgoing_shares(&self, owner: Id) -> Result<Vec<ShareRecord>> {
        let rows = sqlx::query(concat!(
            share_select!(),
            "WHERE s.owner_id = $1 ORDER BY s.created_at, s.id"
        ))
        .bind(&owner.0[..])
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(share_from_row).collect()
    }

    /// The shares made with the account, oldest first.
    pub async fn incoming_shares(&self, recipient: Id) -> Result<Vec<ShareRecord>> {
        let rows = sqlx::query(concat!(
            share_select!(),
            "WHERE s.recipient_id = $1 ORDER BY s.created_at, s.id"
        ))
        .bind(&recipient.0[..])
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(share_from_row).collect()
    }

    /// Replaces a share's grant by a newer one of the owner (a permission change, or the
    /// folder's key after a rotation). The folder and the recipient's keys must not change.
    ///
    /// Errors: `NotFound` (no such share of the owner), `InvalidMove` (another folder or other
    /// recipient keys), `RevisionConflict` (the generation is not higher than the stored one).
    pub async fn update_share(
        &self,
        owner: Id,
        grant: &ShareGrant,
        now: i64,
    ) -> Result<ShareRecord> {
        let mut tx = self.writer.begin().await?;
        let current = share_in(&mut tx, grant.share_id).await?;
        if current.owner_id != owner {
            return Err(StoreError::NotFound);
        }
        if !same_target(&current.grant, grant) {
            return Err(StoreError::InvalidMove);
        }
        write_grant(&mut tx, grant, now).await?;
        let share = share_in(&mut tx, grant.share_id).await?;
        self.commit(tx).await?;
        Ok(share)
    }

    /// Revokes a share of the owner and marks its folder for a key rotation, in one
    /// transaction. Errors: `NotFound` (no such share of the owner).
    pub async fn revoke_share(&self, owner: Id, id: Id, now: i64) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO rekey_former (share_id, owner_id, folder_id, permission, generation, \
               owner_signing_public, recipient_signing_public, recipient_agreement_public, \
               enc, ciphertext, signature) \
             SELECT id, owner_id, folder_id, permission, generation, owner_signing_public, \
               recipient_signing_public, recipient_agreement_public, enc, ciphertext, signature \
             FROM shares WHERE id = $1 AND owner_id = $2 AND permission = 2 \
             ON CONFLICT (share_id) DO NOTHING",
        )
        .bind(&id.0[..])
        .bind(&owner.0[..])
        .execute(&mut *tx)
        .await?;
        let folder: Vec<u8> = sqlx::query_scalar(
            "DELETE FROM shares WHERE id = $1 AND owner_id = $2 RETURNING folder_id",
        )
        .bind(&id.0[..])
        .bind(&owner.0[..])
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        sqlx::query(
            "INSERT INTO rekey_pending (owner_id, folder_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (owner_id, folder_id) DO NOTHING",
        )
        .bind(&owner.0[..])
        .bind(&folder)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await
    }

    /// The recipient gives up a share (no key rotation needed: it leaves of its own accord).
    /// Errors: `NotFound` (no such share with the recipient).
    pub async fn leave_share(&self, recipient: Id, id: Id) -> Result<()> {
        let done = sqlx::query("DELETE FROM shares WHERE id = $1 AND recipient_id = $2")
            .bind(&id.0[..])
            .bind(&recipient.0[..])
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.durable().await
    }

    /// The owner's folders marked for a key rotation, oldest mark first.
    pub async fn pending_rekeys(&self, owner: Id) -> Result<Vec<Id>> {
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT folder_id FROM rekey_pending WHERE owner_id = $1 ORDER BY created_at, folder_id",
        )
        .bind(&owner.0[..])
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(|r| super::rows::to_id(r)).collect()
    }

    /// Clears a rotation mark and the write grants kept for it; clearing an absent one is not
    /// an error.
    pub async fn clear_rekey(&self, owner: Id, folder: Id) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        for delete in [
            "DELETE FROM rekey_pending WHERE owner_id = $1 AND folder_id = $2",
            "DELETE FROM rekey_former WHERE owner_id = $1 AND folder_id = $2",
        ] {
            sqlx::query(delete)
                .bind(&owner.0[..])
                .bind(&folder.0[..])
                .execute(&mut *tx)
                .await?;
        }
        self.commit(tx).await
    }

    /// The write grants revoked from the owner's folders whose rotation is pending, as signed.
    pub async fn former_writers(&self, owner: Id) -> Result<Vec<ShareGrant>> {
        let rows = sqlx::query(
            "SELECT share_id, folder_id, permission, generation, owner_signing_public, \
               recipient_signing_public, recipient_agreement_public, enc, ciphertext, signature \
             FROM rekey_former WHERE owner_id = $1 ORDER BY folder_id, share_id",
        )
        .bind(&owner.0[..])
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| grant_from_row(row, "share_id"))
            .collect()
    }

    /// The write shares of `owner` on `folder` or on any folder below it: the accounts whose
    /// author keys may sign nodes there. Walks up from each write share's folder (there are few
    /// shares, and trees are shallow) rather than down the whole subtree.
    pub async fn write_shares_under(&self, owner: Id, folder: Id) -> Result<Vec<ShareRecord>> {
        let rows = sqlx::query(concat!(
            "WITH RECURSIVE anc(share_id, id) AS ( \
               SELECT id, folder_id FROM shares WHERE owner_id = $1 AND permission = 2 \
               UNION \
               SELECT anc.share_id, n.parent_id FROM nodes n JOIN anc ON n.id = anc.id \
               WHERE n.parent_id IS NOT NULL) ",
            share_select!(),
            "WHERE s.id IN (SELECT share_id FROM anc WHERE id = $2) ORDER BY s.created_at, s.id"
        ))
        .bind(&owner.0[..])
        .bind(&folder.0[..])
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(share_from_row).collect()
    }

    /// The account a node belongs to, if the node exists.
    pub async fn node_owner(&self, node: Id) -> Result<Option<Id>> {
        let owner: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT account_id FROM nodes WHERE id = $1")
                .bind(&node.0[..])
                .fetch_optional(&self.reader)
                .await?;
        owner.map(|o| super::rows::to_id(&o)).transpose()
    }

    /// The caller's strongest grant on `node` or an ancestor of it (write over read, then the
    /// nearest); `None` when it has none (or the node does not exist). One query.
    pub async fn share_access(&self, caller: Id, node: Id) -> Result<Option<ShareAccess>> {
        // `UNION` rather than `UNION ALL`: terminates even on a corrupt cycle.
        let row = sqlx::query(
            "WITH RECURSIVE anc(id, depth) AS ( \
               SELECT id, 0 FROM nodes WHERE id = $2 \
               UNION \
               SELECT n.parent_id, anc.depth + 1 FROM nodes n JOIN anc ON n.id = anc.id \
               WHERE n.parent_id IS NOT NULL AND anc.depth < 100000) \
             SELECT s.id, s.folder_id, s.owner_id, s.permission FROM anc \
             JOIN shares s ON s.folder_id = anc.id AND s.recipient_id = $1 \
             ORDER BY s.permission DESC, anc.depth ASC LIMIT 1",
        )
        .bind(&caller.0[..])
        .bind(&node.0[..])
        .fetch_optional(&self.reader)
        .await?;
        row.map(|row| {
            Ok(ShareAccess {
                owner: id_at(&row, "owner_id")?,
                share_id: id_at(&row, "id")?,
                share_folder: id_at(&row, "folder_id")?,
                permission: permission_from_code(row.try_get("permission")?)?,
            })
        })
        .transpose()
    }

    /// Whose an upload session is and who opened it, whatever the caller's account.
    /// Errors: `NotFound`.
    pub async fn upload_origin(&self, id: Id) -> Result<UploadOrigin> {
        let row = sqlx::query(
            "SELECT account_id, COALESCE(created_by, account_id) AS created_by, parent_id, \
               node_id \
             FROM uploads WHERE id = $1",
        )
        .bind(&id.0[..])
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(UploadOrigin {
            account: id_at(&row, "account_id")?,
            created_by: id_at(&row, "created_by")?,
            parent_id: id_at(&row, "parent_id")?,
            node_id: id_at(&row, "node_id")?,
        })
    }
}

/// One share by id. Errors: `NotFound`.
async fn share_in(conn: &mut SqliteConnection, id: Id) -> Result<ShareRecord> {
    let row = sqlx::query(concat!(share_select!(), "WHERE s.id = $1"))
        .bind(&id.0[..])
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    share_from_row(&row)
}

/// Whether a new grant is for the same share, folder and recipient keys as the stored one.
pub(crate) fn same_target(stored: &ShareGrant, new: &ShareGrant) -> bool {
    stored.share_id == new.share_id
        && stored.folder_id == new.folder_id
        && stored.recipient_signing_public == new.recipient_signing_public
        && stored.recipient_agreement_public == new.recipient_agreement_public
}

/// Stores a newer grant of an existing share. Errors: `RevisionConflict` unless its generation
/// is higher than the stored one (checked in the statement).
pub(crate) async fn write_grant(
    conn: &mut SqliteConnection,
    grant: &ShareGrant,
    now: i64,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE shares SET permission = $2, generation = $3, owner_signing_public = $4, \
           enc = $5, ciphertext = $6, signature = $7, updated_at = $8 \
         WHERE id = $1 AND generation < $3",
    )
    .bind(&grant.share_id.0[..])
    .bind(permission_code(grant.permission))
    .bind(to_i64(grant.generation, "generation")?)
    .bind(&grant.owner_signing_public)
    .bind(&grant.enc)
    .bind(&grant.ciphertext)
    .bind(&grant.signature)
    .bind(now)
    .execute(conn)
    .await?;
    match done.rows_affected() {
        0 => Err(StoreError::RevisionConflict),
        _ => Ok(()),
    }
}
