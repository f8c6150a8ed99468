//! [`AppState`]: what every route shares — the stores, the OPAQUE server setup, the settings.
//!
//! Data directory layout: `meta.sqlite` (with its `-wal` and `-shm` companions) holds the
//! metadata, `blobs/` the encrypted chunks.

use crate::bandwidth::Bandwidth;
use crate::config::Settings;
use crate::link_attempts::LinkAttempts;
use crate::session_cache::SessionCache;
use coffer_crypto::ServerSetup;
use coffer_store::{BlobStore, MetaStore, StoreError};
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;
use zeroize::Zeroizing;

/// The metadata database in the data directory.
pub(crate) const META_FILE: &str = "meta.sqlite";
/// The blob folder in the data directory.
pub(crate) const BLOB_DIR: &str = "blobs";

/// The `server_config` key of the OPAQUE `ServerSetup` (OPRF seed and AKE key pair).
const OPAQUE_SETUP_KEY: &str = "opaque_server_setup";

/// Shared by all requests. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub meta: MetaStore,
    pub blobs: BlobStore,
    pub settings: Arc<Settings>,
    pub(crate) opaque: Arc<ServerSetup>,
    /// Wakes the cleanup task early (e.g. after a delete queued blobs).
    pub(crate) cleanup_wake: Arc<Notify>,
    /// Sessions the database confirmed a moment ago.
    pub(crate) sessions: Arc<SessionCache>,
    /// Link-key checks in progress (rate limiting, `link_attempts.rs`).
    pub(crate) link_attempts: Arc<LinkAttempts>,
    /// Per-account bandwidth buckets (`bandwidth.rs`).
    pub(crate) bandwidth: Arc<Bandwidth>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error("the stored OPAQUE server setup is unreadable")]
    OpaqueSetup,
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
}

impl AppState {
    /// Opens (creating if needed) the stores under `data_dir`, and loads the OPAQUE server setup
    /// or generates it on first start. Restarting on the same directory keeps every account able
    /// to log in.
    pub async fn open(data_dir: &Path, settings: Settings) -> Result<AppState, StartupError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StartupError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let meta = MetaStore::open_sqlite(&data_dir.join(META_FILE))
            .await?
            .with_default_limits(settings.default_limits);
        let blobs = BlobStore::open_local(&data_dir.join(BLOB_DIR))?;
        let opaque = load_or_create_setup(&meta).await?;
        Ok(AppState {
            meta,
            blobs,
            settings: Arc::new(settings),
            opaque: Arc::new(opaque),
            cleanup_wake: Arc::new(Notify::new()),
            sessions: Arc::new(SessionCache::default()),
            link_attempts: Arc::new(LinkAttempts::default()),
            bandwidth: Arc::new(Bandwidth::default()),
        })
    }
}

async fn load_or_create_setup(meta: &MetaStore) -> Result<ServerSetup, StartupError> {
    let stored = match meta.server_config(OPAQUE_SETUP_KEY).await? {
        Some(bytes) => Zeroizing::new(bytes),
        None => {
            let fresh = Zeroizing::new(ServerSetup::generate(&mut coffer_crypto::OsRng).to_bytes());
            // If another process raced us, its setup wins and we use that one.
            Zeroizing::new(meta.init_server_config(OPAQUE_SETUP_KEY, &fresh).await?)
        }
    };
    ServerSetup::from_bytes(&stored).map_err(|_| StartupError::OpaqueSetup)
}

/// Unix milliseconds now, the store's time unit.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `now + d` in milliseconds, saturating.
pub(crate) fn ms_after(now: i64, d: std::time::Duration) -> i64 {
    now.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
