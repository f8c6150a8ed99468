//! Signup and login (OPAQUE, PROTOCOL.md §3), sessions, the account and its usage, and the
//! lookup of another account's public keys.
//!
//! The server never sees the password: it evaluates the OPRF, keeps the password file OPAQUE
//! produced, and checks the client's login finalization. A login for an unknown email gets a
//! well-formed fake answer and fails at `finish` exactly like a wrong password. Logins are
//! rate-limited per email and per address (`login_limits.rs`); an account with a second factor
//! also needs its current TOTP code at `finish` (`totp.rs`).

use crate::auth::{Authenticated, mint_token};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::incoming::{key_container, normalize_email, root_folder};
use crate::link_access::ClientAddress;
use crate::login_limits::{self, LoginKeys};
use crate::outgoing;
use crate::state::{AppState, ms_after, now_ms};
use crate::totp;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use coffer_api::{
    AccountInfo, B64, ErrorCode, Id, LoginFinishRequest, LoginStartRequest, LoginStartResponse,
    LookupQuery, PublicIdentity, SessionResponse, SignupFinishRequest, SignupFinishResponse,
    SignupStartRequest, SignupStartResponse, Usage,
};
use coffer_store::{LoginAttempt, NewAccount, NewSession};
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

/// Longest client label kept with a session (characters of its `User-Agent`).
const MAX_CLIENT_LABEL: usize = 100;

/// Starts a login. The answer is well-formed whether or not the email is registered.
/// `429 rate_limited` while the email or the address used up its failed logins.
#[utoipa::path(post, path = "/api/v1/login/start", tag = "accounts",
    request_body = LoginStartRequest,
    responses((status = 200, description = "The server's login message", body = LoginStartResponse)))]
pub async fn login_start(
    State(state): State<AppState>,
    client: ClientAddress,
    ApiJson(req): ApiJson<LoginStartRequest>,
) -> Result<Json<LoginStartResponse>, ApiError> {
    let email = normalize_email(&req.email)?;
    let limit_key = login_limits::email_key(&email);
    login_limits::check(&state, &LoginKeys::new(Some(limit_key.clone()), client)).await?;
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
        limit_key: Some(limit_key),
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
/// (indistinguishable), `401 login_expired` when the attempt is unknown, used or too old; with a
/// second factor on, `401 second_factor_required` without a code and `401 second_factor_wrong`
/// for a wrong or reused one (the client starts the login again with the code); `429
/// rate_limited` while the email or the address used up its failed logins.
#[utoipa::path(post, path = "/api/v1/login/finish", tag = "accounts",
    request_body = LoginFinishRequest,
    responses((status = 200, description = "A new session", body = SessionResponse)))]
pub async fn login_finish(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginFinishRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let attempt = state
        .meta
        .take_login_attempt(req.login_id, now_ms())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::LoginExpired, "start the login again"))?;
    // Attempts stored before the email key was kept are limited by address only.
    let keys = LoginKeys::new(attempt.limit_key.clone(), client);
    // Held until the outcome is recorded, so that parallel guesses count against each other.
    let _slot = login_limits::check(&state, &keys).await?;
    // Checked even for an unknown account, so both cases cost the same.
    let verified = coffer_crypto::server_login_finish(&attempt.state, &req.credential_finalization);
    let account_id = match (verified, attempt.account_id) {
        (Ok(()), Some(account_id)) => account_id,
        _ => return Err(failed_login(&state, &keys).await),
    };
    let now = now_ms();
    check_second_factor(&state, &keys, account_id, req.totp.as_deref(), now).await?;
    let account = state
        .meta
        .account_by_id(account_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::LoginFailed, "wrong email or password"))?;
    let (token, token_hash) = mint_token();
    let expires_at = ms_after(now, state.settings.session_ttl);
    let session = NewSession {
        token_hash,
        id: Id::random(),
        account_id,
        client_label: client_label(&headers),
        created_at: now,
        expires_at,
    };
    state.meta.insert_session(&session).await?;
    tracing::info!(account = %account_id, "session opened");
    Ok(Json(SessionResponse {
        token,
        expires_at,
        account: outgoing::account(account)?,
    }))
}

/// Counts a failed login and returns its answer (`401 login_failed`).
async fn failed_login(state: &AppState, keys: &LoginKeys) -> ApiError {
    if let Err(e) = login_limits::record_failure(state, keys).await {
        return e;
    }
    ApiError::new(ErrorCode::LoginFailed, "wrong email or password")
}

/// Passes an account without a second factor; otherwise needs the current code, accepted once.
/// A wrong or replayed code counts as a failed login; a missing one does not (the client asks).
async fn check_second_factor(
    state: &AppState,
    keys: &LoginKeys,
    account: Id,
    code: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    let Some(factor) = state.meta.second_factor(account).await? else {
        return Ok(());
    };
    if factor.enabled_at.is_none() {
        return Ok(());
    }
    let Some(code) = code else {
        return Err(ApiError::new(
            ErrorCode::SecondFactorRequired,
            "this account needs its second-factor code",
        ));
    };
    let accepted = match totp::matching_step(&factor.secret, code, totp::step_at(now)) {
        Some(step) => {
            (state.meta)
                .accept_second_factor_step(account, step, false, now)
                .await?
        }
        None => false,
    };
    if accepted {
        return Ok(());
    }
    login_limits::record_failure(state, keys).await?;
    Err(second_factor_wrong())
}

/// `401 second_factor_wrong`.
pub(crate) fn second_factor_wrong() -> ApiError {
    ApiError::new(
        ErrorCode::SecondFactorWrong,
        "the second-factor code is wrong or was already used",
    )
}

/// The `User-Agent`, cut to [`MAX_CLIENT_LABEL`] characters, as a label for the session list.
fn client_label(headers: &HeaderMap) -> Option<String> {
    let agent = headers.get(header::USER_AGENT)?.to_str().ok()?.trim();
    (!agent.is_empty()).then(|| agent.chars().take(MAX_CLIENT_LABEL).collect())
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

/// Storage used by the authenticated account, what its storage quota counts, its transfer
/// this calendar month (UTC), and its quotas and bandwidth limit (absent: unlimited).
#[utoipa::path(get, path = "/api/v1/usage", tag = "accounts",
    security(("bearer" = [])),
    responses((status = 200, description = "The usage", body = Usage)))]
pub async fn usage(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<Json<Usage>, ApiError> {
    let account = auth.account_id;
    let now = now_ms();
    let (record, charged, transfer, limits) = futures::try_join!(
        state.meta.usage(account),
        state.meta.storage_charged(account, now),
        state
            .meta
            .transfer_used(account, crate::quota::month_key(now)),
        state.meta.limits(account),
    )?;
    Ok(Json(outgoing::usage(record, charged, transfer, limits)))
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
