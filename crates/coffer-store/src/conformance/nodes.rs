//! The node tree: folders, listings, moves, deletion, isolation between accounts.

use super::*;

pub(super) async fn run(meta: &MetaStore) {
    folders_are_created_under_folders_with_unique_names(meta).await;
    children_page_by_id_and_find_by_name_tag(meta).await;
    moves_check_revision_cycles_and_names(meta).await;
    delete_removes_the_subtree_and_queues_versions(meta).await;
    another_account_sees_nothing(meta).await;
}

async fn folders_are_created_under_folders_with_unique_names(meta: &MetaStore) {
    let (account, root) = new_account(meta, "folders@example.org").await;
    let docs = folder_in(root, b"docs");
    let node = meta.create_folder(account, &docs, NOW + 1).await.unwrap();
    assert_eq!(node, meta.get_node(account, docs.id).await.unwrap());
    assert_eq!(
        (node.revision, node.created_at, node.kind),
        (1, NOW + 1, NodeKind::Folder)
    );

    assert_err(meta.create_folder(account, &docs, NOW).await, "IdExists");
    assert_err(
        meta.create_folder(account, &folder_in(root, b"docs"), NOW)
            .await,
        "NameExists",
    );
    assert_err(
        meta.create_folder(account, &folder_in(Id::random(), b"x"), NOW)
            .await,
        "NotFound",
    );
    assert_err(
        meta.create_folder(account, &new_folder(Id::random(), None, b"r"), NOW)
            .await,
        "InvalidMove",
    );
    // The same name in another folder is fine.
    meta.create_folder(account, &folder_in(docs.id, b"docs"), NOW)
        .await
        .unwrap();
}

async fn children_page_by_id_and_find_by_name_tag(meta: &MetaStore) {
    let (account, root) = new_account(meta, "children@example.org").await;
    let mut ids = Vec::new();
    for i in 0..7u8 {
        let folder = folder_in(root, &[i; 32]);
        meta.create_folder(account, &folder, NOW).await.unwrap();
        ids.push(folder.id);
    }
    ids.sort();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = meta.children(account, root, after, 3).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|n| n.id));
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let exact = meta.children(account, root, None, 7).await.unwrap();
    assert_eq!((exact.items.len(), exact.next_after), (7, None));

    let found = meta
        .child_by_name_tag(account, root, &[4; 32])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.name_tag, vec![4; 32]);
    assert!(
        meta.child_by_name_tag(account, root, &[9; 32])
            .await
            .unwrap()
            .is_none()
    );
    let leaf = meta.children(account, ids[0], None, 10).await.unwrap();
    assert!(leaf.items.is_empty());
    assert_err(
        meta.children(account, Id::random(), None, 10).await,
        "NotFound",
    );
}

fn update_to(parent: Id, tag: &[u8], base_revision: u64) -> NodeUpdate {
    NodeUpdate {
        parent_id: parent,
        name_tag: tag.to_vec(),
        wrapped_key: vec![11; 93],
        encrypted_attributes: vec![12; 50],
        author_key: vec![1; 32],
        signature: vec![13; 64],
        base_revision,
    }
}

async fn moves_check_revision_cycles_and_names(meta: &MetaStore) {
    let (account, root) = new_account(meta, "moves@example.org").await;
    let a = folder_in(root, b"a");
    let b = folder_in(root, b"b");
    let a_child = folder_in(a.id, b"child");
    for f in [&a, &b, &a_child] {
        meta.create_folder(account, f, NOW).await.unwrap();
    }
    // Rename in place, then move under b.
    let renamed = meta
        .update_node(account, a.id, &update_to(root, b"a2", 1), NOW + 5)
        .await
        .unwrap();
    assert_eq!(
        (renamed.revision, renamed.updated_at, renamed.created_at),
        (2, NOW + 5, NOW)
    );
    assert_eq!(renamed.wrapped_key, vec![11; 93]);
    assert_err(
        meta.update_node(account, a.id, &update_to(b.id, b"a", 1), NOW)
            .await,
        "RevisionConflict",
    );
    let moved = meta
        .update_node(account, a.id, &update_to(b.id, b"a", 2), NOW)
        .await
        .unwrap();
    assert_eq!(moved.parent_id, Some(b.id));

    // Cycles, the root, names, unknown targets.
    assert_err(
        meta.update_node(account, b.id, &update_to(a_child.id, b"b", 1), NOW)
            .await,
        "InvalidMove",
    );
    assert_err(
        meta.update_node(account, b.id, &update_to(b.id, b"b", 1), NOW)
            .await,
        "InvalidMove",
    );
    assert_err(
        meta.update_node(account, root, &update_to(b.id, b"r", 1), NOW)
            .await,
        "InvalidMove",
    );
    let c = folder_in(root, b"c");
    meta.create_folder(account, &c, NOW).await.unwrap();
    assert_err(
        meta.update_node(account, c.id, &update_to(root, b"b", 1), NOW)
            .await,
        "NameExists",
    );
    assert_err(
        meta.update_node(account, c.id, &update_to(Id::random(), b"c", 1), NOW)
            .await,
        "NotFound",
    );
    assert_err(
        meta.update_node(account, Id::random(), &update_to(root, b"z", 1), NOW)
            .await,
        "NotFound",
    );
    // Keeping one's own name is not a clash.
    meta.update_node(account, c.id, &update_to(root, b"c", 1), NOW)
        .await
        .unwrap();
}

async fn delete_removes_the_subtree_and_queues_versions(meta: &MetaStore) {
    let (account, root) = new_account(meta, "delete@example.org").await;
    let top = folder_in(root, b"top");
    let mid = folder_in(top.id, b"mid");
    let keep = folder_in(root, b"keep");
    for f in [&top, &mid, &keep] {
        meta.create_folder(account, f, NOW).await.unwrap();
    }
    let file = super::uploads::commit_file(meta, account, mid.id, b"file", 10).await;
    let version = file.content.as_ref().unwrap().version_id;

    assert_err(
        meta.delete_subtree(account, root, true, NOW).await,
        "InvalidMove",
    );
    assert_err(
        meta.delete_subtree(account, Id::random(), true, NOW).await,
        "NotFound",
    );
    assert_err(
        meta.delete_subtree(account, top.id, false, NOW).await,
        "FolderNotEmpty",
    );
    let versions = meta
        .delete_subtree(account, top.id, true, NOW)
        .await
        .unwrap();
    assert_eq!(versions, vec![version]);
    for id in [top.id, mid.id, file.id] {
        assert_err(meta.get_node(account, id).await, "NotFound");
    }
    meta.get_node(account, keep.id).await.unwrap();
    assert!(meta.queued_versions(1000).await.unwrap().contains(&version));
    meta.forget_version(version).await.unwrap();
    assert!(!meta.queued_versions(1000).await.unwrap().contains(&version));
}

async fn another_account_sees_nothing(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "owner@example.org").await;
    let (thief, thief_root) = new_account(meta, "thief@example.org").await;
    let folder = folder_in(root, b"private");
    meta.create_folder(owner, &folder, NOW).await.unwrap();

    assert_err(meta.get_node(thief, folder.id).await, "NotFound");
    assert_err(meta.get_node(thief, root).await, "NotFound");
    assert_err(meta.children(thief, root, None, 10).await, "NotFound");
    assert_err(
        meta.child_by_name_tag(thief, root, b"private").await,
        "NotFound",
    );
    assert_err(
        meta.create_folder(thief, &folder_in(root, b"x"), NOW).await,
        "NotFound",
    );
    assert_err(
        meta.update_node(thief, folder.id, &update_to(thief_root, b"p", 1), NOW)
            .await,
        "NotFound",
    );
    assert_err(
        meta.update_node(owner, folder.id, &update_to(thief_root, b"p", 1), NOW)
            .await,
        "NotFound",
    );
    assert_err(
        meta.delete_subtree(thief, folder.id, true, NOW).await,
        "NotFound",
    );
    meta.get_node(owner, folder.id).await.unwrap();
    assert_eq!(meta.usage(thief).await.unwrap(), UsageRecord::default());
}
