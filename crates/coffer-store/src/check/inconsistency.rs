//! One broken invariant the checker found, with a stable code and a one-line description.

use crate::records::Id;
use std::fmt;

/// Who holds a version live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionOwner {
    /// The current version of this file node.
    File(Id),
    /// The version this open upload session writes.
    Upload(Id),
}

impl fmt::Display for VersionOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionOwner::File(node) => write!(f, "file {node}"),
            VersionOwner::Upload(upload) => write!(f, "upload {upload}"),
        }
    }
}

/// One broken invariant. Its [`fmt::Display`] is one line; [`Inconsistency::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Inconsistency {
    ParentMissing {
        node: Id,
    },
    ParentInOtherAccount {
        node: Id,
    },
    ParentNotAFolder {
        node: Id,
    },
    /// A node without a parent that is not its account's root.
    ExtraRoot {
        node: Id,
    },
    /// A node whose ancestors never reach its account's root (a parent cycle, or below a node
    /// reported otherwise).
    Unreachable {
        node: Id,
    },
    FileWithoutContent {
        node: Id,
    },
    FolderWithContent {
        node: Id,
    },
    UnknownKind {
        node: Id,
    },
    /// The account's root node is missing, or is not a parentless folder of the account.
    RootMissing {
        account: Id,
    },
    /// Rows of a table with an id or hash of the wrong length.
    MalformedIds {
        table: String,
        rows: u64,
    },
    /// A committed version's chunk rows are not exactly the indexes `0..chunk_count`.
    ChunkIndexes {
        owner: VersionOwner,
        version: Id,
        rows: u64,
        chunk_count: i64,
    },
    /// A committed version's chunk sizes do not add up to its ciphertext size.
    ChunkSizes {
        owner: VersionOwner,
        version: Id,
        sum: i128,
        ciphertext_size: i64,
    },
    /// An open upload has a chunk row at or past its chunk count.
    ChunkBeyondCount {
        owner: VersionOwner,
        version: Id,
        index: i64,
    },
    BlobMissing {
        owner: VersionOwner,
        version: Id,
        index: i64,
    },
    BlobSize {
        owner: VersionOwner,
        version: Id,
        index: i64,
        row: i64,
        blob: u64,
    },
    /// A live version is also queued for deletion: the cleanup would delete its blobs.
    LiveVersionQueued {
        owner: VersionOwner,
        version: Id,
    },
    /// A line of SQLite's `PRAGMA integrity_check`.
    SqliteIntegrity {
        message: String,
    },
    /// A row of SQLite's `PRAGMA foreign_key_check`.
    ForeignKey {
        table: String,
        rowid: Option<i64>,
        parent: String,
    },
}

impl Inconsistency {
    /// A stable snake_case name of the kind, for scripts.
    pub fn code(&self) -> &'static str {
        use Inconsistency::*;
        match self {
            ParentMissing { .. } => "parent_missing",
            ParentInOtherAccount { .. } => "parent_in_other_account",
            ParentNotAFolder { .. } => "parent_not_a_folder",
            ExtraRoot { .. } => "extra_root",
            Unreachable { .. } => "unreachable_node",
            FileWithoutContent { .. } => "file_without_content",
            FolderWithContent { .. } => "folder_with_content",
            UnknownKind { .. } => "unknown_node_kind",
            RootMissing { .. } => "root_missing",
            MalformedIds { .. } => "malformed_ids",
            ChunkIndexes { .. } => "chunk_indexes",
            ChunkSizes { .. } => "chunk_sizes",
            ChunkBeyondCount { .. } => "chunk_beyond_count",
            BlobMissing { .. } => "blob_missing",
            BlobSize { .. } => "blob_size",
            LiveVersionQueued { .. } => "live_version_queued",
            SqliteIntegrity { .. } => "sqlite_integrity",
            ForeignKey { .. } => "foreign_key",
        }
    }
}

impl fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Inconsistency::*;
        match self {
            ParentMissing { node } => write!(f, "node {node}: its parent does not exist"),
            ParentInOtherAccount { node } => {
                write!(f, "node {node}: its parent belongs to another account")
            }
            ParentNotAFolder { node } => write!(f, "node {node}: its parent is not a folder"),
            ExtraRoot { node } => write!(f, "node {node}: no parent, yet not its account's root"),
            Unreachable { node } => write!(f, "node {node}: not reachable from its account's root"),
            FileWithoutContent { node } => write!(f, "node {node}: a file without version fields"),
            FolderWithContent { node } => write!(f, "node {node}: a folder with version fields"),
            UnknownKind { node } => write!(f, "node {node}: unknown kind"),
            RootMissing { account } => write!(f, "account {account}: its root folder is missing"),
            MalformedIds { table, rows } => {
                write!(
                    f,
                    "table {table}: {rows} rows with an id or hash of the wrong length"
                )
            }
            ChunkIndexes {
                owner,
                version,
                rows,
                chunk_count,
            } => write!(
                f,
                "{owner}, version {version}: {rows} chunk rows, not exactly indexes 0..{chunk_count}"
            ),
            ChunkSizes {
                owner,
                version,
                sum,
                ciphertext_size,
            } => write!(
                f,
                "{owner}, version {version}: chunk sizes add up to {sum}, not {ciphertext_size}"
            ),
            ChunkBeyondCount {
                owner,
                version,
                index,
            } => {
                write!(
                    f,
                    "{owner}, version {version}: chunk row {index} is past the chunk count"
                )
            }
            BlobMissing {
                owner,
                version,
                index,
            } => {
                write!(
                    f,
                    "{owner}, version {version}: the blob of chunk {index} is missing"
                )
            }
            BlobSize {
                owner,
                version,
                index,
                row,
                blob,
            } => write!(
                f,
                "{owner}, version {version}: the blob of chunk {index} has {blob} bytes, its row says {row}"
            ),
            LiveVersionQueued { owner, version } => {
                write!(
                    f,
                    "{owner}, version {version}: live, yet queued for deletion"
                )
            }
            SqliteIntegrity { message } => write!(f, "sqlite integrity_check: {message}"),
            ForeignKey {
                table,
                rowid,
                parent,
            } => match rowid {
                Some(rowid) => write!(
                    f,
                    "table {table}, rowid {rowid}: no matching row in {parent}"
                ),
                None => write!(f, "table {table}: a row has no matching row in {parent}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_is_one_line_naming_its_subject() {
        let found = Inconsistency::BlobMissing {
            owner: VersionOwner::File(Id([0xaa; 16])),
            version: Id([0xbb; 16]),
            index: 3,
        };
        let line = found.to_string();
        assert!(!line.contains('\n'));
        assert!(line.contains(&Id([0xaa; 16]).to_string()));
        assert!(line.contains(&Id([0xbb; 16]).to_string()));
        assert_eq!(found.code(), "blob_missing");
    }
}
