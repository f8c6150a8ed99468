//! Commits: a file appears whole, incomplete or mismatched uploads are refused, replacement.

use super::uploads::commit_file;
use super::*;

pub(super) async fn run(meta: &MetaStore) {
    upload_then_commit_makes_a_file(meta).await;
    commit_refuses_what_is_not_ready(meta).await;
    replacement_checks_revision_and_queues_old_version(meta).await;
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
