//! A server that serves altered data: the client refuses it and writes nothing.

use crate::common::{TestServer, bytes, new_drive};
use coffer_client::{ClientError, TransferOptions};
use std::path::{Path, PathBuf};

/// Every chunk blob the server stored, sorted by path.
fn blob_files(data_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![data_dir.join("blobs")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn nothing_written(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "src")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn altered_or_swapped_chunks_are_refused_and_nothing_lands() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("src");
    std::fs::write(&src, bytes((2 << 20) + 10, 3)).unwrap();
    let opts = TransferOptions::default();
    drive.put_file(&src, "/f", &opts).await.unwrap();
    let blobs = blob_files(server.data_dir());
    assert_eq!(blobs.len(), 3, "{blobs:?}");

    // Swap two full chunks (same length): each fails to authenticate at its index.
    let (a, b) = (
        std::fs::read(&blobs[0]).unwrap(),
        std::fs::read(&blobs[1]).unwrap(),
    );
    std::fs::write(&blobs[0], &b).unwrap();
    std::fs::write(&blobs[1], &a).unwrap();
    let out = local.path().join("out");
    let swapped = drive.get_file("/f", &out, &opts).await;
    assert!(
        matches!(swapped, Err(ClientError::Integrity { .. })),
        "{swapped:?}"
    );
    nothing_written(local.path());

    // One flipped bit in the last chunk.
    std::fs::write(&blobs[0], &a).unwrap();
    std::fs::write(&blobs[1], &b).unwrap();
    let mut last = std::fs::read(&blobs[2]).unwrap();
    last[3] ^= 0x10;
    std::fs::write(&blobs[2], &last).unwrap();
    let flipped = drive.get_file("/f", &out, &opts).await;
    match flipped {
        Err(ClientError::Integrity { path, reason }) => {
            assert_eq!(path, "/f");
            assert!(reason.contains("does not authenticate"), "{reason}");
        }
        other => panic!("expected an integrity error, got {other:?}"),
    }
    nothing_written(local.path());
}
