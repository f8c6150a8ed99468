//! Signup, login, whoami, logout, wrong password, freshness.

use crate::common::{PASSWORD, TestServer, unique_email};
use coffer_client::{ClientError, Drive, SessionStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_login_whoami_logout() {
    let server = TestServer::start();
    let config = tempfile::tempdir().unwrap();
    let store = SessionStore::new(config.path());
    let email = unique_email();
    let session = coffer_client::signup(&server.url, &email, PASSWORD, &store)
        .await
        .unwrap();
    assert_eq!(session.email(), email);
    assert_eq!(session.generation(), 1);

    let saved = store.load().unwrap().expect("the session was saved");
    assert_eq!(saved.root_id(), session.root_id());
    let status = coffer_client::whoami(&saved, &store).await.unwrap();
    assert_eq!(status.email, email);
    assert_eq!(status.account_id, session.account_id());
    assert_eq!(status.fingerprint, session.fingerprint());

    // The drive of a reloaded session reads the root.
    let drive = Drive::open(saved).unwrap();
    assert!(drive.ls("/").await.unwrap().is_empty());

    // Logging in again (another device) gives the same keys.
    let other = tempfile::tempdir().unwrap();
    let again = coffer_client::login(
        &server.url,
        &email,
        PASSWORD,
        &SessionStore::new(other.path()),
    )
    .await
    .unwrap();
    assert_eq!(again.fingerprint(), session.fingerprint());

    coffer_client::logout(&session, &store).await.unwrap();
    assert!(store.load().unwrap().is_none());
    assert!(matches!(
        coffer_client::whoami(&session, &store).await,
        Err(ClientError::NotLoggedIn)
    ));
    // The other device's session is still valid.
    assert!(coffer_client::whoami(&again, &store).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_email_fail_alike() {
    let server = TestServer::start();
    let config = tempfile::tempdir().unwrap();
    let store = SessionStore::new(config.path());
    let email = unique_email();
    coffer_client::signup(&server.url, &email, PASSWORD, &store)
        .await
        .unwrap();
    let wrong = coffer_client::login(&server.url, &email, b"not the password", &store).await;
    assert!(matches!(wrong, Err(ClientError::Auth)), "{wrong:?}");
    let unknown = coffer_client::login(&server.url, &unique_email(), PASSWORD, &store).await;
    assert!(matches!(unknown, Err(ClientError::Auth)), "{unknown:?}");
    let taken = coffer_client::signup(&server.url, &email, PASSWORD, &store).await;
    assert!(
        matches!(taken, Err(ClientError::AlreadyExists(_))),
        "{taken:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_key_container_is_refused() {
    let server = TestServer::start();
    let config = tempfile::tempdir().unwrap();
    let store = SessionStore::new(config.path());
    let email = unique_email();
    let session = coffer_client::signup(&server.url, &email, PASSWORD, &store)
        .await
        .unwrap();
    // Pretend this client once saw generation 2: the server's generation 1 is then a rollback.
    let seen_file = config.path().join("seen.json");
    let key = format!("{} {}", server.url, session.account_id());
    std::fs::write(&seen_file, serde_json::json!({ key: 2 }).to_string()).unwrap();
    let login = coffer_client::login(&server.url, &email, PASSWORD, &store).await;
    assert!(
        matches!(
            login,
            Err(ClientError::Rollback {
                offered: 1,
                seen: 2
            })
        ),
        "{login:?}"
    );
}
