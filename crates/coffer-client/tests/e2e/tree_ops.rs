//! mkdir (-p), mv (rename and move), rm, ls, usage.

use crate::common::{TestServer, new_drive};
use coffer_client::{ClientError, NodeKind, TransferOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mkdir_mv_rm_and_ls() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;

    // mkdir and mkdir -p
    let deep = drive.mkdir("/a/b/c", true).await.unwrap();
    assert_eq!(deep.path.to_string(), "/a/b/c");
    assert_eq!(deep.kind, NodeKind::Folder);
    drive.mkdir("/a/b/c", true).await.unwrap();
    assert!(matches!(
        drive.mkdir("/a/b/c", false).await,
        Err(ClientError::AlreadyExists(_))
    ));
    assert!(matches!(
        drive.mkdir("/x/y", false).await,
        Err(ClientError::NotFound(_))
    ));
    assert!(matches!(
        drive.mkdir("/a/../b", false).await,
        Err(ClientError::InvalidPath { .. })
    ));

    // a file to move around
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("f.txt");
    std::fs::write(&file, b"hello").unwrap();
    let put = drive
        .put_file(&file, "/a/", &TransferOptions::default())
        .await
        .unwrap();

    // rename in place
    let renamed = drive.mv("/a/f.txt", "/a/g.txt").await.unwrap();
    assert_eq!(renamed.path.to_string(), "/a/g.txt");
    assert_eq!(renamed.id, put.id);
    // move into a folder (keeps the name)
    let moved = drive.mv("/a/g.txt", "/a/b/").await.unwrap();
    assert_eq!(moved.path.to_string(), "/a/b/g.txt");
    // move and rename at once
    let both = drive.mv("/a/b/g.txt", "/h.txt").await.unwrap();
    assert_eq!(both.path.to_string(), "/h.txt");
    let out = local.path().join("back");
    drive
        .get_file("/h.txt", &out, &TransferOptions::default())
        .await
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), b"hello");
    // a folder moves with its subtree
    drive.mv("/a/b", "/b2").await.unwrap();
    assert_eq!(drive.stat("/b2/c").await.unwrap().kind, NodeKind::Folder);
    assert!(matches!(
        drive.stat("/a/b").await,
        Err(ClientError::NotFound(_))
    ));

    // refused moves
    assert!(matches!(
        drive.mv("/b2", "/b2/c/").await,
        Err(ClientError::InvalidOperation { .. })
    ));
    assert!(matches!(
        drive.mv("/", "/x").await,
        Err(ClientError::InvalidOperation { .. })
    ));
    drive.mkdir("/clash", false).await.unwrap();
    drive
        .put_file(&file, "/clash/h.txt", &TransferOptions::default())
        .await
        .unwrap();
    assert!(matches!(
        drive.mv("/h.txt", "/clash/").await,
        Err(ClientError::AlreadyExists(_))
    ));
    assert!(matches!(
        drive.mv("/nope", "/x").await,
        Err(ClientError::NotFound(_))
    ));

    // ls: sorted, folders and files, a file lists itself
    let root: Vec<_> = drive
        .ls("/")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(root, ["a", "b2", "clash", "h.txt"]);
    let one = drive.ls("/h.txt").await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].size, Some(5));

    // rm
    assert!(matches!(
        drive.rm("/b2", false).await,
        Err(ClientError::FolderNotEmpty(_))
    ));
    drive.rm("/h.txt", false).await.unwrap();
    drive.rm("/b2", true).await.unwrap();
    assert!(matches!(
        drive.rm("/", true).await,
        Err(ClientError::InvalidOperation { .. })
    ));
    assert!(matches!(
        drive.rm("/h.txt", false).await,
        Err(ClientError::NotFound(_))
    ));
    let root: Vec<_> = drive
        .ls("/")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(root, ["a", "clash"]);

    let usage = drive.usage().await.unwrap();
    assert_eq!(usage.files, 1);
    assert!(usage.bytes_used >= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_do_not_see_each_other() {
    let server = TestServer::start();
    let (alice, _s1, _c1) = new_drive(&server).await;
    let (bob, _s2, _c2) = new_drive(&server).await;
    alice.mkdir("/private", false).await.unwrap();
    assert!(bob.ls("/").await.unwrap().is_empty());
    assert!(matches!(
        bob.stat("/private").await,
        Err(ClientError::NotFound(_))
    ));
}

/// Another client (a second drive on the same account) changes folders this drive has walked:
/// this drive's own changes show at once; others' at the latest after the folder cache's TTL
/// (a couple of seconds), and a folder deleted meanwhile is never written into.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_clients_changes_are_seen() {
    let server = TestServer::start();
    let (mine, store, _config) = new_drive(&server).await;
    let theirs = coffer_client::Drive::open(store.load().unwrap().unwrap()).unwrap();
    mine.mkdir("/x/y/z", true).await.unwrap();
    assert_eq!(mine.ls("/x/y").await.unwrap().len(), 1);

    // My own move and delete are seen at once.
    mine.mv("/x/y", "/x/w").await.unwrap();
    assert!(matches!(
        mine.ls("/x/y").await,
        Err(ClientError::NotFound(_))
    ));
    assert_eq!(mine.ls("/x/w").await.unwrap()[0].name, "z");

    // Theirs: a folder deleted under a path I walked a moment ago is not written into.
    assert_eq!(mine.ls("/x/w/z").await.unwrap().len(), 0);
    theirs.rm("/x", true).await.unwrap();
    assert!(matches!(
        mine.mkdir("/x/w/z/new", false).await,
        Err(ClientError::NotFound(_))
    ));
    mine.mkdir("/p/q", true).await.unwrap();
    theirs.mv("/p", "/r").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert!(matches!(
        mine.ls("/p/q").await,
        Err(ClientError::NotFound(_))
    ));
    assert!(mine.ls("/r/q").await.unwrap().is_empty());
}
