//! The metadata store: accounts, sessions, the node tree, upload sessions and chunk rows.
//!
//! [`MetaStore`] is the public handle. Today its engine is SQLite through `sqlx`; the SQL is kept
//! portable (`$n` placeholders, `WITH RECURSIVE`, `ON CONFLICT`, `RETURNING`, BLOB ids, BIGINT
//! times) so that a PostgreSQL engine can take the same statements and the same conformance
//! suite. The methods live in one file per concern: [`accounts`], [`sessions`], [`nodes`],
//! [`tree`], [`uploads`], [`chunks`], [`commit`], [`cleanup`], and [`check`] (the consistency
//! checker's read-only queries).
//!
//! SQLite has one writer at a time. Rather than let concurrent transactions race for the write
//! lock (a deferred transaction that reads, then writes, fails with `SQLITE_BUSY` when another
//! writer got there first), every write goes through a pool of exactly one connection, which
//! queues writers in-process; reads use a separate pool and, thanks to WAL, never wait for the
//! writer. Durability: `synchronous = FULL`, so a committed transaction survives a power cut.

mod accounts;
pub(crate) mod check;
mod chunks;
mod cleanup;
mod commit;
mod nodes;
mod rows;
mod sessions;
mod tree;
mod uploads;

use crate::error::Result;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::time::Duration;

/// Connections of the read pool. Reads are short; more connections than this mostly add threads.
const READ_CONNECTIONS: u32 = 8;
/// How long a statement waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a call waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The metadata store handle. Cheap to clone (the pools are shared).
#[derive(Clone, Debug)]
pub struct MetaStore {
    /// Exactly one connection: all writes, serialised.
    writer: SqlitePool,
    /// Read-only connections for queries that change nothing.
    reader: SqlitePool,
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
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone().create_if_missing(true))
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .min_connections(2)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.read_only(true))
            .await?;
        Ok(MetaStore { writer, reader })
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
        })
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
        tx.commit().await?;
        Ok(stored)
    }
}
