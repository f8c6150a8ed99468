//! Signup and login (OPAQUE, PROTOCOL.md §3), sessions, the account and its usage, and the
//! lookup of another account's public keys.
//!
//! The server never sees the password: it evaluates the OPRF, keeps the password file OPAQUE
//! produced, and checks the client's login finalization. A login for an unknown email gets a
//! well-formed fake answer and fails at `finish` exactly like a wrong password.

use crate::auth::{Authenticated, mint_token};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::incoming::{key_container, normalize_email, root_folder};
use crate::outgoing;
use crate::state::{AppState, ms_after, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{
    AccountInfo, B64, ErrorCode, Id, LoginFinishRequest, LoginStartRequest, LoginStartResponse,
    LookupQuery, PublicIdentity, SessionResponse, SignupFinishRequest, SignupFinishResponse,
    SignupStartRequest, SignupStartResponse, Usage,
};
use coffer_store::{LoginAttempt, NewAccount};
use zeroize::Zeroizing;

fn malformed_opaque(_: coffer_crypto::CryptoError) -> ApiError {
    ApiError::bad_request("malformed OPAQUE message")
}

/// Starts a registration: evaluates the OPRF on the client's blinded password.
#[utoipa::path(post, path = "/api/v1/signup/start", tag = "accounts",
    request_body = SignupStartRequest,
    responses((status = 200, description = "The OPRF evaluation", body = SignupStartResponse)))]
pub async fn signup_start(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignupStartRequest>,
) -> Result<Json<SignupStartResponse>, ApiError> {
    let email = normalize_email(&req.email)?;
    let response = coffer_crypto::server_registration_start(
        &state.opaque,
        &req.registration_request,
        email.as_bytes(),
    )
    .map_err(malformed_opaque)?;
    Ok(Json(SignupStartResponse {
        registration_response: B64(response),
    }))
}

/// Finishes a registration: stores the password file, the key container and the root folder,
/// all in one transaction. `409 email_taken` if the email is registered.
#[utoipa::path(post, path = "/api/v1/signup/finish", tag = "accounts",
    request_body = SignupFinishRequest,
    responses((status = 200, description = "The account is created", body = SignupFinishResponse)))]
pub async fn signup_finish(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignupFinishRequest>,
) -> Result<Json<SignupFinishResponse>, ApiError> {
    let email = normalize_email(&req.email)?;
    let key_container = key_container(&req.key_container)?;
    let root = root_folder(req.root)?;
    let password_file = coffer_crypto::server_registration_finish(&req.registration_upload)
        .map_err(malformed_opaque)?;
    let account = NewAccount {
        id: Id::random(),
        email,
        password_file,
        key_container,
        root,
    };
    state.meta.create_account(&account, now_ms()).await?;
    tracing::info!(account = %account.id, "account created");
    Ok(Json(SignupFinishResponse {
        account_id: account.id,
        root_id: account.root.id,
    }))
}

/// Starts a login. The answer is well-formed whether or not the email is registered.
#[utoipa::path(post, path = "/api/v1/login/start", tag = "accounts",
    request_body = LoginStartRequest,
    responses((status = 200, description = "The server's login message", body = LoginStartResponse)))]
pub async fn login_start(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginStartRequest>,
) -> Result<Json<LoginStartResponse>, ApiError> {
    let email = normalize_email(&req.email)?;
    let account = state.meta.account_by_email(&email).await?;
    let (server_state, response) = coffer_crypto::server_login_start(
        &state.opaque,
        account.as_ref().map(|a| &a.password_file[..]),
        &req.credential_request,
        email.as_bytes(),
        &mut coffer_crypto::OsRng,
    )
    .map_err(malformed_opaque)?;
    let login_id = Id::random();
    let attempt = LoginAttempt {
        account_id: account.map(|a| a.id),
        state: Zeroizing::new(server_state),
    };
    let expires_at = ms_after(now_ms(), state.settings.login_ttl);
    state
        .meta
        .put_login_attempt(login_id, &attempt, expires_at)
        .await?;
    Ok(Json(LoginStartResponse {
        login_id,
        credential_response: B64(response),
    }))
}

/// Finishes a login and opens a session. `401 login_failed` for a wrong email or password
/// (indistinguishable), `401 login_expired` when the attempt is unknown, used or too old.
#[utoipa::path(post, path = "/api/v1/login/finish", tag = "accounts",
    request_body = LoginFinishRequest,
    responses((status = 200, description = "A new session", body = SessionResponse)))]
pub async fn login_finish(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginFinishRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let now = now_ms();
    let attempt = state
        .meta
        .take_login_attempt(req.login_id, now)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::LoginExpired, "start the login again"))?;
    // Checked even for an unknown account, so both cases cost the same.
    let verified = coffer_crypto::server_login_finish(&attempt.state, &req.credential_finalization);
    let failed = || ApiError::new(ErrorCode::LoginFailed, "wrong email or password");
    let account_id = match (verified, attempt.account_id) {
        (Ok(()), Some(account_id)) => account_id,
        _ => return Err(failed()),
    };
    let account = state
        .meta
        .account_by_id(account_id)
        .await?
        .ok_or_else(failed)?;
    let (token, token_hash) = mint_token();
    let expires_at = ms_after(now, state.settings.session_ttl);
    state
        .meta
        .insert_session(&token_hash, account_id, now, expires_at)
        .await?;
    tracing::info!(account = %account_id, "session opened");
    Ok(Json(SessionResponse {
        token,
        expires_at,
        account: outgoing::account(account)?,
    }))
}

/// Revokes the session whose token authenticates this request.
#[utoipa::path(post, path = "/api/v1/logout", tag = "accounts",
    security(("bearer" = [])),
    responses((status = 204, description = "The session is revoked")))]
pub async fn logout(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<StatusCode, ApiError> {
    state
        .meta
        .revoke_session(&auth.token_hash, now_ms())
        .await?;
    state.sessions.forget(&auth.token_hash);
    Ok(StatusCode::NO_CONTENT)
}

/// The authenticated account: ids and key container.
#[utoipa::path(get, path = "/api/v1/account", tag = "accounts",
    security(("bearer" = [])),
    responses((status = 200, description = "The account", body = AccountInfo)))]
pub async fn account(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<Json<AccountInfo>, ApiError> {
    let record = state
        .meta
        .account_by_id(auth.account_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(outgoing::account(record)?))
}

/// Storage used by the authenticated account.
#[utoipa::path(get, path = "/api/v1/usage", tag = "accounts",
    security(("bearer" = [])),
    responses((status = 200, description = "The usage", body = Usage)))]
pub async fn usage(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<Json<Usage>, ApiError> {
    Ok(Json(outgoing::usage(
        state.meta.usage(auth.account_id).await?,
    )))
}

/// Another account's public identity by email (normalised as at signup), to share with it.
/// This tells any logged-in user whether an email has an account. `404 account_not_found`.
#[utoipa::path(get, path = "/api/v1/accounts/lookup", tag = "accounts",
    security(("bearer" = [])),
    params(LookupQuery),
    responses((status = 200, description = "The account's public keys", body = PublicIdentity)))]
pub async fn lookup(
    _auth: Authenticated,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<LookupQuery>,
) -> Result<Json<PublicIdentity>, ApiError> {
    let email = normalize_email(&query.email)?;
    let record = (state.meta.account_by_email(&email).await?)
        .ok_or_else(crate::routes::shares::account_not_found)?;
    Ok(Json(outgoing::identity(record)?))
}
