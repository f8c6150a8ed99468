//! An account's sessions (list, revoke) and its second factor (TOTP, RFC 6238).
//!
//! A session is named on the wire by a public id, never by its token or the token's hash. The
//! TOTP secret travels once, from `POST /2fa/setup` to the user's authenticator; the server
//! keeps it to check codes (it is a login factor, not end-to-end key material).

use crate::Id;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One live session of the caller's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    pub id: Id,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds; updated at most once a minute.
    pub last_used_at: i64,
    /// Unix milliseconds.
    pub expires_at: i64,
    /// The client's `User-Agent` at login, at most 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Whether this is the session of the request's own token.
    pub current: bool,
}

/// `GET /api/v1/sessions`: the live sessions, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// `POST /api/v1/sessions/revoke-others`: how many sessions were ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct RevokedSessions {
    pub revoked: u64,
}

/// `POST /api/v1/2fa/setup`: a fresh TOTP secret, not active until confirmed with a code.
// `Debug` does not show the secret (below).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TotpSetup {
    /// The 20-byte secret, base32 (RFC 4648) without padding, for manual entry.
    pub secret: String,
    /// `otpauth://totp/…` (SHA-1, 6 digits, 30 s), for a QR code.
    pub uri: String,
}

/// A current TOTP code: confirms a setup (`POST /2fa/enable`) or turns it off (`DELETE /2fa`).
// `Debug` does not show the code (below).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TotpCode {
    /// 6 digits.
    pub code: String,
}

/// `GET /api/v1/2fa`: whether the account has a second factor on.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct SecondFactorStatus {
    pub enabled: bool,
}

impl std::fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSetup { .. }")
    }
}

impl std::fmt::Debug for TotpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpCode { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_neither_the_secret_nor_the_code() {
        let setup = TotpSetup {
            secret: "JBSWY3DPEHPK3PXP".into(),
            uri: "otpauth://totp/coffer:a?secret=JBSWY3DPEHPK3PXP".into(),
        };
        assert!(!format!("{setup:?}").contains("JBSW"));
        let code = TotpCode {
            code: "123456".into(),
        };
        assert!(!format!("{code:?}").contains("123456"));
    }
}
