//! Public links: the secret in the URL fragment, the link key and access token derived from it
//! (and from a password, if any), and the sealed key that gives a reader the node key and the
//! author key to trust (PROTOCOL.md §10.1–§10.3), plus the operator's check of a reported link
//! (§11).
//!
//! ```text
//! pw_key      = Argon2id(password, salt, t, m, p, 32)                 only with a password
//! okm         = HKDF(LS [‖ pw_key], "", "coffer/v1/link" ‖ link_id, 64)
//! LK          = okm[0..32]          opens the sealed key; never leaves the client
//! access      = okm[32..64]         shown to the server, which stores BLAKE3(access)
//! sealed_key  = seal(LK, "link", link_id ‖ node_id, NK ‖ author_signing_public)
//! ```
//!
//! One HKDF gives both keys so that the server, which sees `access`, learns nothing about `LK`;
//! the link id in the derivation makes a secret reused for two links give unrelated keys.

mod fragment;
mod password;

pub use fragment::FRAGMENT_LEN;
pub use password::{LINK_SALT_LEN, LinkPasswordParams, link_password_key};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::keys::{SymmetricKey, hkdf_sha256};
use crate::seal::{Purpose, open, seal};

/// Length of the link secret `LS`.
pub const LINK_SECRET_LEN: usize = 32;

/// Label of the link key derivation (PROTOCOL.md §10.2), followed by the link id.
const LINK_LABEL: &[u8] = b"coffer/v1/link";

/// Length of the sealed key: the seal's 61 bytes of overhead and `NK ‖ author` (64).
pub const SEALED_LINK_KEY_LEN: usize = crate::seal::SEAL_OVERHEAD + 64;

/// The link secret `LS`, carried in the URL fragment. Zeroized on drop, no `Debug`/`Copy`.
pub struct LinkSecret(Zeroizing<[u8; LINK_SECRET_LEN]>);

impl LinkSecret {
    /// Wraps 32 secret bytes (from [`crate::random_bytes`] when creating a link).
    pub fn from_bytes(bytes: [u8; LINK_SECRET_LEN]) -> LinkSecret {
        LinkSecret(Zeroizing::new(bytes))
    }

    /// The raw secret bytes.
    pub fn as_bytes(&self) -> &[u8; LINK_SECRET_LEN] {
        &self.0
    }

    /// The URL fragment: base64url without padding, 43 characters (PROTOCOL.md §10.1). The
    /// returned string is the secret too; callers must not log it.
    pub fn to_fragment(&self) -> String {
        fragment::encode(&self.0)
    }

    /// Parses a fragment (without the `#`). Anything but exactly 43 base64url characters
    /// decoding to 32 bytes (padding, `+`, `/`, other characters, non-zero spare bits in the
    /// last character) is [`CryptoError::InvalidFormat`].
    pub fn from_fragment(text: &str) -> Result<LinkSecret, CryptoError> {
        fragment::decode(text).map(LinkSecret)
    }
}

/// The access token a reader shows the server (`Authorization: CofferLink …`, §10.4). Zeroized
/// on drop, no `Debug`/`Copy`.
pub struct LinkAccess(Zeroizing<[u8; 32]>);

impl LinkAccess {
    /// The raw token bytes, to encode into the `Authorization` header.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Wraps 32 token bytes (as the server receives them).
    pub fn from_bytes(bytes: [u8; 32]) -> LinkAccess {
        LinkAccess(Zeroizing::new(bytes))
    }

    /// `BLAKE3(access)`: what the server stores and compares (with [`ConstantTimeEq`]) instead
    /// of the token, so its database does not let anyone open the link.
    pub fn hash(&self) -> [u8; 32] {
        blake3::hash(&*self.0).into()
    }
}

/// The link key `LK` and the access token derived from the secret and password (§10.2).
pub struct LinkKeys {
    /// Opens the sealed key (§10.3); never sent anywhere.
    pub link_key: SymmetricKey,
    /// Shown to the server, which compares its hash.
    pub access: LinkAccess,
}

/// `HKDF(LS [‖ pw_key], "", "coffer/v1/link" ‖ link_id, 64)`, split into `LK` and `access`.
/// `password_key` is [`link_password_key`]'s output for a password link, `None` otherwise.
pub fn derive_link_keys(
    link_id: &[u8; 16],
    secret: &LinkSecret,
    password_key: Option<&SymmetricKey>,
) -> LinkKeys {
    let mut ikm = Zeroizing::new([0u8; 64]);
    ikm[..32].copy_from_slice(secret.as_bytes());
    let ikm_len = match password_key {
        Some(pw_key) => {
            ikm[32..].copy_from_slice(pw_key.as_bytes());
            64
        }
        None => 32,
    };
    let mut okm = Zeroizing::new([0u8; 64]);
    hkdf_sha256(&ikm[..ikm_len], &[], &[LINK_LABEL, link_id], &mut *okm);
    let mut link_key = Zeroizing::new([0u8; 32]);
    let mut access = Zeroizing::new([0u8; 32]);
    link_key.copy_from_slice(&okm[..32]);
    access.copy_from_slice(&okm[32..]);
    LinkKeys {
        link_key: SymmetricKey::from_bytes(*link_key),
        access: LinkAccess(access),
    }
}

fn link_ctx(link_id: &[u8; 16], node_id: &[u8; 16]) -> [u8; 32] {
    let mut ctx = [0u8; 32];
    ctx[..16].copy_from_slice(link_id);
    ctx[16..].copy_from_slice(node_id);
    ctx
}

/// `seal(LK, "link", link_id ‖ node_id, NK ‖ author_signing_public)`: 125 bytes
/// ([`SEALED_LINK_KEY_LEN`]). `nonce` MUST be fresh random bytes.
pub fn seal_link_key(
    link_key: &SymmetricKey,
    link_id: &[u8; 16],
    node_id: &[u8; 16],
    node_key: &SymmetricKey,
    author_signing_public: &[u8; 32],
    nonce: [u8; 12],
) -> Vec<u8> {
    let mut plaintext = Zeroizing::new([0u8; 64]);
    plaintext[..32].copy_from_slice(node_key.as_bytes());
    plaintext[32..].copy_from_slice(author_signing_public);
    seal(
        link_key,
        Purpose::Link,
        &link_ctx(link_id, node_id),
        nonce,
        &*plaintext,
    )
}

/// Opens a key made by [`seal_link_key`]: `(NK, author_signing_public)`. Any failure to open
/// (wrong key, another link or node id, tampering, truncation) is
/// [`CryptoError::DecryptionFailed`]; a plaintext that is not 64 bytes is
/// [`CryptoError::InvalidFormat`].
pub fn open_link_key(
    link_key: &SymmetricKey,
    link_id: &[u8; 16],
    node_id: &[u8; 16],
    sealed: &[u8],
) -> Result<(SymmetricKey, [u8; 32]), CryptoError> {
    let plain = open(link_key, Purpose::Link, &link_ctx(link_id, node_id), sealed)?;
    if plain.len() != 64 {
        return Err(CryptoError::InvalidFormat);
    }
    let mut node_key = Zeroizing::new([0u8; 32]);
    node_key.copy_from_slice(&plain[..32]);
    let mut author = [0u8; 32];
    author.copy_from_slice(&plain[32..]);
    Ok((SymmetricKey::from_bytes(*node_key), author))
}

/// The first step of verifying an abuse report (PROTOCOL.md §11): the access token derived
/// from the reported secret (and password key) must hash to the stored `access_hash`
/// (constant-time comparison), then the sealed key must open. Returns `(NK, author)`.
///
/// A wrong secret or password is [`CryptoError::DecryptionFailed`]. A reporter cannot frame
/// the owner: a key of their own making fails the hash, and one that passed it still faces the
/// seal's key commitment; the content header's MAC (§5.1) then pins `NK`.
pub fn verify_reported_link(
    link_id: &[u8; 16],
    node_id: &[u8; 16],
    secret: &LinkSecret,
    password_key: Option<&SymmetricKey>,
    stored_access_hash: &[u8; 32],
    sealed_key: &[u8],
) -> Result<(SymmetricKey, [u8; 32]), CryptoError> {
    let keys = derive_link_keys(link_id, secret, password_key);
    if !bool::from(keys.access.hash().ct_eq(stored_access_hash)) {
        return Err(CryptoError::DecryptionFailed);
    }
    open_link_key(&keys.link_key, link_id, node_id, sealed_key)
}

#[cfg(test)]
mod tests;
