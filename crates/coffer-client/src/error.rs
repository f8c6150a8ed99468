//! The SDK's error type.
//!
//! Error policy:
//! - [`ClientError::Network`] and API errors whose code is temporary (`internal`, `unavailable`,
//!   `rate_limited`) are **temporary**: the HTTP layer retries them with backoff on idempotent
//!   requests, and [`ClientError::is_temporary`] tells callers a later retry may succeed.
//! - [`ClientError::Integrity`] means the server served something that does not verify (bad
//!   signature, wrong key wrap, chunk that does not authenticate, hash mismatch). It is **never
//!   retried and never ignored**: the operation stops, nothing unverified is shown or written, and
//!   the message names the path and the check that failed (never a key or plaintext).
//! - Everything else is permanent: retrying the same request fails the same way.
//! - Paths in messages are the user's own drive paths, shown only to that user; the SDK itself
//!   never logs them.

use coffer_api::ErrorCode;
use std::path::PathBuf;

/// Everything the SDK can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a problem document that has no more specific variant here.
    #[error("server refused the request ({code}): {detail}")]
    Api {
        status: u16,
        code: ErrorCode,
        detail: String,
        /// The server's `retry-after`, in seconds, when it sent one.
        retry_after: Option<u64>,
    },
    /// A public link cannot be read: see [`LinkError`](crate::LinkError).
    #[error(transparent)]
    Link(#[from] crate::link::LinkError),
    /// The server could not be reached, or the connection broke (temporary).
    #[error("network error: {0}")]
    Network(String),
    /// The server answered something that is not the protocol (malformed JSON, wrong status).
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// The server served data that does not verify. Never retried, never ignored.
    #[error("integrity check failed for {path}: {reason}")]
    Integrity { path: String, reason: String },
    /// No node at this drive path.
    #[error("{0}: no such file or folder")]
    NotFound(String),
    /// Something already exists at this drive path.
    #[error("{0}: already exists")]
    AlreadyExists(String),
    /// A folder was required.
    #[error("{0}: not a folder")]
    NotAFolder(String),
    /// A file was required, or a folder was given without the recursive option.
    #[error("{0}: is a folder")]
    IsAFolder(String),

    #[error("{0}: the folder is not empty (use -r to delete it with everything in it)")]
    FolderNotEmpty(String),
    /// Wrong email or password (indistinguishable on purpose).
    #[error("login failed: wrong email or password")]
    Auth,
    /// No session, or the server no longer accepts it.
    #[error("not logged in (or the session expired): run `coffer login`")]
    NotLoggedIn,
    /// The server offered an account state older than one this client already saw.
    #[error(
        "the server offered an older key container (generation {offered}, already saw {seen}): refusing a rollback"
    )]
    Rollback { offered: u64, seen: u64 },
    /// A local file system operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A drive path that cannot be used (relative, `.`/`..`, or names the root where a child is
    /// needed).
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath { path: String, reason: &'static str },
    /// A file or folder name that breaks PROTOCOL.md §6 (empty, `/`, NUL, `.`, `..`, > 255 bytes).
    #[error("invalid name {0:?}")]
    InvalidName(String),
    /// The operation was cancelled through its [`crate::CancelToken`].
    #[error("cancelled")]
    Cancelled,
    /// The moved/changed node changed on the server meanwhile; read it again and retry.
    #[error("{0}: changed on the server meanwhile, try again")]
    Conflict(String),
    /// The operation is not allowed on this node (moving the root, moving a folder into itself).
    #[error("{path}: {reason}")]
    InvalidOperation { path: String, reason: &'static str },
    /// A write into a folder shared with this account for reading only.
    #[error("read-only share: its owner shared it with you for reading only")]
    ReadOnlyShare,
    /// A contact's keys, as the server now names them, differ from the pinned ones.
    #[error(
        "{email}'s key changed since you pinned it; compare fingerprints with `coffer contacts verify {email}`"
    )]
    KeyChanged { email: String },
    /// Strict sharing with a contact whose fingerprint was never compared.
    #[error(
        "{email} is not verified; compare fingerprints with `coffer contacts verify {email}` first"
    )]
    Unverified { email: String },
    /// The typed fingerprint is not the contact's: nothing was marked verified.
    #[error(
        "the fingerprint you entered does not match {email}'s key: not verified (the server may be showing you another key)"
    )]
    FingerprintMismatch { email: String },
    /// Only a folder's owner can share it.
    #[error("{path}: only the owner ({owner}) can share this")]
    NotOwner { path: String, owner: String },
    /// No share of this folder with this account.
    #[error("{path}: not shared with {email}")]
    NotShared { path: String, email: String },
    /// The server has no account with this email.
    #[error("{0}: no such account")]
    UnknownAccount(String),
    /// The password was right, and the account also needs its second-factor code.
    #[error("this account needs its second-factor code (--totp CODE or COFFER_TOTP)")]
    SecondFactorRequired,
    /// The second-factor code is wrong, or was already used.
    #[error("the second-factor code is wrong or was already used; wait for the next one")]
    SecondFactorWrong,
}

impl ClientError {
    /// Whether a later retry of the same operation may succeed.
    pub fn is_temporary(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Api { code, .. } => code.is_temporary(),
            _ => false,
        }
    }

    /// Turns a problem document into an error; `unauthorized` becomes [`ClientError::NotLoggedIn`].
    pub(crate) fn from_problem(status: u16, code: ErrorCode, detail: Option<String>) -> Self {
        match code {
            ErrorCode::Unauthorized => ClientError::NotLoggedIn,
            ErrorCode::LoginFailed => ClientError::Auth,
            ErrorCode::ReadOnlyShare => ClientError::ReadOnlyShare,
            ErrorCode::SecondFactorRequired => ClientError::SecondFactorRequired,
            ErrorCode::SecondFactorWrong => ClientError::SecondFactorWrong,
            _ => ClientError::Api {
                status,
                code,
                detail: detail.unwrap_or_else(|| code.as_str().replace('_', " ")),
                retry_after: None,
            },
        }
    }

    /// The API error code, if this error came from a problem document.
    pub fn api_code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { code, .. } => Some(*code),
            ClientError::NotLoggedIn => Some(ErrorCode::Unauthorized),
            ClientError::Auth => Some(ErrorCode::LoginFailed),
            ClientError::ReadOnlyShare => Some(ErrorCode::ReadOnlyShare),
            ClientError::SecondFactorRequired => Some(ErrorCode::SecondFactorRequired),
            ClientError::SecondFactorWrong => Some(ErrorCode::SecondFactorWrong),
            _ => None,
        }
    }

    /// The same error, carrying the server's `retry-after` hint if it is an API error.
    pub(crate) fn with_retry_after(mut self, hint: Option<std::time::Duration>) -> Self {
        if let ClientError::Api { retry_after, .. } = &mut self {
            *retry_after = hint.map(|d| d.as_secs());
        }
        self
    }

    pub(crate) fn integrity(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ClientError::Integrity {
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ClientError::Io {
            path: path.into(),
            source,
        }
    }
}

/// The SDK's result type.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_errors_are_network_and_temporary_codes() {
        assert!(ClientError::Network("reset".into()).is_temporary());
        let api = |code: ErrorCode| ClientError::from_problem(code.status(), code, None);
        assert!(api(ErrorCode::Unavailable).is_temporary());
        assert!(!api(ErrorCode::NameExists).is_temporary());
        assert!(!ClientError::integrity("/a", "bad").is_temporary());
    }

    #[test]
    fn auth_codes_get_their_own_variants() {
        let e = ClientError::from_problem(401, ErrorCode::Unauthorized, None);
        assert!(matches!(e, ClientError::NotLoggedIn));
        let e = ClientError::from_problem(401, ErrorCode::LoginFailed, Some("x".into()));
        assert!(matches!(e, ClientError::Auth));
    }

    #[test]
    fn integrity_message_names_path_and_reason() {
        let e = ClientError::integrity("/docs/a.txt", "chunk 3 does not authenticate");
        assert_eq!(
            e.to_string(),
            "integrity check failed for /docs/a.txt: chunk 3 does not authenticate"
        );
    }
}
