//! Problem details (RFC 9457) with stable error codes.
//!
//! Policy: every error the API returns is `application/problem+json` with a `code` from
//! [`ErrorCode`]. Codes are stable: clients match on them, so a code is never renamed or reused;
//! new ones may be added (hence `#[non_exhaustive]`). `detail` is for people and may change.
//! Errors are permanent unless [`ErrorCode::is_temporary`] says a retry may succeed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The stable machine-readable error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// Malformed JSON, a missing field, or a field out of range.
    BadRequest,
    /// No session, an unknown, expired or revoked token.
    Unauthorized,
    /// OPAQUE login failed: wrong email or password (indistinguishable on purpose).
    LoginFailed,
    /// The login attempt (between start and finish) is unknown or expired.
    LoginExpired,
    /// An account with this email already exists.
    EmailTaken,
    /// No such object, or it belongs to another account (indistinguishable on purpose).
    NotFound,
    /// The target parent is a file.
    NotAFolder,
    /// A live node in that folder already has this name.
    NameExists,
    /// A node or upload with this id already exists.
    IdExists,
    /// The node changed since the client read it (optimistic concurrency).
    RevisionConflict,
    /// The move would put a folder inside itself, or the root was targeted.
    InvalidMove,
    /// A non-recursive delete of a folder that has children.
    FolderNotEmpty,
    /// The request body is larger than the route allows.
    PayloadTooLarge,
    /// A chunk's length is not the one its index requires.
    ChunkSizeWrong,
    /// A chunk's body does not hash to the `x-coffer-chunk-hash` it was sent with.
    ChunkHashMismatch,
    /// Other bytes were already stored for this chunk index.
    ChunkConflict,
    /// The chunk index is beyond the upload's chunk count.
    ChunkIndexOutOfRange,
    /// Commit before every chunk arrived.
    UploadIncomplete,
    /// The upload was already committed.
    UploadCommitted,
    /// The upload session expired or was abandoned.
    UploadExpired,
    /// The commit's chunk list hash does not match the chunks stored.
    ChunkListMismatch,
    /// Too many requests; retry after the `retry-after` header.
    RateLimited,
    /// The route exists but not with this HTTP method.
    MethodNotAllowed,
    /// The server failed; retry later.
    Internal,
    /// The storage backend is unavailable; retry later.
    Unavailable,
    /// The link was revoked by its owner.
    LinkRevoked,
    /// The operator disabled the link after a notice.
    LinkTakenDown,
    /// The link's expiry time has passed.
    LinkExpired,
    /// The link's download limit is used up.
    LinkExhausted,
    /// The node the link pointed to was deleted.
    LinkGone,
    /// The link's key (from the URL) or its password is wrong (indistinguishable on purpose).
    LinkKeyWrong,
    /// This content was taken down by the operator (inside a folder link).
    ContentTakenDown,
    /// The account may not create links (repeat-infringer policy).
    LinksSuspended,
    /// The caller may read this shared node but not change anything in it.
    ReadOnlyShare,
    /// Only the owner of a node may do this (share it, link it, move it out of its share).
    NotOwner,
    /// No account has this email address (contact lookup, sharing).
    AccountNotFound,
    /// The folder is already shared with this account (`PUT` the share to change it).
    AlreadyShared,
    /// The account cannot share with itself.
    SelfShare,
    /// The password was right but the account has a second factor: send its current code.
    SecondFactorRequired,
    /// The second-factor code is wrong, or was already used (no replay).
    SecondFactorWrong,
    /// The second factor is already on (disable it before setting up a new one).
    SecondFactorEnabled,
    /// There is no second factor to confirm or disable (run the setup first).
    SecondFactorNotSetUp,
    /// The write would pass the account's storage quota (`507`).
    QuotaExceeded,
    /// The download would pass the monthly transfer quota (of the account, or of a link's
    /// owner).
    TransferQuotaExceeded,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::LoginFailed => "login_failed",
            ErrorCode::LoginExpired => "login_expired",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NotAFolder => "not_a_folder",
            ErrorCode::NameExists => "name_exists",
            ErrorCode::IdExists => "id_exists",
            ErrorCode::RevisionConflict => "revision_conflict",
            ErrorCode::InvalidMove => "invalid_move",
            ErrorCode::FolderNotEmpty => "folder_not_empty",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::ChunkSizeWrong => "chunk_size_wrong",
            ErrorCode::ChunkHashMismatch => "chunk_hash_mismatch",
            ErrorCode::ChunkConflict => "chunk_conflict",
            ErrorCode::ChunkIndexOutOfRange => "chunk_index_out_of_range",
            ErrorCode::UploadIncomplete => "upload_incomplete",
            ErrorCode::UploadCommitted => "upload_committed",
            ErrorCode::UploadExpired => "upload_expired",
            ErrorCode::ChunkListMismatch => "chunk_list_mismatch",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::LinkRevoked => "link_revoked",
            ErrorCode::LinkTakenDown => "link_taken_down",
            ErrorCode::LinkExpired => "link_expired",
            ErrorCode::LinkExhausted => "link_exhausted",
            ErrorCode::LinkGone => "link_gone",
            ErrorCode::LinkKeyWrong => "link_key_wrong",
            ErrorCode::ContentTakenDown => "content_taken_down",
            ErrorCode::LinksSuspended => "links_suspended",
            ErrorCode::ReadOnlyShare => "read_only_share",
            ErrorCode::NotOwner => "not_owner",
            ErrorCode::AccountNotFound => "account_not_found",
            ErrorCode::AlreadyShared => "already_shared",
            ErrorCode::SelfShare => "self_share",
            ErrorCode::SecondFactorRequired => "second_factor_required",
            ErrorCode::SecondFactorWrong => "second_factor_wrong",
            ErrorCode::SecondFactorEnabled => "second_factor_enabled",
            ErrorCode::SecondFactorNotSetUp => "second_factor_not_set_up",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::TransferQuotaExceeded => "transfer_quota_exceeded",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest
            | ErrorCode::ChunkSizeWrong
            | ErrorCode::ChunkHashMismatch
            | ErrorCode::ChunkIndexOutOfRange
            | ErrorCode::ChunkListMismatch
            | ErrorCode::InvalidMove
            | ErrorCode::NotAFolder
            | ErrorCode::SelfShare => 400,
            ErrorCode::Unauthorized
            | ErrorCode::LoginFailed
            | ErrorCode::LoginExpired
            | ErrorCode::LinkKeyWrong
            | ErrorCode::SecondFactorRequired
            | ErrorCode::SecondFactorWrong => 401,
            ErrorCode::LinksSuspended
            | ErrorCode::ReadOnlyShare
            | ErrorCode::NotOwner
            | ErrorCode::TransferQuotaExceeded => 403,
            ErrorCode::NotFound | ErrorCode::AccountNotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::EmailTaken
            | ErrorCode::NameExists
            | ErrorCode::IdExists
            | ErrorCode::RevisionConflict
            | ErrorCode::FolderNotEmpty
            | ErrorCode::ChunkConflict
            | ErrorCode::UploadIncomplete
            | ErrorCode::UploadCommitted
            | ErrorCode::AlreadyShared
            | ErrorCode::SecondFactorEnabled
            | ErrorCode::SecondFactorNotSetUp => 409,
            ErrorCode::UploadExpired
            | ErrorCode::LinkRevoked
            | ErrorCode::LinkTakenDown
            | ErrorCode::LinkExpired
            | ErrorCode::LinkExhausted
            | ErrorCode::LinkGone => 410,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::ContentTakenDown => 451,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
            ErrorCode::QuotaExceeded => 507,
        }
    }

    /// Whether retrying the same request later may succeed.
    pub fn is_temporary(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited | ErrorCode::Internal | ErrorCode::Unavailable
        )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `https://coffer.invalid/problems/<code>`; informative only.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The stable error code.
    pub code: ErrorCode,
}

impl Problem {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("https://coffer.invalid/problems/{}", code.as_str()),
            title: code.as_str().replace('_', " "),
            status: code.status(),
            detail: Some(detail.into()),
            code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_serializes_as_its_stable_name() {
        for code in [
            ErrorCode::NotFound,
            ErrorCode::ChunkIndexOutOfRange,
            ErrorCode::Internal,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
