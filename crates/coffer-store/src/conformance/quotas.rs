//! Quotas: a write that would pass the storage quota is refused and writes nothing, concurrent
//! writers never pass it together, and the monthly transfer counter checks and adds at once.

use super::imports::{import_of, link_to};
use super::uploads::commit_file;
use super::*;
use crate::{Limit, LimitChange, LimitSettings};

pub(super) async fn run(meta: &MetaStore) {
    limits_are_set_per_account_over_the_defaults(meta).await;
    writes_past_the_storage_quota_are_refused_whole(meta).await;
    a_lowered_quota_refuses_the_commit_but_not_a_shrink(meta).await;
    concurrent_writers_never_pass_the_storage_quota(meta).await;
    transfer_is_counted_per_month_up_to_the_quota(meta).await;
}

fn storage(bytes: u64) -> LimitChange {
    LimitChange {
        storage: Some(Limit::Bytes(bytes)),
        ..LimitChange::default()
    }
}

async fn limits_are_set_per_account_over_the_defaults(meta: &MetaStore) {
    let (account, _) = new_account(meta, "limits@example.org").await;
    assert_eq!(
        meta.limit_settings(account).await.unwrap(),
        LimitSettings::default()
    );
    let change = LimitChange {
        storage: Some(Limit::Bytes(50)),
        bandwidth: Some(Limit::Unlimited),
        ..LimitChange::default()
    };
    meta.set_limits(account, &change).await.unwrap();
    let change = LimitChange {
        transfer: Some(Limit::Bytes(7)),
        ..LimitChange::default()
    };
    let settings = meta.set_limits(account, &change).await.unwrap();
    assert_eq!(
        settings,
        LimitSettings {
            storage: Limit::Bytes(50),
            transfer: Limit::Bytes(7),
            bandwidth: Limit::Unlimited,
        }
    );
    let with_defaults = meta.clone().with_default_limits(AccountLimits {
        storage: Some(1),
        transfer: Some(2),
        bandwidth: Some(3),
    });
    assert_eq!(
        with_defaults.limits(account).await.unwrap(),
        AccountLimits {
            storage: Some(50),
            transfer: Some(7),
            bandwidth: None
        }
    );
    let (other, _) = new_account(meta, "limits-default@example.org").await;
    assert_eq!(
        with_defaults.limits(other).await.unwrap().bandwidth,
        Some(3)
    );
    assert_eq!(meta.limits(other).await.unwrap(), AccountLimits::default());
    assert_err(
        meta.set_limits(Id::random(), &storage(1)).await,
        "NotFound",
    );
}

async fn writes_past_the_storage_quota_are_refused_whole(meta: &MetaStore) {
    let (account, root) = new_account(meta, "quota@example.org").await;
    meta.set_limits(account, &storage(1000)).await.unwrap();
    commit_file(meta, account, root, b"a", 600).await;

    // A session that does not fit is refused when it opens, and leaves nothing.
    let big = new_upload(root, Id::random(), b"big", 401);
    match meta.create_upload(account, &big, NOW).await {
        Err(StoreError::QuotaExceeded {
            needed,
            left,
            quota,
        }) => assert_eq!((needed, left, quota), (401, 400, 1000)),
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    assert!(meta.open_uploads(account, None, NOW).await.unwrap().is_empty());

    // An open session reserves its size: a batch that fits only without it is refused whole.
    let open = new_upload(root, Id::random(), b"open", 300);
    meta.create_upload(account, &open, NOW).await.unwrap();
    assert_eq!(meta.storage_charged(account, NOW).await.unwrap(), 900);
    let batch = [
        small_file(root, b"s1", &[1; 60]),
        small_file(root, b"s2", &[2; 60]),
    ];
    let refused = meta.commit_small_files(account, &batch, NOW).await;
    let e = refused.expect_err("over quota");
    assert_eq!((e.index, variant(&e.error)), (None, "QuotaExceeded"));
    assert_eq!(meta.usage(account).await.unwrap().files, 1);
    meta.commit_small_files(account, &batch[..1], NOW)
        .await
        .unwrap();

    // An expired session no longer reserves anything.
    assert_eq!(
        meta.storage_charged(account, open.expires_at).await.unwrap(),
        660
    );

    // Imports are charged to the importer.
    let (alice, alice_root) = new_account(meta, "quota-source@example.org").await;
    let source = commit_file(meta, alice, alice_root, b"src", 200).await;
    let link = link_to(meta, alice, source.id, None).await;
    let import = import_of(link, &source, root, b"imported");
    assert_err(
        meta.import_file(account, alice, &import, NOW).await,
        "QuotaExceeded",
    );
    assert!(meta.get_node(account, import.node_id).await.is_err());
    meta.abandon_upload(account, open.id, NOW).await.unwrap();
    meta.import_file(account, alice, &import, NOW).await.unwrap();
    assert_eq!(meta.storage_charged(account, NOW).await.unwrap(), 860);
}

async fn a_lowered_quota_refuses_the_commit_but_not_a_shrink(meta: &MetaStore) {
    let (account, root) = new_account(meta, "lowered@example.org").await;
    meta.set_limits(account, &storage(1000)).await.unwrap();
    let old = commit_file(meta, account, root, b"old", 500).await;
    let upload = new_upload(root, Id::random(), b"new", 400);
    meta.create_upload(account, &upload, NOW).await.unwrap();
    let hash = [4u8; 32];
    meta.record_chunk(account, upload.id, 0, 400, &hash, NOW)
        .await
        .unwrap();
    meta.set_limits(account, &storage(600)).await.unwrap();
    let commit = commit_with(&[hash]);
    assert_err(
        meta.commit_upload(account, upload.id, &commit, NOW, list_hash)
            .await,
        "QuotaExceeded",
    );
    assert!(meta.get_node(account, upload.node_id).await.is_err());
    assert_eq!(
        meta.upload(account, upload.id).await.unwrap().state,
        UploadState::Open
    );

    // Replacing the 500-byte file with 100 bytes shrinks the account: allowed over the quota.
    let mut smaller = new_upload(root, old.id, b"old", 100);
    smaller.base_revision = Some(old.revision);
    meta.abandon_upload(account, upload.id, NOW).await.unwrap();
    meta.set_limits(account, &storage(50)).await.unwrap();
    // The session itself must fit (both versions exist until the commit)…
    assert_err(
        meta.create_upload(account, &smaller, NOW).await,
        "QuotaExceeded",
    );
    meta.set_limits(account, &storage(600)).await.unwrap();
    meta.create_upload(account, &smaller, NOW).await.unwrap();
    meta.record_chunk(account, smaller.id, 0, 100, &hash, NOW)
        .await
        .unwrap();
    meta.set_limits(account, &storage(50)).await.unwrap();
    // …but its commit frees more than it adds.
    meta.commit_upload(account, smaller.id, &commit_with(&[hash]), NOW, list_hash)
        .await
        .unwrap();
    assert_eq!(meta.storage_charged(account, NOW).await.unwrap(), 100);
}

async fn concurrent_writers_never_pass_the_storage_quota(meta: &MetaStore) {
    let (account, root) = new_account(meta, "race@example.org").await;
    let quota = 2_000;
    meta.set_limits(account, &storage(quota)).await.unwrap();
    // 8 writers of 300 bytes each (2,400 together): sessions and small-file batches mixed.
    let writers = (0..8u8).map(|i| {
        let meta = meta.clone();
        tokio::spawn(async move {
            let tag = [b'r', i];
            if i % 2 == 0 {
                let upload = new_upload(root, Id::random(), &tag, 300);
                meta.create_upload(account, &upload, NOW).await?;
                let hash = [i; 32];
                meta.record_chunk(account, upload.id, 0, 300, &hash, NOW)
                    .await?;
                meta.commit_upload(account, upload.id, &commit_with(&[hash]), NOW, list_hash)
                    .await
                    .map(|_| ())
            } else {
                let file = small_file(root, &tag, &[i; 300]);
                (meta.commit_small_files(account, &[file], NOW).await)
                    .map(|_| ())
                    .map_err(|e| e.error)
            }
        })
    });
    let mut refused = 0;
    for done in futures::future::join_all(writers).await {
        match done.expect("writer task") {
            Ok(()) => {}
            Err(StoreError::QuotaExceeded { .. }) => refused += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    let used = meta.usage(account).await.unwrap().bytes_used;
    assert!(used <= quota, "{used} bytes stored over a quota of {quota}");
    assert_eq!((used, refused), (6 * 300, 2));
}

async fn transfer_is_counted_per_month_up_to_the_quota(meta: &MetaStore) {
    let (account, _) = new_account(meta, "transfer@example.org").await;
    let (free, _) = new_account(meta, "transfer-free@example.org").await;
    let change = LimitChange {
        transfer: Some(Limit::Bytes(100)),
        ..LimitChange::default()
    };
    meta.set_limits(account, &change).await.unwrap();
    meta.charge_transfer(account, 202611, 60).await.unwrap();
    meta.charge_transfer(account, 202611, 40).await.unwrap();
    match meta.charge_transfer(account, 202611, 1).await {
        Err(StoreError::TransferQuotaExceeded { used, quota }) => {
            assert_eq!((used, quota), (100, 100))
        }
        other => panic!("expected TransferQuotaExceeded, got {other:?}"),
    }
    assert_err(
        meta.charge_transfer(account, 202612, 101).await,
        "TransferQuotaExceeded",
    );
    assert_eq!(meta.transfer_used(account, 202612).await.unwrap(), 0);
    meta.charge_transfer(account, 202612, 100).await.unwrap();
    assert_eq!(meta.transfer_used(account, 202611).await.unwrap(), 100);

    // Without a quota the counter still counts.
    for _ in 0..3 {
        meta.charge_transfer(free, 202611, 1 << 40).await.unwrap();
    }
    assert_eq!(meta.transfer_used(free, 202611).await.unwrap(), 3 << 40);
}
