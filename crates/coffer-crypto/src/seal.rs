//! The seal: key-committing AES-256-GCM for small values (PROTOCOL.md §4).
//!
//! GCM alone is not key-committing: one ciphertext can be crafted to open under two keys, which
//! lets a server frame a user or confuse two keys. The seal therefore derives, per key and
//! purpose, an encryption key and a 32-byte commitment with HKDF, stores the commitment in the
//! clear and checks it (constant time) before GCM is attempted. The purpose label is both in
//! the derivation and in the AAD, so a value sealed for one purpose never opens as another;
//! the context (`ctx`, e.g. node id and parent id) is in the AAD, so a sealed value cannot be
//! moved to another place in the tree.
//!
//! ```text
//! okm        = HKDF(K, "", "coffer/v1/seal/" ‖ purpose, 64)
//! sealed     = 0x01 ‖ nonce (12) ‖ okm[32..64] ‖ AES-GCM(okm[0..32], nonce, m,
//!                                                        "coffer/v1/seal/" ‖ purpose ‖ 0x00 ‖ ctx)
//! ```

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::keys::{SymmetricKey, hkdf_sha256};

/// Version byte that starts every sealed value.
pub const SEAL_VERSION: u8 = 0x01;
/// Nonce length of AES-256-GCM.
pub const NONCE_LEN: usize = 12;
/// Length of the key commitment stored in every sealed value.
pub const COMMITMENT_LEN: usize = 32;
/// Bytes a seal adds to its plaintext: version, nonce, commitment, GCM tag.
pub const SEAL_OVERHEAD: usize = 1 + NONCE_LEN + COMMITMENT_LEN + 16;

const SEAL_LABEL: &[u8] = b"coffer/v1/seal/";

/// What a sealed value is for; the label is bound into both key derivation and AAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The master key, sealed by the password KEK; ctx empty.
    MasterKey,
    /// The identity seeds, sealed by the master key; ctx = the two public keys.
    IdentityKeys,
    /// A node key, sealed by its parent's key; ctx = node id ‖ parent id.
    NodeKey,
    /// A node's attributes JSON, sealed by its own key; ctx = node id.
    Attributes,
    /// A public link's node key and author key, sealed by the link key `LK` (PROTOCOL.md
    /// §10.3); ctx = link id ‖ node id.
    Link,
}

impl Purpose {
    /// The ASCII label of PROTOCOL.md §4 (`"master-key"`, …).
    pub fn label(self) -> &'static str {
        match self {
            Purpose::MasterKey => "master-key",
            Purpose::IdentityKeys => "identity-keys",
            Purpose::NodeKey => "node-key",
            Purpose::Attributes => "attributes",
            Purpose::Link => "link",
        }
    }

    /// The purpose with this label, if any.
    pub fn from_label(label: &str) -> Option<Purpose> {
        [
            Purpose::MasterKey,
            Purpose::IdentityKeys,
            Purpose::NodeKey,
            Purpose::Attributes,
            Purpose::Link,
        ]
        .into_iter()
        .find(|p| p.label() == label)
    }
}

/// The GCM key and the commitment that `key` and `purpose` derive.
struct SealKeys {
    gcm: LessSafeKey,
    commitment: [u8; COMMITMENT_LEN],
}

impl SealKeys {
    fn derive(key: &SymmetricKey, purpose: Purpose) -> SealKeys {
        let mut okm = Zeroizing::new([0u8; 64]);
        hkdf_sha256(
            key.as_bytes(),
            &[],
            &[SEAL_LABEL, purpose.label().as_bytes()],
            &mut *okm,
        );
        let unbound = UnboundKey::new(&AES_256_GCM, &okm[..32])
            .expect("a 32-byte key is valid for AES-256-GCM");
        let mut commitment = [0u8; COMMITMENT_LEN];
        commitment.copy_from_slice(&okm[32..]);
        SealKeys {
            gcm: LessSafeKey::new(unbound),
            commitment,
        }
    }
}

fn aad(purpose: Purpose, ctx: &[u8]) -> Vec<u8> {
    let label = purpose.label().as_bytes();
    let mut aad = Vec::with_capacity(SEAL_LABEL.len() + label.len() + 1 + ctx.len());
    aad.extend_from_slice(SEAL_LABEL);
    aad.extend_from_slice(label);
    aad.push(0x00);
    aad.extend_from_slice(ctx);
    aad
}

/// Seals `plaintext` under `key` for `purpose` and `ctx`. `nonce` MUST be fresh random bytes.
pub fn seal(
    key: &SymmetricKey,
    purpose: Purpose,
    ctx: &[u8],
    nonce: [u8; 12],
    plaintext: &[u8],
) -> Vec<u8> {
    let keys = SealKeys::derive(key, purpose);
    let mut out = Vec::with_capacity(SEAL_OVERHEAD + plaintext.len());
    out.push(SEAL_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&keys.commitment);
    let body_start = out.len();
    out.extend_from_slice(plaintext);
    let tag = keys
        .gcm
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(purpose, ctx)),
            &mut out[body_start..],
        )
        .expect("AES-GCM sealing fails only for inputs over 64 GiB, never for a seal");
    out.extend_from_slice(tag.as_ref());
    out
}

/// Opens a value made by [`seal`]. Every failure is [`CryptoError::DecryptionFailed`].
///
/// The commitment is compared in constant time **before** GCM runs, so a ciphertext crafted
/// to open under another key is refused without decrypting anything.
pub fn open(
    key: &SymmetricKey,
    purpose: Purpose,
    ctx: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < SEAL_OVERHEAD || sealed[0] != SEAL_VERSION {
        return Err(CryptoError::DecryptionFailed);
    }
    let (nonce, rest) = sealed[1..].split_at(NONCE_LEN);
    let (commitment, ciphertext) = rest.split_at(COMMITMENT_LEN);
    let keys = SealKeys::derive(key, purpose);
    if !bool::from(keys.commitment.ct_eq(commitment)) {
        return Err(CryptoError::DecryptionFailed);
    }
    let nonce =
        Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::DecryptionFailed)?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = keys
        .gcm
        .open_in_place(nonce, Aad::from(aad(purpose, ctx)), &mut buf)
        .map_err(|_| CryptoError::DecryptionFailed)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod salamander;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(b: u8) -> SymmetricKey {
        SymmetricKey::from_bytes([b; 32])
    }

    #[test]
    fn round_trip_and_layout() {
        let sealed = seal(&key(1), Purpose::NodeKey, b"ctx", [9; 12], b"secret");
        assert_eq!(sealed.len(), SEAL_OVERHEAD + 6);
        assert_eq!(sealed[0], SEAL_VERSION);
        assert_eq!(&sealed[1..13], &[9; 12]);
        let opened = open(&key(1), Purpose::NodeKey, b"ctx", &sealed).unwrap();
        assert_eq!(&opened[..], b"secret");
    }

    #[test]
    fn empty_plaintext_round_trips() {
        let sealed = seal(&key(1), Purpose::Attributes, b"", [0; 12], b"");
        assert_eq!(sealed.len(), SEAL_OVERHEAD);
        assert!(
            open(&key(1), Purpose::Attributes, b"", &sealed)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn wrong_key_purpose_or_ctx_fails() {
        let sealed = seal(&key(1), Purpose::NodeKey, b"ctx", [9; 12], b"secret");
        let fail = Err(CryptoError::DecryptionFailed);
        assert_eq!(open(&key(2), Purpose::NodeKey, b"ctx", &sealed), fail);
        assert_eq!(open(&key(1), Purpose::Attributes, b"ctx", &sealed), fail);
        assert_eq!(open(&key(1), Purpose::NodeKey, b"ctx2", &sealed), fail);
        assert_eq!(open(&key(1), Purpose::NodeKey, b"", &sealed), fail);
    }

    #[test]
    fn every_flipped_byte_fails() {
        let sealed = seal(&key(1), Purpose::MasterKey, b"", [3; 12], &[5; 32]);
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert_eq!(
                open(&key(1), Purpose::MasterKey, b"", &bad),
                Err(CryptoError::DecryptionFailed),
                "byte {i}"
            );
        }
    }

    #[test]
    fn truncated_empty_and_bad_version_fail() {
        let sealed = seal(&key(1), Purpose::MasterKey, b"", [3; 12], &[5; 32]);
        for len in [0, 1, SEAL_OVERHEAD - 1, sealed.len() - 1] {
            assert_eq!(
                open(&key(1), Purpose::MasterKey, b"", &sealed[..len]),
                Err(CryptoError::DecryptionFailed)
            );
        }
        let mut v2 = sealed.clone();
        v2[0] = 0x02;
        assert_eq!(
            open(&key(1), Purpose::MasterKey, b"", &v2),
            Err(CryptoError::DecryptionFailed)
        );
    }

    #[test]
    fn commitment_is_per_key_and_purpose() {
        let a = seal(&key(1), Purpose::NodeKey, b"", [0; 12], b"x");
        let b = seal(&key(1), Purpose::Attributes, b"", [0; 12], b"x");
        let c = seal(&key(2), Purpose::NodeKey, b"", [0; 12], b"x");
        assert_ne!(a[13..45], b[13..45]);
        assert_ne!(a[13..45], c[13..45]);
        // A foreign commitment spliced in is refused before GCM runs.
        let mut spliced = a.clone();
        spliced[13..45].copy_from_slice(&c[13..45]);
        assert_eq!(
            open(&key(1), Purpose::NodeKey, b"", &spliced),
            Err(CryptoError::DecryptionFailed)
        );
    }

    #[test]
    fn labels_round_trip() {
        for p in [
            Purpose::MasterKey,
            Purpose::IdentityKeys,
            Purpose::NodeKey,
            Purpose::Attributes,
            Purpose::Link,
        ] {
            assert_eq!(Purpose::from_label(p.label()), Some(p));
        }
        assert_eq!(Purpose::from_label("other"), None);
    }

    proptest! {
        #[test]
        fn seal_open_round_trip(
            k in any::<[u8; 32]>(),
            nonce in any::<[u8; 12]>(),
            ctx in proptest::collection::vec(any::<u8>(), 0..64),
            msg in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let key = SymmetricKey::from_bytes(k);
            let sealed = seal(&key, Purpose::Attributes, &ctx, nonce, &msg);
            prop_assert_eq!(sealed.len(), msg.len() + SEAL_OVERHEAD);
            let opened = open(&key, Purpose::Attributes, &ctx, &sealed).unwrap();
            prop_assert_eq!(&opened[..], &msg[..]);
        }
    }
}
