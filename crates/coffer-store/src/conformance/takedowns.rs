//! Takedowns and abuse reports: links disabled and restored, overlapping takedowns, node
//! blocks down the tree, the active count per account, and reports on real links only.

use super::*;
use zeroize::Zeroizing;

pub(super) async fn run(meta: &MetaStore) {
    link_takedowns_disable_and_reinstate(meta).await;
    node_takedowns_cover_every_link_and_the_subtree(meta).await;
    abuse_reports_name_real_links(meta).await;
}

fn link_to(node: Id) -> NewLinkRecord {
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

fn notice(kind: TakedownKind, target: Id) -> NewTakedown {
    NewTakedown {
        id: Id::random(),
        kind,
        target_id: target,
        notice: "notice text".into(),
        claimant: Some("Claimant Ltd".into()),
    }
}

async fn link_takedowns_disable_and_reinstate(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "takedown-link@example.org").await;
    let folder = folder_in(root, b"t1");
    meta.create_folder(owner, &folder, NOW).await.unwrap();
    let link = meta
        .create_link(owner, &link_to(folder.id), NOW)
        .await
        .unwrap();
    assert_err(
        meta.create_takedown(&notice(TakedownKind::Link, Id::random()), NOW)
            .await,
        "NotFound",
    );

    let first = notice(TakedownKind::Link, link.id);
    let applied = meta.create_takedown(&first, NOW + 1).await.unwrap();
    assert_eq!(
        (
            applied.account_id,
            applied.links.clone(),
            applied.reinstated_at
        ),
        (owner, vec![link.id], None)
    );
    assert_err(meta.create_takedown(&first, NOW + 1).await, "IdExists");
    let stored = meta.public_link(link.id).await.unwrap();
    assert_eq!(stored.takedown, Some((first.id, NOW + 1)));
    assert_eq!(stored.state(NOW + 2), LinkState::TakenDown);
    assert_eq!(meta.active_takedowns_of(owner).await.unwrap(), 1);

    // A second takedown of the same link: the first stays in force, then takes over.
    let second = notice(TakedownKind::Link, link.id);
    meta.create_takedown(&second, NOW + 3).await.unwrap();
    assert_eq!(meta.active_takedowns_of(owner).await.unwrap(), 2);
    let (reinstated, changed) = meta
        .reinstate_takedown(first.id, "counter-notice", NOW + 4)
        .await
        .unwrap();
    assert!(changed);
    assert_eq!(
        (reinstated.reinstated_at, reinstated.reason.as_deref()),
        (Some(NOW + 4), Some("counter-notice"))
    );
    let stored = meta.public_link(link.id).await.unwrap();
    assert_eq!(stored.takedown, Some((second.id, NOW + 3)));
    let (_, again) = meta
        .reinstate_takedown(first.id, "again", NOW + 5)
        .await
        .unwrap();
    assert!(!again);
    meta.reinstate_takedown(second.id, "ok", NOW + 6)
        .await
        .unwrap();
    let stored = meta.public_link(link.id).await.unwrap();
    assert_eq!(
        (stored.takedown, stored.state(NOW + 7)),
        (None, LinkState::Active)
    );
    assert_eq!(meta.active_takedowns_of(owner).await.unwrap(), 0);
    assert_err(
        meta.reinstate_takedown(Id::random(), "x", NOW)
            .await
            .map(|_| ()),
        "NotFound",
    );
    let listed = meta.list_takedowns().await.unwrap();
    let mine: Vec<_> = listed.iter().filter(|t| t.account_id == owner).collect();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0].links, vec![link.id]);
    assert_eq!(*mine[0], meta.takedown(first.id).await.unwrap());
}

async fn node_takedowns_cover_every_link_and_the_subtree(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "takedown-node@example.org").await;
    let outer = folder_in(root, b"outer");
    let inner = folder_in(outer.id, b"inner");
    let deep = folder_in(inner.id, b"deep");
    for f in [&outer, &inner, &deep] {
        meta.create_folder(owner, f, NOW).await.unwrap();
    }
    let to_inner_a = meta
        .create_link(owner, &link_to(inner.id), NOW)
        .await
        .unwrap();
    let to_inner_b = meta
        .create_link(owner, &link_to(inner.id), NOW)
        .await
        .unwrap();
    let to_outer = meta
        .create_link(owner, &link_to(outer.id), NOW)
        .await
        .unwrap();
    assert!(!meta.content_taken_down(owner, deep.id).await.unwrap());

    let block = notice(TakedownKind::Node, inner.id);
    let applied = meta.create_takedown(&block, NOW + 1).await.unwrap();
    let mut links = applied.links.clone();
    links.sort();
    let mut want = vec![to_inner_a.id, to_inner_b.id];
    want.sort();
    assert_eq!(links, want);
    for id in [to_inner_a.id, to_inner_b.id] {
        let state = meta.public_link(id).await.unwrap().state(NOW + 2);
        assert_eq!(state, LinkState::TakenDown);
    }
    // The folder link above stays active; the blocked node and what is below it are blocked.
    let outer_state = meta.public_link(to_outer.id).await.unwrap().state(NOW + 2);
    assert_eq!(outer_state, LinkState::Active);
    for (node, blocked) in [(inner.id, true), (deep.id, true), (outer.id, false)] {
        assert_eq!(meta.content_taken_down(owner, node).await.unwrap(), blocked);
    }
    let (other, _) = new_account(meta, "takedown-node-other@example.org").await;
    assert!(!meta.content_taken_down(other, deep.id).await.unwrap());

    meta.reinstate_takedown(block.id, "accepted", NOW + 3)
        .await
        .unwrap();
    assert!(!meta.content_taken_down(owner, deep.id).await.unwrap());
    let state = meta
        .public_link(to_inner_a.id)
        .await
        .unwrap()
        .state(NOW + 4);
    assert_eq!(state, LinkState::Active);
}

async fn abuse_reports_name_real_links(meta: &MetaStore) {
    let (owner, root) = new_account(meta, "abuse-store@example.org").await;
    let folder = folder_in(root, b"reported");
    meta.create_folder(owner, &folder, NOW).await.unwrap();
    let link = meta
        .create_link(owner, &link_to(folder.id), NOW)
        .await
        .unwrap();
    let report = NewAbuseReport {
        id: Id::random(),
        link_id: link.id,
        reason: "spam".into(),
        contact: Some("me@example.org".into()),
        link_secret: Some(Zeroizing::new(vec![3; 32])),
        link_password: Some(Zeroizing::new("pw".into())),
    };
    meta.create_abuse_report(&report, NOW).await.unwrap();
    assert_err(meta.create_abuse_report(&report, NOW).await, "IdExists");
    let unknown = NewAbuseReport {
        id: Id::random(),
        link_id: Id::random(),
        ..report.clone()
    };
    assert_err(meta.create_abuse_report(&unknown, NOW).await, "NotFound");

    let stored = meta.abuse_report(report.id).await.unwrap();
    assert_eq!(
        (
            stored.link_id,
            stored.link_secret.clone(),
            stored.verification.clone()
        ),
        (link.id, report.link_secret.clone(), None)
    );
    assert!(!format!("{stored:?}").contains("pw"));
    let outcome = AbuseVerification {
        at: NOW + 5,
        verified: true,
        summary: "verified".into(),
    };
    meta.record_abuse_verification(report.id, &outcome)
        .await
        .unwrap();
    let stored = meta.abuse_report(report.id).await.unwrap();
    assert_eq!(stored.verification, Some(outcome.clone()));
    assert_err(
        meta.record_abuse_verification(Id::random(), &outcome).await,
        "NotFound",
    );
    let listed = meta.list_abuse_reports().await.unwrap();
    assert!(listed.iter().any(|r| r.id == report.id));
}
