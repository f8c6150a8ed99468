//! Imported files (PROTOCOL.md §10.5): the import's checks, its download count, chunk reads
//! through the source's version, and the reference counting of that version's chunks.

use super::uploads::commit_file;
use super::*;

pub(super) async fn run(meta: &MetaStore) {
    imports_check_their_source_destination_and_link(meta).await;
    deleting_the_original_first_keeps_the_chunks(meta).await;
    deleting_the_import_first_keeps_the_chunks(meta).await;
    replacing_the_original_keeps_the_imported_version(meta).await;
}

/// The import of `source` (a committed file of the link's account) into `parent`.
pub(super) fn import_of(link: Id, source: &NodeRecord, parent: Id, tag: &[u8]) -> ImportedFile {
    let c = source.content.clone().expect("a file");
    ImportedFile {
        link_id: link,
        source_node: source.id,
        source_version: c.version_id,
        node_id: Id::random(),
        parent_id: parent,
        version_id: Id::random(),
        name_tag: tag.to_vec(),
        wrapped_key: vec![2; 93],
        encrypted_attributes: vec![9; 70],
        author_key: vec![3; 32],
        signature: vec![4; 64],
        header: c.header,
        chunk_size: c.chunk_size,
        ciphertext_size: c.ciphertext_size,
        chunk_count: c.chunk_count,
        chunk_list_hash: c.chunk_list_hash,
    }
}

pub(super) async fn link_to(
    meta: &MetaStore,
    owner: Id,
    node: Id,
    max_downloads: Option<u64>,
) -> Id {
    let link = NewLinkRecord {
        id: Id::random(),
        node_id: node,
        sealed_key: vec![7; 125],
        access_hash: [8; 32],
        password: None,
        expires_at: None,
        max_downloads,
    };
    meta.create_link(owner, &link, NOW).await.unwrap();
    link.id
}

async fn queued(meta: &MetaStore, version: Id) -> bool {
    meta.queued_versions(u32::MAX)
        .await
        .unwrap()
        .contains(&version)
}

fn version_of(node: &NodeRecord) -> Id {
    node.content.as_ref().expect("a file").version_id
}

async fn imports_check_their_source_destination_and_link(meta: &MetaStore) {
    let (alice, alice_root) = new_account(meta, "import-a@example.org").await;
    let (bob, bob_root) = new_account(meta, "import-b@example.org").await;
    let source = commit_file(meta, alice, alice_root, b"src", 300).await;
    let link = link_to(meta, alice, source.id, Some(2)).await;

    // Into Alice's folder: not Bob's, so not found (and nothing counted).
    let into_alice = import_of(link, &source, alice_root, b"x");
    assert_err(
        meta.import_file(bob, alice, &into_alice, NOW).await,
        "NotFound",
    );
    // Content fields that differ from the source's.
    let mut other = import_of(link, &source, bob_root, b"x");
    other.chunk_list_hash[0] ^= 1;
    assert_err(
        meta.import_file(bob, alice, &other, NOW).await,
        "ChunkListMismatch",
    );
    // A version that is not the source's current one.
    let mut stale = import_of(link, &source, bob_root, b"x");
    stale.source_version = Id::random();
    assert_err(
        meta.import_file(bob, alice, &stale, NOW).await,
        "RevisionConflict",
    );
    assert_eq!(meta.get_link(alice, link).await.unwrap().downloads, 0);

    let good = import_of(link, &source, bob_root, b"x");
    let node = meta.import_file(bob, alice, &good, NOW).await.unwrap();
    assert_eq!(node.id, good.node_id);
    assert_eq!(version_of(&node), good.version_id);
    assert_eq!(meta.get_link(alice, link).await.unwrap().downloads, 1);
    // Its chunk is the source's, under the node's own version id, keyed by the source's.
    let chunk = meta
        .chunk_for_download(bob, node.id, good.version_id, 0)
        .await
        .unwrap();
    assert_eq!((chunk.version_id, chunk.size), (version_of(&source), 300));
    // The importer is charged.
    assert_eq!(meta.usage(bob).await.unwrap().bytes_used, 300);
    // Taken name, reused ids.
    let same_name = import_of(link, &source, bob_root, b"x");
    assert_err(
        meta.import_file(bob, alice, &same_name, NOW).await,
        "NameExists",
    );
    let mut same_version = import_of(link, &source, bob_root, b"y");
    same_version.version_id = good.version_id;
    assert_err(
        meta.import_file(bob, alice, &same_version, NOW).await,
        "IdExists",
    );
    // The second download uses up the link; the third is refused with its state.
    meta.import_file(bob, alice, &import_of(link, &source, bob_root, b"z"), NOW)
        .await
        .unwrap();
    let third = meta
        .import_file(bob, alice, &import_of(link, &source, bob_root, b"w"), NOW)
        .await;
    assert!(
        matches!(third, Err(StoreError::LinkInactive(LinkState::Exhausted))),
        "{third:?}"
    );
}

async fn deleting_the_original_first_keeps_the_chunks(meta: &MetaStore) {
    let (alice, alice_root) = new_account(meta, "import-c@example.org").await;
    let (bob, bob_root) = new_account(meta, "import-d@example.org").await;
    let source = commit_file(meta, alice, alice_root, b"src", 200).await;
    let v = version_of(&source);
    let link = link_to(meta, alice, source.id, None).await;
    let import = import_of(link, &source, bob_root, b"i");
    meta.import_file(bob, alice, &import, NOW).await.unwrap();

    assert!(
        meta.delete_subtree(alice, source.id, false, NOW)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!queued(meta, v).await);
    assert_eq!(meta.usage(alice).await.unwrap().bytes_used, 0);
    meta.chunk_for_download(bob, import.node_id, import.version_id, 0)
        .await
        .unwrap();
    assert_eq!(
        meta.delete_subtree(bob, import.node_id, false, NOW)
            .await
            .unwrap(),
        vec![v]
    );
    assert!(queued(meta, v).await);
    assert!(!queued(meta, import.version_id).await);
}

async fn deleting_the_import_first_keeps_the_chunks(meta: &MetaStore) {
    let (alice, alice_root) = new_account(meta, "import-e@example.org").await;
    let (bob, bob_root) = new_account(meta, "import-f@example.org").await;
    let folder = folder_in(alice_root, b"shared");
    meta.create_folder(alice, &folder, NOW).await.unwrap();
    let source = commit_file(meta, alice, folder.id, b"src", 100).await;
    let v = version_of(&source);
    let link = link_to(meta, alice, folder.id, None).await;
    let inbox = folder_in(bob_root, b"inbox");
    meta.create_folder(bob, &inbox, NOW).await.unwrap();
    let import = import_of(link, &source, inbox.id, b"i");
    meta.import_file(bob, alice, &import, NOW).await.unwrap();

    // Bob's folder with the import goes; Alice's file still reads its chunks.
    assert!(
        meta.delete_subtree(bob, inbox.id, true, NOW)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!queued(meta, v).await);
    meta.chunk_for_download(alice, source.id, v, 0)
        .await
        .unwrap();
    // Then Alice's folder: the last reader.
    assert_eq!(
        meta.delete_subtree(alice, folder.id, true, NOW)
            .await
            .unwrap(),
        vec![v]
    );
}

async fn replacing_the_original_keeps_the_imported_version(meta: &MetaStore) {
    let (alice, alice_root) = new_account(meta, "import-g@example.org").await;
    let (bob, bob_root) = new_account(meta, "import-h@example.org").await;
    let source = commit_file(meta, alice, alice_root, b"src", 100).await;
    let v = version_of(&source);
    let link = link_to(meta, alice, source.id, None).await;
    let import = import_of(link, &source, bob_root, b"i");
    meta.import_file(bob, alice, &import, NOW).await.unwrap();

    // New content for the original, by session and by small-file batch.
    let mut upload = new_upload(alice_root, source.id, b"src", 50);
    upload.base_revision = Some(source.revision);
    meta.create_upload(alice, &upload, NOW).await.unwrap();
    meta.record_chunk(alice, upload.id, 0, 50, &[5; 32], NOW)
        .await
        .unwrap();
    let replaced = meta
        .commit_upload(alice, upload.id, &commit_with(&[[5; 32]]), NOW, list_hash)
        .await
        .unwrap();
    assert!(!queued(meta, v).await);
    let mut small = small_file(alice_root, b"src", &[1; 40]);
    small.node_id = source.id;
    small.base_revision = Some(replaced.revision);
    meta.commit_small_files(alice, &[small], NOW).await.unwrap();
    assert!(queued(meta, upload.version_id).await);
    assert!(!queued(meta, v).await);
    meta.chunk_for_download(bob, import.node_id, import.version_id, 0)
        .await
        .unwrap();

    // New content for the import itself: it stops reading V, which then goes.
    let mut own = new_upload(bob_root, import.node_id, b"i", 30);
    own.base_revision = Some(1);
    meta.create_upload(bob, &own, NOW).await.unwrap();
    meta.record_chunk(bob, own.id, 0, 30, &[6; 32], NOW)
        .await
        .unwrap();
    meta.commit_upload(bob, own.id, &commit_with(&[[6; 32]]), NOW, list_hash)
        .await
        .unwrap();
    assert!(queued(meta, v).await);
    let chunk = meta
        .chunk_for_download(bob, import.node_id, own.version_id, 0)
        .await
        .unwrap();
    assert_eq!((chunk.version_id, chunk.size), (own.version_id, 30));
}
