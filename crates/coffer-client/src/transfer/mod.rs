//! Encrypted transfers: uploads (resumable, parallel), downloads (verified before they land),
//! and whole folders.
//!
//! The SDK never prints: it reports through a [`ProgressSink`] and stops on a [`CancelToken`].
//! Memory stays flat: chunks are read, encrypted and sent one at a time per slot, and the number
//! of chunk buffers alive across all transfers of a drive is bounded.

mod batch;
mod buffers;
mod commit;
mod download;
mod get;
mod local_tree;
mod media_type;
mod partial;
mod pending;
mod plain_hash;
mod put;
mod resume;
mod source;
mod upload;

pub(crate) use buffers::{BufferPool, SPARE_BUFFERS};
pub(crate) use download::{ChunkBudget, ChunkSource, download_file};
pub use get::GetSummary;
pub(crate) use get::{TreeSource, get_folder};
pub use pending::PendingUpload;
pub use put::PutSummary;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Names one file transfer in [`ProgressSink`] calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransferId(pub u64);

impl TransferId {
    pub(crate) fn next() -> TransferId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TransferId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Receives progress; every method has a default that ignores it. Called from transfer tasks,
/// possibly from several threads at once.
pub trait ProgressSink: Send + Sync {
    /// A folder transfer will move `files` files of `bytes` bytes in all.
    fn batch_started(&self, files: u64, bytes: u64) {
        let _ = (files, bytes);
    }
    /// A file transfer starts: `path` is the drive path (upload) or local path (download).
    fn file_started(&self, id: TransferId, path: &str, bytes: u64) {
        let _ = (id, path, bytes);
    }
    /// One chunk of `bytes` plaintext bytes was sent and acknowledged, or received and
    /// verified. Called once per chunk.
    fn transferred(&self, id: TransferId, bytes: u64) {
        let _ = (id, bytes);
    }
    /// One chunk of `bytes` plaintext bytes was already on the server (resumed upload) and was
    /// not sent again. Called once per chunk.
    fn skipped(&self, id: TransferId, bytes: u64) {
        let _ = (id, bytes);
    }
    /// The file transfer completed (committed, or verified and renamed into place).
    fn file_finished(&self, id: TransferId) {
        let _ = id;
    }
    /// A key rotation gave the folder at `path` a new key (one call per folder, top-down).
    fn folder_rekeyed(&self, path: &str) {
        let _ = path;
    }
}

/// A sink that ignores everything.
pub struct NoProgress;
impl ProgressSink for NoProgress {}

/// Cancels transfers cooperatively: they stop between chunks with
/// [`crate::ClientError::Cancelled`]. An upload stopped this way stays resumable.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn check(&self) -> crate::Result<()> {
        if self.is_cancelled() {
            return Err(crate::ClientError::Cancelled);
        }
        Ok(())
    }
}

/// How a transfer runs.
#[derive(Clone)]
pub struct TransferOptions {
    /// Chunks of one file in flight at once (default 4).
    pub chunks_in_flight: usize,
    /// Files moving at once in a folder transfer (default 8; small files are request-bound).
    pub files_in_flight: usize,
    pub progress: Arc<dyn ProgressSink>,
    pub cancel: CancelToken,
}

impl Default for TransferOptions {
    fn default() -> Self {
        TransferOptions {
            chunks_in_flight: 4,
            files_in_flight: 8,
            progress: Arc::new(NoProgress),
            cancel: CancelToken::new(),
        }
    }
}

impl TransferOptions {
    pub(crate) fn chunk_slots(&self) -> usize {
        self.chunks_in_flight.max(1)
    }

    pub(crate) fn file_slots(&self) -> usize {
        self.files_in_flight.max(1)
    }
}
