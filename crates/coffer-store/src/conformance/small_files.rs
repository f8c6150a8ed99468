//! Small files committed in batches: all or nothing, idempotent retries, every commit check,
//! the chunk served from its row, replacement and deletion.

use super::*;
use crate::BatchError;

pub(super) async fn run(meta: &MetaStore) {
    a_batch_makes_every_file_at_once(meta).await;
    a_bad_file_refuses_the_whole_batch(meta).await;
    replacing_checks_the_revision_and_queues_the_old_version(meta).await;
    another_account_gets_nothing(meta).await;
}

pub(crate) fn small_file(parent: Id, tag: &[u8], ciphertext: &[u8]) -> NewSmallFile {
    let chunk_hash = [ciphertext.len() as u8; 32];
    NewSmallFile {
        node_id: Id::random(),
        parent_id: parent,
        version_id: Id::random(),
        name_tag: tag.to_vec(),
        wrapped_key: vec![2; 93],
        encrypted_attributes: vec![7; 60],
        author_key: vec![1; 32],
        signature: vec![8; 64],
        header: vec![6; 106],
        chunk_size: 1 << 20,
        ciphertext: ciphertext.to_vec(),
        chunk_hash,
        chunk_list_hash: list_hash(&[chunk_hash]),
        base_revision: None,
    }
}

/// Asserts the batch was refused for file `index` with `want`.
fn assert_refused(r: Result<Vec<NodeRecord>, BatchError>, index: usize, want: &str) {
    let e = r.expect_err(want);
    assert_eq!(e.index, Some(index), "{want}");
    assert_err::<()>(Err(e.error), want);
}

async fn a_batch_makes_every_file_at_once(meta: &MetaStore) {
    let (account, root) = new_account(meta, "small@example.org").await;
    let folder = folder_in(root, b"dir");
    meta.create_folder(account, &folder, NOW).await.unwrap();
    let files = vec![
        small_file(root, b"a", b"first ciphertext"),
        small_file(folder.id, b"b", b"second"),
        small_file(root, b"c", &[0u8; 16]),
    ];
    let nodes = meta.commit_small_files(account, &files, NOW).await.unwrap();
    assert_eq!(nodes.len(), 3);
    for (node, file) in nodes.iter().zip(&files) {
        assert_eq!(*node, meta.get_node(account, file.node_id).await.unwrap());
        assert_eq!((node.kind, node.revision), (NodeKind::File, 1));
        assert_eq!(node.parent_id, Some(file.parent_id));
        let content = node.content.as_ref().unwrap();
        assert_eq!(
            (content.version_id, content.chunk_count),
            (file.version_id, 1)
        );
        assert_eq!(content.ciphertext_size, file.ciphertext.len() as u64);
        assert_eq!(content.chunk_list_hash, file.chunk_list_hash);
        let chunk = meta
            .chunk_for_download(account, node.id, file.version_id, 0)
            .await
            .unwrap();
        assert_eq!(chunk.inline.as_deref(), Some(&file.ciphertext[..]));
        assert_eq!(
            (chunk.size, chunk.hash),
            (file.ciphertext.len() as u64, file.chunk_hash)
        );
    }
    let usage = meta.usage(account).await.unwrap();
    assert_eq!((usage.files, usage.bytes_used), (3, 16 + 6 + 16));

    // A retry of the same batch (its answer lost) returns the same nodes, changing nothing.
    let again = meta.commit_small_files(account, &files, NOW + 5).await;
    assert_eq!(again.unwrap(), nodes);
    // The same ids with other content are not a retry.
    let mut other = files[0].clone();
    other.signature = vec![9; 64];
    let refused = meta.commit_small_files(account, &[other], NOW).await;
    assert_refused(refused, 0, "IdExists");
}

async fn a_bad_file_refuses_the_whole_batch(meta: &MetaStore) {
    let (account, root) = new_account(meta, "small-bad@example.org").await;
    let existing = small_file(root, b"taken", b"x");
    meta.commit_small_files(account, std::slice::from_ref(&existing), NOW)
        .await
        .unwrap();
    let good = small_file(root, b"fresh", b"y");

    let cases: Vec<(NewSmallFile, &str)> = vec![
        (small_file(root, b"taken", b"z"), "NameExists"),
        (small_file(Id::random(), b"n", b"z"), "NotFound"),
        (small_file(existing.node_id, b"n", b"z"), "NotAFolder"),
        (
            NewSmallFile {
                node_id: existing.node_id,
                ..small_file(root, b"n2", b"z")
            },
            "IdExists",
        ),
        (
            NewSmallFile {
                version_id: existing.version_id,
                ..small_file(root, b"n3", b"z")
            },
            "IdExists",
        ),
    ];
    for (bad, want) in cases {
        let batch = [good.clone(), bad];
        assert_refused(meta.commit_small_files(account, &batch, NOW).await, 1, want);
        assert_err(meta.get_node(account, good.node_id).await, "NotFound");
    }
    // Two files of one batch with one name: the second is refused, the first not kept.
    let twin = small_file(root, b"fresh", b"w");
    let twins = meta
        .commit_small_files(account, &[good.clone(), twin], NOW)
        .await;
    assert_refused(twins, 1, "NameExists");
    assert_err(meta.get_node(account, good.node_id).await, "NotFound");
}

async fn replacing_checks_the_revision_and_queues_the_old_version(meta: &MetaStore) {
    let (account, root) = new_account(meta, "small-replace@example.org").await;
    let first = small_file(root, b"f", b"one");
    let node = meta
        .commit_small_files(account, std::slice::from_ref(&first), NOW)
        .await
        .unwrap()
        .remove(0);

    let stale = NewSmallFile {
        node_id: node.id,
        base_revision: Some(node.revision + 1),
        ..small_file(root, b"f", b"two")
    };
    let refused = meta.commit_small_files(account, &[stale], NOW).await;
    assert_refused(refused, 0, "RevisionConflict");

    let second = NewSmallFile {
        node_id: node.id,
        base_revision: Some(node.revision),
        ..small_file(root, b"f", b"two!")
    };
    let replaced = meta
        .commit_small_files(account, std::slice::from_ref(&second), NOW + 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(replaced.revision, 2);
    assert_eq!(
        replaced.content.unwrap().version_id,
        second.version_id,
        "the new version is current"
    );
    let queued = meta.queued_versions(1000).await.unwrap();
    assert!(queued.contains(&first.version_id));
    assert!(!queued.contains(&second.version_id));
    meta.forget_version(first.version_id).await.unwrap();

    // Deleting the file queues its version; forgetting it drops the row with the bytes.
    meta.delete_subtree(account, node.id, false, NOW + 2)
        .await
        .unwrap();
    let queued = meta.queued_versions(1000).await.unwrap();
    assert!(queued.contains(&second.version_id));
    meta.forget_version(second.version_id).await.unwrap();
}

async fn another_account_gets_nothing(meta: &MetaStore) {
    let (alice, alice_root) = new_account(meta, "small-alice@example.org").await;
    let (mallory, mallory_root) = new_account(meta, "small-mallory@example.org").await;
    let file = small_file(alice_root, b"secret", b"alice's");
    let node = meta
        .commit_small_files(alice, std::slice::from_ref(&file), NOW)
        .await
        .unwrap()
        .remove(0);

    // Into Alice's folder, over Alice's file, or replaying Alice's batch: refused.
    let into = small_file(alice_root, b"x", b"m");
    let refused = meta.commit_small_files(mallory, &[into], NOW).await;
    assert_refused(refused, 0, "NotFound");
    let over = NewSmallFile {
        node_id: node.id,
        base_revision: Some(1),
        ..small_file(mallory_root, b"y", b"m")
    };
    let refused = meta.commit_small_files(mallory, &[over], NOW).await;
    assert_refused(refused, 0, "NotFound");
    let err = meta
        .commit_small_files(mallory, std::slice::from_ref(&file), NOW)
        .await;
    assert!(err.is_err(), "a replay into another account is refused");
    assert_err(
        meta.chunk_for_download(mallory, node.id, file.version_id, 0)
            .await,
        "NotFound",
    );
}
