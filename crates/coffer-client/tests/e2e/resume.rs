//! An interrupted upload resumes: only the chunks the server lacks are sent again.

use crate::common::{TestServer, bytes, new_drive};
use coffer_client::{CancelToken, ClientError, ProgressSink, TransferId, TransferOptions};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts chunks; cancels the transfer after `cancel_after` sent chunks, if set.
#[derive(Default)]
struct Counter {
    sent: AtomicU64,
    skipped: AtomicU64,
    cancel_after: Option<(u64, CancelToken)>,
}

impl ProgressSink for Counter {
    fn transferred(&self, _: TransferId, _: u64) {
        let sent = self.sent.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some((limit, cancel)) = &self.cancel_after {
            if sent >= *limit {
                cancel.cancel();
            }
        }
    }
    fn skipped(&self, _: TransferId, _: u64) {
        self.skipped.fetch_add(1, Ordering::SeqCst);
    }
}

fn options(counter: &Arc<Counter>, cancel: CancelToken) -> TransferOptions {
    TransferOptions {
        chunks_in_flight: 1,
        progress: Arc::clone(counter) as Arc<dyn ProgressSink>,
        cancel,
        ..TransferOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_upload_sends_only_the_missing_chunks() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("big.bin");
    let data = bytes((5 << 20) + (1 << 19), 7); // 5.5 MiB: 6 chunks
    std::fs::write(&src, &data).unwrap();

    let cancel = CancelToken::new();
    let first = Arc::new(Counter {
        cancel_after: Some((2, cancel.clone())),
        ..Counter::default()
    });
    let stopped = drive.put_file(&src, "/", &options(&first, cancel)).await;
    assert!(
        matches!(stopped, Err(ClientError::Cancelled)),
        "{stopped:?}"
    );
    assert!(
        drive.ls("/").await.unwrap().is_empty(),
        "nothing visible before commit"
    );

    let pending = drive.pending_uploads("/").await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].name, "big.bin");
    assert_eq!(pending[0].chunk_count, 6);
    let received = pending[0].chunks_received;
    assert!((2..6).contains(&received), "received {received}");

    let second = Arc::new(Counter::default());
    let entry = drive
        .put_file(&src, "/", &options(&second, CancelToken::new()))
        .await
        .unwrap();
    assert_eq!(second.skipped.load(Ordering::SeqCst), received);
    assert_eq!(second.sent.load(Ordering::SeqCst), 6 - received);
    assert!(drive.pending_uploads("/").await.unwrap().is_empty());

    let out = local.path().join("out.bin");
    drive
        .get_file(&entry.path.to_string(), &out, &TransferOptions::default())
        .await
        .unwrap();
    assert!(std::fs::read(&out).unwrap() == data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_changed_behind_the_same_mtime_starts_over_correctly() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("f.bin");
    std::fs::write(&src, bytes(3 << 20, 1)).unwrap();
    let mtime = std::fs::metadata(&src).unwrap().modified().unwrap();

    let cancel = CancelToken::new();
    let first = Arc::new(Counter {
        cancel_after: Some((1, cancel.clone())),
        ..Counter::default()
    });
    let stopped = drive.put_file(&src, "/", &options(&first, cancel)).await;
    assert!(matches!(stopped, Err(ClientError::Cancelled)));

    // Same size, same mtime, other bytes: the resumed chunk list cannot match.
    let changed = bytes(3 << 20, 2);
    std::fs::write(&src, &changed).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&src)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let counter = Arc::new(Counter::default());
    drive
        .put_file(&src, "/", &options(&counter, CancelToken::new()))
        .await
        .unwrap();
    let out = local.path().join("out");
    drive
        .get_file("/f.bin", &out, &TransferOptions::default())
        .await
        .unwrap();
    assert!(std::fs::read(&out).unwrap() == changed);
    assert!(drive.pending_uploads("/").await.unwrap().is_empty());
}
