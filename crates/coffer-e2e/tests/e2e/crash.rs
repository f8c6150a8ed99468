//! Crashes: kill -9 of the server in the middle of a multi-chunk upload, and kill -9 of the
//! CLI in the middle of one. After a restart the same `put` resumes, sends only the missing
//! chunks, and the result is byte-identical; a half-written file is never listed.

use coffer_client::{ProgressSink, SessionStore, TransferId, TransferOptions};
use coffer_e2e::{PASSWORD, ServerProcess, assert_store_consistent, binary, pseudo_random, signup};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CHUNK: u64 = 1024 * 1024;

/// Counts chunks sent and skipped; after `signal_after` sent chunks it notifies once.
struct Counter {
    sent: AtomicU64,
    skipped: AtomicU64,
    signal_after: u64,
    signal: std::sync::Mutex<Option<std::sync::mpsc::Sender<()>>>,
}

impl Counter {
    fn new(signal_after: u64) -> (Arc<Counter>, std::sync::mpsc::Receiver<()>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let counter = Counter {
            sent: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            signal_after,
            signal: std::sync::Mutex::new(Some(tx)),
        };
        (Arc::new(counter), rx)
    }
}

impl ProgressSink for Counter {
    fn transferred(&self, _: TransferId, _: u64) {
        if self.sent.fetch_add(1, Ordering::SeqCst) + 1 == self.signal_after {
            if let Some(tx) = self.signal.lock().unwrap().take() {
                let _ = tx.send(());
            }
        }
    }
    fn skipped(&self, _: TransferId, _: u64) {
        self.skipped.fetch_add(1, Ordering::SeqCst);
    }
}

fn options(sink: Arc<Counter>) -> TransferOptions {
    TransferOptions {
        progress: sink,
        ..TransferOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_upload_then_put_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = ServerProcess::start(&data);
    let addr = server.addr().to_string();
    let drive = signup(&server.url, "crash@example.org", &tmp.path().join("cfg")).await;
    let chunks = 40;
    let content = pseudo_random(42, (chunks * CHUNK - 7) as usize);
    let local = tmp.path().join("big.bin");
    std::fs::write(&local, &content).unwrap();

    let (counter, acked) = Counter::new(5);
    let upload = {
        let drive = drive.clone();
        let local = local.clone();
        let opts = options(counter.clone());
        tokio::spawn(async move { drive.put_file(&local, "/", &opts).await })
    };
    tokio::task::spawn_blocking(move || acked.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("five chunks were acknowledged");
    assert!(
        drive.ls("/").await.unwrap().is_empty(),
        "nothing listed before commit"
    );
    server.kill();
    let interrupted = upload.await.unwrap();
    assert!(
        interrupted.is_err(),
        "the upload cannot finish without a server"
    );
    let sent_before = counter.sent.load(Ordering::SeqCst);
    assert!(
        sent_before < chunks,
        "the upload was interrupted, not finished"
    );

    let server = ServerProcess::start_on(&data, &addr);
    let drive = coffer_client::Drive::open(
        SessionStore::new(tmp.path().join("cfg"))
            .load()
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert!(
        drive.ls("/").await.unwrap().is_empty(),
        "no half-written node after the crash"
    );

    let (counter, _) = Counter::new(u64::MAX);
    drive
        .put_file(&local, "/", &options(counter.clone()))
        .await
        .unwrap();
    let (sent, skipped) = (
        counter.sent.load(Ordering::SeqCst),
        counter.skipped.load(Ordering::SeqCst),
    );
    assert!(
        skipped >= 5,
        "acknowledged chunks are not sent again (skipped {skipped})"
    );
    assert_eq!(
        sent + skipped,
        chunks,
        "every chunk is either skipped or sent once"
    );

    let dest = tmp.path().join("back.bin");
    drive
        .get_file("/big.bin", &dest, &TransferOptions::default())
        .await
        .unwrap();
    assert!(
        std::fs::read(&dest).unwrap() == content,
        "byte-identical after resume"
    );
    assert_eq!(drive.ls("/").await.unwrap().len(), 1);
    // Beside the running server: the crash left garbage at worst, no dangling reference.
    assert_store_consistent(&server.data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_killed_mid_upload_then_put_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&tmp.path().join("data"));
    let cfg = tmp.path().join("cfg");
    let drive = signup(&server.url, "cli-crash@example.org", &cfg).await;
    let content = pseudo_random(43, 300 * CHUNK as usize + 11);
    let local = tmp.path().join("huge.bin");
    std::fs::write(&local, &content).unwrap();

    let coffer = |args: &[&str]| {
        let mut cmd = std::process::Command::new(binary("coffer"));
        cmd.args(args)
            .env("COFFER_CONFIG_DIR", &cfg)
            .env("COFFER_PASSWORD", PASSWORD)
            .stdin(std::process::Stdio::null());
        cmd
    };
    let mut child = coffer(&["put", local.to_str().unwrap(), "/"])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pending = drive.pending_uploads("/").await.unwrap();
        if pending.iter().any(|p| p.chunks_received > 0) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the CLI finished before it could be killed"
        );
        assert!(Instant::now() < deadline, "the upload never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        drive.ls("/").await.unwrap().is_empty(),
        "nothing listed after the client died"
    );

    let status = coffer(&["put", local.to_str().unwrap(), "/"])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        drive.pending_uploads("/").await.unwrap().is_empty(),
        "the session was reused"
    );
    let dest = tmp.path().join("back.bin");
    let status = coffer(&["get", "/huge.bin", dest.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        std::fs::read(&dest).unwrap() == content,
        "byte-identical after resume"
    );
    assert_store_consistent(&server.data_dir);
}
