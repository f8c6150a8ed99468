//! Small files committed whole: many files in one transaction, each file's only chunk kept in its
//! chunk row (PROTOCOL.md §9.1). One fsync makes a whole batch durable, where the session path
//! costs three requests, a blob and several fsyncs per file.
//!
//! A batch costs a fixed number of statements, not a number per file: the facts every check
//! needs (existing nodes, parent folders, version ids and names in use) are read with one query
//! each, the checks run in memory ([`plan`], pure), and the rows are written with multi-row
//! inserts. On SQLite every statement is a round trip to the connection's thread, so this is
//! what makes a batch cheap.

use super::MetaStore;
use super::imports::queue_if_unreferenced;
use super::quotas::StorageChange;
use super::rows::{KIND_FILE, kind_from_code, node_columns, node_from_row, to_i64, to_id};
use crate::error::{Result, StoreError};
use crate::records::{ContentRecord, Id, NewSmallFile, NodeKind, NodeRecord};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::{HashMap, HashSet};

/// Why a batch was refused: the first file that could not be committed (`None`: the batch as a
/// whole, e.g. the database) and the reason. Nothing of the batch was written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {error}", match .index { Some(i) => format!("file {i} of the batch"), None => "the batch".to_string() })]
pub struct BatchError {
    pub index: Option<usize>,
    #[source]
    pub error: StoreError,
}

impl From<StoreError> for BatchError {
    fn from(error: StoreError) -> BatchError {
        BatchError { index: None, error }
    }
}

impl From<sqlx::Error> for BatchError {
    fn from(error: sqlx::Error) -> BatchError {
        StoreError::from(error).into()
    }
}

impl MetaStore {
    /// Commits every file of `files` in one transaction, all or nothing, and returns their nodes
    /// in order. Each file is checked as a commit checks it (its parent a folder of the account,
    /// its name tag free there, its node id and version id unused; for a replacement, the node a
    /// file of the account still at `base_revision`), then written with its chunk row holding
    /// the ciphertext; a replaced version is queued for deletion.
    ///
    /// A file whose node already holds exactly this version and signature (a retry of a batch
    /// that was committed but whose answer was lost) is returned as it is: the call is
    /// idempotent.
    pub async fn commit_small_files(
        &self,
        account: Id,
        files: &[NewSmallFile],
        now: i64,
    ) -> Result<Vec<NodeRecord>, BatchError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.writer.begin().await?;
        let facts = Facts::read(&mut tx, account, files).await?;
        let planned = plan(account, files, &facts, now)?;
        self.check_storage(&mut tx, account, storage_change(files, &planned), now)
            .await?;
        write(&mut tx, files, &planned, account, now).await?;
        self.commit(tx).await?;
        Ok(planned.into_iter().map(|p| p.node).collect())
    }
}

/// What the database holds that the checks of a batch depend on.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// Nodes (of any account) with a node id of the batch, and their account.
    pub existing: HashMap<Id, (Id, NodeRecord)>,
    /// The kinds of the account's nodes that the batch names as parents.
    pub parents: HashMap<Id, NodeKind>,
    /// Version ids of the batch that a node, a session or the deletion queue uses.
    pub versions_in_use: HashSet<Id>,
    /// `(parent, name tag)` pairs of the batch that a node holds, with that node's id.
    pub names_in_use: HashMap<(Id, Vec<u8>), Id>,
}

impl Facts {
    async fn read(tx: &mut SqliteConnection, account: Id, files: &[NewSmallFile]) -> Result<Facts> {
        let mut facts = Facts::default();

        let mut q = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT account_id, ",
            node_columns!(),
            " FROM nodes WHERE id IN ("
        ));
        push_ids(&mut q, files.iter().map(|f| f.node_id));
        for row in q.build().fetch_all(&mut *tx).await? {
            let owner = to_id(&row.try_get::<Vec<u8>, _>("account_id")?)?;
            let node = node_from_row(&row)?;
            facts.existing.insert(node.id, (owner, node));
        }

        let mut q = QueryBuilder::<Sqlite>::new("SELECT id, kind FROM nodes WHERE account_id = ");
        q.push_bind(&account.0[..]).push(" AND id IN (");
        push_ids(&mut q, files.iter().map(|f| f.parent_id));
        for row in q.build().fetch_all(&mut *tx).await? {
            let kind = kind_from_code(row.try_get("kind")?)?;
            facts
                .parents
                .insert(to_id(&row.try_get::<Vec<u8>, _>("id")?)?, kind);
        }

        let versions = || files.iter().map(|f| f.version_id);
        let mut q =
            QueryBuilder::<Sqlite>::new("SELECT version_id FROM nodes WHERE version_id IN (");
        push_ids(&mut q, versions());
        q.push(" UNION ALL SELECT version_id FROM uploads WHERE version_id IN (");
        push_ids(&mut q, versions());
        q.push(" UNION ALL SELECT version_id FROM deleted_versions WHERE version_id IN (");
        push_ids(&mut q, versions());
        for row in q.build().fetch_all(&mut *tx).await? {
            let version = to_id(&row.try_get::<Vec<u8>, _>("version_id")?)?;
            facts.versions_in_use.insert(version);
        }

        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT parent_id, name_tag, id FROM nodes WHERE (parent_id, name_tag) IN (VALUES ",
        );
        let mut pairs = q.separated(", ");
        for file in files {
            pairs.push("(");
            pairs.push_bind_unseparated(&file.parent_id.0[..]);
            pairs.push_unseparated(", ");
            pairs.push_bind_unseparated(&file.name_tag[..]);
            pairs.push_unseparated(")");
        }
        q.push(")");
        for row in q.build().fetch_all(&mut *tx).await? {
            let parent = to_id(&row.try_get::<Vec<u8>, _>("parent_id")?)?;
            let tag: Vec<u8> = row.try_get("name_tag")?;
            let id = to_id(&row.try_get::<Vec<u8>, _>("id")?)?;
            facts.names_in_use.insert((parent, tag), id);
        }
        Ok(facts)
    }
}

/// `id, id, …)` — closes the `IN (` the caller opened.
fn push_ids(q: &mut QueryBuilder<Sqlite>, ids: impl Iterator<Item = Id>) {
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(id.0.to_vec());
    }
    q.push(")");
}

/// What committing one file of a batch does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Planned {
    /// The node as it will be (or, for a retry, is) stored.
    pub node: NodeRecord,
    pub write: Write,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Write {
    /// Already committed by an earlier call with the same file: nothing to write.
    Nothing,
    /// A new file node.
    Insert,
    /// New content for an existing file node; its old version is queued for deletion.
    Replace {
        old_version: Option<Id>,
        /// The old content's ciphertext size (freed from the storage quota).
        old_size: u64,
    },
}

/// Checks every file against the facts and the files before it, in order, exactly as a commit
/// would one after the other; the first failure refuses the batch.
pub(crate) fn plan(
    account: Id,
    files: &[NewSmallFile],
    facts: &Facts,
    now: i64,
) -> Result<Vec<Planned>, BatchError> {
    let mut claimed_ids = HashSet::new();
    let mut claimed_versions = HashSet::new();
    let mut claimed_names: HashSet<(Id, &[u8])> = HashSet::new();
    let mut planned = Vec::with_capacity(files.len());
    for (index, file) in files.iter().enumerate() {
        let at = |error| BatchError {
            index: Some(index),
            error,
        };
        let existing = facts.existing.get(&file.node_id);
        if let Some((owner, node)) = existing {
            let done = *owner == account
                && node.signature == file.signature
                && node.content.as_ref().map(|c| c.version_id) == Some(file.version_id);
            if done && claimed_ids.insert(file.node_id) {
                planned.push(Planned {
                    node: node.clone(),
                    write: Write::Nothing,
                });
                continue;
            }
        }
        match facts.parents.get(&file.parent_id) {
            None => return Err(at(StoreError::NotFound)),
            Some(NodeKind::File) => return Err(at(StoreError::NotAFolder)),
            Some(NodeKind::Folder) => {}
        }
        let (write, revision, created_at) = match (file.base_revision, existing) {
            (Some(_), None) => return Err(at(StoreError::NotFound)),
            (Some(_), Some((owner, _))) if *owner != account => {
                return Err(at(StoreError::NotFound));
            }
            (Some(_), Some((_, node))) if node.kind != NodeKind::File => {
                return Err(at(StoreError::IdExists));
            }
            (Some(base), Some((_, node))) => {
                if node.revision != base || claimed_ids.contains(&file.node_id) {
                    return Err(at(StoreError::RevisionConflict));
                }
                let old_version = node.content.as_ref().map(|c| c.version_id);
                let old_size = node.content.as_ref().map_or(0, |c| c.ciphertext_size);
                let replace = Write::Replace {
                    old_version,
                    old_size,
                };
                (replace, base + 1, node.created_at)
            }
            (None, Some(_)) => return Err(at(StoreError::IdExists)),
            (None, None) if claimed_ids.contains(&file.node_id) => {
                return Err(at(StoreError::IdExists));
            }
            (None, None) => (Write::Insert, 1, now),
        };
        if facts.versions_in_use.contains(&file.version_id)
            || !claimed_versions.insert(file.version_id)
        {
            return Err(at(StoreError::IdExists));
        }
        let holder = facts
            .names_in_use
            .get(&(file.parent_id, file.name_tag.clone()));
        let replacing = file.base_revision.map(|_| file.node_id);
        if holder.is_some_and(|h| Some(*h) != replacing)
            || !claimed_names.insert((file.parent_id, &file.name_tag[..]))
        {
            return Err(at(StoreError::NameExists));
        }
        claimed_ids.insert(file.node_id);
        planned.push(Planned {
            node: node_of(file, revision, created_at, now),
            write,
        });
    }
    Ok(planned)
}

/// What the planned writes do to the account's stored bytes: new content added, replaced
/// content freed.
fn storage_change(files: &[NewSmallFile], planned: &[Planned]) -> StorageChange {
    let mut change = StorageChange::default();
    for (file, p) in files.iter().zip(planned) {
        if p.write == Write::Nothing {
            continue;
        }
        change.adds = change.adds.saturating_add(file.ciphertext.len() as u64);
        if let Write::Replace { old_size, .. } = p.write {
            change.frees = change.frees.saturating_add(old_size);
        }
    }
    change
}

/// The node record a file of a batch becomes.
fn node_of(file: &NewSmallFile, revision: u64, created_at: i64, now: i64) -> NodeRecord {
    NodeRecord {
        id: file.node_id,
        parent_id: Some(file.parent_id),
        kind: NodeKind::File,
        author_key: file.author_key.clone(),
        name_tag: file.name_tag.clone(),
        wrapped_key: file.wrapped_key.clone(),
        encrypted_attributes: file.encrypted_attributes.clone(),
        signature: file.signature.clone(),
        content: Some(ContentRecord {
            version_id: file.version_id,
            header: file.header.clone(),
            chunk_size: file.chunk_size,
            ciphertext_size: file.ciphertext.len() as u64,
            chunk_count: 1,
            chunk_list_hash: file.chunk_list_hash,
        }),
        revision,
        created_at,
        updated_at: now,
    }
}

/// Writes the planned rows: new nodes and chunk rows in multi-row inserts, replacements one by
/// one (rare), replaced versions queued.
async fn write(
    tx: &mut SqliteConnection,
    files: &[NewSmallFile],
    planned: &[Planned],
    account: Id,
    now: i64,
) -> Result<()> {
    let work: Vec<(&NewSmallFile, &Planned)> = (files.iter().zip(planned))
        .filter(|(_, p)| p.write != Write::Nothing)
        .collect();
    let inserts: Vec<&NewSmallFile> = (work.iter())
        .filter(|(_, p)| p.write == Write::Insert)
        .map(|(f, _)| *f)
        .collect();
    if !inserts.is_empty() {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO nodes (id, account_id, parent_id, kind, name_tag, wrapped_key, \
               encrypted_attributes, author_key, signature, version_id, header, chunk_size, \
               ciphertext_size, chunk_count, chunk_list_hash, revision, created_at, updated_at) ",
        );
        q.push_values(&inserts, |mut row, file| {
            row.push_bind(&file.node_id.0[..])
                .push_bind(&account.0[..])
                .push_bind(&file.parent_id.0[..])
                .push_bind(KIND_FILE)
                .push_bind(&file.name_tag[..])
                .push_bind(&file.wrapped_key[..])
                .push_bind(&file.encrypted_attributes[..])
                .push_bind(&file.author_key[..])
                .push_bind(&file.signature[..])
                .push_bind(&file.version_id.0[..])
                .push_bind(&file.header[..])
                .push_bind(i64::from(file.chunk_size))
                .push_bind(file.ciphertext.len() as i64)
                .push_bind(1i64)
                .push_bind(&file.chunk_list_hash[..])
                .push_bind(1i64)
                .push_bind(now)
                .push_bind(now);
        });
        q.build().execute(&mut *tx).await?;
    }
    for (file, p) in &work {
        let Write::Replace { old_version, .. } = &p.write else {
            continue;
        };
        // The chunks the node read until now: its own version's, or an import's source's.
        let old_content: Option<Vec<u8>> = match old_version {
            Some(_) => sqlx::query_scalar(
                "SELECT COALESCE(content_version_id, version_id) FROM nodes \
                 WHERE id = $1 AND account_id = $2",
            )
            .bind(&file.node_id.0[..])
            .bind(&account.0[..])
            .fetch_optional(&mut *tx)
            .await?
            .flatten(),
            None => None,
        };
        sqlx::query(
            "UPDATE nodes SET parent_id = $3, name_tag = $4, wrapped_key = $5, \
               encrypted_attributes = $6, author_key = $7, signature = $8, version_id = $9, \
               header = $10, chunk_size = $11, ciphertext_size = $12, chunk_count = 1, \
               chunk_list_hash = $13, content_version_id = NULL, revision = $14, \
               updated_at = $15 \
             WHERE id = $1 AND account_id = $2",
        )
        .bind(&file.node_id.0[..])
        .bind(&account.0[..])
        .bind(&file.parent_id.0[..])
        .bind(&file.name_tag)
        .bind(&file.wrapped_key)
        .bind(&file.encrypted_attributes)
        .bind(&file.author_key)
        .bind(&file.signature)
        .bind(&file.version_id.0[..])
        .bind(&file.header)
        .bind(i64::from(file.chunk_size))
        .bind(file.ciphertext.len() as i64)
        .bind(&file.chunk_list_hash[..])
        .bind(to_i64(p.node.revision, "revision")?)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(old) = old_content {
            // Imports of the old version keep reading it (PROTOCOL.md §10.5).
            queue_if_unreferenced(&mut *tx, &old, now).await?;
        }
    }
    if !work.is_empty() {
        let mut q =
            QueryBuilder::<Sqlite>::new("INSERT INTO chunks (version_id, idx, size, hash, data) ");
        q.push_values(&work, |mut row, (file, _)| {
            row.push_bind(&file.version_id.0[..])
                .push_bind(0i64)
                .push_bind(file.ciphertext.len() as i64)
                .push_bind(&file.chunk_hash[..])
                .push_bind(&file.ciphertext[..]);
        });
        q.build().execute(&mut *tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(parent: Id, tag: &[u8]) -> NewSmallFile {
        crate::conformance::small_file(parent, tag, &[0; 20])
    }

    fn facts_with_folder(folder: Id) -> Facts {
        let mut facts = Facts::default();
        facts.parents.insert(folder, NodeKind::Folder);
        facts
    }

    fn refused(r: Result<Vec<Planned>, BatchError>) -> (Option<usize>, String) {
        let e = r.expect_err("refused");
        (e.index, format!("{:?}", e.error))
    }

    #[test]
    fn files_of_one_batch_are_checked_against_each_other() {
        let (account, folder) = (Id::random(), Id::random());
        let facts = facts_with_folder(folder);
        let a = file(folder, b"a");
        let same_name = file(folder, b"a");
        let same_id = NewSmallFile {
            node_id: a.node_id,
            ..file(folder, b"b")
        };
        let same_version = NewSmallFile {
            version_id: a.version_id,
            ..file(folder, b"c")
        };
        for (twin, want) in [
            (same_name, "NameExists"),
            (same_id, "IdExists"),
            (same_version, "IdExists"),
        ] {
            let got = refused(plan(account, &[a.clone(), twin], &facts, 5));
            assert_eq!(got, (Some(1), want.to_string()));
        }
        let ok = plan(account, &[a, file(folder, b"b")], &facts, 5).unwrap();
        assert!(ok.iter().all(|p| p.write == Write::Insert));
        assert!(
            ok.iter()
                .all(|p| p.node.revision == 1 && p.node.created_at == 5)
        );
    }

    #[test]
    fn a_retry_plans_nothing_and_a_replacement_bumps_the_revision() {
        let (account, folder) = (Id::random(), Id::random());
        let mut facts = facts_with_folder(folder);
        let done = file(folder, b"done");
        let stored = node_of(&done, 1, 3, 3);
        facts
            .existing
            .insert(done.node_id, (account, stored.clone()));
        facts
            .names_in_use
            .insert((folder, b"done".to_vec()), done.node_id);
        let planned = plan(account, std::slice::from_ref(&done), &facts, 9).unwrap();
        assert_eq!(planned[0].node, stored);
        assert_eq!(planned[0].write, Write::Nothing);

        let replace = NewSmallFile {
            node_id: done.node_id,
            base_revision: Some(1),
            ..file(folder, b"done")
        };
        let planned = plan(account, std::slice::from_ref(&replace), &facts, 9).unwrap();
        assert_eq!(
            planned[0].write,
            Write::Replace {
                old_version: Some(done.version_id),
                old_size: 20,
            }
        );
        assert_eq!(
            (planned[0].node.revision, planned[0].node.created_at),
            (2, 3)
        );
        // Another account's node is not found, whatever it holds.
        let stranger = Id::random();
        assert_eq!(
            refused(plan(
                stranger,
                std::slice::from_ref(&replace),
                &facts_with_folder(folder),
                9
            ))
            .1,
            "NotFound"
        );
        let mut theirs = facts_with_folder(folder);
        theirs.existing.insert(done.node_id, (stranger, stored));
        assert_eq!(refused(plan(account, &[replace], &theirs, 9)).1, "NotFound");
        assert_eq!(refused(plan(account, &[done], &theirs, 9)).1, "IdExists");
    }
}
