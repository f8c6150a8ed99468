//! Group commit for SQLite: one `fdatasync` of the write-ahead log makes every transaction
//! committed before it durable, however many there were.
//!
//! The writer connection runs with `synchronous = NORMAL`: a commit appends its frames to the WAL
//! without syncing it, and frees the connection for the next writer at once. The caller then
//! waits in [`WalSync::wait_durable`] until a sync that *started after its commit* has finished;
//! only then does the store call return, so nothing is acknowledged before it is on disk, exactly
//! as with `synchronous = FULL`. One sync task syncs whatever was committed while the previous
//! sync ran: under load, dozens of commits share one sync.
//!
//! Why this is sound: SQLite's WAL recovery replays every frame up to the last commit frame whose
//! cumulative checksum is valid; a transaction whose frames were all written (by `write`, before
//! its commit returned) and then synced is recovered after a power cut. Checkpoints sync the WAL
//! themselves before copying it (SQLite does that at `NORMAL` too). The WAL file is opened anew
//! for each sync, so a restarted WAL is never missed, and `fdatasync` applies to the file, not to
//! the descriptor, so frames SQLite wrote through its own descriptor are included. A failed sync
//! fails every waiting call and every later one: the process must restart (and SQLite recover)
//! before it acknowledges anything again.

use crate::error::{Result, StoreError};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Notify, watch};

/// What the sync task has made durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Synced {
    /// Every commit numbered up to this one is durable.
    UpTo(u64),
    /// A sync failed: nothing after it can be promised.
    Failed,
}

pub(crate) struct WalSync {
    /// Commits so far (a commit takes the next number once it has returned).
    committed: AtomicU64,
    /// Syncs done (for tests and diagnostics).
    syncs: AtomicU64,
    /// Wakes the sync task: commits are waiting, or the store is gone.
    wake: Arc<Notify>,
    synced: watch::Receiver<Synced>,
}

impl std::fmt::Debug for WalSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalSync")
            .field("committed", &self.committed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Drop for WalSync {
    fn drop(&mut self) {
        self.wake.notify_one(); // lets the task see the store is gone and end
    }
}

impl WalSync {
    /// Starts the sync task for the WAL of the database at `db` (`<db>-wal`).
    pub fn start(db: &std::path::Path) -> Arc<WalSync> {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let (tx, rx) = watch::channel(Synced::UpTo(0));
        let wake = Arc::new(Notify::new());
        let sync = Arc::new(WalSync {
            committed: AtomicU64::new(0),
            syncs: AtomicU64::new(0),
            wake: Arc::clone(&wake),
            synced: rx,
        });
        tokio::spawn(sync_task(
            Arc::downgrade(&sync),
            wake,
            PathBuf::from(wal),
            tx,
        ));
        sync
    }

    /// Log syncs done so far.
    #[cfg(test)]
    pub fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// Call right after a write transaction committed: returns once it is durable.
    pub async fn wait_durable(&self) -> Result<()> {
        let mine = self.committed.fetch_add(1, Ordering::SeqCst) + 1;
        self.wake.notify_one();
        let mut synced = self.synced.clone();
        let outcome = synced
            .wait_for(|s| matches!(s, Synced::Failed) || matches!(s, Synced::UpTo(n) if *n >= mine))
            .await
            .map(|s| *s);
        match outcome {
            Ok(Synced::UpTo(_)) => Ok(()),
            Ok(Synced::Failed) | Err(_) => Err(StoreError::Io(std::io::Error::other(
                "the database log could not be made durable; restart the server",
            ))),
        }
    }
}

/// Syncs the WAL whenever commits are waiting, until the store is dropped.
async fn sync_task(
    store: std::sync::Weak<WalSync>,
    wake: Arc<Notify>,
    wal: PathBuf,
    tx: watch::Sender<Synced>,
) {
    let mut done = 0;
    loop {
        let Some(target) = store.upgrade().map(|s| s.committed.load(Ordering::SeqCst)) else {
            return;
        };
        if target == done {
            wake.notified().await;
            continue;
        }
        let path = wal.clone();
        let result = tokio::task::spawn_blocking(move || {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.sync_data())
        })
        .await;
        match result {
            Ok(Ok(())) => {
                if let Some(sync) = store.upgrade() {
                    sync.syncs.fetch_add(1, Ordering::Relaxed);
                }
                done = target;
                tx.send_replace(Synced::UpTo(done));
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "syncing the database log failed");
                tx.send_replace(Synced::Failed);
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "the database log sync task failed");
                tx.send_replace(Synced::Failed);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::MetaStore;
    use crate::conformance::{NOW, folder_in, new_account};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commits_share_syncs_and_all_persist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.sqlite");
        let meta = MetaStore::open_sqlite(&path).await.unwrap();
        let (account, root) = new_account(&meta, "group@example.org").await;
        let before = meta.durable.as_ref().unwrap().syncs();
        let folders: Vec<_> = (0..200u32)
            .map(|i| folder_in(root, &i.to_be_bytes()))
            .collect();
        let writes = folders.iter().map(|f| meta.create_folder(account, f, NOW));
        for done in futures::future::join_all(writes).await {
            done.unwrap();
        }
        let syncs = meta.durable.as_ref().unwrap().syncs() - before;
        assert!((1..200).contains(&syncs), "{syncs} syncs for 200 commits");
        meta.close().await;
        drop(meta);

        let reopened = MetaStore::open_sqlite(&path).await.unwrap();
        for f in &folders {
            reopened.get_node(account, f.id).await.unwrap();
        }
    }
}
