//! Signup, login, sessions, and the generic error answers, through real HTTP.

mod common;

use coffer_api::*;
use coffer_server::config::Settings;
use common::*;
use reqwest::{Method, StatusCode};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn signup_login_account_usage_logout() {
    let server = TestServer::start().await;
    let alice = server.signup("  Alice@Example.org ").await;

    let info: AccountInfo = server.ok(Method::GET, "/api/v1/account", alice.token(), NO_BODY, StatusCode::OK).await;
    assert_eq!((info.account_id, info.root_id), (alice.id, alice.root));
    assert_eq!(info.email, "alice@example.org");
    assert_eq!(info.key_container, key_container());

    // Logging in again (any case) gives a second, independent session.
    let again = server.login("ALICE@example.org", PASSWORD).await.unwrap();
    assert_ne!(again.token, alice.token);
    assert_eq!(again.account.account_id, alice.id);
    assert!(again.expires_at > 0);

    let usage: Usage = server.ok(Method::GET, "/api/v1/usage", alice.token(), NO_BODY, StatusCode::OK).await;
    assert_eq!((usage.bytes_used, usage.files, usage.folders), (0, 0, 0));

    let response = server.send(Method::POST, "/api/v1/logout", alice.token(), NO_BODY).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    server.fails(Method::GET, "/api/v1/account", alice.token(), NO_BODY, ErrorCode::Unauthorized).await;
    // The other session is untouched.
    let _: AccountInfo = server.ok(Method::GET, "/api/v1/account", Some(&again.token), NO_BODY, StatusCode::OK).await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_fail_alike() {
    let server = TestServer::start().await;
    server.signup("bob@example.org").await;
    assert_eq!(server.login("bob@example.org", b"wrong").await.unwrap_err(), ErrorCode::LoginFailed);
    assert_eq!(server.login("nobody@example.org", PASSWORD).await.unwrap_err(), ErrorCode::LoginFailed);
}

#[tokio::test]
async fn login_attempts_are_single_use() {
    let server = TestServer::start().await;
    server.signup("carol@example.org").await;
    let mut rng = coffer_crypto::OsRng;
    let (state, request) = coffer_crypto::client_login_start(PASSWORD, &mut rng).unwrap();
    let start: LoginStartResponse = server
        .ok(Method::POST, "/api/v1/login/start", None, Some(&LoginStartRequest {
            email: "carol@example.org".into(),
            credential_request: B64(request),
        }), StatusCode::OK)
        .await;
    let (finalization, _) = coffer_crypto::client_login_finish(state, PASSWORD, &start.credential_response, &mut rng).unwrap();
    let finish = LoginFinishRequest { login_id: start.login_id, credential_finalization: B64(finalization) };
    let _: SessionResponse = server.ok(Method::POST, "/api/v1/login/finish", None, Some(&finish), StatusCode::OK).await;
    server.fails(Method::POST, "/api/v1/login/finish", None, Some(&finish), ErrorCode::LoginExpired).await;
}

#[tokio::test]
async fn email_taken_and_bad_signups() {
    let server = TestServer::start().await;
    server.signup("dave@example.org").await;
    let mut rng = coffer_crypto::OsRng;
    let (state, request) = coffer_crypto::client_registration_start(PASSWORD, &mut rng).unwrap();
    let start: SignupStartResponse = server
        .ok(Method::POST, "/api/v1/signup/start", None, Some(&SignupStartRequest {
            email: "DAVE@example.org".into(),
            registration_request: B64(request),
        }), StatusCode::OK)
        .await;
    let (upload, _) = coffer_crypto::client_registration_finish(state, PASSWORD, &start.registration_response, &mut rng).unwrap();
    let mut finish = SignupFinishRequest {
        email: "dave@example.org".into(),
        registration_upload: B64(upload),
        key_container: key_container(),
        root: new_node(Id::random(), None, Vec::new()),
    };
    server.fails(Method::POST, "/api/v1/signup/finish", None, Some(&finish), ErrorCode::EmailTaken).await;

    finish.email = "eve@example.org".into();
    finish.root.parent_id = Some(Id::random());
    server.fails(Method::POST, "/api/v1/signup/finish", None, Some(&finish), ErrorCode::BadRequest).await;
    finish.root.parent_id = None;
    finish.key_container.signing_public = B64(vec![1; 31]);
    server.fails(Method::POST, "/api/v1/signup/finish", None, Some(&finish), ErrorCode::BadRequest).await;
    finish.key_container = key_container();
    finish.registration_upload = B64(vec![0; 10]);
    server.fails(Method::POST, "/api/v1/signup/finish", None, Some(&finish), ErrorCode::BadRequest).await;
    let bad_email = SignupStartRequest { email: "no-at-sign".into(), registration_request: B64(vec![0; 32]) };
    server.fails(Method::POST, "/api/v1/signup/start", None, Some(&bad_email), ErrorCode::BadRequest).await;
}

#[tokio::test]
async fn tokens_missing_malformed_revoked_or_expired_are_refused() {
    let settings = Settings { session_ttl: Duration::from_secs(1), ..Settings::default() };
    let server = TestServer::start_with(Arc::new(tempfile::tempdir().unwrap()), settings).await;
    let frank = server.signup("frank@example.org").await;
    server.fails(Method::GET, "/api/v1/account", None, NO_BODY, ErrorCode::Unauthorized).await;
    server.fails(Method::GET, "/api/v1/account", Some("not-a-token"), NO_BODY, ErrorCode::Unauthorized).await;
    let response = server.http.get(server.url("/api/v1/account")).header("authorization", "Basic Zm9vOmJhcg==").send().await.unwrap();
    expect_problem(response, ErrorCode::Unauthorized, "basic auth").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    server.fails(Method::GET, "/api/v1/account", frank.token(), NO_BODY, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn malformed_requests_get_problem_json() {
    let server = TestServer::start().await;
    let grace = server.signup("grace@example.org").await;
    let what = "malformed JSON";
    let response = server.http.post(server.url("/api/v1/nodes")).bearer_auth(&grace.token)
        .header("content-type", "application/json").body("{not json").send().await.unwrap();
    expect_problem(response, ErrorCode::BadRequest, what).await;
    let response = server.http.post(server.url("/api/v1/nodes")).bearer_auth(&grace.token)
        .header("content-type", "application/json").body("{\"id\": 5}").send().await.unwrap();
    expect_problem(response, ErrorCode::BadRequest, "missing fields").await;
    let response = server.http.post(server.url("/api/v1/login/start")).body("{}").send().await.unwrap();
    expect_problem(response, ErrorCode::BadRequest, "no content type").await;
    let huge = format!("{{\"email\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let response = server.http.post(server.url("/api/v1/login/start"))
        .header("content-type", "application/json").body(huge).send().await.unwrap();
    expect_problem(response, ErrorCode::PayloadTooLarge, "huge body").await;

    server.fails(Method::GET, "/api/v1/nope", None, NO_BODY, ErrorCode::NotFound).await;
    server.fails(Method::GET, "/", None, NO_BODY, ErrorCode::NotFound).await;
    server.fails(Method::DELETE, "/api/v1/account", grace.token(), NO_BODY, ErrorCode::MethodNotAllowed).await;
    server.fails(Method::GET, "/api/v1/nodes/NOT-AN-ID", grace.token(), NO_BODY, ErrorCode::BadRequest).await;
    server.fails(Method::GET, &format!("/api/v1/nodes/{}/children?limit=0", grace.root), grace.token(), NO_BODY, ErrorCode::BadRequest).await;
    server.fails(Method::GET, &format!("/api/v1/nodes/{}/children?limit=x", grace.root), grace.token(), NO_BODY, ErrorCode::BadRequest).await;
}

#[tokio::test]
async fn health_and_openapi_are_served() {
    let server = TestServer::start().await;
    let health: Health = server.ok(Method::GET, "/healthz", None, NO_BODY, StatusCode::OK).await;
    assert_eq!(health.status, "ok");
    let doc: serde_json::Value = server.ok(Method::GET, "/api/v1/openapi.json", None, NO_BODY, StatusCode::OK).await;
    assert!(doc["paths"]["/api/v1/uploads/{id}/chunks/{index}"]["put"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}
