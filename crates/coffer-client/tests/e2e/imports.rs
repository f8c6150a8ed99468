//! Importing a public link into one's drive (PROTOCOL.md §10.5): no byte uploaded again, the
//! import outlives the original and the link, the importer pays the quota, and the blobs go
//! only when the last node reading them goes.

use crate::common::{TestServer, bytes, new_drive};
use coffer_client::{
    ClientError, DrivePath, LinkError, LinkOptions, LinkUrl, PublicLink, TransferOptions,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

async fn open(url: &str) -> coffer_client::Result<PublicLink> {
    PublicLink::open(&LinkUrl::parse(url).expect("a link URL"), None).await
}

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

/// Waits (at most 20 s) until the server's blob files number `want`.
async fn wait_for_blobs(server: &TestServer, want: usize) {
    for _ in 0..200 {
        if blob_files(server.data_dir()).len() == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "expected {want} blobs, found {:?}",
        blob_files(server.data_dir())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_outlives_the_original_and_the_link_and_is_charged_to_the_importer() {
    let server = TestServer::start();
    let (alice, _s1, _c1) = new_drive(&server).await;
    let (bob, _s2, _c2) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let opts = TransferOptions::default();
    // A file of two blob chunks, and a folder with a blob file and a small (inline) one.
    let big = bytes((1 << 20) + 300, 1);
    std::fs::write(local.path().join("big.bin"), &big).unwrap();
    let folder = local.path().join("album");
    std::fs::create_dir_all(folder.join("inner")).unwrap();
    let photo = bytes(100_000, 2);
    let note = bytes(10, 3);
    std::fs::write(folder.join("photo.jpg"), &photo).unwrap();
    std::fs::write(folder.join("inner/note.txt"), &note).unwrap();
    alice
        .put_file(&local.path().join("big.bin"), "/", &opts)
        .await
        .unwrap();
    alice.put_dir(&folder, "/", &opts).await.unwrap();
    wait_for_blobs(&server, 3).await;
    let alice_before = alice.usage().await.unwrap().bytes_used;

    let file_link = alice
        .create_link("/big.bin", LinkOptions::default())
        .await
        .unwrap();
    let folder_link = alice
        .create_link("/album", LinkOptions::default())
        .await
        .unwrap();
    bob.mkdir("/inbox", false).await.unwrap();
    let bob_before = bob.usage().await.unwrap().bytes_used;

    let link = open(&file_link.url).await.unwrap();
    let got = link
        .import(&bob, &DrivePath::root(), "/inbox")
        .await
        .unwrap();
    assert_eq!(got.files.len(), 1);
    assert_eq!(got.files[0].path.to_string(), "/inbox/big.bin");
    let link = open(&folder_link.url).await.unwrap();
    let got = link
        .import(&bob, &DrivePath::root(), "/inbox")
        .await
        .unwrap();
    assert_eq!((got.files.len(), got.folders), (2, 2));
    // No byte uploaded: still the three blobs.
    assert_eq!(blob_files(server.data_dir()).len(), 3);

    let out = tempfile::tempdir().unwrap();
    let check = |out: &Path| {
        assert_eq!(std::fs::read(out.join("big.bin")).unwrap(), big);
        assert_eq!(std::fs::read(out.join("album/photo.jpg")).unwrap(), photo);
        assert_eq!(
            std::fs::read(out.join("album/inner/note.txt")).unwrap(),
            note
        );
    };
    bob.get_dir("/inbox", out.path(), &opts).await.unwrap();
    check(&out.path().join("inbox"));
    let bob_after = bob.usage().await.unwrap();
    assert_eq!(bob_after.bytes_used - bob_before, alice_before);
    assert_eq!(bob_after.files, 3);

    // Alice deletes her originals and revokes the links: Bob's imports still read.
    alice.rm("/big.bin", false).await.unwrap();
    alice.rm("/album", true).await.unwrap();
    alice.revoke_link(file_link.link.id).await.unwrap();
    alice.revoke_link(folder_link.link.id).await.unwrap();
    assert_eq!(alice.usage().await.unwrap().bytes_used, 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(blob_files(server.data_dir()).len(), 3);
    let again = tempfile::tempdir().unwrap();
    bob.get_dir("/inbox", again.path(), &opts).await.unwrap();
    check(&again.path().join("inbox"));

    // The last reader gone, the blobs go.
    bob.rm("/inbox", true).await.unwrap();
    wait_for_blobs(&server, 0).await;
    assert_eq!(bob.usage().await.unwrap().bytes_used, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_count_as_downloads_and_need_a_free_name() {
    let server = TestServer::start();
    let (alice, _s1, _c1) = new_drive(&server).await;
    let (bob, _s2, _c2) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("f.txt"), b"once").unwrap();
    let opts = TransferOptions::default();
    alice
        .put_file(&local.path().join("f.txt"), "/", &opts)
        .await
        .unwrap();
    let once = LinkOptions {
        max_downloads: Some(1),
        ..LinkOptions::default()
    };
    let created = alice.create_link("/f.txt", once).await.unwrap();
    let link = open(&created.url).await.unwrap();
    bob.mkdir("/a", false).await.unwrap();
    bob.mkdir("/b", false).await.unwrap();
    link.import(&bob, &DrivePath::root(), "/a").await.unwrap();
    match link.import(&bob, &DrivePath::root(), "/b").await {
        Err(ClientError::Link(LinkError::Exhausted)) => {}
        other => panic!("expected link_exhausted, got {other:?}"),
    }

    // A taken name is refused (and counts nothing).
    let created = alice
        .create_link("/f.txt", LinkOptions::default())
        .await
        .unwrap();
    let link = open(&created.url).await.unwrap();
    let e = link
        .import(&bob, &DrivePath::root(), "/a")
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::AlreadyExists(_)), "{e:?}");
    assert_eq!(
        alice
            .links()
            .await
            .unwrap()
            .iter()
            .find(|l| l.id == created.link.id)
            .unwrap()
            .downloads,
        0
    );
    // A destination that is not one of Bob's folders.
    let e = link
        .import(&bob, &DrivePath::root(), "/nowhere")
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::NotFound(_)), "{e:?}");

    // A wrong link key never gets as far as an import.
    let mut wrong = created.url.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == 'A' { 'Q' } else { 'A' });
    assert!(open(&wrong).await.is_err());
}
