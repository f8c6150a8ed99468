//! Signup, login and sessions, through real HTTP.

use crate::common::*;
use coffer_api::*;
use coffer_server::config::Settings;
use reqwest::Method;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn signup_login_account_usage_logout() {
    let server = TestServer::start().await;
    let alice = server.signup("  Alice@Example.org ").await;

    let info: AccountInfo = server.get("/api/v1/account", alice.token()).await;
    assert_eq!((info.account_id, info.root_id), (alice.id, alice.root));
    assert_eq!(info.email, "alice@example.org");
    assert_eq!(info.key_container, key_container());

    // Logging in again (any case) gives a second, independent session.
    let again = server.login("ALICE@example.org", PASSWORD).await.unwrap();
    assert_ne!(again.token, alice.token);
    assert_eq!(again.account.account_id, alice.id);
    assert!(again.expires_at > 0);

    let usage: Usage = server.get("/api/v1/usage", alice.token()).await;
    assert_eq!((usage.bytes_used, usage.files, usage.folders), (0, 0, 0));

    let response = server
        .call(Method::POST, "/api/v1/logout", alice.token(), NO_BODY)
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::NO_CONTENT);
    let unauthorized = ErrorCode::Unauthorized;
    server
        .fails(
            unauthorized,
            Method::GET,
            "/api/v1/account",
            alice.token(),
            NO_BODY,
        )
        .await;
    // The other session is untouched.
    let _: AccountInfo = server.get("/api/v1/account", Some(&again.token)).await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_fail_alike() {
    let server = TestServer::start().await;
    server.signup("bob@example.org").await;
    let wrong = server.login("bob@example.org", b"wrong").await;
    assert_eq!(wrong.unwrap_err(), ErrorCode::LoginFailed);
    let unknown = server.login("nobody@example.org", PASSWORD).await;
    assert_eq!(unknown.unwrap_err(), ErrorCode::LoginFailed);
}

#[tokio::test]
async fn login_attempts_are_single_use() {
    let server = TestServer::start().await;
    server.signup("carol@example.org").await;
    let mut rng = coffer_crypto::OsRng;
    let (state, request) = coffer_crypto::client_login_start(PASSWORD, &mut rng).unwrap();
    let start = LoginStartRequest {
        email: "carol@example.org".into(),
        credential_request: B64(request),
    };
    let start: LoginStartResponse = server
        .json(Method::POST, "/api/v1/login/start", None, Some(&start))
        .await;
    let response = &start.credential_response;
    let (finalization, _) =
        coffer_crypto::client_login_finish(state, PASSWORD, response, &mut rng).unwrap();
    let finish = LoginFinishRequest {
        login_id: start.login_id,
        credential_finalization: B64(finalization),
        totp: None,
    };
    let path = "/api/v1/login/finish";
    let _: SessionResponse = server.json(Method::POST, path, None, Some(&finish)).await;
    server
        .fails(
            ErrorCode::LoginExpired,
            Method::POST,
            path,
            None,
            Some(&finish),
        )
        .await;
}

#[tokio::test]
async fn email_taken_and_malformed_signups_are_refused() {
    let server = TestServer::start().await;
    server.signup("dave@example.org").await;
    let mut rng = coffer_crypto::OsRng;
    let (state, request) = coffer_crypto::client_registration_start(PASSWORD, &mut rng).unwrap();
    let start = SignupStartRequest {
        email: "DAVE@example.org".into(),
        registration_request: B64(request),
    };
    let start: SignupStartResponse = server
        .json(Method::POST, "/api/v1/signup/start", None, Some(&start))
        .await;
    let response = &start.registration_response;
    let (upload, _) =
        coffer_crypto::client_registration_finish(state, PASSWORD, response, &mut rng).unwrap();
    let mut finish = SignupFinishRequest {
        email: "dave@example.org".into(),
        registration_upload: B64(upload),
        key_container: key_container(),
        root: new_node(Id::random(), None, Vec::new()),
    };
    let path = "/api/v1/signup/finish";
    server
        .fails(
            ErrorCode::EmailTaken,
            Method::POST,
            path,
            None,
            Some(&finish),
        )
        .await;

    let bad = ErrorCode::BadRequest;
    finish.email = "eve@example.org".into();
    finish.root.parent_id = Some(Id::random());
    server
        .fails(bad, Method::POST, path, None, Some(&finish))
        .await;
    finish.root.parent_id = None;
    finish.key_container.signing_public = B64(vec![1; 31]);
    server
        .fails(bad, Method::POST, path, None, Some(&finish))
        .await;
    finish.key_container = key_container();
    finish.registration_upload = B64(vec![0; 10]);
    server
        .fails(bad, Method::POST, path, None, Some(&finish))
        .await;
    let no_at = SignupStartRequest {
        email: "no-at-sign".into(),
        registration_request: B64(vec![0; 32]),
    };
    server
        .fails(
            bad,
            Method::POST,
            "/api/v1/signup/start",
            None,
            Some(&no_at),
        )
        .await;
}

#[tokio::test]
async fn missing_malformed_revoked_or_expired_tokens_are_refused() {
    let settings = Settings {
        session_ttl: Duration::from_secs(1),
        ..Settings::default()
    };
    let data = Arc::new(tempfile::tempdir().unwrap());
    let server = TestServer::start_with(data, settings).await;
    let frank = server.signup("frank@example.org").await;
    let (unauthorized, path) = (ErrorCode::Unauthorized, "/api/v1/account");
    server
        .fails(unauthorized, Method::GET, path, None, NO_BODY)
        .await;
    server
        .fails(
            unauthorized,
            Method::GET,
            path,
            Some("not-a-token"),
            NO_BODY,
        )
        .await;
    let basic = server
        .http
        .get(server.url(path))
        .header("authorization", "Basic Zm9vOmJhcg==");
    expect_problem(basic.send().await.unwrap(), unauthorized, "basic auth").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    server
        .fails(unauthorized, Method::GET, path, frank.token(), NO_BODY)
        .await;
}
