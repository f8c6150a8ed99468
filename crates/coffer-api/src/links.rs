//! Public links, takedowns and abuse reports (PROTOCOL.md §10, §11).
//!
//! The owner's routes (`/api/v1/links…`) take the bearer token. The recipient's routes
//! (`/api/v1/public/links/{id}…`) take no account: the link's access token (derived from the
//! secret in the URL fragment, and the password if there is one) in
//! `Authorization: CofferLink <base64url>`, and for chunks a download ticket in
//! `Authorization: CofferTicket <base64url>`. The fragment itself never reaches the server.

use crate::{B64, Id, Node};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Authorization scheme of the link access token.
pub const LINK_AUTH_SCHEME: &str = "CofferLink";
/// Authorization scheme of a download ticket.
pub const TICKET_AUTH_SCHEME: &str = "CofferTicket";

/// Argon2id parameters and salt of a password-protected link (PROTOCOL.md §10.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkPassword {
    /// 16 random bytes.
    pub salt: B64,
    /// Argon2id iterations (t).
    pub iterations: u32,
    /// Argon2id memory in KiB (m).
    pub memory_kib: u32,
    /// Argon2id lanes (p).
    pub parallelism: u32,
}

/// `POST /api/v1/links`: a link to one of the caller's nodes (file or folder).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewLink {
    /// Chosen by the client (the keys are bound to it before the server sees anything).
    pub id: Id,
    pub node_id: Id,
    /// `seal(LK, "link", link_id ‖ node_id, NK ‖ author signing key)` (PROTOCOL.md §10.3).
    pub sealed_key: B64,
    /// `BLAKE3(access token)` (32 bytes): what the server checks recipients against.
    pub access_hash: B64,
    /// Set when the link needs a password as well as its URL.
    pub password: Option<LinkPassword>,
    /// Unix milliseconds; absent: never expires.
    pub expires_at: Option<i64>,
    /// Most downloads; absent: unlimited.
    pub max_downloads: Option<u64>,
}

/// Where a link stands. Anything but `active` refuses recipients with `410` and the code of
/// the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Active,
    /// Revoked by its owner.
    Revoked,
    /// Disabled by the operator after a notice (see `takedown`).
    TakenDown,
    Expired,
    /// Its download limit is used up.
    Exhausted,
    /// The node it pointed to was deleted.
    Gone,
}

/// A takedown as its owner sees it on the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkTakedown {
    pub id: Id,
    /// Unix milliseconds.
    pub at: i64,
    pub claimant: Option<String>,
}

/// A link as its owner sees it (`GET /api/v1/links`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Link {
    pub id: Id,
    pub node_id: Id,
    pub state: LinkState,
    pub password: bool,
    pub expires_at: Option<i64>,
    pub max_downloads: Option<u64>,
    pub downloads: u64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// The takedown in force on this link, if any.
    pub takedown: Option<LinkTakedown>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LinkList {
    pub items: Vec<Link>,
}

/// `GET /api/v1/public/links/{id}`: what anyone holding the link id may learn, enough to derive
/// the access token. An inactive link answers `410` instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicLinkInfo {
    pub id: Id,
    pub password: Option<LinkPassword>,
    pub expires_at: Option<i64>,
}

/// `POST /api/v1/public/links/{id}/open` (access token): the sealed key and the node the link
/// points to. Counts no download.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenedLink {
    pub id: Id,
    pub sealed_key: B64,
    pub node: Node,
}

/// `POST /api/v1/public/links/{id}/downloads` (access token): one download counted, and the
/// ticket that lets its chunks be fetched.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DownloadTicket {
    /// 32 random bytes; the server stores only their BLAKE3 hash.
    pub ticket: B64,
    /// Unix milliseconds.
    pub expires_at: i64,
}

/// `POST /api/v1/abuse`: anyone may report a link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewAbuseReport {
    pub link_id: Id,
    pub reason: String,
    /// How to reach the reporter, optional.
    pub contact: Option<String>,
    /// The link secret from the URL fragment (32 bytes), optional: with it the operator can
    /// verify what the link serves (PROTOCOL.md §11).
    pub link_secret: Option<B64>,
    /// The link's password, when it has one and the reporter gives it.
    pub link_password: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AbuseReportReceipt {
    pub id: Id,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkChildrenQuery {
    pub after: Option<String>,
    /// Page size, at most 5000; default 1000.
    pub limit: Option<u32>,
}

/// Header of `POST /api/v1/links/{id}/import` carrying the link's access token (base64url):
/// the `Authorization` header holds the importer's bearer token.
pub const LINK_ACCESS_HEADER: &str = "x-coffer-link-access";

/// `POST /api/v1/links/{id}/import` (PROTOCOL.md §10.5): a file of the link, made a node of the
/// caller's drive that reads the same ciphertext. The content fields must be byte-equal to the
/// source's current version; the record is signed by the importer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportFile {
    /// The file inside the link's subtree, and the version of it the client read.
    pub source_node_id: Id,
    pub source_version_id: Id,
    /// The new node in the caller's drive.
    pub node_id: Id,
    pub parent_id: Id,
    pub version_id: Id,
    pub name_tag: B64,
    /// The source's node key, wrapped under the parent's key.
    pub wrapped_key: B64,
    /// The source's attributes plus `origin`, sealed with its node key under the new node id.
    pub encrypted_attributes: B64,
    pub header: B64,
    pub chunk_size: u32,
    pub ciphertext_size: u64,
    pub chunk_count: u64,
    pub chunk_list_hash: B64,
    pub author_key: B64,
    pub signature: B64,
}
