//! Sessions by id (list, revoke one, revoke the others, last use), the second factor and login
//! failure windows.

use super::*;

pub(super) async fn run(meta: &MetaStore) {
    sessions_are_listed_and_revoked_by_id_within_their_account(meta).await;
    second_factor_is_confirmed_once_and_codes_are_not_replayed(meta).await;
    login_failures_count_per_key_in_windows(meta).await;
}

pub(super) fn new_session(token_hash: Hash, account: Id, expires_at: i64) -> NewSession {
    NewSession {
        token_hash,
        id: Id::random(),
        account_id: account,
        client_label: Some("coffer-cli/0.1".to_string()),
        created_at: NOW,
        expires_at,
    }
}

async fn sessions_are_listed_and_revoked_by_id_within_their_account(meta: &MetaStore) {
    let (account, _) = new_account(meta, "sessions-by-id@example.org").await;
    let (other, _) = new_account(meta, "sessions-other@example.org").await;
    let mut mine = Vec::new();
    for (i, hash) in [[11u8; 32], [12; 32], [13; 32]].into_iter().enumerate() {
        let mut session = new_session(hash, account, NOW + 1000);
        session.created_at = NOW + i as i64;
        meta.insert_session(&session).await.unwrap();
        mine.push(session);
    }
    let theirs = new_session([14; 32], other, NOW + 1000);
    meta.insert_session(&theirs).await.unwrap();

    let listed = meta.account_sessions(account, NOW + 5).await.unwrap();
    let ids: Vec<Id> = listed.iter().map(|s| s.id).collect();
    assert_eq!(ids, [mine[2].id, mine[1].id, mine[0].id], "newest first");
    assert_eq!(listed[2].token_hash, [11; 32]);
    assert_eq!(listed[2].client_label.as_deref(), Some("coffer-cli/0.1"));
    assert_eq!(listed[2].last_used_at, NOW);

    meta.touch_session(&[11; 32], NOW + 60_000).await.unwrap();
    let live = meta
        .session_by_token_hash(&[11; 32], NOW + 5)
        .await
        .unwrap();
    assert_eq!(live.unwrap().last_used_at, NOW + 60_000);

    // Another account's id is not found, and changes nothing.
    assert_eq!(
        meta.revoke_session_by_id(other, mine[0].id, NOW + 5)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        meta.revoke_session_by_id(account, mine[0].id, NOW + 5)
            .await
            .unwrap(),
        Some([11; 32])
    );
    assert_eq!(
        meta.revoke_session_by_id(account, mine[0].id, NOW + 6)
            .await
            .unwrap(),
        None,
        "already revoked"
    );
    assert!(
        meta.session_by_token_hash(&[11; 32], NOW + 6)
            .await
            .unwrap()
            .is_none()
    );

    let revoked = meta
        .revoke_other_sessions(account, &[13; 32], NOW + 7)
        .await
        .unwrap();
    assert_eq!(revoked, [[12; 32]]);
    let listed = meta.account_sessions(account, NOW + 8).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, mine[2].id);
    assert_eq!(
        meta.account_sessions(other, NOW + 8).await.unwrap().len(),
        1
    );
    assert!(
        meta.account_sessions(account, NOW + 1000)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn second_factor_is_confirmed_once_and_codes_are_not_replayed(meta: &MetaStore) {
    let (account, _) = new_account(meta, "totp@example.org").await;
    assert!(meta.second_factor(account).await.unwrap().is_none());
    assert!(
        !meta
            .accept_second_factor_step(account, 5, true, NOW)
            .await
            .unwrap()
    );

    assert!(
        meta.set_up_second_factor(account, &[1; 20], NOW)
            .await
            .unwrap()
    );
    assert!(
        meta.set_up_second_factor(account, &[2; 20], NOW)
            .await
            .unwrap(),
        "replaces"
    );
    let pending = meta.second_factor(account).await.unwrap().unwrap();
    assert_eq!(
        (pending.secret.to_vec(), pending.enabled_at),
        (vec![2; 20], None)
    );
    assert!(
        !meta
            .accept_second_factor_step(account, 5, false, NOW)
            .await
            .unwrap(),
        "not enabled yet"
    );

    assert!(
        meta.accept_second_factor_step(account, 5, true, NOW)
            .await
            .unwrap()
    );
    let enabled = meta.second_factor(account).await.unwrap().unwrap();
    assert_eq!(
        (enabled.enabled_at, enabled.last_step),
        (Some(NOW), Some(5))
    );
    assert!(
        !meta
            .set_up_second_factor(account, &[3; 20], NOW)
            .await
            .unwrap(),
        "enabled"
    );
    assert!(
        !meta
            .accept_second_factor_step(account, 5, false, NOW)
            .await
            .unwrap(),
        "replay"
    );
    assert!(
        !meta
            .accept_second_factor_step(account, 4, false, NOW)
            .await
            .unwrap(),
        "older"
    );
    assert!(
        !meta
            .accept_second_factor_step(account, 6, true, NOW)
            .await
            .unwrap(),
        "on already"
    );
    assert!(
        meta.accept_second_factor_step(account, 6, false, NOW)
            .await
            .unwrap()
    );

    assert!(meta.remove_second_factor(account).await.unwrap());
    assert!(!meta.remove_second_factor(account).await.unwrap());
    assert!(meta.second_factor(account).await.unwrap().is_none());
}

async fn login_failures_count_per_key_in_windows(meta: &MetaStore) {
    let keys = ["login:conformance", "login-ip:192.0.2.1"];
    let first = meta.record_login_failures(&keys, NOW, 100).await.unwrap();
    assert_eq!(first[0].failures, 1);
    let second = meta
        .record_login_failures(&keys[..1], NOW + 10, 100)
        .await
        .unwrap();
    assert_eq!(
        second[0],
        FailureWindow {
            failures: 2,
            window_start: NOW
        }
    );
    let counted = meta
        .login_failures_in_window(keys[1], NOW + 10, 100)
        .await
        .unwrap();
    assert_eq!(counted.failures, 1);
    // Link guesses are counted apart.
    let links = meta
        .link_failures_in_window(keys[0], NOW + 10, 100)
        .await
        .unwrap();
    assert_eq!(links.failures, 0);
    let ended = meta
        .login_failures_in_window(keys[0], NOW + 100, 100)
        .await
        .unwrap();
    assert_eq!(ended.failures, 0);
    let restarted = meta
        .record_login_failures(&keys[..1], NOW + 100, 100)
        .await
        .unwrap();
    assert_eq!(
        restarted[0],
        FailureWindow {
            failures: 1,
            window_start: NOW + 100
        }
    );
    assert!(meta.sweep_login_failures(NOW + 250, 100).await.unwrap() >= 2);
}
