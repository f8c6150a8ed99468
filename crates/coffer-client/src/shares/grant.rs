//! Share grants between their wire form and the crypto core's (PROTOCOL.md §12.2): making one,
//! checking one against the owner key the caller trusts, opening one addressed to us.

use coffer_api::{B64, Id, SealedGrant, SharePermission};
use coffer_crypto::{Identity, SealedShare, ShareGrant, SymmetricKey, random_bytes};
use std::collections::HashMap;

/// The crypto core's permission for the wire's.
pub(crate) fn crypto_permission(p: SharePermission) -> coffer_crypto::SharePermission {
    match p {
        SharePermission::Read => coffer_crypto::SharePermission::Read,
        SharePermission::Write => coffer_crypto::SharePermission::Write,
    }
}

/// The signed fields and the seal of a wire grant; `None` when a field has the wrong length.
fn parts(g: &SealedGrant) -> Option<(ShareGrant, SealedShare)> {
    let grant = ShareGrant {
        share_id: g.share_id.0,
        folder_id: g.folder_id.0,
        owner_signing_public: g.owner_signing_public[..].try_into().ok()?,
        recipient_signing_public: g.recipient_signing_public[..].try_into().ok()?,
        recipient_agreement_public: g.recipient_agreement_public[..].try_into().ok()?,
        permission: crypto_permission(g.permission),
        generation: g.generation,
    };
    let sealed = SealedShare {
        enc: g.enc[..].try_into().ok()?,
        ciphertext: g.ciphertext.to_vec(),
        signature: g.signature[..].try_into().ok()?,
    };
    Some((grant, sealed))
}

/// What a new grant says.
pub(crate) struct GrantTerms {
    pub share_id: Id,
    pub folder_id: Id,
    pub recipient_signing: [u8; 32],
    pub recipient_agreement: [u8; 32],
    pub permission: SharePermission,
    pub generation: u64,
}

/// `folder_key` sealed to the recipient of `terms`, signed by `owner`.
pub(crate) fn make_grant(
    terms: &GrantTerms,
    folder_key: &SymmetricKey,
    owner: &Identity,
) -> Result<SealedGrant, coffer_crypto::CryptoError> {
    let grant = ShareGrant {
        share_id: terms.share_id.0,
        folder_id: terms.folder_id.0,
        owner_signing_public: owner.signing_public(),
        recipient_signing_public: terms.recipient_signing,
        recipient_agreement_public: terms.recipient_agreement,
        permission: crypto_permission(terms.permission),
        generation: terms.generation,
    };
    let sealed = coffer_crypto::seal_share(&grant, folder_key, owner, random_bytes())?;
    Ok(SealedGrant {
        share_id: terms.share_id,
        folder_id: terms.folder_id,
        owner_signing_public: B64(grant.owner_signing_public.to_vec()),
        recipient_signing_public: B64(terms.recipient_signing.to_vec()),
        recipient_agreement_public: B64(terms.recipient_agreement.to_vec()),
        permission: terms.permission,
        generation: terms.generation,
        enc: B64(sealed.enc.to_vec()),
        ciphertext: B64(sealed.ciphertext),
        signature: B64(sealed.signature.to_vec()),
    })
}

/// Whether `g` is signed by `owner` (the key the caller trusts, never the one the grant names).
pub(crate) fn signed_by(g: &SealedGrant, owner: &[u8; 32]) -> bool {
    g.owner_signing_public[..] == owner[..]
        && parts(g)
            .is_some_and(|(grant, sealed)| coffer_crypto::verify_share(&grant, &sealed).is_ok())
}

/// Opens a grant addressed to `me` and signed by `owner`: the folder key.
pub(crate) fn open_grant(
    g: &SealedGrant,
    owner: &[u8; 32],
    me: &Identity,
) -> Result<SymmetricKey, &'static str> {
    if g.owner_signing_public[..] != owner[..] {
        return Err("the grant is not signed by the owner's pinned key");
    }
    let (grant, sealed) = parts(g).ok_or("the grant is malformed")?;
    coffer_crypto::open_share(&grant, &sealed, me).map_err(|e| match e {
        coffer_crypto::CryptoError::InvalidSignature => "the grant's signature does not verify",
        coffer_crypto::CryptoError::Integrity(_) => "the grant is addressed to other keys",
        _ => "the grant's folder key does not open",
    })
}

/// The write grants among `grants` that `owner` signed, as folder → recipient signing keys:
/// the authors a folder's subtree trusts besides the owner. A grant that does not verify adds
/// nothing (a server cannot add a key by inventing one).
pub(crate) fn write_grants<'a>(
    grants: impl IntoIterator<Item = &'a SealedGrant>,
    owner: &[u8; 32],
) -> HashMap<Id, Vec<[u8; 32]>> {
    let mut out: HashMap<Id, Vec<[u8; 32]>> = HashMap::new();
    for g in grants {
        if g.permission != SharePermission::Write || !signed_by(g, owner) {
            continue;
        }
        if let Ok(key) = <[u8; 32]>::try_from(&g.recipient_signing_public[..]) {
            out.entry(g.folder_id).or_default().push(key);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(permission: SharePermission, bob: &Identity) -> GrantTerms {
        GrantTerms {
            share_id: Id([1; 16]),
            folder_id: Id([2; 16]),
            recipient_signing: bob.signing_public(),
            recipient_agreement: bob.agreement_public(),
            permission,
            generation: 1,
        }
    }

    #[test]
    fn a_grant_opens_only_for_its_recipient_and_its_owner() {
        let alice = Identity::from_seeds([1; 32], [2; 32]);
        let bob = Identity::from_seeds([3; 32], [4; 32]);
        let mallory = Identity::from_seeds([5; 32], [6; 32]);
        let key = SymmetricKey::from_bytes([9; 32]);
        let g = make_grant(&terms(SharePermission::Read, &bob), &key, &alice).unwrap();
        let opened = open_grant(&g, &alice.signing_public(), &bob).unwrap();
        assert_eq!(opened.as_bytes(), key.as_bytes());
        assert!(open_grant(&g, &mallory.signing_public(), &bob).is_err());
        assert!(open_grant(&g, &alice.signing_public(), &mallory).is_err());
        // Re-targeted or upgraded by the server: the signature no longer covers it.
        for tamper in [
            |g: &mut SealedGrant| g.folder_id = Id([7; 16]),
            |g: &mut SealedGrant| g.permission = SharePermission::Write,
            |g: &mut SealedGrant| g.generation = 9,
        ] {
            let mut bad = g.clone();
            tamper(&mut bad);
            assert_eq!(
                open_grant(&bad, &alice.signing_public(), &bob).err(),
                Some("the grant's signature does not verify")
            );
        }
    }

    #[test]
    fn only_verified_write_grants_add_authors() {
        let alice = Identity::from_seeds([1; 32], [2; 32]);
        let bob = Identity::from_seeds([3; 32], [4; 32]);
        let key = SymmetricKey::from_bytes([9; 32]);
        let write = make_grant(&terms(SharePermission::Write, &bob), &key, &alice).unwrap();
        let read = make_grant(&terms(SharePermission::Read, &bob), &key, &alice).unwrap();
        let forged = make_grant(&terms(SharePermission::Write, &bob), &key, &bob).unwrap();
        let map = write_grants([&write, &read, &forged], &alice.signing_public());
        assert_eq!(map.len(), 1);
        assert_eq!(map[&Id([2; 16])], vec![bob.signing_public()]);
    }
}
