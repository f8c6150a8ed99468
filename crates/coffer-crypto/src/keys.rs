//! Key types and the key derivations every construction shares (PROTOCOL.md §1–§2).
//!
//! Keys live in types that zeroize on drop and have neither `Debug` nor `Copy`, so a key cannot
//! end up in a log line or be duplicated by accident. Comparing keys, when it is needed at all,
//! goes through [`subtle::ConstantTimeEq`].

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Label of the password KEK derivation (PROTOCOL.md §2).
const PASSWORD_KEK_LABEL: &[u8] = b"coffer/v1/password-kek";

/// A 256-bit symmetric key: master key, node key, password KEK.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SymmetricKey(Zeroizing<[u8; 32]>);

impl SymmetricKey {
    /// Wraps 32 key bytes (from the OS CSPRNG, or from a derivation).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SymmetricKey(Zeroizing::new(bytes))
    }

    /// The raw key bytes, e.g. to put a link key into a URL fragment.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl ConstantTimeEq for SymmetricKey {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&*other.0)
    }
}

/// The 64-byte OPAQUE export key (RFC 9807 §6.4.2): stable per password, never sent anywhere.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct ExportKey(Zeroizing<Vec<u8>>);

impl ExportKey {
    /// Wraps 64 export-key bytes (OPAQUE produces them; tests and vectors use fixed ones).
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        ExportKey(Zeroizing::new(bytes.to_vec()))
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Self {
        ExportKey(Zeroizing::new(bytes.to_vec()))
    }

    /// The raw 64 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// `HKDF(export_key, "", "coffer/v1/password-kek", 32)`: the key that wraps the master key.
pub fn password_kek(export_key: &ExportKey) -> SymmetricKey {
    let mut out = Zeroizing::new([0u8; 32]);
    hkdf_sha256(export_key.as_bytes(), &[], &[PASSWORD_KEK_LABEL], &mut *out);
    SymmetricKey::from_bytes(*out)
}

/// HKDF-SHA-256 (RFC 5869), extract then expand, with `info` given as concatenated parts.
///
/// An empty `salt` is HKDF's "not provided", i.e. 32 zero bytes (RFC 5869 §2.2); the two give
/// the same PRK because HMAC pads short keys with zeros.
pub(crate) fn hkdf_sha256(ikm: &[u8], salt: &[u8], info: &[&[u8]], out: &mut [u8]) {
    let salt = if salt.is_empty() { None } else { Some(salt) };
    Hkdf::<Sha256>::new(salt, ikm)
        .expand_multi_info(info, out)
        .expect("HKDF output lengths used here are at most 64 bytes, far below 255 * 32");
}

/// HMAC-SHA-256 (RFC 2104) over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length (RFC 2104)");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hkdf_matches_rfc5869_test_case_1() {
        let ikm = [0x0b; 22];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let mut okm = [0u8; 42];
        hkdf_sha256(&ikm, &salt, &[&info[..4], &info[4..]], &mut okm);
        assert_eq!(
            hex::encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn empty_salt_equals_32_zero_bytes() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        hkdf_sha256(b"ikm", &[], &[b"info"], &mut a);
        hkdf_sha256(b"ikm", &[0u8; 32], &[b"info"], &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn hmac_matches_rfc4231_test_case_2() {
        let tag = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn password_kek_depends_on_every_export_key_byte() {
        let base = password_kek(&ExportKey::from_bytes([7; 64]));
        for i in [0, 31, 63] {
            let mut bytes = [7u8; 64];
            bytes[i] ^= 1;
            let other = password_kek(&ExportKey::from_bytes(bytes));
            assert!(!bool::from(base.ct_eq(&other)));
        }
        assert!(bool::from(
            base.ct_eq(&password_kek(&ExportKey::from_bytes([7; 64])))
        ));
    }
}
