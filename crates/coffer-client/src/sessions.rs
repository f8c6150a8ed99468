//! The account's sessions (list, revoke one, revoke all but this one) and its second factor
//! (TOTP): thin calls through the session's token. The client computes nothing for TOTP: the
//! authenticator app makes the codes and the server checks them.

use crate::error::Result;
use crate::http::Api;
use crate::session::Session;
use coffer_api::{Id, TotpCode};
pub use coffer_api::{SessionInfo, TotpSetup};

fn api(session: &Session) -> Result<Api> {
    Ok(Api::new(session.server_url())?.with_token(&session.token))
}

/// The account's live sessions, newest first; `current` marks this one.
pub async fn list(session: &Session) -> Result<Vec<SessionInfo>> {
    Ok(api(session)?.sessions().await?.sessions)
}

/// Ends the session `id` (`Api` error `not_found` if the account has no such live session).
pub async fn revoke(session: &Session, id: Id) -> Result<()> {
    api(session)?.revoke_session(id).await
}

/// Ends every session of the account but this one; returns how many.
pub async fn revoke_others(session: &Session) -> Result<u64> {
    Ok(api(session)?.revoke_other_sessions().await?.revoked)
}

/// Whether the account has a second factor on.
pub async fn second_factor_enabled(session: &Session) -> Result<bool> {
    Ok(api(session)?.second_factor_status().await?.enabled)
}

/// Starts setting up a second factor: a fresh secret for the user's authenticator, not on
/// until [`enable_second_factor`] confirms it with a code.
pub async fn set_up_second_factor(session: &Session) -> Result<TotpSetup> {
    api(session)?.second_factor_setup().await
}

/// Turns the set-up second factor on, with its current code.
pub async fn enable_second_factor(session: &Session, code: &str) -> Result<()> {
    let code = TotpCode {
        code: code.trim().to_owned(),
    };
    api(session)?.second_factor_enable(&code).await
}

/// Turns the second factor off, with its current code.
pub async fn disable_second_factor(session: &Session, code: &str) -> Result<()> {
    let code = TotpCode {
        code: code.trim().to_owned(),
    };
    api(session)?.second_factor_disable(&code).await
}
