//! The caller's second factor (TOTP, RFC 6238; `totp.rs`): set up a secret, confirm it with a
//! first code (only then is it on), turn it off with a current code. Every accepted code
//! advances the stored time step, so no code works twice, here or at login.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::routes::accounts::second_factor_wrong;
use crate::state::{AppState, now_ms};
use crate::totp;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{ErrorCode, SecondFactorStatus, TotpCode, TotpSetup};
use zeroize::Zeroizing;

/// The issuer shown by authenticator apps.
const ISSUER: &str = "coffer";

fn not_set_up() -> ApiError {
    ApiError::new(
        ErrorCode::SecondFactorNotSetUp,
        "no second factor is set up: run the setup first",
    )
}

/// Whether the caller's account has a second factor on.
#[utoipa::path(get, path = "/api/v1/2fa", tag = "sessions",
    security(("bearer" = [])),
    responses((status = 200, description = "The second factor's state", body = SecondFactorStatus)))]
pub async fn status(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<Json<SecondFactorStatus>, ApiError> {
    let factor = state.meta.second_factor(auth.account_id).await?;
    Ok(Json(SecondFactorStatus {
        enabled: factor.is_some_and(|f| f.enabled_at.is_some()),
    }))
}

/// A fresh secret (20 random bytes) awaiting confirmation; it replaces an unconfirmed one.
/// `409 second_factor_enabled` when the account already has one on.
#[utoipa::path(post, path = "/api/v1/2fa/setup", tag = "sessions",
    security(("bearer" = [])),
    responses((status = 200, description = "The new secret, not yet on", body = TotpSetup)))]
pub async fn setup(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<Json<TotpSetup>, ApiError> {
    let secret = Zeroizing::new(coffer_crypto::random_bytes::<{ totp::SECRET_LEN }>());
    let stored = state
        .meta
        .set_up_second_factor(auth.account_id, &secret[..], now_ms())
        .await?;
    if !stored {
        return Err(ApiError::new(
            ErrorCode::SecondFactorEnabled,
            "a second factor is already on: disable it first",
        ));
    }
    let account = state
        .meta
        .account_by_id(auth.account_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(TotpSetup {
        secret: totp::base32_encode(&secret[..]),
        uri: totp::otpauth_uri(ISSUER, &account.email, &secret[..]),
    }))
}

/// Turns the set-up secret on, given its current code. `401 second_factor_wrong` for a wrong
/// code, `409 second_factor_not_set_up` without a setup, `409 second_factor_enabled` if on.
#[utoipa::path(post, path = "/api/v1/2fa/enable", tag = "sessions",
    security(("bearer" = [])),
    request_body = TotpCode,
    responses((status = 204, description = "The second factor is on")))]
pub async fn enable(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<TotpCode>,
) -> Result<StatusCode, ApiError> {
    let factor = (state.meta.second_factor(auth.account_id).await?).ok_or_else(not_set_up)?;
    if factor.enabled_at.is_some() {
        return Err(ApiError::new(
            ErrorCode::SecondFactorEnabled,
            "the second factor is already on",
        ));
    }
    accept(&state, &auth, &factor.secret, &req.code, true).await?;
    tracing::info!(account = %auth.account_id, "second factor enabled");
    Ok(StatusCode::NO_CONTENT)
}

/// Turns the second factor off, given a current code. `401 second_factor_wrong` for a wrong or
/// used code, `409 second_factor_not_set_up` when it is not on.
#[utoipa::path(delete, path = "/api/v1/2fa", tag = "sessions",
    security(("bearer" = [])),
    request_body = TotpCode,
    responses((status = 204, description = "The second factor is off")))]
pub async fn disable(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<TotpCode>,
) -> Result<StatusCode, ApiError> {
    let factor = (state.meta.second_factor(auth.account_id).await?)
        .filter(|f| f.enabled_at.is_some())
        .ok_or_else(not_set_up)?;
    accept(&state, &auth, &factor.secret, &req.code, false).await?;
    state.meta.remove_second_factor(auth.account_id).await?;
    tracing::info!(account = %auth.account_id, "second factor disabled");
    Ok(StatusCode::NO_CONTENT)
}

/// Accepts `code` once (recording its step), or `401 second_factor_wrong`.
async fn accept(
    state: &AppState,
    auth: &Authenticated,
    secret: &[u8],
    code: &str,
    enable: bool,
) -> Result<(), ApiError> {
    let now = now_ms();
    let step =
        totp::matching_step(secret, code, totp::step_at(now)).ok_or_else(second_factor_wrong)?;
    let accepted = state
        .meta
        .accept_second_factor_step(auth.account_id, step, enable, now)
        .await?;
    accepted.then_some(()).ok_or_else(second_factor_wrong)
}
