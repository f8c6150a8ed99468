//! Read-only queries for the consistency checker (`crate::check`): the tree's invariants, the
//! versions of one blob fan-out bucket, one version's references and chunk rows, and SQLite's own
//! checks. Nothing here writes.
//!
//! Rows stream (`fetch`) instead of loading: the tree checks cost constant memory whatever the
//! store's size. An id of the wrong length is reported once, by the `MalformedIds` counts, and
//! skipped by every other check (it could not be named).

use super::MetaStore;
use super::rows::to_id;
use crate::check::{Inconsistency, StoreCounts, VersionOwner};
use crate::error::Result;
use crate::records::Id;
use futures::TryStreamExt;
use sqlx::Row;

/// A query returning the ids of nodes (or accounts) that break an invariant, and what they break.
type TreeCheck = (&'static str, fn(Id) -> Inconsistency);

const TREE_CHECKS: &[TreeCheck] = &[
    (
        "SELECT n.id FROM nodes n WHERE n.parent_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM nodes p WHERE p.id = n.parent_id)",
        |node| Inconsistency::ParentMissing { node },
    ),
    (
        "SELECT n.id FROM nodes n JOIN nodes p ON p.id = n.parent_id \
         WHERE p.account_id <> n.account_id",
        |node| Inconsistency::ParentInOtherAccount { node },
    ),
    (
        "SELECT n.id FROM nodes n JOIN nodes p ON p.id = n.parent_id \
         WHERE p.account_id = n.account_id AND p.kind <> 1",
        |node| Inconsistency::ParentNotAFolder { node },
    ),
    (
        "SELECT n.id FROM nodes n WHERE n.parent_id IS NULL AND NOT EXISTS \
         (SELECT 1 FROM accounts a WHERE a.root_id = n.id AND a.id = n.account_id)",
        |node| Inconsistency::ExtraRoot { node },
    ),
    (
        "SELECT a.id FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM nodes r \
         WHERE r.id = a.root_id AND r.account_id = a.id AND r.parent_id IS NULL AND r.kind = 1)",
        |account| Inconsistency::RootMissing { account },
    ),
    (
        "SELECT id FROM nodes WHERE kind = 2 AND (version_id IS NULL OR header IS NULL \
         OR chunk_size IS NULL OR ciphertext_size IS NULL OR chunk_count IS NULL \
         OR chunk_list_hash IS NULL)",
        |node| Inconsistency::FileWithoutContent { node },
    ),
    (
        "SELECT id FROM nodes WHERE kind = 1 AND (version_id IS NOT NULL OR header IS NOT NULL \
         OR chunk_size IS NOT NULL OR ciphertext_size IS NOT NULL OR chunk_count IS NOT NULL \
         OR chunk_list_hash IS NOT NULL)",
        |node| Inconsistency::FolderWithContent { node },
    ),
    ("SELECT id FROM nodes WHERE kind NOT IN (1, 2)", |node| {
        Inconsistency::UnknownKind { node }
    }),
    // Only nodes whose parent exists in the same account: the others are reported above.
    // `UNION`, not `UNION ALL`: terminates whatever the data.
    (
        "WITH RECURSIVE reached(id, account_id) AS ( \
           SELECT n.id, n.account_id FROM accounts a \
           JOIN nodes n ON n.id = a.root_id AND n.account_id = a.id WHERE n.parent_id IS NULL \
           UNION \
           SELECT c.id, c.account_id FROM nodes c \
           JOIN reached r ON c.parent_id = r.id AND c.account_id = r.account_id) \
         SELECT n.id FROM nodes n JOIN nodes p ON p.id = n.parent_id \
         AND p.account_id = n.account_id WHERE n.id NOT IN (SELECT id FROM reached)",
        |node| Inconsistency::Unreachable { node },
    ),
];

/// Per table, the rows with an id (or hash) of the wrong length.
const MALFORMED_IDS: &str = "\
    SELECT 'accounts', count(*) FROM accounts WHERE length(id) <> 16 OR length(root_id) <> 16 \
    UNION ALL SELECT 'nodes', count(*) FROM nodes WHERE length(id) <> 16 \
      OR length(account_id) <> 16 OR length(parent_id) <> 16 OR length(version_id) <> 16 \
    UNION ALL SELECT 'uploads', count(*) FROM uploads WHERE length(id) <> 16 \
      OR length(version_id) <> 16 \
    UNION ALL SELECT 'chunks', count(*) FROM chunks WHERE length(version_id) <> 16 \
      OR length(hash) <> 32 \
    UNION ALL SELECT 'deleted_versions', count(*) FROM deleted_versions \
      WHERE length(version_id) <> 16";

/// Who refers to one version, and its chunk rows, read in one snapshot.
#[derive(Debug)]
pub(crate) struct VersionState {
    pub used_by: Option<VersionUse>,
    pub queued: bool,
    /// Ascending by index. One version's rows: the checker's largest allocation.
    pub chunks: Vec<ChunkRow>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct VersionUse {
    pub owner: VersionOwner,
    pub rule: ChunkRule,
}

/// What the owner says the version's chunk rows must be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ChunkRule {
    /// A file's current version: complete.
    Committed {
        chunk_count: i64,
        ciphertext_size: i64,
    },
    /// An open upload's version: filling up.
    Open { chunk_count: i64 },
    /// A file node without its version fields (reported by the tree checks).
    Unknown,
}

#[derive(Debug)]
pub(crate) struct ChunkRow {
    pub index: i64,
    pub size: i64,
    pub hash: Vec<u8>,
    /// The length of the ciphertext kept in the row, if it is kept there (no blob then).
    pub inline_len: Option<i64>,
}

impl MetaStore {
    /// Reports every node or account that breaks a tree invariant.
    pub(crate) async fn check_tree(&self, report: &mut dyn FnMut(Inconsistency)) -> Result<()> {
        for (sql, found) in TREE_CHECKS {
            let mut rows = sqlx::query_scalar::<_, Vec<u8>>(*sql).fetch(&self.reader);
            while let Some(id) = rows.try_next().await? {
                if let Ok(id) = to_id(&id) {
                    report(found(id));
                }
            }
        }
        let mut rows = sqlx::query_as::<_, (String, i64)>(MALFORMED_IDS).fetch(&self.reader);
        while let Some((table, count)) = rows.try_next().await? {
            if count > 0 {
                let rows = u64::try_from(count).unwrap_or(0);
                report(Inconsistency::MalformedIds { table, rows });
            }
        }
        Ok(())
    }

    /// SQLite's own checks: `PRAGMA integrity_check` (pages, indexes, NOT NULL and UNIQUE) and
    /// `PRAGMA foreign_key_check`. SQLite-only by nature: a PostgreSQL engine enforces both.
    pub(crate) async fn check_sqlite_integrity(
        &self,
        report: &mut dyn FnMut(Inconsistency),
    ) -> Result<()> {
        let mut conn = self.reader.acquire().await?;
        // At most 100 lines: SQLite stops there by default.
        let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut *conn)
            .await?;
        for message in lines.into_iter().filter(|line| line != "ok") {
            report(Inconsistency::SqliteIntegrity { message });
        }
        let mut rows = sqlx::query("PRAGMA foreign_key_check").fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            report(Inconsistency::ForeignKey {
                table: row.try_get(0)?,
                rowid: row.try_get(1)?,
                parent: row.try_get(2)?,
            });
        }
        Ok(())
    }

    /// Accounts, folders, files and open uploads; the scan counts the rest.
    pub(crate) async fn check_counts(&self) -> Result<StoreCounts> {
        let (accounts, folders, files, open_uploads): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM nodes WHERE kind = 1), \
               (SELECT count(*) FROM nodes WHERE kind = 2), \
               (SELECT count(*) FROM uploads WHERE state = 'open')",
        )
        .fetch_one(&self.reader)
        .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(StoreCounts {
            accounts: count(accounts),
            folders: count(folders),
            files: count(files),
            open_uploads: count(open_uploads),
            ..StoreCounts::default()
        })
    }

    /// Every version id starting with byte `bucket` that a node, an open upload, the deletion
    /// queue or a chunk row names, ascending, without duplicates.
    pub(crate) async fn versions_in_bucket(&self, bucket: u8) -> Result<Vec<Id>> {
        let low = [bucket];
        // Every 16-byte id starting with 0xff sorts below 17 bytes of 0xff.
        let high = match bucket.checked_add(1) {
            Some(next) => vec![next],
            None => vec![0xff; 17],
        };
        let ids: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT version_id FROM nodes WHERE version_id >= $1 AND version_id < $2 \
             UNION SELECT version_id FROM uploads WHERE state = 'open' \
               AND version_id >= $1 AND version_id < $2 \
             UNION SELECT version_id FROM deleted_versions WHERE version_id >= $1 AND version_id < $2 \
             UNION SELECT version_id FROM chunks WHERE version_id >= $1 AND version_id < $2 \
             ORDER BY 1",
        )
        .bind(&low[..])
        .bind(&high[..])
        .fetch_all(&self.reader)
        .await?;
        Ok(ids.iter().filter_map(|id| to_id(id).ok()).collect())
    }

    /// Who refers to `version` and its chunk rows, in one read transaction (one snapshot).
    pub(crate) async fn version_state(&self, version: Id) -> Result<VersionState> {
        let mut tx = self.reader.begin().await?;
        let v = &version.0[..];
        let node: Option<(Vec<u8>, Option<i64>, Option<i64>)> = sqlx::query_as(
            // The node that reads this version's chunks: its own version, or an import of it
            // (PROTOCOL.md §10.5; an import's own version id has no chunks). Imports of one
            // version share its geometry, so any one of them states the rule.
            "SELECT id, chunk_count, ciphertext_size FROM nodes \
             WHERE (version_id = $1 AND content_version_id IS NULL) OR content_version_id = $1 \
             LIMIT 1",
        )
        .bind(v)
        .fetch_optional(&mut *tx)
        .await?;
        let upload: Option<(Vec<u8>, i64)> = sqlx::query_as(
            "SELECT id, chunk_count FROM uploads WHERE version_id = $1 AND state = 'open'",
        )
        .bind(v)
        .fetch_optional(&mut *tx)
        .await?;
        let queued: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM deleted_versions WHERE version_id = $1")
                .bind(v)
                .fetch_optional(&mut *tx)
                .await?;
        let chunks = sqlx::query_as::<_, (i64, i64, Vec<u8>, Option<i64>)>(
            "SELECT idx, size, hash, length(data) FROM chunks WHERE version_id = $1 ORDER BY idx",
        )
        .bind(v)
        .fetch(&mut *tx)
        .map_ok(|(index, size, hash, inline_len)| ChunkRow {
            index,
            size,
            hash,
            inline_len,
        })
        .try_collect()
        .await?;
        tx.commit().await?;
        let used_by = match (node, upload) {
            (Some((id, chunk_count, ciphertext_size)), _) => Some(VersionUse {
                owner: VersionOwner::File(to_id(&id)?),
                rule: match (chunk_count, ciphertext_size) {
                    (Some(chunk_count), Some(ciphertext_size)) => ChunkRule::Committed {
                        chunk_count,
                        ciphertext_size,
                    },
                    _ => ChunkRule::Unknown,
                },
            }),
            (None, Some((id, chunk_count))) => Some(VersionUse {
                owner: VersionOwner::Upload(to_id(&id)?),
                rule: ChunkRule::Open { chunk_count },
            }),
            (None, None) => None,
        };
        Ok(VersionState {
            used_by,
            queued: queued.is_some(),
            chunks,
        })
    }

    /// Whether a file node (its own version, or the source of an import) or an open upload
    /// refers to `version` now.
    pub(crate) async fn version_is_live(&self, version: Id) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM nodes WHERE version_id = $1 \
             UNION ALL SELECT 1 FROM nodes WHERE content_version_id = $1 \
             UNION ALL SELECT 1 FROM uploads WHERE version_id = $1 AND state = 'open' LIMIT 1",
        )
        .bind(&version.0[..])
        .fetch_optional(&self.reader)
        .await?;
        Ok(found.is_some())
    }
}
