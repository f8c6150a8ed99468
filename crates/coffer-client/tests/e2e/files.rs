//! put/get of single files and folder trees, byte for byte; replacing content.

use crate::common::{TestServer, bytes, new_drive, snapshot};
use coffer_client::{ClientError, NodeKind, TransferOptions};

const MIB: usize = 1 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_every_boundary_size_round_trip() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let opts = TransferOptions::default();
    drive.mkdir("/sizes", false).await.unwrap();
    let sizes = [0, 1, MIB, MIB + 1, 5 * MIB + MIB / 2];
    for (i, size) in sizes.into_iter().enumerate() {
        let name = format!("f{size}.bin");
        let src = local.path().join(&name);
        let data = bytes(size, i as u64);
        std::fs::write(&src, &data).unwrap();
        let entry = drive.put_file(&src, "/sizes/", &opts).await.unwrap();
        assert_eq!(entry.path.to_string(), format!("/sizes/{name}"));
        assert_eq!(entry.size, Some(size as u64));
        assert_eq!(
            entry.blake3.as_deref(),
            Some(blake3::hash(&data).to_hex().as_str())
        );

        let out = local.path().join(format!("out{size}"));
        let written = drive
            .get_file(&entry.path.to_string(), &out, &opts)
            .await
            .unwrap();
        assert_eq!(written, out);
        assert!(std::fs::read(&out).unwrap() == data, "size {size} differs");
    }
    let listed = drive.ls("/sizes").await.unwrap();
    let mut names: Vec<_> = listed.iter().map(|e| (e.name.clone(), e.size)).collect();
    names.sort();
    let mut want: Vec<_> = sizes
        .iter()
        .map(|s| (format!("f{s}.bin"), Some(*s as u64)))
        .collect();
    want.sort();
    assert_eq!(names, want);
    // `get file dir/` keeps the name; `put file name` renames.
    let into = local.path().join("into");
    std::fs::create_dir(&into).unwrap();
    let written = drive.get_file("/sizes/f1.bin", &into, &opts).await.unwrap();
    assert_eq!(written, into.join("f1.bin"));
    let renamed = drive
        .put_file(&local.path().join("f1.bin"), "/sizes/one", &opts)
        .await
        .unwrap();
    assert_eq!(renamed.path.to_string(), "/sizes/one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_tree_round_trips() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("project");
    for (i, rel) in [
        "a.txt",
        "empty",
        "sub/b.bin",
        "sub/deeper/c",
        "sub/deeper/d e",
    ]
    .iter()
    .enumerate()
    {
        let path = src.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes(i * 1000 + usize::from(i == 2) * MIB, i as u64)).unwrap();
    }
    std::fs::create_dir_all(src.join("empty-dir")).unwrap();
    let opts = TransferOptions::default();
    let summary = drive.put_dir(&src, "/", &opts).await.unwrap();
    assert_eq!(summary.files, 5);
    assert_eq!(summary.folders_created, 4);
    assert!(summary.skipped.is_empty());

    let tree = drive.tree("/project").await.unwrap();
    let names: Vec<_> = tree
        .children
        .iter()
        .map(|c| c.entry.name.as_str())
        .collect();
    assert_eq!(names, ["a.txt", "empty", "empty-dir", "sub"]);
    assert_eq!(tree.children[2].entry.kind, NodeKind::Folder);

    let out = local.path().join("out");
    let got = drive.get_dir("/project", &out, &opts).await.unwrap();
    assert_eq!(got.target, out);
    assert_eq!(got.files, 5);
    assert_eq!(snapshot(&out), snapshot(&src));
    assert!(out.join("empty-dir").is_dir());

    // Uploading again merges: same folders, new versions, nothing duplicated.
    std::fs::write(src.join("a.txt"), b"changed").unwrap();
    let again = drive.put_dir(&src, "/", &opts).await.unwrap();
    assert_eq!(again.folders_created, 0);
    let out2 = local.path().join("out2");
    drive.get_dir("/project", &out2, &opts).await.unwrap();
    assert_eq!(snapshot(&out2), snapshot(&src));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_put_replaces_the_content() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let opts = TransferOptions::default();
    let path = local.path().join("notes.txt");
    std::fs::write(&path, bytes(3 * MIB, 1)).unwrap();
    let first = drive.put_file(&path, "/notes.txt", &opts).await.unwrap();
    let second_content = bytes(MIB / 3, 2);
    std::fs::write(&path, &second_content).unwrap();
    let second = drive.put_file(&path, "/", &opts).await.unwrap();
    assert_eq!(second.id, first.id, "same node, new version");
    assert!(second.revision > first.revision);
    assert_eq!(second.media_type.as_deref(), Some("text/plain"));
    let listed = drive.ls("/").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size, Some(second_content.len() as u64));
    let out = local.path().join("out.txt");
    drive.get_file("/notes.txt", &out, &opts).await.unwrap();
    assert!(std::fs::read(&out).unwrap() == second_content);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_transfer_requests_fail_cleanly() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let opts = TransferOptions::default();
    let file = local.path().join("f");
    std::fs::write(&file, b"x").unwrap();
    let missing = drive
        .get_file("/nope", &local.path().join("o"), &opts)
        .await;
    assert!(matches!(missing, Err(ClientError::NotFound(p)) if p == "/nope"));
    assert!(!local.path().join("o").exists());
    let no_folder = drive.put_file(&file, "/no/such/", &opts).await;
    assert!(
        matches!(no_folder, Err(ClientError::NotFound(_))),
        "{no_folder:?}"
    );
    drive.mkdir("/d", false).await.unwrap();
    let folder_src = drive.get_file("/d", &local.path().join("o"), &opts).await;
    assert!(matches!(folder_src, Err(ClientError::IsAFolder(_))));
    let dir_src = drive.put_file(local.path(), "/", &opts).await;
    assert!(matches!(dir_src, Err(ClientError::IsAFolder(_))));
    drive.put_file(&file, "/d/f", &opts).await.unwrap();
    let through_file = drive.put_file(&file, "/d/f/", &opts).await;
    assert!(
        matches!(through_file, Err(ClientError::NotAFolder(_))),
        "{through_file:?}"
    );
}

/// Regression: downloads took their buffer permits inside the chunk fetches, in whatever order
/// those ran, so later chunks could hold every permit while the chunk to write next waited for
/// one — a download with more chunks in flight than the drive has buffers, or a folder download
/// of several multi-chunk files, hung forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_never_deadlock_on_the_shared_chunk_buffers() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("many");
    std::fs::create_dir(&src).unwrap();
    for i in 0..8u64 {
        std::fs::write(src.join(format!("f{i}.bin")), bytes(4 * MIB + 3, i)).unwrap();
    }
    let big = local.path().join("big.bin");
    std::fs::write(&big, bytes(24 * MIB + 5, 99)).unwrap();
    let opts = TransferOptions::default();
    drive.put_dir(&src, "/", &opts).await.unwrap();
    drive.put_file(&big, "/", &opts).await.unwrap();

    let wide = TransferOptions {
        chunks_in_flight: 16,
        files_in_flight: 8,
        ..TransferOptions::default()
    };
    let out = local.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let limit = std::time::Duration::from_secs(120);
    let got = tokio::time::timeout(limit, drive.get_file("/big.bin", &out, &wide)).await;
    got.expect("the download finished").unwrap();
    let got = tokio::time::timeout(limit, drive.get_dir("/many", &out, &wide)).await;
    got.expect("the folder download finished").unwrap();
    assert_eq!(snapshot(&out.join("many")), snapshot(&src));
    assert!(std::fs::read(out.join("big.bin")).unwrap() == std::fs::read(&big).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_small_files_go_in_batches_and_round_trip() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("many");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    // More than two batches of files, the limit on both sides of it, and one large file.
    for i in 0..600u64 {
        let dir = if i % 3 == 0 {
            src.join("sub")
        } else {
            src.clone()
        };
        std::fs::write(
            dir.join(format!("f{i}")),
            bytes((i as usize * 37) % 5000, i),
        )
        .unwrap();
    }
    let limit = coffer_api::MAX_SMALL_FILE as usize;
    std::fs::write(src.join("at-limit"), bytes(limit, 7)).unwrap();
    std::fs::write(src.join("over-limit"), bytes(limit + 1, 8)).unwrap();
    std::fs::write(src.join("large"), bytes(2 * MIB + 5, 9)).unwrap();
    let opts = TransferOptions::default();
    let summary = drive.put_dir(&src, "/", &opts).await.unwrap();
    assert_eq!(summary.files, 603);
    assert_eq!(drive.ls("/many/sub").await.unwrap().len(), 200);

    let out = local.path().join("out");
    drive.get_dir("/many", &out, &opts).await.unwrap();
    assert_eq!(snapshot(&out), snapshot(&src));

    // Changed small files get new versions through batches too; one file alone as well.
    std::fs::write(src.join("f1"), b"changed").unwrap();
    std::fs::write(src.join("sub/f0"), b"").unwrap();
    drive.put_dir(&src, "/", &opts).await.unwrap();
    let alone = local.path().join("alone.txt");
    std::fs::write(&alone, b"one small file").unwrap();
    let entry = drive.put_file(&alone, "/many/sub/", &opts).await.unwrap();
    assert_eq!(entry.size, Some(14));
    std::fs::copy(&alone, src.join("sub/alone.txt")).unwrap();
    let out2 = local.path().join("out2");
    drive.get_dir("/many", &out2, &opts).await.unwrap();
    assert_eq!(snapshot(&out2), snapshot(&src));
}

/// Counts the chunks a transfer reports.
#[derive(Default)]
struct ChunkCounter(std::sync::atomic::AtomicU64);

impl coffer_client::ProgressSink for ChunkCounter {
    fn transferred(&self, _: coffer_client::TransferId, _: u64) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_file_goes_in_big_chunks_and_round_trips() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    // 64 MiB and a bit: 8 chunks of 8 MiB, then a short last one with a partial last block.
    let data = bytes(64 * MIB + 4097, 7);
    let src = local.path().join("big.bin");
    std::fs::write(&src, &data).unwrap();
    let count = |counter: &std::sync::Arc<ChunkCounter>| {
        counter.0.load(std::sync::atomic::Ordering::SeqCst)
    };
    let up = std::sync::Arc::new(ChunkCounter::default());
    let opts = TransferOptions {
        progress: up.clone(),
        ..TransferOptions::default()
    };
    let entry = drive.put_file(&src, "/big.bin", &opts).await.unwrap();
    assert_eq!(count(&up), 9);
    let down = std::sync::Arc::new(ChunkCounter::default());
    let opts = TransferOptions {
        progress: down.clone(),
        ..TransferOptions::default()
    };
    let out = local.path().join("out.bin");
    drive
        .get_file(&entry.path.to_string(), &out, &opts)
        .await
        .unwrap();
    assert_eq!(count(&down), 9);
    assert!(std::fs::read(&out).unwrap() == data, "the big file differs");
}
