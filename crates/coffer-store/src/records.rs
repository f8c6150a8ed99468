//! The store's domain types: what is stored, named by what it is, free of HTTP concerns.
//!
//! Byte fields are opaque to the store (ciphertexts, signatures, OPAQUE records); the store only
//! keeps them and hands them back. Times are Unix milliseconds of the server's clock.

pub use coffer_api::{Id, LinkState, NodeKind, SharePermission};

/// A BLAKE3 hash (chunk hashes, chunk list hashes).
pub type Hash = [u8; 32];

/// An account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: Id,
    /// Normalised email address (the OPAQUE credential identifier).
    pub email: String,
    /// OPAQUE registration record.
    pub password_file: Vec<u8>,
    /// The key container as JSON (PROTOCOL.md §8); opaque to the store.
    pub key_container: String,
    pub root_id: Id,
    pub created_at: i64,
}

impl std::fmt::Debug for AccountRecord {
    // No email, no password file in debug output: either could end up in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRecord")
            .field("id", &self.id)
            .field("root_id", &self.root_id)
            .finish_non_exhaustive()
    }
}

/// An account to create, with its root folder (`root.parent_id` must be `None`).
#[derive(Clone)]
pub struct NewAccount {
    pub id: Id,
    pub email: String,
    pub password_file: Vec<u8>,
    pub key_container: String,
    pub root: NewFolder,
}

/// A folder to create (or the root at signup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFolder {
    pub id: Id,
    pub parent_id: Option<Id>,
    pub author_key: Vec<u8>,
    pub name_tag: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub encrypted_attributes: Vec<u8>,
    pub signature: Vec<u8>,
}

/// The content of one file version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentRecord {
    pub version_id: Id,
    pub header: Vec<u8>,
    pub chunk_size: u32,
    pub ciphertext_size: u64,
    pub chunk_count: u64,
    pub chunk_list_hash: Hash,
}

/// A node as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord {
    pub id: Id,
    pub parent_id: Option<Id>,
    pub kind: NodeKind,
    pub author_key: Vec<u8>,
    pub name_tag: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub encrypted_attributes: Vec<u8>,
    pub signature: Vec<u8>,
    /// `Some` exactly for files.
    pub content: Option<ContentRecord>,
    pub revision: u64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A move and/or rename: the new signed record fields of an existing node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeUpdate {
    pub parent_id: Id,
    pub name_tag: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub encrypted_attributes: Vec<u8>,
    pub author_key: Vec<u8>,
    pub signature: Vec<u8>,
    pub base_revision: u64,
}

/// One page of a folder listing, ordered by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildPage {
    pub items: Vec<NodeRecord>,
    /// Set when more children follow: the id to continue after.
    pub next_after: Option<Id>,
}

/// Whether an upload session still accepts chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    Open,
    Committed,
}

impl UploadState {
    pub(crate) fn parse(s: &str) -> Option<UploadState> {
        match s {
            "open" => Some(UploadState::Open),
            "committed" => Some(UploadState::Committed),
            _ => None,
        }
    }
}

/// An upload session to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpload {
    /// Server-generated.
    pub id: Id,
    pub node_id: Id,
    pub parent_id: Id,
    pub version_id: Id,
    pub name_tag: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub encrypted_attributes: Vec<u8>,
    pub header: Vec<u8>,
    pub chunk_size: u32,
    pub ciphertext_size: u64,
    pub chunk_count: u64,
    /// `Some` when replacing the content of the existing file `node_id`.
    pub base_revision: Option<u64>,
    pub expires_at: i64,
}

/// An upload session as stored, with the indexes of the chunks received so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    pub id: Id,
    pub node_id: Id,
    pub parent_id: Id,
    pub version_id: Id,
    pub name_tag: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub encrypted_attributes: Vec<u8>,
    pub header: Vec<u8>,
    pub chunk_size: u32,
    pub ciphertext_size: u64,
    pub chunk_count: u64,
    pub base_revision: Option<u64>,
    pub state: UploadState,
    /// Ascending.
    pub received: Vec<u64>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What a chunk upload needs to know about its session, in one lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkTarget {
    pub version_id: Id,
    pub chunk_size: u32,
    pub chunk_count: u64,
    pub ciphertext_size: u64,
    pub state: UploadState,
    pub expires_at: i64,
    /// The hash already stored for the requested index, if any.
    pub stored_hash: Option<Hash>,
}

/// A stored chunk of a committed file version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChunk {
    pub version_id: Id,
    pub index: u64,
    pub size: u64,
    pub hash: Hash,
    /// The ciphertext itself when it is kept in the row (a small file's only chunk); `None`:
    /// it is a blob.
    pub inline: Option<Vec<u8>>,
}

/// A small file (or a small file's new content) committed whole in one call, its only chunk
/// stored in the database: [`crate::MetaStore::commit_small_files`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSmallFile {
    pub node_id: Id,
    pub parent_id: Id,
    pub version_id: Id,
    pub name_tag: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub encrypted_attributes: Vec<u8>,
    pub author_key: Vec<u8>,
    pub signature: Vec<u8>,
    pub header: Vec<u8>,
    pub chunk_size: u32,
    /// The only chunk, as stored and served.
    pub ciphertext: Vec<u8>,
    /// BLAKE3 of `ciphertext`, computed by the caller.
    pub chunk_hash: Hash,
    /// The chunk list summary of `[chunk_hash]` (PROTOCOL.md §5.3), checked by the caller.
    pub chunk_list_hash: Hash,
    /// Set when replacing the content of the existing file `node_id`: its current revision.
    pub base_revision: Option<u64>,
}

/// How [`crate::MetaStore::record_chunk`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkRecorded {
    /// The row is new.
    Inserted,
    /// The same hash was already recorded for this index (an idempotent retry).
    AlreadyStored,
}

/// The fields a commit adds to an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadCommit {
    pub encrypted_attributes: Vec<u8>,
    pub chunk_list_hash: Hash,
    pub author_key: Vec<u8>,
    pub signature: Vec<u8>,
}

/// A pending OPAQUE login.
#[derive(Clone)]
pub struct LoginAttempt {
    /// `None` when the email is unknown (the server answered with a fake response).
    pub account_id: Option<Id>,
    /// The OPAQUE server login state; secret, short-lived, wiped on drop.
    pub state: zeroize::Zeroizing<Vec<u8>>,
    /// The login rate-limit key of the email (known or not), counted at a failed finish.
    pub limit_key: Option<String>,
}

/// Storage used by one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsageRecord {
    pub bytes_used: u64,
    pub files: u64,
    pub folders: u64,
    pub pending_upload_bytes: u64,
}

/// What one cleanup pass removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepReport {
    pub login_attempts: u64,
    pub sessions: u64,
    pub uploads_expired: u64,
    pub uploads_forgotten: u64,
    /// Expired download tickets of public links.
    pub link_tickets: u64,
}

/// The Argon2id parameters and salt of a password-protected link (PROTOCOL.md §10.2); the
/// server only keeps them for recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPasswordRecord {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub memory_kib: u32,
    pub parallelism: u32,
}

/// A public link to create ([`crate::MetaStore::create_link`]); the caller checked the sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLinkRecord {
    /// Chosen by the client.
    pub id: Id,
    pub node_id: Id,
    pub sealed_key: Vec<u8>,
    pub access_hash: Hash,
    pub password: Option<LinkPasswordRecord>,
    pub expires_at: Option<i64>,
    pub max_downloads: Option<u64>,
}

/// A public link as stored, with whether its node still exists in its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecord {
    pub id: Id,
    pub account_id: Id,
    pub node_id: Id,
    pub sealed_key: Vec<u8>,
    pub access_hash: Hash,
    pub password: Option<LinkPasswordRecord>,
    pub expires_at: Option<i64>,
    pub max_downloads: Option<u64>,
    pub downloads: u64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// The takedown in force: its id and when it was applied.
    pub takedown: Option<(Id, i64)>,
    /// False once the node was deleted (or, corruptly, belongs to another account).
    pub node_exists: bool,
}

impl LinkRecord {
    /// The link's state at `now`. When several apply, the one the owner can do least about
    /// wins: revoked, taken down, gone, expired, exhausted — in that order.
    pub fn state(&self, now: i64) -> LinkState {
        if self.revoked_at.is_some() {
            LinkState::Revoked
        } else if self.takedown.is_some() {
            LinkState::TakenDown
        } else if !self.node_exists {
            LinkState::Gone
        } else if self.expires_at.is_some_and(|at| at <= now) {
            LinkState::Expired
        } else if self.max_downloads.is_some_and(|max| self.downloads >= max) {
            LinkState::Exhausted
        } else {
            LinkState::Active
        }
    }
}

/// Wrong access tokens counted under one rate-limit key in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureWindow {
    pub failures: u32,
    /// When the window began (Unix ms); meaningless when `failures` is 0.
    pub window_start: i64,
}

/// What a takedown disables: one link, or a node (every link to it, and its content inside
/// any folder link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakedownKind {
    Link,
    Node,
}

impl TakedownKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TakedownKind::Link => "link",
            TakedownKind::Node => "node",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<TakedownKind> {
        match s {
            "link" => Some(TakedownKind::Link),
            "node" => Some(TakedownKind::Node),
            _ => None,
        }
    }
}

/// A notice to act on ([`crate::MetaStore::create_takedown`]); the caller bounded the texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTakedown {
    pub id: Id,
    pub kind: TakedownKind,
    /// The link id or the node id.
    pub target_id: Id,
    pub notice: String,
    pub claimant: Option<String>,
}

/// A takedown as stored. Active while `reinstated_at` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakedownRecord {
    pub id: Id,
    pub kind: TakedownKind,
    pub target_id: Id,
    /// The owner of the target when the notice was acted on.
    pub account_id: Id,
    pub notice: String,
    pub claimant: Option<String>,
    pub created_at: i64,
    pub reinstated_at: Option<i64>,
    /// Why it was reinstated.
    pub reason: Option<String>,
    /// The links it disabled when applied.
    pub links: Vec<Id>,
}

/// An abuse report to store ([`crate::MetaStore::create_abuse_report`]); the caller bounded
/// the texts and the secret's length.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAbuseReport {
    pub id: Id,
    pub link_id: Id,
    pub reason: String,
    pub contact: Option<String>,
    pub link_secret: Option<zeroize::Zeroizing<Vec<u8>>>,
    pub link_password: Option<zeroize::Zeroizing<String>>,
}

/// An abuse report as stored, with the outcome of its last verification.
#[derive(Clone, PartialEq, Eq)]
pub struct AbuseReportRecord {
    pub id: Id,
    pub link_id: Id,
    pub reason: String,
    pub contact: Option<String>,
    pub link_secret: Option<zeroize::Zeroizing<Vec<u8>>>,
    pub link_password: Option<zeroize::Zeroizing<String>>,
    pub created_at: i64,
    /// When it was last verified, whether that succeeded, and its one-line summary.
    pub verification: Option<AbuseVerification>,
}

/// The outcome of `admin abuse verify` on a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbuseVerification {
    pub at: i64,
    pub verified: bool,
    pub summary: String,
}

impl std::fmt::Debug for AbuseReportRecord {
    // Never the secret or the password: either could end up in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AbuseReportRecord")
            .field("id", &self.id)
            .field("link_id", &self.link_id)
            .field("created_at", &self.created_at)
            .field("verification", &self.verification)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for NewAbuseReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAbuseReport")
            .field("id", &self.id)
            .field("link_id", &self.link_id)
            .finish_non_exhaustive()
    }
}

/// A file imported from a public link (PROTOCOL.md §10.5): a new node in the importer's drive
/// that reads the chunks of the source file's current version instead of its own, so no byte
/// is uploaded again. [`crate::MetaStore::import_file`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFile {
    /// The link it comes through (its download count moves by one).
    pub link_id: Id,
    /// The source file, inside the link's subtree (checked by the caller), and the version of
    /// it the client read: refused with `RevisionConflict` when it is no longer current.
    pub source_node: Id,
    pub source_version: Id,
    /// The new node's signed record; its content fields must be byte-equal to the source's.
    pub node_id: Id,
    pub parent_id: Id,
    pub version_id: Id,
    pub name_tag: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub encrypted_attributes: Vec<u8>,
    pub author_key: Vec<u8>,
    pub signature: Vec<u8>,
    pub header: Vec<u8>,
    pub chunk_size: u32,
    pub ciphertext_size: u64,
    pub chunk_count: u64,
    pub chunk_list_hash: Hash,
}

/// A share grant as the owner's client signed it (PROTOCOL.md §12.2); opaque bytes to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareGrant {
    pub share_id: Id,
    pub folder_id: Id,
    pub owner_signing_public: Vec<u8>,
    pub recipient_signing_public: Vec<u8>,
    pub recipient_agreement_public: Vec<u8>,
    pub permission: SharePermission,
    pub generation: u64,
    pub enc: Vec<u8>,
    pub ciphertext: Vec<u8>,
    pub signature: Vec<u8>,
}

/// A share as stored, with both accounts' emails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRecord {
    pub grant: ShareGrant,
    pub owner_id: Id,
    pub owner_email: String,
    pub recipient_id: Id,
    pub recipient_email: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a caller may do with another account's node, through its strongest grant on the node
/// or an ancestor (nearest first among equals): [`crate::MetaStore::share_access`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareAccess {
    /// The account the node belongs to: store calls on it are made in this account.
    pub owner: Id,
    pub share_id: Id,
    /// The shared folder the grant is on (the node itself or an ancestor).
    pub share_folder: Id,
    pub permission: SharePermission,
}

/// Who an upload session belongs to and who opened it: [`crate::MetaStore::upload_origin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadOrigin {
    /// The account the session belongs to (quota, pending bytes).
    pub account: Id,
    /// The account that opened it: `account` itself, or a recipient of a share.
    pub created_by: Id,
    pub parent_id: Id,
    /// The node the session creates, or whose content it replaces.
    pub node_id: Id,
}

/// One child's new record in a folder key rotation: [`crate::MetaStore::rekey_folder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekeyChildUpdate {
    pub id: Id,
    pub name_tag: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub author_key: Vec<u8>,
    pub signature: Vec<u8>,
    pub base_revision: u64,
}

/// A new session, as login opens it.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// BLAKE3 of the bearer token.
    pub token_hash: Hash,
    /// The public id that names it to its account.
    pub id: Id,
    pub account_id: Id,
    /// The client's `User-Agent`, already truncated.
    pub client_label: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A live session (neither expired nor revoked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: Id,
    pub token_hash: Hash,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub client_label: Option<String>,
}

/// What authenticating a token finds: the account, and what the server refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveSession {
    pub account_id: Id,
    pub expires_at: i64,
    pub last_used_at: i64,
}

/// An account's TOTP second factor (RFC 6238).
#[derive(Clone)]
pub struct SecondFactorRecord {
    /// The shared secret (20 bytes); wiped on drop.
    pub secret: zeroize::Zeroizing<Vec<u8>>,
    /// `None` until a code confirmed the setup.
    pub enabled_at: Option<i64>,
    /// The time step of the last accepted code.
    pub last_step: Option<i64>,
}
