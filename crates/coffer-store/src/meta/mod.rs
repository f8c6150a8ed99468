//! The metadata store: accounts, sessions, the node tree, upload sessions and chunk rows.
//!
//! [`MetaStore`] is the public handle. Today its engine is SQLite through `sqlx`; the SQL is kept
//! portable (`$n` placeholders, `WITH RECURSIVE`, `ON CONFLICT`, `RETURNING`, BLOB ids, BIGINT
//! times) so that a PostgreSQL engine can take the same statements and the same conformance
//! suite. The methods live in one file per concern: [`accounts`], [`sessions`] (with
//! [`second_factor`] and [`login_failures`]: logins), [`nodes`],
//! [`tree`], [`uploads`], [`chunks`], [`commit`], [`small_files`], [`links`],
//! [`link_failures`] and [`link_takedowns`] (public links, their rate limits, takedowns),
//! [`takedowns`] and [`abuse_reports`] (the operator's notices and the reports received),
//! [`imports`] (files imported from a link, and the reference counting of their chunks),
//! [`shares`] and [`rekey`] (shared folders, the access walk, key rotations), [`quotas`]
//! (storage and transfer quotas, bandwidth limits), [`cleanup`], and
//! [`check`] (the consistency checker's read-only queries).
//!
//! SQLite has one writer at a time. Rather than let concurrent transactions race for the write
//! lock (a deferred transaction that reads, then writes, fails with `SQLITE_BUSY` when another
//! writer got there first), every write goes through a pool of exactly one connection, which
//! queues writers in-process; reads use a separate pool and, thanks to WAL, never wait for the
//! writer. Durability: a write call returns only once its transaction is in the synced log, so a
//! committed transaction survives a power cut; concurrent writers share the syncs (group commit,
//! [`durable`]).

mod abuse_reports;
mod accounts;
pub(crate) mod check;
mod chunks;
mod cleanup;
mod commit;
mod durable;
mod imports;
mod link_failures;
mod link_takedowns;
mod links;
mod login_failures;
mod nodes;
mod quotas;
mod rekey;
mod rows;
mod second_factor;
mod sessions;
mod shares;
mod small_files;
mod takedowns;
mod tree;
mod uploads;

pub use links::MAX_LINK_DEPTH;
pub use quotas::{AccountLimits, Limit, LimitChange, LimitSettings};
pub use small_files::BatchError;

use crate::error::Result;
use durable::WalSync;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Connections of the read pool. Reads are short; more connections than this mostly add threads.
const READ_CONNECTIONS: u32 = 4;
/// How long a statement waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// SQLite's page cache per connection, in KiB (negative `cache_size`): the writer's keeps the
/// tree's hot pages across transactions instead of reading them again through the kernel; readers
/// need less. The default (2 MiB) showed up as read syscalls in profiles of batched writes.
const WRITER_CACHE_KIB: i64 = 32 * 1024;
const READER_CACHE_KIB: i64 = 8 * 1024;
/// How much of the database file each reader maps (`mmap_size`). A large listing reads one
/// scattered table page per node; mapped, a page costs no read syscall and no copy (a
/// 100,000-entry listing used 25–40 % less server CPU). The pages are the kernel's page cache,
/// shared, but count in the server's RSS once per connection that touched them.
const READER_MMAP_BYTES: i64 = 64 * 1024 * 1024;
/// Rows a reader's worker thread may run ahead of the task consuming them (sqlx's default: 50).
/// Every time the channel fills or drains, a thread is parked and woken; a listing page of
/// thousands of rows did that hundreds of times.
const READER_ROW_BUFFER: usize = 1024;

/// How long a call waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The metadata store handle. Cheap to clone (the pools are shared).
#[derive(Clone, Debug)]
pub struct MetaStore {
    /// Exactly one connection: all writes, serialised.
    writer: SqlitePool,
    /// Read-only connections for queries that change nothing.
    reader: SqlitePool,
    /// Group commit: makes the writer's commits durable (`None` when opened read-only).
    durable: Option<Arc<WalSync>>,
    /// Limits of accounts without their own ([`MetaStore::with_default_limits`]).
    default_limits: AccountLimits,
}

impl MetaStore {
    /// Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
    pub async fn open_sqlite(path: &Path) -> Result<MetaStore> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // Commits do not sync the log themselves: `durable.rs` syncs it for many at once and
        // holds every write call until its commit is on disk.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(
                (options.clone())
                    .create_if_missing(true)
                    .synchronous(SqliteSynchronous::Normal)
                    .pragma("cache_size", (-WRITER_CACHE_KIB).to_string()),
            )
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        sync_parent_dir(path)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .min_connections(2)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(
                options
                    .read_only(true)
                    .row_buffer_size(READER_ROW_BUFFER)
                    .pragma("cache_size", (-READER_CACHE_KIB).to_string())
                    .pragma("mmap_size", READER_MMAP_BYTES.to_string()),
            )
            .await?;
        Ok(MetaStore {
            writer,
            reader,
            durable: Some(WalSync::start(path)),
            default_limits: AccountLimits::default(),
        })
    }

    /// Opens an existing database for inspection only (the consistency checker): nothing is
    /// created or migrated, every connection is read-only, so any write fails. Safe beside a
    /// running server: WAL lets readers and the server's writer work at once.
    pub async fn open_sqlite_read_only(path: &Path) -> Result<MetaStore> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = |connections| {
            SqlitePoolOptions::new()
                .max_connections(connections)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options.clone())
        };
        Ok(MetaStore {
            writer: pool(1).await?,
            reader: pool(2).await?,
            durable: None,
            default_limits: AccountLimits::default(),
        })
    }

    /// Commits a write transaction and returns once it is durable.
    pub(crate) async fn commit(&self, tx: Transaction<'_, Sqlite>) -> Result<()> {
        tx.commit().await?;
        self.durable().await
    }

    /// Returns once everything the writer committed so far is durable.
    pub(crate) async fn durable(&self) -> Result<()> {
        match &self.durable {
            Some(sync) => sync.wait_durable().await,
            None => Ok(()),
        }
    }

    /// Closes both pools, waiting for running queries; later calls fail.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    /// A server-wide setting, e.g. the OPAQUE `ServerSetup`.
    pub async fn server_config(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM server_config WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.reader)
                .await?,
        )
    }

    /// Stores `value` under `key` unless a value is already there, and returns the value that is
    /// stored afterwards: the first writer wins, so concurrent starts agree on one setting.
    pub async fn init_server_config(&self, key: &str, value: &[u8]) -> Result<Vec<u8>> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO server_config (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        let stored: Vec<u8> = sqlx::query_scalar("SELECT value FROM server_config WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(stored)
    }
}

/// Syncs the directory holding the database, so that the files SQLite created there (the
/// database, its log) are durable names before the log is synced from elsewhere.
fn sync_parent_dir(db: &Path) -> Result<()> {
    let dir = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}
