//! Sharing a folder with another account: the folder key sealed to the recipient with HPKE and
//! the grant signed by the owner (PROTOCOL.md §12.2).
//!
//! ```text
//! info      = "coffer/v1/share" ‖ 0x00 ‖ share_id ‖ folder_id ‖ owner_signing_public
//!             ‖ recipient_signing_public ‖ recipient_agreement_public
//! (enc, ct) = HPKE.SealBase(recipient_agreement_public, info, "", NK)
//! msg       = "coffer/v1/share-grant" ‖ 0x00 ‖ share_id ‖ folder_id ‖ owner_signing_public
//!             ‖ recipient_signing_public ‖ recipient_agreement_public ‖ u8(permission)
//!             ‖ u64(generation) ‖ lp(enc) ‖ lp(ct)
//! signature = Ed25519(owner signing key, msg)
//! ```
//!
//! The info binds the sealed key to this share, folder, owner and recipient, so a server cannot
//! move a sealed key to another grant even with a signature from the owner; the signature binds
//! the rest (permission, generation). Which owner key to trust is the caller's decision (a
//! pinned contact, §12.1), not this module's.

mod hpke;

pub use hpke::{ENC_LEN, HPKE_TAG_LEN};

use zeroize::Zeroizing;

use crate::account::Identity;
use crate::error::CryptoError;
use crate::keys::SymmetricKey;
use crate::sign::{put_lp, verify_message};

/// Label of the HPKE `info` (PROTOCOL.md §12.2).
const SHARE_INFO_LABEL: &[u8] = b"coffer/v1/share";

/// Label of the signed grant message (PROTOCOL.md §12.2).
const SHARE_GRANT_LABEL: &[u8] = b"coffer/v1/share-grant";

/// Length of the HPKE ciphertext of a 32-byte folder key.
pub const SHARE_CIPHERTEXT_LEN: usize = 32 + HPKE_TAG_LEN;

/// What a share lets the recipient do, as the byte in the signed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharePermission {
    /// Read the folder's subtree.
    Read = 1,
    /// Read, and write records that members accept as the recipient's.
    Write = 2,
}

impl SharePermission {
    /// The byte in the signed message.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The permission of a byte; any other value is [`CryptoError::InvalidFormat`].
    pub fn from_u8(value: u8) -> Result<Self, CryptoError> {
        match value {
            1 => Ok(SharePermission::Read),
            2 => Ok(SharePermission::Write),
            _ => Err(CryptoError::InvalidFormat),
        }
    }
}

/// The public fields of a share grant (mirroring `coffer_api::SealedGrant` as plain bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareGrant {
    /// The share's id, chosen by the owner.
    pub share_id: [u8; 16],
    /// The shared folder's node id.
    pub folder_id: [u8; 16],
    /// Ed25519 public key of the owner, who signs the grant.
    pub owner_signing_public: [u8; 32],
    /// Ed25519 public key of the recipient.
    pub recipient_signing_public: [u8; 32],
    /// X25519 public key of the recipient, the HPKE `pkR`.
    pub recipient_agreement_public: [u8; 32],
    /// What the recipient may do.
    pub permission: SharePermission,
    /// Monotonic per share: a changed permission or a rotated key is a new generation.
    pub generation: u64,
}

impl ShareGrant {
    /// The HPKE `info`: label, share and folder ids, the three public keys.
    pub fn info(&self) -> Vec<u8> {
        let mut info = Vec::with_capacity(SHARE_INFO_LABEL.len() + 1 + 16 * 2 + 32 * 3);
        info.extend_from_slice(SHARE_INFO_LABEL);
        info.push(0x00);
        self.put_ids_and_keys(&mut info);
        info
    }

    /// The signed message for `enc` and `ct` (`None` if one exceeds `u32::MAX` bytes).
    /// Takes slices so that a grant with a malformed `enc` can still be checked.
    pub fn signed_message(&self, enc: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        let mut m = Vec::with_capacity(200 + enc.len() + ciphertext.len());
        m.extend_from_slice(SHARE_GRANT_LABEL);
        m.push(0x00);
        self.put_ids_and_keys(&mut m);
        m.push(self.permission.as_u8());
        m.extend_from_slice(&self.generation.to_be_bytes());
        (put_lp(&mut m, enc) && put_lp(&mut m, ciphertext)).then_some(m)
    }

    fn put_ids_and_keys(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.share_id);
        out.extend_from_slice(&self.folder_id);
        out.extend_from_slice(&self.owner_signing_public);
        out.extend_from_slice(&self.recipient_signing_public);
        out.extend_from_slice(&self.recipient_agreement_public);
    }
}

/// The sealed part of a grant: HPKE's `enc` and `ct`, and the owner's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedShare {
    /// The encapsulated ephemeral X25519 public key.
    pub enc: [u8; ENC_LEN],
    /// The folder key sealed by HPKE ([`SHARE_CIPHERTEXT_LEN`] bytes when well formed).
    pub ciphertext: Vec<u8>,
    /// Ed25519 signature by `owner_signing_public` over [`ShareGrant::signed_message`].
    pub signature: [u8; 64],
}

impl SealedShare {
    /// The signed message of this grant and seal (`None` only for absurd lengths).
    pub fn message(&self, grant: &ShareGrant) -> Option<Vec<u8>> {
        grant.signed_message(&self.enc, &self.ciphertext)
    }
}

/// Seals `folder_key` to the grant's recipient and signs the grant with `owner`.
///
/// `ephemeral_ikm` MUST be 32 fresh random bytes: HPKE's ephemeral key is `DeriveKeyPair` of
/// them (RFC 9180 §7.1.3). Refuses, with [`CryptoError::Integrity`], an `owner` whose signing
/// key is not `grant.owner_signing_public`, and a recipient agreement key of small order (the
/// X25519 shared secret would be all zeros, RFC 9180 §7.1.1).
pub fn seal_share(
    grant: &ShareGrant,
    folder_key: &SymmetricKey,
    owner: &Identity,
    ephemeral_ikm: [u8; 32],
) -> Result<SealedShare, CryptoError> {
    if owner.signing_public() != grant.owner_signing_public {
        return Err(CryptoError::Integrity("owner signing key"));
    }
    let (enc, ciphertext) = hpke::seal_base(
        &grant.recipient_agreement_public,
        &grant.info(),
        &[],
        folder_key.as_bytes(),
        ephemeral_ikm,
    )?;
    let message = grant
        .signed_message(&enc, &ciphertext)
        .ok_or(CryptoError::InvalidFormat)?;
    let signature = owner.signing_key().sign_message(&message);
    Ok(SealedShare {
        enc,
        ciphertext,
        signature,
    })
}

/// Checks the owner's signature on a grant (strict Ed25519, as §7) and nothing else: what a
/// member does with another member's write grant, whose key it cannot open.
pub fn verify_share(grant: &ShareGrant, sealed: &SealedShare) -> Result<(), CryptoError> {
    let message = sealed.message(grant).ok_or(CryptoError::InvalidSignature)?;
    verify_message(&grant.owner_signing_public, &message, &sealed.signature)
}

/// Opens a grant addressed to `recipient` and returns the folder key. Checks, in order
/// (PROTOCOL.md §12.2): the signature (`invalid_signature`); that the grant's recipient keys
/// are the identity's (`integrity`); the ciphertext length (`invalid_format`; `enc`'s length is
/// fixed by the type); HPKE `OpenBase` (`decryption_failed`); a 32-byte plaintext
/// (`invalid_format`).
pub fn open_share(
    grant: &ShareGrant,
    sealed: &SealedShare,
    recipient: &Identity,
) -> Result<SymmetricKey, CryptoError> {
    verify_share(grant, sealed)?;
    if recipient.signing_public() != grant.recipient_signing_public
        || recipient.agreement_public() != grant.recipient_agreement_public
    {
        return Err(CryptoError::Integrity("recipient keys"));
    }
    if sealed.ciphertext.len() != SHARE_CIPHERTEXT_LEN {
        return Err(CryptoError::InvalidFormat);
    }
    let plaintext = hpke::open_base(
        recipient.agreement_secret(),
        &sealed.enc,
        &grant.info(),
        &[],
        &sealed.ciphertext,
    )?;
    if plaintext.len() != 32 {
        return Err(CryptoError::InvalidFormat);
    }
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&plaintext);
    Ok(SymmetricKey::from_bytes(*key))
}

#[cfg(test)]
mod tests;
