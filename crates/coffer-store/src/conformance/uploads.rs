//! Upload sessions and chunk rows: creation, idempotent chunks, listing, expiry, isolation.

use super::*;

pub(super) async fn run(meta: &MetaStore) {
    chunks_are_idempotent_and_conflict_on_other_bytes(meta).await;
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
