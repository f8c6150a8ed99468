//! Request and response bodies of the HTTP API (PROTOCOL.md §9).

use crate::{B64, Id};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---------- accounts ----------

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignupStartRequest {
    pub email: String,
    /// OPAQUE `RegistrationRequest`.
    pub registration_request: B64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignupStartResponse {
    /// OPAQUE `RegistrationResponse`.
    pub registration_response: B64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignupFinishRequest {
    pub email: String,
    /// OPAQUE `RegistrationUpload` (the password file).
    pub registration_upload: B64,
    pub key_container: KeyContainer,
    /// The account's root folder (no parent; its key wrapped by the master key).
    pub root: NewNode,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignupFinishResponse {
    pub account_id: Id,
    pub root_id: Id,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginStartRequest {
    pub email: String,
    /// OPAQUE `CredentialRequest`.
    pub credential_request: B64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginStartResponse {
    /// Names the server's pending login state for `finish`; valid for a minute.
    pub login_id: Id,
    /// OPAQUE `CredentialResponse`.
    pub credential_response: B64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginFinishRequest {
    pub login_id: Id,
    /// OPAQUE `CredentialFinalization`.
    pub credential_finalization: B64,
    /// The current code of the account's second factor (TOTP, 6 digits), when it has one;
    /// without it such a login is refused with `401 second_factor_required`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionResponse {
    /// Bearer token for `Authorization: Bearer`.
    pub token: String,
    /// Unix milliseconds.
    pub expires_at: i64,
    pub account: AccountInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountInfo {
    pub account_id: Id,
    pub email: String,
    pub root_id: Id,
    pub key_container: KeyContainer,
}

/// PROTOCOL.md §8.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyContainer {
    pub version: u32,
    pub generation: u64,
    pub signing_public: B64,
    pub agreement_public: B64,
    pub wrapped_master_key: B64,
    pub wrapped_identity: B64,
    pub signature: B64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Usage {
    /// Ciphertext bytes of committed file versions.
    pub bytes_used: u64,
    pub files: u64,
    pub folders: u64,
    /// Bytes held by unfinished uploads.
    pub pending_upload_bytes: u64,
    /// Bytes the storage quota counts: committed files plus the declared size of open uploads
    /// (each reserves its size when it opens).
    #[serde(default)]
    pub storage_charged: u64,
    /// The storage quota in bytes; absent: unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_quota: Option<u64>,
    /// Chunk bytes downloaded this calendar month (UTC), link downloads of the account's
    /// links included.
    #[serde(default)]
    pub transfer_used_this_month: u64,
    /// The monthly transfer quota in bytes; absent: unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_quota: Option<u64>,
    /// Bytes per second allowed for chunk uploads and downloads; absent: unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_limit: Option<u64>,
}

// ---------- nodes ----------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Folder,
    File,
}

impl NodeKind {
    /// The byte signed in node records (PROTOCOL.md §7).
    pub fn code(self) -> u8 {
        match self {
            NodeKind::Folder => 1,
            NodeKind::File => 2,
        }
    }
}

/// The content of one file version (PROTOCOL.md §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContentInfo {
    pub version_id: Id,
    /// The 106-byte content header.
    pub header: B64,
    pub chunk_size: u32,
    pub ciphertext_size: u64,
    pub chunk_count: u64,
    /// BLAKE3 summary of the chunk hashes (32 bytes).
    pub chunk_list_hash: B64,
}

/// A node as the server stores and serves it. Everything but `revision`, `created_at` and
/// `updated_at` is covered by the author's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Node {
    pub id: Id,
    /// `None` for the account's root.
    pub parent_id: Option<Id>,
    pub kind: NodeKind,
    /// Ed25519 public key of the author (32 bytes).
    pub author_key: B64,
    /// HMAC name tag under the parent's key (PROTOCOL.md §6.1); empty for the root.
    pub name_tag: B64,
    /// The node key sealed under the parent's key (PROTOCOL.md §4, purpose `node-key`).
    pub wrapped_key: B64,
    pub encrypted_attributes: B64,
    /// Ed25519 signature over the node record (PROTOCOL.md §7).
    pub signature: B64,
    /// Files only.
    pub content: Option<ContentInfo>,
    /// Server-assigned, incremented on every change; for optimistic concurrency.
    pub revision: u64,
    /// Unix milliseconds, server clock, not signed.
    pub created_at: i64,
    pub updated_at: i64,
}

/// A folder to create (`POST /api/v1/nodes`), or the root at signup.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewNode {
    pub id: Id,
    pub parent_id: Option<Id>,
    pub author_key: B64,
    pub name_tag: B64,
    pub wrapped_key: B64,
    pub encrypted_attributes: B64,
    pub signature: B64,
}

/// A move and/or rename (`PUT /api/v1/nodes/{id}`): a new signed record for the same node.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UpdateNode {
    pub parent_id: Id,
    pub name_tag: B64,
    pub wrapped_key: B64,
    pub encrypted_attributes: B64,
    pub author_key: B64,
    pub signature: B64,
    /// The revision the client read; a different current revision is a conflict.
    pub base_revision: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChildrenQuery {
    /// Only the child with this name tag (base64url).
    pub name_tag: Option<String>,
    /// Only children whose id is above this id: `next` of the previous page, or any id (a
    /// client may list id ranges at once).
    pub after: Option<String>,
    /// Page size, at most 5000; default 1000.
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Delete a folder with everything in it. Without it, a folder that has children is
    /// refused with `409 folder_not_empty`.
    #[serde(default)]
    pub recursive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NodePage {
    pub items: Vec<Node>,
    /// The id of the page's last child, to pass as `after`; absent on the last page.
    pub next: Option<String>,
}

// ---------- uploads ----------

/// `POST /api/v1/uploads`: start uploading a new file or a new version of one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateUpload {
    pub node_id: Id,
    pub parent_id: Id,
    pub version_id: Id,
    pub name_tag: B64,
    pub wrapped_key: B64,
    /// Sealed attributes without the final hash, so a resuming client can recognise the
    /// session; replaced at commit.
    pub encrypted_attributes: B64,
    pub header: B64,
    pub chunk_size: u32,
    pub ciphertext_size: u64,
    pub chunk_count: u64,
    /// Set when replacing the content of the existing node `node_id`: its current revision.
    pub base_revision: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Upload {
    pub id: Id,
    pub node_id: Id,
    pub parent_id: Id,
    pub version_id: Id,
    pub name_tag: B64,
    pub wrapped_key: B64,
    pub encrypted_attributes: B64,
    pub header: B64,
    pub chunk_size: u32,
    pub ciphertext_size: u64,
    pub chunk_count: u64,
    pub base_revision: Option<u64>,
    /// Indexes of the chunks stored so far, ascending.
    pub received: Vec<u64>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// Only sessions uploading into this folder.
    pub parent: Option<Id>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UploadList {
    pub items: Vec<Upload>,
}

/// `POST /api/v1/uploads/{id}/commit`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommitUpload {
    /// Final sealed attributes (with the plaintext hash).
    pub encrypted_attributes: B64,
    pub chunk_list_hash: B64,
    pub author_key: B64,
    pub signature: B64,
}

/// One file of a small-file batch (`POST /api/v1/uploads/batch`): a whole upload session and
/// its commit in one, with the only chunk inline. Its plaintext is at most
/// [`crate::MAX_SMALL_FILE`] bytes, so it has exactly one chunk.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SmallFile {
    pub node_id: Id,
    pub parent_id: Id,
    pub version_id: Id,
    pub name_tag: B64,
    pub wrapped_key: B64,
    /// Final sealed attributes (with the plaintext hash).
    pub encrypted_attributes: B64,
    pub header: B64,
    pub chunk_size: u32,
    /// The chunk list summary of the one chunk (PROTOCOL.md §5.3).
    pub chunk_list_hash: B64,
    pub author_key: B64,
    pub signature: B64,
    /// Set when replacing the content of the existing file `node_id`: its current revision.
    pub base_revision: Option<u64>,
    /// The ciphertext of chunk 0 (plaintext + 16 bytes).
    pub content: B64,
}

/// `POST /api/v1/uploads/batch`: small files committed together, all or nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SmallFileBatch {
    pub files: Vec<SmallFile>,
}

/// The nodes of a committed small-file batch, in the order of the request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SmallFileNodes {
    pub items: Vec<Node>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
}
