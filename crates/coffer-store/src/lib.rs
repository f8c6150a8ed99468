//! coffer's storage: the metadata store ([`MetaStore`]) and the chunk blob store ([`BlobStore`]).
//!
//! Both are handles over an engine chosen at open time (today SQLite and the local filesystem),
//! so PostgreSQL and S3 can follow without touching the server. The store knows nothing about
//! HTTP and nothing about cryptography: every ciphertext, signature and OPAQUE record is opaque
//! bytes here. Every method that reads or changes a node or an upload takes the account id and
//! filters on it, so another account's object is simply [`StoreError::NotFound`].
//!
//! ```no_run
//! # async fn example() -> Result<(), coffer_store::StoreError> {
//! use coffer_store::{BlobStore, MetaStore};
//! let dir = std::path::Path::new("coffer-data");
//! let meta = MetaStore::open_sqlite(&dir.join("meta.sqlite")).await?;
//! let blobs = BlobStore::open_local(&dir.join("blobs"))?;
//! let queued = meta.queued_versions(100).await?;
//! for version in queued {
//!     blobs.delete_version(version).await?;
//!     meta.forget_version(version).await?;
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod blob;
mod check;
mod error;
mod meta;
mod records;

#[cfg(test)]
mod conformance;

pub use blob::{BlobBuf, BlobStore};
pub use check::{
    ConsistencyReport, Garbage, Inconsistency, MAX_LISTED_ERRORS, PendingDeletion, StoreCounts,
    Tally, VersionOwner, check_consistency,
};
pub use error::{Result, StoreError};
pub use meta::{
    AccountLimits, BatchError, Limit, LimitChange, LimitSettings, MAX_LINK_DEPTH, MetaStore,
};
pub use records::*;
