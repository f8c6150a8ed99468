//! Shared folders: share rows, the access walk, key rotations, cascades, upload creators.

use super::uploads::commit_file;
use super::*;

pub(super) async fn run(meta: &MetaStore) {
    create_list_update_delete(meta).await;
    access_walks_up_to_the_strongest_grant(meta).await;
    rekey_is_all_or_nothing(meta).await;
    deleting_a_folder_deletes_its_shares(meta).await;
    uploads_remember_their_creator(meta).await;
}

pub(crate) fn grant(folder: Id, permission: SharePermission, generation: u64) -> ShareGrant {
    ShareGrant {
        share_id: Id::random(),
        folder_id: folder,
        owner_signing_public: vec![1; 32],
        recipient_signing_public: vec![2; 32],
        recipient_agreement_public: vec![3; 32],
        permission,
        generation,
        enc: vec![4; 32],
        ciphertext: vec![5; 48],
        signature: vec![6; 64],
    }
}

/// A folder under `parent`; returns its id.
async fn mkdir(meta: &MetaStore, account: Id, parent: Id, tag: &[u8]) -> Id {
    let folder = folder_in(parent, tag);
    meta.create_folder(account, &folder, NOW).await.unwrap();
    folder.id
}

async fn create_list_update_delete(meta: &MetaStore) {
    let (alice, a_root) = new_account(meta, "share-owner@example.org").await;
    let (bob, _) = new_account(meta, "share-recipient@example.org").await;
    let docs = mkdir(meta, alice, a_root, b"docs").await;
    let file = commit_file(meta, alice, docs, b"f", 10).await;

    let g = grant(docs, SharePermission::Read, 1);
    let share = meta.create_share(alice, bob, &g, NOW).await.unwrap();
    assert_eq!(share.grant, g);
    assert_eq!(
        (share.owner_email.as_str(), share.recipient_email.as_str()),
        ("share-owner@example.org", "share-recipient@example.org")
    );
    assert_err(meta.create_share(alice, bob, &g, NOW).await, "IdExists");
    assert_err(
        meta.create_share(alice, bob, &grant(docs, SharePermission::Write, 1), NOW)
            .await,
        "AlreadyShared",
    );
    assert_err(
        meta.create_share(alice, bob, &grant(file.id, SharePermission::Read, 1), NOW)
            .await,
        "NotAFolder",
    );
    assert_err(
        meta.create_share(alice, bob, &grant(a_root, SharePermission::Read, 1), NOW)
            .await,
        "InvalidMove",
    );
    // Another account's folder, or an unknown recipient: not found.
    assert_err(
        meta.create_share(bob, alice, &grant(docs, SharePermission::Read, 1), NOW)
            .await,
        "NotFound",
    );
    assert_err(
        meta.create_share(
            alice,
            Id::random(),
            &grant(docs, SharePermission::Read, 1),
            NOW,
        )
        .await,
        "NotFound",
    );

    assert_eq!(
        meta.outgoing_shares(alice).await.unwrap(),
        vec![share.clone()]
    );
    assert_eq!(
        meta.incoming_shares(bob).await.unwrap(),
        vec![share.clone()]
    );
    assert!(meta.incoming_shares(alice).await.unwrap().is_empty());
    assert_eq!(meta.share(g.share_id).await.unwrap(), share);

    // A newer grant replaces the old; an older or equal one, another folder or other keys not.
    let mut newer = g.clone();
    newer.generation = 2;
    newer.permission = SharePermission::Write;
    let updated = meta.update_share(alice, &newer, NOW + 1).await.unwrap();
    assert_eq!(
        (updated.grant.clone(), updated.updated_at),
        (newer.clone(), NOW + 1)
    );
    assert_err(
        meta.update_share(alice, &newer, NOW).await,
        "RevisionConflict",
    );
    let mut moved = newer.clone();
    moved.generation = 3;
    moved.folder_id = a_root;
    assert_err(meta.update_share(alice, &moved, NOW).await, "InvalidMove");
    let mut rekeyed = newer.clone();
    rekeyed.generation = 3;
    rekeyed.recipient_agreement_public = vec![9; 32];
    assert_err(meta.update_share(alice, &rekeyed, NOW).await, "InvalidMove");
    assert_err(meta.update_share(bob, &newer, NOW).await, "NotFound");

    // Only the owner revokes (and a mark is left); only the recipient leaves.
    assert_err(meta.revoke_share(bob, g.share_id, NOW).await, "NotFound");
    assert_err(meta.leave_share(alice, g.share_id).await, "NotFound");
    meta.revoke_share(alice, g.share_id, NOW).await.unwrap();
    assert_err(meta.share(g.share_id).await, "NotFound");
    assert_eq!(meta.pending_rekeys(alice).await.unwrap(), vec![docs]);
    // The revoked write grant is kept, as signed, until the rotation is done.
    assert_eq!(
        meta.former_writers(alice).await.unwrap(),
        vec![newer.clone()]
    );
    assert!(meta.former_writers(bob).await.unwrap().is_empty());
    meta.clear_rekey(alice, docs).await.unwrap();
    meta.clear_rekey(alice, docs).await.unwrap();
    assert!(meta.pending_rekeys(alice).await.unwrap().is_empty());
    assert!(meta.former_writers(alice).await.unwrap().is_empty());

    let again = grant(docs, SharePermission::Read, 1);
    meta.create_share(alice, bob, &again, NOW).await.unwrap();
    meta.leave_share(bob, again.share_id).await.unwrap();
    assert!(meta.outgoing_shares(alice).await.unwrap().is_empty());
    assert!(meta.pending_rekeys(alice).await.unwrap().is_empty());
}

async fn access_walks_up_to_the_strongest_grant(meta: &MetaStore) {
    let (alice, a_root) = new_account(meta, "walk-owner@example.org").await;
    let (bob, _) = new_account(meta, "walk-bob@example.org").await;
    let (carol, _) = new_account(meta, "walk-carol@example.org").await;
    let top = mkdir(meta, alice, a_root, b"top").await;
    let mid = mkdir(meta, alice, top, b"mid").await;
    let low = mkdir(meta, alice, mid, b"low").await;
    let file = commit_file(meta, alice, low, b"f", 10).await;
    let outside = mkdir(meta, alice, a_root, b"outside").await;

    assert_eq!(meta.node_owner(file.id).await.unwrap(), Some(alice));
    assert_eq!(meta.node_owner(Id::random()).await.unwrap(), None);
    assert_eq!(meta.share_access(bob, file.id).await.unwrap(), None);

    let read_top = grant(top, SharePermission::Read, 1);
    meta.create_share(alice, bob, &read_top, NOW).await.unwrap();
    let access = meta.share_access(bob, file.id).await.unwrap().unwrap();
    assert_eq!(
        (
            access.owner,
            access.share_id,
            access.share_folder,
            access.permission
        ),
        (alice, read_top.share_id, top, SharePermission::Read)
    );
    assert_eq!(meta.share_access(bob, outside).await.unwrap(), None);
    assert_eq!(meta.share_access(bob, a_root).await.unwrap(), None);
    assert_eq!(meta.share_access(carol, file.id).await.unwrap(), None);

    // A nearer read grant does not weaken the farther write one; a nearer write wins over it.
    let write_mid = grant(mid, SharePermission::Write, 1);
    meta.create_share(alice, bob, &write_mid, NOW)
        .await
        .unwrap();
    let read_low = grant(low, SharePermission::Read, 1);
    meta.create_share(alice, bob, &read_low, NOW).await.unwrap();
    let access = meta.share_access(bob, file.id).await.unwrap().unwrap();
    assert_eq!(
        (access.share_folder, access.permission),
        (mid, SharePermission::Write)
    );
    let access = meta.share_access(bob, top).await.unwrap().unwrap();
    assert_eq!(access.permission, SharePermission::Read);
    let write_low = grant(low, SharePermission::Write, 1);
    meta.create_share(alice, carol, &write_low, NOW)
        .await
        .unwrap();
    let access = meta.share_access(carol, file.id).await.unwrap().unwrap();
    assert_eq!(access.share_folder, low);
    assert_eq!(meta.share_access(carol, mid).await.unwrap(), None);

    // The writers of a share: write grants on its folder or below.
    let writers = meta.write_shares_under(alice, top).await.unwrap();
    let mut ids: Vec<Id> = writers.iter().map(|s| s.grant.share_id).collect();
    ids.sort();
    let mut want = vec![write_mid.share_id, write_low.share_id];
    want.sort();
    assert_eq!(ids, want);
    let writers = meta.write_shares_under(alice, low).await.unwrap();
    assert_eq!(writers.len(), 1);

    // Access ends with the share.
    meta.revoke_share(alice, write_low.share_id, NOW)
        .await
        .unwrap();
    assert_eq!(meta.share_access(carol, file.id).await.unwrap(), None);
}

fn rekey_update(node: &NodeRecord, parent: Id) -> NodeUpdate {
    NodeUpdate {
        parent_id: parent,
        name_tag: b"new folder tag".to_vec(),
        wrapped_key: vec![0x21; 93],
        encrypted_attributes: vec![0x22; 80],
        author_key: vec![0x23; 32],
        signature: vec![0x24; 64],
        base_revision: node.revision,
    }
}

fn rekey_child(node: &NodeRecord) -> RekeyChildUpdate {
    let mut tag = b"new ".to_vec();
    tag.extend_from_slice(&node.name_tag);
    RekeyChildUpdate {
        id: node.id,
        name_tag: tag,
        wrapped_key: vec![0x31; 93],
        author_key: vec![0x32; 32],
        signature: vec![0x33; 64],
        base_revision: node.revision,
    }
}

async fn rekey_is_all_or_nothing(meta: &MetaStore) {
    let (alice, a_root) = new_account(meta, "rekey-owner@example.org").await;
    let (bob, _) = new_account(meta, "rekey-bob@example.org").await;
    let folder = mkdir(meta, alice, a_root, b"shared").await;
    let sub = mkdir(meta, alice, folder, b"sub").await;
    let file = commit_file(meta, alice, folder, b"file", 10).await;
    let g = grant(folder, SharePermission::Write, 1);
    meta.create_share(alice, bob, &g, NOW).await.unwrap();

    let node = meta.get_node(alice, folder).await.unwrap();
    let sub_node = meta.get_node(alice, sub).await.unwrap();
    let update = rekey_update(&node, a_root);
    let children = vec![rekey_child(&sub_node), rekey_child(&file)];
    let mut new_grant = g.clone();
    new_grant.generation = 2;
    new_grant.enc = vec![0x41; 32];

    // Each refusal writes nothing.
    let unchanged = || async {
        assert_eq!(meta.get_node(alice, folder).await.unwrap(), node);
        assert_eq!(meta.get_node(alice, file.id).await.unwrap(), file);
        assert_eq!(meta.share(g.share_id).await.unwrap().grant, g);
    };
    let mut wrong_child = children.clone();
    wrong_child[1].base_revision += 1;
    assert_err(
        meta.rekey_folder(
            alice,
            folder,
            &update,
            &wrong_child,
            &[new_grant.clone()],
            NOW,
        )
        .await,
        "RevisionConflict",
    );
    unchanged().await;
    assert_err(
        meta.rekey_folder(
            alice,
            folder,
            &update,
            &children[..1],
            &[new_grant.clone()],
            NOW,
        )
        .await,
        "RevisionConflict",
    );
    let twice = vec![children[0].clone(), children[0].clone()];
    assert_err(
        meta.rekey_folder(alice, folder, &update, &twice, &[new_grant.clone()], NOW)
            .await,
        "RevisionConflict",
    );
    assert_err(
        meta.rekey_folder(alice, folder, &update, &children, &[], NOW)
            .await,
        "RevisionConflict",
    );
    assert_err(
        meta.rekey_folder(
            alice,
            folder,
            &update,
            &children,
            std::slice::from_ref(&g),
            NOW,
        )
        .await,
        "RevisionConflict",
    );
    let mut stale = update.clone();
    stale.base_revision += 1;
    assert_err(
        meta.rekey_folder(alice, folder, &stale, &children, &[new_grant.clone()], NOW)
            .await,
        "RevisionConflict",
    );
    let mut moved = update.clone();
    moved.parent_id = sub;
    assert_err(
        meta.rekey_folder(alice, folder, &moved, &children, &[new_grant.clone()], NOW)
            .await,
        "InvalidMove",
    );
    let mut same_tags = children.clone();
    same_tags[1].name_tag = same_tags[0].name_tag.clone();
    assert_err(
        meta.rekey_folder(
            alice,
            folder,
            &update,
            &same_tags,
            &[new_grant.clone()],
            NOW,
        )
        .await,
        "NameExists",
    );
    assert_err(
        meta.rekey_folder(bob, folder, &update, &children, &[new_grant.clone()], NOW)
            .await,
        "NotFound",
    );
    assert_err(
        meta.rekey_folder(alice, file.id, &update, &[], &[], NOW)
            .await,
        "NotAFolder",
    );
    unchanged().await;

    // An open upload into the folder was made under the old key: the rotation abandons it.
    let pending = new_upload(folder, Id::random(), b"pending", 10);
    meta.create_upload(alice, &pending, NOW).await.unwrap();
    let (done, kids) = meta
        .rekey_folder(
            alice,
            folder,
            &update,
            &children,
            &[new_grant.clone()],
            NOW + 5,
        )
        .await
        .unwrap();
    assert_err(meta.upload_origin(pending.id).await, "NotFound");
    assert_eq!(
        (
            done.revision,
            done.wrapped_key.clone(),
            done.name_tag.clone()
        ),
        (
            node.revision + 1,
            update.wrapped_key.clone(),
            update.name_tag.clone()
        )
    );
    assert_eq!(kids.len(), 2);
    let new_file = kids.iter().find(|k| k.id == file.id).unwrap();
    assert_eq!(new_file.revision, file.revision + 1);
    assert_eq!(new_file.wrapped_key, vec![0x31; 93]);
    // Attributes and content are untouched.
    assert_eq!(new_file.encrypted_attributes, file.encrypted_attributes);
    assert_eq!(new_file.content, file.content);
    assert_eq!(meta.share(g.share_id).await.unwrap().grant, new_grant);
}

async fn deleting_a_folder_deletes_its_shares(meta: &MetaStore) {
    let (alice, a_root) = new_account(meta, "cascade-owner@example.org").await;
    let (bob, _) = new_account(meta, "cascade-bob@example.org").await;
    let top = mkdir(meta, alice, a_root, b"top").await;
    let low = mkdir(meta, alice, top, b"low").await;
    let keep = mkdir(meta, alice, a_root, b"keep").await;
    let on_low = grant(low, SharePermission::Read, 1);
    meta.create_share(alice, bob, &on_low, NOW).await.unwrap();
    let on_keep = grant(keep, SharePermission::Read, 1);
    meta.create_share(alice, bob, &on_keep, NOW).await.unwrap();
    let on_top = grant(top, SharePermission::Read, 1);
    meta.create_share(alice, bob, &on_top, NOW).await.unwrap();
    meta.revoke_share(alice, on_top.share_id, NOW)
        .await
        .unwrap();
    assert_eq!(meta.pending_rekeys(alice).await.unwrap(), vec![top]);

    meta.delete_subtree(alice, top, true, NOW).await.unwrap();
    assert_err(meta.share(on_low.share_id).await, "NotFound");
    assert!(meta.share(on_keep.share_id).await.is_ok());
    assert!(meta.pending_rekeys(alice).await.unwrap().is_empty());
}

async fn uploads_remember_their_creator(meta: &MetaStore) {
    let (alice, a_root) = new_account(meta, "creator-owner@example.org").await;
    let (bob, _) = new_account(meta, "creator-bob@example.org").await;
    let by_alice = new_upload(a_root, Id::random(), b"a", 10);
    meta.create_upload(alice, &by_alice, NOW).await.unwrap();
    let by_bob = new_upload(a_root, Id::random(), b"b", 10);
    meta.create_upload_by(alice, bob, &by_bob, NOW)
        .await
        .unwrap();

    let origin = meta.upload_origin(by_bob.id).await.unwrap();
    assert_eq!(
        (
            origin.account,
            origin.created_by,
            origin.parent_id,
            origin.node_id
        ),
        (alice, bob, a_root, by_bob.node_id)
    );
    assert_eq!(
        meta.upload_origin(by_alice.id).await.unwrap().created_by,
        alice
    );
    assert_err(meta.upload_origin(Id::random()).await, "NotFound");

    let all = meta.open_uploads(alice, None, NOW).await.unwrap();
    assert_eq!(all.len(), 2);
    let bobs = meta
        .open_uploads_by(alice, Some(bob), Some(a_root), NOW)
        .await
        .unwrap();
    assert_eq!(
        bobs.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![by_bob.id]
    );
    // The session counts for the owner.
    let hash = [10u8; 32];
    meta.record_chunk(alice, by_bob.id, 0, 10, &hash, NOW)
        .await
        .unwrap();
    assert_eq!(meta.usage(alice).await.unwrap().pending_upload_bytes, 10);
    assert_eq!(meta.usage(bob).await.unwrap().pending_upload_bytes, 0);
}
