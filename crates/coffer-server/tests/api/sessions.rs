//! Sessions (list, revoke one, revoke the others; the session cache never lets a revoked token
//! through), the TOTP second factor at login (no replay), and login rate limiting per email and
//! per address, for unknown emails exactly as for accounts.

use crate::common::*;
use coffer_api::*;
use coffer_server::config::Settings;
use coffer_server::totp;
use reqwest::{Method, StatusCode};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

async fn sessions(server: &TestServer, token: &str) -> Vec<SessionInfo> {
    let list: SessionList = server.get("/api/v1/sessions", Some(token)).await;
    list.sessions
}

async fn works(server: &TestServer, token: &str) -> bool {
    let response = server
        .call(Method::GET, "/api/v1/account", Some(token), NO_BODY)
        .await;
    response.status().is_success()
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_and_refused_at_once() {
    let server = TestServer::start().await;
    let alice = server.signup("sessions-alice@example.org").await;
    let second = server
        .login("sessions-alice@example.org", PASSWORD)
        .await
        .unwrap();

    let listed = sessions(&server, &alice.token).await;
    assert_eq!(listed.len(), 2);
    let current: Vec<bool> = listed.iter().map(|s| s.current).collect();
    assert_eq!(current.iter().filter(|c| **c).count(), 1);
    let mine = listed.iter().find(|s| s.current).unwrap();
    let other = listed.iter().find(|s| !s.current).unwrap();
    // Refreshed at most once a minute, so not by these first requests.
    assert_eq!(mine.last_used_at, mine.created_at);
    assert!(mine.created_at < mine.expires_at);
    assert_eq!(
        other.client, None,
        "this test's HTTP client sends no User-Agent"
    );

    // Used right before it is revoked: the cache must not let it through afterwards.
    assert!(works(&server, &second.token).await);
    let path = format!("/api/v1/sessions/{}", other.id);
    let response = server
        .call(Method::DELETE, &path, Some(&alice.token), NO_BODY)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        !works(&server, &second.token).await,
        "revoked, refused at once"
    );
    assert!(works(&server, &alice.token).await);
    server
        .fails(
            ErrorCode::NotFound,
            Method::DELETE,
            &path,
            alice.token(),
            NO_BODY,
        )
        .await;
    assert_eq!(sessions(&server, &alice.token).await.len(), 1);
}

#[tokio::test]
async fn another_accounts_session_is_not_found_and_left_alone() {
    let server = TestServer::start().await;
    let alice = server.signup("sessions-owner@example.org").await;
    let mallory = server.signup("sessions-stranger@example.org").await;
    let alices = sessions(&server, &alice.token).await;
    let path = format!("/api/v1/sessions/{}", alices[0].id);
    server
        .fails(
            ErrorCode::NotFound,
            Method::DELETE,
            &path,
            mallory.token(),
            NO_BODY,
        )
        .await;
    let random = format!("/api/v1/sessions/{}", Id::random());
    server
        .fails(
            ErrorCode::NotFound,
            Method::DELETE,
            &random,
            mallory.token(),
            NO_BODY,
        )
        .await;
    assert!(works(&server, &alice.token).await);
    let theirs = sessions(&server, &mallory.token).await;
    assert_eq!(theirs.len(), 1);
    assert_ne!(theirs[0].id, alices[0].id);
}

#[tokio::test]
async fn revoke_others_keeps_only_the_callers_session() {
    let server = TestServer::start().await;
    let email = "sessions-others@example.org";
    let alice = server.signup(email).await;
    let bob = server.signup("sessions-bystander@example.org").await;
    let mut others = Vec::new();
    for _ in 0..2 {
        let session = server.login(email, PASSWORD).await.unwrap();
        assert!(works(&server, &session.token).await);
        others.push(session.token);
    }
    let revoked: RevokedSessions = server
        .json(
            Method::POST,
            "/api/v1/sessions/revoke-others",
            alice.token(),
            NO_BODY,
        )
        .await;
    assert_eq!(revoked.revoked, 2);
    for token in &others {
        assert!(!works(&server, token).await);
    }
    assert!(works(&server, &alice.token).await);
    assert!(
        works(&server, &bob.token).await,
        "another account is untouched"
    );
    let left = sessions(&server, &alice.token).await;
    assert_eq!((left.len(), left[0].current), (1, true));
}

/// A time step with room before the next one, so that steps `now - 1 ..= now + 1` stay valid
/// for the few seconds a test takes.
async fn settled_step() -> i64 {
    let seconds_into_step = || {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        now.as_secs() % totp::STEP_SECONDS
    };
    if seconds_into_step() >= totp::STEP_SECONDS - 8 {
        tokio::time::sleep(Duration::from_secs(9)).await;
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    totp::step_at(now.as_millis() as i64)
}

/// Sets up a second factor for `account` and returns its secret.
async fn set_up(server: &TestServer, account: &Account) -> Vec<u8> {
    let setup: TotpSetup = server
        .json(Method::POST, "/api/v1/2fa/setup", account.token(), NO_BODY)
        .await;
    assert!(
        setup.uri.starts_with("otpauth://totp/coffer:"),
        "{}",
        setup.uri
    );
    assert!(setup.uri.contains(&format!("secret={}", setup.secret)));
    let secret = totp::base32_decode(&setup.secret).unwrap();
    assert_eq!(secret.len(), totp::SECRET_LEN);
    secret
}

fn code_body(code: String) -> TotpCode {
    TotpCode { code }
}

#[tokio::test]
async fn second_factor_is_required_at_login_and_codes_work_once() {
    let server = TestServer::start().await;
    let email = "totp-user@example.org";
    let alice = server.signup(email).await;
    let status: SecondFactorStatus = server.get("/api/v1/2fa", alice.token()).await;
    assert!(!status.enabled);
    let off = code_body("123456".into());
    server
        .fails(
            ErrorCode::SecondFactorNotSetUp,
            Method::POST,
            "/api/v1/2fa/enable",
            alice.token(),
            Some(&off),
        )
        .await;

    let secret = set_up(&server, &alice).await;
    let step = settled_step().await;
    let wrong = code_body(totp::code(&secret, step + 5));
    server
        .fails(
            ErrorCode::SecondFactorWrong,
            Method::POST,
            "/api/v1/2fa/enable",
            alice.token(),
            Some(&wrong),
        )
        .await;
    // Not on until confirmed: a login needs no code yet.
    server.login(email, PASSWORD).await.unwrap();
    let enable = code_body(totp::code(&secret, step - 1));
    let response = server
        .call(
            Method::POST,
            "/api/v1/2fa/enable",
            alice.token(),
            Some(&enable),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let status: SecondFactorStatus = server.get("/api/v1/2fa", alice.token()).await;
    assert!(status.enabled);
    server
        .fails(
            ErrorCode::SecondFactorEnabled,
            Method::POST,
            "/api/v1/2fa/setup",
            alice.token(),
            NO_BODY,
        )
        .await;

    assert_eq!(
        server.login(email, PASSWORD).await.unwrap_err(),
        ErrorCode::SecondFactorRequired
    );
    let now_code = totp::code(&secret, step);
    let wrong_code = totp::code(&secret, step + 3);
    assert_eq!(
        server
            .login_with_code(email, PASSWORD, Some(&wrong_code))
            .await
            .unwrap_err(),
        ErrorCode::SecondFactorWrong
    );
    let used = totp::code(&secret, step - 1);
    assert_eq!(
        server
            .login_with_code(email, PASSWORD, Some(&used))
            .await
            .unwrap_err(),
        ErrorCode::SecondFactorWrong,
        "the enabling code's step is spent"
    );
    let session = server
        .login_with_code(email, PASSWORD, Some(&now_code))
        .await
        .unwrap();
    assert!(works(&server, &session.token).await);
    assert_eq!(
        server
            .login_with_code(email, PASSWORD, Some(&now_code))
            .await
            .unwrap_err(),
        ErrorCode::SecondFactorWrong,
        "replay"
    );
    // A wrong password with the right code is still a wrong password.
    assert_eq!(
        server
            .login_with_code(email, b"wrong", Some(&totp::code(&secret, step + 1)))
            .await
            .unwrap_err(),
        ErrorCode::LoginFailed
    );

    let replay = code_body(now_code);
    server
        .fails(
            ErrorCode::SecondFactorWrong,
            Method::DELETE,
            "/api/v1/2fa",
            alice.token(),
            Some(&replay),
        )
        .await;
    let disable = code_body(totp::code(&secret, step + 1));
    let response = server
        .call(Method::DELETE, "/api/v1/2fa", alice.token(), Some(&disable))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    server.login(email, PASSWORD).await.unwrap();
    server
        .fails(
            ErrorCode::SecondFactorNotSetUp,
            Method::DELETE,
            "/api/v1/2fa",
            alice.token(),
            Some(&disable),
        )
        .await;
}

/// `POST /login/start` for `email`, expected to be refused with `429` and a `retry-after`.
async fn expect_locked(server: &TestServer, email: &str, what: &str) {
    let mut rng = coffer_crypto::OsRng;
    let (_, request) = coffer_crypto::client_login_start(PASSWORD, &mut rng).unwrap();
    let start = LoginStartRequest {
        email: email.into(),
        credential_request: B64(request),
    };
    let response = server
        .call(Method::POST, "/api/v1/login/start", None, Some(&start))
        .await;
    let retry_after: u64 = (response.headers().get("retry-after"))
        .unwrap_or_else(|| panic!("{what}: no retry-after"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{what}: {retry_after}");
    let text = response.text().await.unwrap();
    let problem: Problem = serde_json::from_str(&text).unwrap();
    assert_eq!(problem.code, ErrorCode::RateLimited, "{what}");
    assert!(text.contains("retry in"), "{what}: {text}");
}

#[tokio::test]
async fn the_eleventh_failure_locks_an_account_and_an_unknown_email_alike() {
    let server = TestServer::start().await;
    let email = "limited@example.org";
    server.signup(email).await;
    for (target, password) in [(email, &b"wrong"[..]), ("nobody@example.org", PASSWORD)] {
        for i in 0..10 {
            let failed = server.login(target, password).await.unwrap_err();
            assert_eq!(failed, ErrorCode::LoginFailed, "{target}: failure {i}");
        }
        assert_eq!(
            server.login(target, PASSWORD).await.unwrap_err(),
            ErrorCode::RateLimited,
            "{target}: locked, even with the right password"
        );
        expect_locked(&server, target, target).await;
    }
    // Another email from the same address is not locked (30 per address by default).
    server.signup("unlimited@example.org").await;
}

#[tokio::test]
async fn an_address_is_locked_across_emails_until_its_window_passes() {
    let settings = Settings {
        login_failures_per_address: 3,
        login_failure_window: Duration::from_secs(2),
        ..Settings::default()
    };
    let data = Arc::new(tempfile::tempdir().unwrap());
    let server = TestServer::start_with(data, settings).await;
    let email = "address-limit@example.org";
    server.signup(email).await;
    for i in 0..3 {
        let failed = server
            .login(&format!("guess{i}@example.org"), PASSWORD)
            .await
            .unwrap_err();
        assert_eq!(failed, ErrorCode::LoginFailed);
    }
    expect_locked(&server, email, "the address").await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    server.login(email, PASSWORD).await.unwrap();
}
