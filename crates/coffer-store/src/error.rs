//! The store's error type.
//!
//! Policy: the domain variants (`NotFound` … `TransferQuotaExceeded`) are permanent answers about
//! the request: retrying the same call gives the same answer until the data changes (a quota
//! error until usage falls, the quota rises or the month ends). `NotFound` covers both "missing"
//! and "owned by another account", on purpose. `Database`, `Blob` and `Io` are
//! infrastructure failures and may be temporary (a locked database, a full disk, an unreachable
//! object store); [`StoreError::is_temporary`] says so. `Corrupt` means stored data broke an
//! invariant of this crate (a 15-byte id, a negative size): permanent, and worth an alert.

/// Everything a store call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("a node, upload or version with this id already exists")]
    IdExists,
    #[error("a node with this name tag already exists in the folder")]
    NameExists,
    #[error("the parent is not a folder")]
    NotAFolder,
    #[error("the node changed since the given revision")]
    RevisionConflict,
    #[error("the move is not allowed (root, or into its own subtree)")]
    InvalidMove,
    #[error("the folder has children and the delete was not recursive")]
    FolderNotEmpty,
    #[error("other bytes are already stored for this chunk")]
    ChunkConflict,
    #[error("not every chunk of the upload is stored")]
    UploadIncomplete,
    #[error("the upload is already committed")]
    UploadCommitted,
    #[error("the upload expired")]
    UploadExpired,
    #[error("the chunk list hash does not match the stored chunks")]
    ChunkListMismatch,
    #[error("the folder is already shared with this account")]
    AlreadyShared,
    #[error("the account may not create links")]
    LinksSuspended,
    /// The public link is not active (revoked, taken down, gone, expired or exhausted).
    #[error("the link is {0:?}")]
    LinkInactive(coffer_api::LinkState),
    /// The write would pass the account's storage quota; nothing was written.
    #[error("storage quota exceeded: needs {needed} bytes, {left} left of {quota}")]
    QuotaExceeded { needed: u64, left: u64, quota: u64 },
    /// Serving the chunk would pass the account's monthly transfer quota; nothing was counted.
    #[error("transfer quota exceeded: {used} bytes used of {quota} this month")]
    TransferQuotaExceeded { used: u64, quota: u64 },
    #[error("value out of the storable range: {0}")]
    OutOfRange(&'static str),
    #[error("stored data is corrupt: {0}")]
    Corrupt(&'static str),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("blob store: {0}")]
    Blob(#[from] object_store::Error),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Whether the same call may succeed later without the data changing.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            StoreError::Database(_) | StoreError::Blob(_) | StoreError::Io(_)
        )
    }
}

/// Whether a database error is a UNIQUE constraint violation (a lost race that an explicit check
/// inside the transaction could not see, e.g. on a multi-writer PostgreSQL).
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
