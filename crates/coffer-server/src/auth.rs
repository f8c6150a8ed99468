//! Bearer-token authentication: the [`Authenticated`] extractor, and minting tokens at login.
//!
//! A token is 32 random bytes, base64url. The server stores only `BLAKE3(token text)`, so a copy
//! of the database does not let anyone log in. A request is authenticated when its token's hash
//! names a session that is neither expired nor revoked; anything else is `401 unauthorized`,
//! the same for every cause. A session the database confirmed is trusted for a second
//! ([`crate::session_cache`]).

use crate::error::ApiError;
use crate::state::{AppState, now_ms};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use coffer_api::{B64, Id};

/// How stale a session's `last_used_at` may get before a request refreshes it.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;
/// Longest Authorization value looked at; real tokens are 43 characters.
const MAX_TOKEN_LEN: usize = 256;

/// The account behind a valid bearer token. Extract it first in a handler, so unauthenticated
/// requests are refused before their body is read.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated {
    pub account_id: Id,
    /// Names the session (for logout).
    pub token_hash: [u8; 32],
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_LEN)
            .ok_or_else(ApiError::unauthorized)?;
        let token_hash = token_hash(token);
        let now = now_ms();
        let account_id = match state.sessions.get(&token_hash, now) {
            Some(account) => account,
            None => {
                let live = state
                    .meta
                    .session_by_token_hash(&token_hash, now)
                    .await?
                    .ok_or_else(ApiError::unauthorized)?;
                // Only when the database is asked anyway, and at most once a minute: a write
                // per request would cost a WAL sync each.
                if now.saturating_sub(live.last_used_at) >= LAST_USED_RESOLUTION_MS {
                    state.meta.touch_session(&token_hash, now).await?;
                }
                state
                    .sessions
                    .confirm(token_hash, live.account_id, live.expires_at);
                live.account_id
            }
        };
        tracing::Span::current().record("account", tracing::field::display(account_id));
        Ok(Authenticated {
            account_id,
            token_hash,
        })
    }
}

/// What the server stores for a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

/// A fresh token and its hash.
pub fn mint_token() -> (String, [u8; 32]) {
    let token = B64::encode(&coffer_crypto::random_bytes::<32>());
    let hash = token_hash(&token);
    (token, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_hashed() {
        let (a, ha) = mint_token();
        let (b, hb) = mint_token();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), ha);
    }
}
