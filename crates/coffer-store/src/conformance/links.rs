//! Public links: ownership, states, the subtree check, the atomic download count, tickets,
//! takedowns and suspensions, and the rate-limit windows.

use super::*;

pub(super) async fn run(meta: &MetaStore) {
    links_belong_to_their_account(meta).await;
    link_states_follow_their_precedence(meta).await;
    takedowns_and_suspensions_are_set_and_cleared(meta).await;
    subtree_check_admits_descendants_only(meta).await;
    concurrent_downloads_never_exceed_the_limit(meta).await;
    tickets_name_their_link_until_they_expire(meta).await;
    failures_count_per_key_in_windows(meta).await;
}

fn new_link(node: Id) -> NewLinkRecord {
    NewLinkRecord {
        id: Id::random(),
        node_id: node,
        sealed_key: vec![7; 125],
        access_hash: [8; 32],
        password: None,
        expires_at: None,
        max_downloads: None,
    }
}

async fn links_belong_to_their_account(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "links-owner@example.org").await;
    let (other, other_root) = new_account(meta, "links-other@example.org").await;
    let folder = folder_in(root, b"shared");
    meta.create_folder(owner, &folder, NOW).await.unwrap();

    let mut link = new_link(folder.id);
    link.password = Some(LinkPasswordRecord {
        salt: vec![1; 16],
        iterations: 3,
        memory_kib: 65536,
        parallelism: 4,
    });
    link.expires_at = Some(NOW + 1000);
    link.max_downloads = Some(2);
    let created = meta.create_link(owner, &link, NOW).await.unwrap();
    assert_eq!(meta.get_link(owner, link.id).await.unwrap(), created);
    assert_eq!(meta.public_link(link.id).await.unwrap(), created);
    assert_eq!(
        (
            created.password.clone(),
            created.downloads,
            created.node_exists
        ),
        (link.password.clone(), 0, true)
    );
    assert_eq!(meta.list_links(owner).await.unwrap(), vec![created.clone()]);
    assert_err(meta.create_link(owner, &link, NOW).await, "IdExists");

    // Another account: not its link, not its node.
    assert!(meta.list_links(other).await.unwrap().is_empty());
    assert_err(meta.get_link(other, link.id).await, "NotFound");
    assert_err(meta.revoke_link(other, link.id, NOW).await, "NotFound");
    assert_err(
        meta.create_link(other, &new_link(folder.id), NOW).await,
        "NotFound",
    );
    assert_err(
        meta.create_link(owner, &new_link(other_root), NOW).await,
        "NotFound",
    );
    assert_err(
        meta.create_link(owner, &new_link(Id::random()), NOW).await,
        "NotFound",
    );
    assert_eq!(
        meta.get_link(owner, link.id).await.unwrap().revoked_at,
        None
    );

    // Revoking is idempotent and keeps the first time.
    meta.revoke_link(owner, link.id, NOW + 1).await.unwrap();
    meta.revoke_link(owner, link.id, NOW + 2).await.unwrap();
    let revoked = meta.get_link(owner, link.id).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(NOW + 1));
    assert_eq!(revoked.state(NOW), LinkState::Revoked);
    assert_err(meta.revoke_link(owner, Id::random(), NOW).await, "NotFound");
    assert_err(meta.public_link(Id::random()).await, "NotFound");
}

async fn link_states_follow_their_precedence(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "links-states@example.org").await;
    let folder = folder_in(root, b"soon-gone");
    meta.create_folder(owner, &folder, NOW).await.unwrap();
    let mut link = new_link(folder.id);
    link.expires_at = Some(NOW + 10);
    link.max_downloads = Some(1);
    let mut record = meta.create_link(owner, &link, NOW).await.unwrap();
    assert_eq!(record.state(NOW), LinkState::Active);
    assert_eq!(record.state(NOW + 10), LinkState::Expired);
    record.downloads = 1;
    assert_eq!(record.state(NOW), LinkState::Exhausted);
    assert_eq!(record.state(NOW + 10), LinkState::Expired);

    meta.delete_subtree(owner, folder.id, true, NOW)
        .await
        .unwrap();
    let gone = meta.get_link(owner, link.id).await.unwrap();
    assert!(!gone.node_exists);
    assert_eq!(gone.state(NOW + 10), LinkState::Gone);
    meta.set_link_takedown(link.id, Some((Id::random(), NOW)))
        .await
        .unwrap();
    let taken = meta.get_link(owner, link.id).await.unwrap();
    assert_eq!(taken.state(NOW), LinkState::TakenDown);
    meta.revoke_link(owner, link.id, NOW).await.unwrap();
    let revoked = meta.get_link(owner, link.id).await.unwrap();
    assert_eq!(revoked.state(NOW), LinkState::Revoked);
}

async fn takedowns_and_suspensions_are_set_and_cleared(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "links-takedown@example.org").await;
    let link = new_link(root);
    meta.create_link(owner, &link, NOW).await.unwrap();
    let takedown = Id::random();
    meta.set_link_takedown(link.id, Some((takedown, NOW + 5)))
        .await
        .unwrap();
    let taken = meta.public_link(link.id).await.unwrap();
    assert_eq!(taken.takedown, Some((takedown, NOW + 5)));
    assert_eq!(taken.state(NOW), LinkState::TakenDown);
    meta.set_link_takedown(link.id, None).await.unwrap();
    assert_eq!(
        meta.public_link(link.id).await.unwrap().state(NOW),
        LinkState::Active
    );
    assert_err(meta.set_link_takedown(Id::random(), None).await, "NotFound");

    meta.set_links_suspended(owner, Some(NOW)).await.unwrap();
    match meta.create_link(owner, &new_link(root), NOW).await {
        Err(StoreError::LinksSuspended) => {}
        other => panic!("expected LinksSuspended, got {other:?}"),
    }
    // Existing links keep working; lifting the suspension allows new ones.
    assert_eq!(
        meta.public_link(link.id).await.unwrap().state(NOW),
        LinkState::Active
    );
    meta.set_links_suspended(owner, None).await.unwrap();
    meta.create_link(owner, &new_link(root), NOW).await.unwrap();
    assert_err(
        meta.set_links_suspended(Id::random(), None).await,
        "NotFound",
    );
}

async fn subtree_check_admits_descendants_only(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "links-subtree@example.org").await;
    let (other, other_root) = new_account(meta, "links-subtree-other@example.org").await;
    let shared = folder_in(root, b"shared");
    let inner = folder_in(shared.id, b"inner");
    let deep = folder_in(inner.id, b"deep");
    let sibling = folder_in(root, b"sibling");
    for folder in [&shared, &inner, &deep, &sibling] {
        meta.create_folder(owner, folder, NOW).await.unwrap();
    }
    for node in [shared.id, inner.id, deep.id] {
        let found = meta.link_node_in_subtree(owner, shared.id, node).await;
        assert_eq!(found.unwrap().id, node);
    }
    for node in [sibling.id, root, other_root, Id::random()] {
        assert_err(
            meta.link_node_in_subtree(owner, shared.id, node).await,
            "NotFound",
        );
    }
    // A link to a file-sized subtree (the node itself) and another account's view.
    assert!(
        meta.link_node_in_subtree(owner, deep.id, deep.id)
            .await
            .is_ok()
    );
    assert_err(
        meta.link_node_in_subtree(owner, deep.id, inner.id).await,
        "NotFound",
    );
    assert_err(
        meta.link_node_in_subtree(other, shared.id, inner.id).await,
        "NotFound",
    );
}

async fn concurrent_downloads_never_exceed_the_limit(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "links-downloads@example.org").await;
    let mut link = new_link(root);
    link.max_downloads = Some(5);
    meta.create_link(owner, &link, NOW).await.unwrap();
    let tickets: Vec<[u8; 32]> = (0..20u8).map(|i| [i; 32]).collect();
    let counts = tickets
        .iter()
        .map(|ticket| meta.count_download(link.id, ticket, NOW + 100, NOW));
    let results = futures::future::join_all(counts).await;
    let mut counted: Vec<u64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    counted.sort_unstable();
    assert_eq!(counted, vec![1, 2, 3, 4, 5]);
    for refused in results.iter().filter(|r| r.is_err()) {
        assert!(
            matches!(refused, Err(StoreError::LinkInactive(LinkState::Exhausted))),
            "{refused:?}"
        );
    }
    let stored = meta.get_link(owner, link.id).await.unwrap();
    assert_eq!(
        (stored.downloads, stored.state(NOW)),
        (5, LinkState::Exhausted)
    );

    // Unlimited, expired, revoked, unknown.
    let mut open = new_link(root);
    open.expires_at = Some(NOW + 10);
    meta.create_link(owner, &open, NOW).await.unwrap();
    assert_eq!(
        meta.count_download(open.id, &[100; 32], NOW + 5, NOW)
            .await
            .unwrap(),
        1
    );
    assert!(matches!(
        meta.count_download(open.id, &[101; 32], NOW + 5, NOW + 10)
            .await,
        Err(StoreError::LinkInactive(LinkState::Expired))
    ));
    meta.revoke_link(owner, open.id, NOW).await.unwrap();
    assert!(matches!(
        meta.count_download(open.id, &[102; 32], NOW + 5, NOW).await,
        Err(StoreError::LinkInactive(LinkState::Revoked))
    ));
    assert_err(
        meta.count_download(Id::random(), &[103; 32], NOW + 5, NOW)
            .await,
        "NotFound",
    );
}

async fn tickets_name_their_link_until_they_expire(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "links-tickets@example.org").await;
    let link = new_link(root);
    meta.create_link(owner, &link, NOW).await.unwrap();
    let ticket = [42u8; 32];
    meta.count_download(link.id, &ticket, NOW + 50, NOW)
        .await
        .unwrap();
    let found = meta.ticket_link(&ticket, NOW + 49).await.unwrap().unwrap();
    assert_eq!((found.id, found.account_id), (link.id, owner));
    assert!(meta.ticket_link(&ticket, NOW + 50).await.unwrap().is_none());
    assert!(meta.ticket_link(&[43; 32], NOW).await.unwrap().is_none());
    // A revoked link's ticket still names it, with its state: the caller refuses it.
    meta.revoke_link(owner, link.id, NOW + 1).await.unwrap();
    let revoked = meta.ticket_link(&ticket, NOW + 2).await.unwrap().unwrap();
    assert_eq!(revoked.state(NOW + 2), LinkState::Revoked);

    let swept = meta.sweep_expired(NOW + 50, 0).await.unwrap();
    assert!(swept.link_tickets >= 1, "{swept:?}");
    assert!(meta.ticket_link(&ticket, NOW).await.unwrap().is_none());
}

async fn failures_count_per_key_in_windows(meta: &MetaStore) {
    let window = 100;
    let (link, ip) = ("link:conformance", "ip:192.0.2.1");
    assert_eq!(
        meta.link_failures_in_window(link, NOW, window)
            .await
            .unwrap(),
        FailureWindow::default()
    );
    let first = meta
        .record_link_failures(&[link, ip], NOW, window)
        .await
        .unwrap();
    assert_eq!(first.iter().map(|w| w.failures).collect::<Vec<_>>(), [1, 1]);
    let second = meta
        .record_link_failures(&[link], NOW + 50, window)
        .await
        .unwrap();
    assert_eq!(
        second[0],
        FailureWindow {
            failures: 2,
            window_start: NOW
        }
    );
    let now = meta
        .link_failures_in_window(link, NOW + 99, window)
        .await
        .unwrap();
    assert_eq!(now.failures, 2);
    assert_eq!(
        meta.link_failures_in_window(ip, NOW + 99, window)
            .await
            .unwrap()
            .failures,
        1
    );
    // The window is over: nothing counts, and the next failure starts a new window.
    assert_eq!(
        meta.link_failures_in_window(link, NOW + 100, window)
            .await
            .unwrap()
            .failures,
        0
    );
    let fresh = meta
        .record_link_failures(&[link], NOW + 100, window)
        .await
        .unwrap();
    assert_eq!(
        fresh[0],
        FailureWindow {
            failures: 1,
            window_start: NOW + 100
        }
    );
    // Sweeping removes ended windows only.
    assert_eq!(
        meta.sweep_link_failures(NOW + 150, window).await.unwrap(),
        1
    );
    assert_eq!(
        meta.link_failures_in_window(link, NOW + 150, window)
            .await
            .unwrap()
            .failures,
        1
    );
    assert_eq!(
        meta.link_failures_in_window(ip, NOW + 50, window)
            .await
            .unwrap()
            .failures,
        0
    );
}
