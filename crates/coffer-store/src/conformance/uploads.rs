//! Upload sessions, chunk rows, commits, replacement, expiry.

use super::*;

pub(super) async fn run(meta: &MetaStore) {
    upload_then_commit_makes_a_file(meta).await;
    chunks_are_idempotent_and_conflict_on_other_bytes(meta).await;
    commit_refuses_what_is_not_ready(meta).await;
    replacement_checks_revision_and_queues_old_version(meta).await;
    create_refuses_bad_targets(meta).await;
    listing_abandoning_and_expiry(meta).await;
    another_account_cannot_touch_uploads(meta).await;
}

/// Uploads and commits a one-chunk file; returns its node.
pub(crate) async fn commit_file(
    meta: &MetaStore,
    account: Id,
    parent: Id,
    tag: &[u8],
    size: u64,
) -> NodeRecord {
    let upload = new_upload(parent, Id::random(), tag, size);
    meta.create_upload(account, &upload, NOW).await.unwrap();
    let hash = [size as u8; 32];
    meta.record_chunk(account, upload.id, 0, size, &hash, NOW)
        .await
        .unwrap();
    meta.commit_upload(account, upload.id, &commit_with(&[hash]), NOW, list_hash)
        .await
        .unwrap()
}

async fn upload_then_commit_makes_a_file(meta: &MetaStore) {
    let (account, root) = new_account(meta, "upload@example.org").await;
    let upload = new_upload(root, Id::random(), b"f", 3 * 65552);
    assert_eq!(upload.chunk_count, 3);
    meta.create_upload(account, &upload, NOW).await.unwrap();
    let hashes = [[1u8; 32], [2; 32], [3; 32]];
    for i in [2u64, 0, 1] {
        let got = meta
            .record_chunk(account, upload.id, i, 65552, &hashes[i as usize], NOW)
            .await;
        assert_eq!(got.unwrap(), ChunkRecorded::Inserted);
    }
    let stored = meta.upload(account, upload.id).await.unwrap();
    assert_eq!(
        (stored.received, stored.state),
        (vec![0, 1, 2], UploadState::Open)
    );
    assert_eq!(
        meta.usage(account).await.unwrap().pending_upload_bytes,
        3 * 65552
    );

    let node = meta
        .commit_upload(
            account,
            upload.id,
            &commit_with(&hashes),
            NOW + 9,
            list_hash,
        )
        .await
        .unwrap();
    assert_eq!(node, meta.get_node(account, upload.node_id).await.unwrap());
    assert_eq!(
        (node.kind, node.revision, node.parent_id),
        (NodeKind::File, 1, Some(root))
    );
    assert_eq!(node.encrypted_attributes, vec![7; 60]);
    let content = node.content.unwrap();
    assert_eq!(
        (content.version_id, content.chunk_count, content.chunk_size),
        (upload.version_id, 3, 65536)
    );
    assert_eq!(content.chunk_list_hash, list_hash(&hashes));

    let chunk = meta
        .chunk_for_download(account, node.id, upload.version_id, 1)
        .await
        .unwrap();
    assert_eq!((chunk.size, chunk.hash), (65552, [2; 32]));
    assert_err(
        meta.chunk_for_download(account, node.id, upload.version_id, 3)
            .await,
        "NotFound",
    );
    assert_err(
        meta.chunk_for_download(account, node.id, Id::random(), 0)
            .await,
        "NotFound",
    );

    let usage = meta.usage(account).await.unwrap();
    assert_eq!(
        usage,
        UsageRecord {
            bytes_used: 3 * 65552,
            files: 1,
            folders: 0,
            pending_upload_bytes: 0
        }
    );
    assert_err(
        meta.commit_upload(account, upload.id, &commit_with(&hashes), NOW, list_hash)
            .await,
        "UploadCommitted",
    );
    assert_err(
        meta.record_chunk(account, upload.id, 0, 65552, &hashes[0], NOW)
            .await,
        "UploadCommitted",
    );
    assert_err(
        meta.abandon_upload(account, upload.id, NOW).await,
        "UploadCommitted",
    );
}

async fn chunks_are_idempotent_and_conflict_on_other_bytes(meta: &MetaStore) {
    let (account, root) = new_account(meta, "chunks@example.org").await;
    let upload = new_upload(root, Id::random(), b"f", 100);
    meta.create_upload(account, &upload, NOW).await.unwrap();
    let target = meta.chunk_target(account, upload.id, 0).await.unwrap();
    assert_eq!(
        (
            target.stored_hash,
            target.chunk_count,
            target.ciphertext_size
        ),
        (None, 1, 100)
    );
    meta.record_chunk(account, upload.id, 0, 100, &[1; 32], NOW)
        .await
        .unwrap();
    let again = meta
        .record_chunk(account, upload.id, 0, 100, &[1; 32], NOW)
        .await
        .unwrap();
    assert_eq!(again, ChunkRecorded::AlreadyStored);
    assert_err(
        meta.record_chunk(account, upload.id, 0, 100, &[2; 32], NOW)
            .await,
        "ChunkConflict",
    );
    let target = meta.chunk_target(account, upload.id, 0).await.unwrap();
    assert_eq!(target.stored_hash, Some([1; 32]));
    assert_err(
        meta.record_chunk(account, upload.id, 1, 1, &[1; 32], upload.expires_at)
            .await,
        "UploadExpired",
    );
}

async fn commit_refuses_what_is_not_ready(meta: &MetaStore) {
    let (account, root) = new_account(meta, "commit@example.org").await;
    let upload = new_upload(root, Id::random(), b"f", 2 * 65552);
    meta.create_upload(account, &upload, NOW).await.unwrap();
    meta.record_chunk(account, upload.id, 1, 65552, &[1; 32], NOW)
        .await
        .unwrap();
    let hashes = [[0u8; 32], [1; 32]];
    assert_err(
        meta.commit_upload(account, upload.id, &commit_with(&hashes), NOW, list_hash)
            .await,
        "UploadIncomplete",
    );
    meta.record_chunk(account, upload.id, 0, 65552, &[0; 32], NOW)
        .await
        .unwrap();
    let reversed = [[1u8; 32], [0; 32]];
    assert_err(
        meta.commit_upload(account, upload.id, &commit_with(&reversed), NOW, list_hash)
            .await,
        "ChunkListMismatch",
    );
    assert_err(
        meta.commit_upload(
            account,
            upload.id,
            &commit_with(&hashes),
            upload.expires_at,
            list_hash,
        )
        .await,
        "UploadExpired",
    );
    // A name taken meanwhile is refused at commit, and nothing changes.
    meta.create_folder(account, &folder_in(root, b"f"), NOW)
        .await
        .unwrap();
    assert_err(
        meta.commit_upload(account, upload.id, &commit_with(&hashes), NOW, list_hash)
            .await,
        "NameExists",
    );
    assert_err(meta.get_node(account, upload.node_id).await, "NotFound");
    assert_eq!(
        meta.upload(account, upload.id).await.unwrap().state,
        UploadState::Open
    );
}

async fn replacement_checks_revision_and_queues_old_version(meta: &MetaStore) {
    let (account, root) = new_account(meta, "replace@example.org").await;
    let file = commit_file(meta, account, root, b"doc", 10).await;
    let old_version = file.content.as_ref().unwrap().version_id;
    let mut upload = new_upload(root, file.id, b"doc", 20);
    upload.base_revision = Some(1);
    meta.create_upload(account, &upload, NOW).await.unwrap();
    meta.record_chunk(account, upload.id, 0, 20, &[20; 32], NOW)
        .await
        .unwrap();
    let node = meta
        .commit_upload(
            account,
            upload.id,
            &commit_with(&[[20; 32]]),
            NOW + 1,
            list_hash,
        )
        .await
        .unwrap();
    assert_eq!(
        (node.id, node.revision, node.created_at, node.updated_at),
        (file.id, 2, NOW, NOW + 1)
    );
    assert_eq!(node.content.unwrap().version_id, upload.version_id);
    assert!(
        meta.queued_versions(1000)
            .await
            .unwrap()
            .contains(&old_version)
    );
    assert_err(
        meta.chunk_for_download(account, file.id, old_version, 0)
            .await,
        "NotFound",
    );

    // A second replacement from the stale revision fails at create and at commit.
    let mut stale = new_upload(root, file.id, b"doc", 30);
    stale.base_revision = Some(1);
    assert_err(
        meta.create_upload(account, &stale, NOW).await,
        "RevisionConflict",
    );
    let mut racing = new_upload(root, file.id, b"doc", 30);
    racing.base_revision = Some(2);
    meta.create_upload(account, &racing, NOW).await.unwrap();
    meta.update_node(
        account,
        file.id,
        &NodeUpdate {
            parent_id: root,
            name_tag: b"doc2".to_vec(),
            wrapped_key: vec![1],
            encrypted_attributes: vec![1],
            author_key: vec![1; 32],
            signature: vec![1; 64],
            base_revision: 2,
        },
        NOW,
    )
    .await
    .unwrap();
    meta.record_chunk(account, racing.id, 0, 30, &[30; 32], NOW)
        .await
        .unwrap();
    assert_err(
        meta.commit_upload(
            account,
            racing.id,
            &commit_with(&[[30; 32]]),
            NOW,
            list_hash,
        )
        .await,
        "RevisionConflict",
    );
}

async fn create_refuses_bad_targets(meta: &MetaStore) {
    let (account, root) = new_account(meta, "targets@example.org").await;
    let file = commit_file(meta, account, root, b"file", 10).await;
    assert_err(
        meta.create_upload(account, &new_upload(file.id, Id::random(), b"x", 1), NOW)
            .await,
        "NotAFolder",
    );
    assert_err(
        meta.create_upload(
            account,
            &new_upload(Id::random(), Id::random(), b"x", 1),
            NOW,
        )
        .await,
        "NotFound",
    );
    assert_err(
        meta.create_upload(account, &new_upload(root, file.id, b"x", 1), NOW)
            .await,
        "IdExists",
    );
    assert_err(
        meta.create_upload(account, &new_upload(root, Id::random(), b"file", 1), NOW)
            .await,
        "NameExists",
    );
    let mut reused = new_upload(root, Id::random(), b"y", 1);
    reused.version_id = file.content.unwrap().version_id;
    assert_err(meta.create_upload(account, &reused, NOW).await, "IdExists");
    let mut of_folder = new_upload(root, root, b"", 1);
    of_folder.base_revision = Some(1);
    assert_err(
        meta.create_upload(account, &of_folder, NOW).await,
        "IdExists",
    );
}

async fn listing_abandoning_and_expiry(meta: &MetaStore) {
    let (account, root) = new_account(meta, "listing@example.org").await;
    let sub = folder_in(root, b"sub");
    meta.create_folder(account, &sub, NOW).await.unwrap();
    let in_root = new_upload(root, Id::random(), b"a", 10);
    let mut in_sub = new_upload(sub.id, Id::random(), b"b", 10);
    in_sub.expires_at = NOW + 100;
    let doomed = new_upload(root, Id::random(), b"c", 10);
    for u in [&in_root, &in_sub, &doomed] {
        meta.create_upload(account, u, NOW).await.unwrap();
    }
    meta.record_chunk(account, in_sub.id, 0, 10, &[1; 32], NOW)
        .await
        .unwrap();

    let all = meta.open_uploads(account, None, NOW).await.unwrap();
    assert_eq!(all.len(), 3);
    let only_sub = meta.open_uploads(account, Some(sub.id), NOW).await.unwrap();
    assert_eq!((only_sub.len(), only_sub[0].received.clone()), (1, vec![0]));

    assert_eq!(
        meta.abandon_upload(account, doomed.id, NOW).await.unwrap(),
        doomed.version_id
    );
    assert_err(meta.upload(account, doomed.id).await, "NotFound");
    assert!(
        meta.queued_versions(1000)
            .await
            .unwrap()
            .contains(&doomed.version_id)
    );

    // Past its expiry the session is no longer listed; past the grace it is swept and queued.
    assert_eq!(
        meta.open_uploads(account, None, NOW + 100)
            .await
            .unwrap()
            .len(),
        1
    );
    meta.sweep_expired(NOW + 150, 100).await.unwrap();
    meta.upload(account, in_sub.id).await.unwrap();
    let swept = meta.sweep_expired(NOW + 200, 100).await.unwrap();
    assert!(swept.uploads_expired >= 1, "{swept:?}");
    assert_err(meta.upload(account, in_sub.id).await, "NotFound");
    assert!(
        meta.queued_versions(1000)
            .await
            .unwrap()
            .contains(&in_sub.version_id)
    );
}

async fn another_account_cannot_touch_uploads(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "upowner@example.org").await;
    let (thief, thief_root) = new_account(meta, "upthief@example.org").await;
    let upload = new_upload(root, Id::random(), b"f", 10);
    meta.create_upload(owner, &upload, NOW).await.unwrap();
    meta.record_chunk(owner, upload.id, 0, 10, &[1; 32], NOW)
        .await
        .unwrap();

    assert_err(meta.upload(thief, upload.id).await, "NotFound");
    assert_err(meta.chunk_target(thief, upload.id, 0).await, "NotFound");
    assert_err(
        meta.record_chunk(thief, upload.id, 0, 10, &[1; 32], NOW)
            .await,
        "NotFound",
    );
    assert_err(meta.abandon_upload(thief, upload.id, NOW).await, "NotFound");
    assert_err(
        meta.commit_upload(thief, upload.id, &commit_with(&[[1; 32]]), NOW, list_hash)
            .await,
        "NotFound",
    );
    assert!(
        meta.open_uploads(thief, None, NOW)
            .await
            .unwrap()
            .is_empty()
    );
    assert_err(
        meta.create_upload(thief, &new_upload(root, Id::random(), b"x", 1), NOW)
            .await,
        "NotFound",
    );

    let file = commit_file(meta, owner, root, b"g", 5).await;
    let version = file.content.unwrap().version_id;
    assert_err(
        meta.chunk_for_download(thief, file.id, version, 0).await,
        "NotFound",
    );
    let mut replace = new_upload(thief_root, file.id, b"g", 5);
    replace.base_revision = Some(1);
    assert_err(meta.create_upload(thief, &replace, NOW).await, "NotFound");
}
