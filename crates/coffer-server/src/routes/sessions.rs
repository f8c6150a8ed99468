//! The caller's sessions: list, revoke one, revoke all the others. Sessions are named by their
//! public id; another account's id answers `404 not_found` like an unknown one. A revoked
//! session leaves this server's session cache at once, so its token is refused on its very
//! next request.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::state::{AppState, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{ErrorCode, Id, RevokedSessions, SessionInfo, SessionList};

/// The caller's live sessions, newest first; `current` marks the request's own.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions",
    security(("bearer" = [])),
    responses((status = 200, description = "The live sessions", body = SessionList)))]
pub async fn list_sessions(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<Json<SessionList>, ApiError> {
    let records = state
        .meta
        .account_sessions(auth.account_id, now_ms())
        .await?;
    let sessions = records
        .into_iter()
        .map(|s| SessionInfo {
            id: s.id,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
            client: s.client_label,
            current: s.token_hash == auth.token_hash,
        })
        .collect();
    Ok(Json(SessionList { sessions }))
}

/// Revokes one of the caller's sessions (the current one too: that is a logout).
/// `404 not_found` for an unknown, ended or another account's session.
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = Id, Path, description = "Session id")),
    responses((status = 204, description = "The session is revoked")))]
pub async fn revoke_session(
    auth: Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<StatusCode, ApiError> {
    let token_hash = state
        .meta
        .revoke_session_by_id(auth.account_id, id, now_ms())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such session"))?;
    state.sessions.forget(&token_hash);
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes every session of the caller but the one making the request.
#[utoipa::path(post, path = "/api/v1/sessions/revoke-others", tag = "sessions",
    security(("bearer" = [])),
    responses((status = 200, description = "How many sessions were revoked", body = RevokedSessions)))]
pub async fn revoke_other_sessions(
    auth: Authenticated,
    State(state): State<AppState>,
) -> Result<Json<RevokedSessions>, ApiError> {
    let revoked = state
        .meta
        .revoke_other_sessions(auth.account_id, &auth.token_hash, now_ms())
        .await?;
    for token_hash in &revoked {
        state.sessions.forget(token_hash);
    }
    tracing::info!(account = %auth.account_id, count = revoked.len(), "other sessions revoked");
    Ok(Json(RevokedSessions {
        revoked: revoked.len() as u64,
    }))
}
