//! Sharing folders with other accounts (PROTOCOL.md §12).
//!
//! A share grant carries the folder's key sealed to the recipient with HPKE and signed by the
//! owner; the server stores and routes it, and checks on every request that the caller holds a
//! grant on an ancestor of the node it touches (and, for writes, a write grant). Everything in a
//! grant but `created_at` and the emails is covered by the owner's signature; emails come from
//! the server and a client believes them only through its pinned contacts.

use crate::{B64, Id, Node};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What a recipient may do inside a shared folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SharePermission {
    /// List and download.
    Read,
    /// Also upload, create folders, rename, move within the share and delete.
    Write,
}

impl SharePermission {
    /// The byte signed in a grant (PROTOCOL.md §12).
    pub fn code(self) -> u8 {
        match self {
            SharePermission::Read => 1,
            SharePermission::Write => 2,
        }
    }
}

/// `GET /api/v1/accounts/lookup?email=`: another account's public identity, as the server
/// claims it. A client pins it on first use and compares it on every later lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicIdentity {
    pub account_id: Id,
    /// Normalised (trimmed, lower-cased).
    pub email: String,
    /// Ed25519 (32 bytes).
    pub signing_public: B64,
    /// X25519 (32 bytes).
    pub agreement_public: B64,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    pub email: String,
}

/// The signed, sealed part of a grant (PROTOCOL.md §12.2): what the owner's client makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SealedGrant {
    pub share_id: Id,
    pub folder_id: Id,
    /// The owner's Ed25519 public key (32 bytes).
    pub owner_signing_public: B64,
    /// The recipient's keys the folder key was sealed to (32 bytes each).
    pub recipient_signing_public: B64,
    pub recipient_agreement_public: B64,
    pub permission: SharePermission,
    /// Monotonic per share id; a recipient refuses one lower than it has seen.
    pub generation: u64,
    /// HPKE encapsulated key (32 bytes).
    pub enc: B64,
    /// HPKE ciphertext of the folder key (32 + 16 bytes).
    pub ciphertext: B64,
    /// Ed25519 signature by the owner over the grant (64 bytes).
    pub signature: B64,
}

/// `POST /api/v1/shares`: share one of the caller's folders with another account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewShare {
    pub recipient_id: Id,
    pub grant: SealedGrant,
}

/// `PUT /api/v1/shares/{id}`: a new grant for the same folder and recipient (a permission
/// change or the folder key after a rotation); its generation must be higher.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UpdateShare {
    pub grant: SealedGrant,
}

/// A share as either side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Share {
    pub id: Id,
    pub folder_id: Id,
    pub owner_id: Id,
    pub owner_email: String,
    pub recipient_id: Id,
    pub recipient_email: String,
    pub permission: SharePermission,
    pub grant: SealedGrant,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
}

/// `GET /api/v1/shares`: what the caller shares and what is shared with it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShareList {
    pub outgoing: Vec<Share>,
    pub incoming: Vec<Share>,
    /// Folders of the caller whose key rotation after an unshare has not finished (§12.5);
    /// `DELETE /api/v1/rekeys/{folder_id}` clears one when its whole subtree is rotated.
    pub pending_rekeys: Vec<Id>,
    /// Write grants revoked from those folders, as the owner signed them: the rotation accepts
    /// what these writers signed so that it can re-sign it, on any device (§12.5).
    #[serde(default)]
    pub former_writers: Vec<SealedGrant>,
}

/// `GET /api/v1/shares/{id}/writers`: every write grant on the shared folder and on folders
/// below it, so that a member can tell which author keys may sign nodes in the share.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShareWriters {
    pub grants: Vec<SealedGrant>,
}

/// One child's new record in a key rotation: re-wrapped under the folder's new key, with its
/// name tag under that key, signed anew. Its attributes and content are unchanged.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RekeyChild {
    pub id: Id,
    pub name_tag: B64,
    pub wrapped_key: B64,
    pub author_key: B64,
    pub signature: B64,
    pub base_revision: u64,
}

/// `POST /api/v1/nodes/{id}/rekey`: a folder's new key, all at once (one transaction).
///
/// `folder` is the folder's new record (same parent; new wrapped key and attributes sealed under
/// the new key); `children` must name every current child exactly once; `grants` replace the
/// grants of every share on this folder (same share ids, higher generations).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Rekey {
    pub folder: crate::UpdateNode,
    pub children: Vec<RekeyChild>,
    pub grants: Vec<SealedGrant>,
}

/// The answer to a rekey: the folder's and its children's stored records.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RekeyDone {
    pub folder: Node,
    pub children: Vec<Node>,
}
