//! Accounts, sessions and login attempts.

use super::*;

pub(super) async fn run(meta: &MetaStore) {
    accounts_are_unique_by_email_and_id(meta).await;
    sessions_expire_and_revoke(meta).await;
    login_attempts_are_single_use_and_expire(meta).await;
}

async fn accounts_are_unique_by_email_and_id(meta: &MetaStore) {
    let (id, root) = new_account(meta, "a@example.org").await;
    let found = meta
        .account_by_email("a@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.root_id, found.created_at), (id, root, NOW));
    assert_eq!(found.password_file, vec![9; 192]);
    assert_eq!(meta.account_by_id(id).await.unwrap().unwrap(), found);
    assert!(
        meta.account_by_email("b@example.org")
            .await
            .unwrap()
            .is_none()
    );
    assert!(meta.account_by_id(Id::random()).await.unwrap().is_none());

    let root_node = meta.get_node(id, root).await.unwrap();
    assert_eq!(
        (root_node.parent_id, root_node.kind),
        (None, NodeKind::Folder)
    );
    assert_eq!(root_node.revision, 1);

    let mut again = NewAccount {
        id: Id::random(),
        email: "a@example.org".into(),
        password_file: vec![1],
        key_container: "{}".into(),
        root: new_folder(Id::random(), None, b""),
    };
    assert_err(meta.create_account(&again, NOW).await, "EmailTaken");
    again.email = "c@example.org".into();
    again.root.id = root;
    assert_err(meta.create_account(&again, NOW).await, "IdExists");
    again.root = new_folder(Id::random(), Some(root), b"x");
    assert_err(meta.create_account(&again, NOW).await, "InvalidMove");
    // Nothing of the failed attempts remains.
    assert!(
        meta.account_by_email("c@example.org")
            .await
            .unwrap()
            .is_none()
    );
}

async fn sessions_expire_and_revoke(meta: &MetaStore) {
    let (account, _) = new_account(meta, "sessions@example.org").await;
    let (live, expiring) = ([1u8; 32], [2u8; 32]);
    meta.insert_session(&super::sessions::new_session(live, account, NOW + 1000))
        .await
        .unwrap();
    meta.insert_session(&super::sessions::new_session(expiring, account, NOW + 10))
        .await
        .unwrap();
    assert_eq!(
        meta.session_by_token_hash(&live, NOW).await.unwrap(),
        Some(LiveSession {
            account_id: account,
            expires_at: NOW + 1000,
            last_used_at: NOW,
        })
    );
    assert_eq!(
        meta.session_by_token_hash(&expiring, NOW + 10)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        meta.session_by_token_hash(&[3; 32], NOW).await.unwrap(),
        None
    );

    meta.revoke_session(&live, NOW + 1).await.unwrap();
    meta.revoke_session(&live, NOW + 2).await.unwrap();
    assert_eq!(
        meta.session_by_token_hash(&live, NOW + 1).await.unwrap(),
        None
    );

    let swept = meta.sweep_expired(NOW + 20, 0).await.unwrap();
    assert!(swept.sessions >= 2, "{swept:?}");
}

async fn login_attempts_are_single_use_and_expire(meta: &MetaStore) {
    let (account, _) = new_account(meta, "login@example.org").await;
    let (known, unknown, stale) = (Id::random(), Id::random(), Id::random());
    let attempt = |account_id| LoginAttempt {
        account_id,
        state: zeroize::Zeroizing::new(vec![5; 64]),
        limit_key: Some("login:k".to_string()),
    };
    meta.put_login_attempt(known, &attempt(Some(account)), NOW + 60_000)
        .await
        .unwrap();
    meta.put_login_attempt(unknown, &attempt(None), NOW + 60_000)
        .await
        .unwrap();
    meta.put_login_attempt(stale, &attempt(None), NOW + 5)
        .await
        .unwrap();

    let taken = meta.take_login_attempt(known, NOW).await.unwrap().unwrap();
    assert_eq!(
        (taken.account_id, taken.state.to_vec(), taken.limit_key),
        (Some(account), vec![5; 64], Some("login:k".to_string()))
    );
    assert!(meta.take_login_attempt(known, NOW).await.unwrap().is_none());
    let taken = meta
        .take_login_attempt(unknown, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.account_id, None);
    assert!(
        meta.take_login_attempt(stale, NOW + 5)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        meta.take_login_attempt(Id::random(), NOW)
            .await
            .unwrap()
            .is_none()
    );

    meta.put_login_attempt(stale, &attempt(None), NOW + 5)
        .await
        .unwrap();
    let swept = meta.sweep_expired(NOW + 6, 0).await.unwrap();
    assert!(swept.login_attempts >= 1, "{swept:?}");
}
