//! The 106-byte content header and the per-version content keys (PROTOCOL.md §5.1).
//!
//! ```text
//! fields = "CFRC" ‖ u8(1) version ‖ u8(1) suite ‖ u32(chunk_size) ‖ node_id ‖ version_id ‖ salt
//! okm    = HKDF(NK, salt, "coffer/v1/content" ‖ node_id ‖ version_id, 64)
//! header = fields ‖ HMAC(okm[32..64], fields)
//! ```
//!
//! The HMAC is the key commitment of the whole version: it is checked before any chunk is
//! decrypted, so a header crafted to make chunks open under two keys is refused. The ids bind the
//! ciphertext to one node and one version, closing chunk and file swaps.

use aws_lc_rs::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::keys::{SymmetricKey, hkdf_sha256, hmac_sha256};

/// Length of the content header.
pub const HEADER_LEN: usize = 106;
/// Smallest chunk size a header may declare (64 KiB).
pub const MIN_CHUNK_SIZE: u32 = 1 << 16;
/// Largest chunk size a header may declare (16 MiB): bounds a hostile header's memory demand.
pub const MAX_CHUNK_SIZE: u32 = 1 << 24;

const MAGIC: &[u8; 4] = b"CFRC";
const FORMAT_VERSION: u8 = 1;
/// Cipher suite 1: AES-256-GCM / HKDF-SHA-256 / BLAKE3.
const SUITE_AES256GCM_HKDFSHA256_BLAKE3: u8 = 1;
const FIELDS_LEN: usize = 4 + 1 + 1 + 4 + 16 + 16 + 32;
const CONTENT_LABEL: &[u8] = b"coffer/v1/content";

/// The public fields of a content header, readable without any key (e.g. by the server to
/// check chunk lengths on upload). Parsing them says nothing about authenticity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderFields {
    /// Plaintext bytes per chunk.
    pub chunk_size: u32,
    /// The node the version belongs to.
    pub node_id: [u8; 16],
    /// The version.
    pub version_id: [u8; 16],
    /// The per-version HKDF salt.
    pub salt: [u8; 32],
}

/// Checks length, magic, version, suite and chunk-size bounds, and returns the fields.
/// The MAC is **not** checked here (that needs the node key: see `ContentDecryptor::new`).
pub fn parse_header(header: &[u8]) -> Result<HeaderFields, CryptoError> {
    if header.len() != HEADER_LEN
        || &header[..4] != MAGIC
        || header[4] != FORMAT_VERSION
        || header[5] != SUITE_AES256GCM_HKDFSHA256_BLAKE3
    {
        return Err(CryptoError::InvalidFormat);
    }
    let chunk_size = u32::from_be_bytes(header[6..10].try_into().expect("4 bytes"));
    check_chunk_size(chunk_size)?;
    Ok(HeaderFields {
        chunk_size,
        node_id: header[10..26].try_into().expect("16 bytes"),
        version_id: header[26..42].try_into().expect("16 bytes"),
        salt: header[42..74].try_into().expect("32 bytes"),
    })
}

/// Refuses chunk sizes outside `MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE`.
pub(crate) fn check_chunk_size(chunk_size: u32) -> Result<(), CryptoError> {
    if (MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
        Ok(())
    } else {
        Err(CryptoError::InvalidFormat)
    }
}

/// The keys of one file version.
pub(crate) struct ContentKeys {
    pub(crate) gcm: LessSafeKey,
    mac_key: Zeroizing<[u8; 32]>,
}

impl ContentKeys {
    pub(crate) fn derive(
        node_key: &SymmetricKey,
        node_id: &[u8; 16],
        version_id: &[u8; 16],
        salt: &[u8; 32],
    ) -> ContentKeys {
        let mut okm = Zeroizing::new([0u8; 64]);
        hkdf_sha256(
            node_key.as_bytes(),
            salt,
            &[CONTENT_LABEL, node_id, version_id],
            &mut *okm,
        );
        let unbound = UnboundKey::new(&AES_256_GCM, &okm[..32])
            .expect("a 32-byte key is valid for AES-256-GCM");
        let mut mac_key = Zeroizing::new([0u8; 32]);
        mac_key.copy_from_slice(&okm[32..]);
        ContentKeys {
            gcm: LessSafeKey::new(unbound),
            mac_key,
        }
    }

    /// Builds a header without checking the chunk size bounds (the caller does, except test
    /// vectors that need an out-of-bounds header with a valid MAC).
    pub(crate) fn header(
        &self,
        chunk_size: u32,
        node_id: &[u8; 16],
        version_id: &[u8; 16],
        salt: &[u8; 32],
    ) -> Vec<u8> {
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.push(FORMAT_VERSION);
        header.push(SUITE_AES256GCM_HKDFSHA256_BLAKE3);
        header.extend_from_slice(&chunk_size.to_be_bytes());
        header.extend_from_slice(node_id);
        header.extend_from_slice(version_id);
        header.extend_from_slice(salt);
        let mac = hmac_sha256(&*self.mac_key, &[&header]);
        header.extend_from_slice(&mac);
        header
    }

    /// Constant-time check of the header's MAC (the key commitment).
    pub(crate) fn check_header_mac(&self, header: &[u8]) -> Result<(), CryptoError> {
        let (fields, mac) = header.split_at(FIELDS_LEN);
        let expected = hmac_sha256(&*self.mac_key, &[fields]);
        if bool::from(expected.ct_eq(mac)) {
            Ok(())
        } else {
            Err(CryptoError::DecryptionFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Vec<u8> {
        let nk = SymmetricKey::from_bytes([1; 32]);
        ContentKeys::derive(&nk, &[2; 16], &[3; 16], &[4; 32])
            .header(65536, &[2; 16], &[3; 16], &[4; 32])
    }

    #[test]
    fn layout() {
        let h = header();
        assert_eq!(h.len(), HEADER_LEN);
        assert_eq!(FIELDS_LEN + 32, HEADER_LEN);
        assert_eq!(&h[..10], b"CFRC\x01\x01\x00\x01\x00\x00");
        let fields = parse_header(&h).unwrap();
        assert_eq!(
            fields,
            HeaderFields {
                chunk_size: 65536,
                node_id: [2; 16],
                version_id: [3; 16],
                salt: [4; 32],
            }
        );
    }

    #[test]
    fn parse_refuses_bad_structure() {
        let h = header();
        for (i, v) in [(0, b'X'), (4, 2), (5, 2)] {
            let mut bad = h.clone();
            bad[i] = v;
            assert_eq!(
                parse_header(&bad),
                Err(CryptoError::InvalidFormat),
                "byte {i}"
            );
        }
        assert_eq!(parse_header(&h[..105]), Err(CryptoError::InvalidFormat));
        assert_eq!(parse_header(&[]), Err(CryptoError::InvalidFormat));
        let mut long = h.clone();
        long.push(0);
        assert_eq!(parse_header(&long), Err(CryptoError::InvalidFormat));
    }

    #[test]
    fn chunk_size_bounds() {
        for ok in [MIN_CHUNK_SIZE, 1 << 20, MAX_CHUNK_SIZE] {
            assert_eq!(check_chunk_size(ok), Ok(()));
        }
        for bad in [0, 1, MIN_CHUNK_SIZE - 1, MAX_CHUNK_SIZE + 1, u32::MAX] {
            assert_eq!(check_chunk_size(bad), Err(CryptoError::InvalidFormat));
        }
    }

    #[test]
    fn mac_checks_every_field() {
        let nk = SymmetricKey::from_bytes([1; 32]);
        let keys = ContentKeys::derive(&nk, &[2; 16], &[3; 16], &[4; 32]);
        let h = header();
        assert_eq!(keys.check_header_mac(&h), Ok(()));
        for i in 0..HEADER_LEN {
            let mut bad = h.clone();
            bad[i] ^= 0x04;
            assert_eq!(
                keys.check_header_mac(&bad),
                Err(CryptoError::DecryptionFailed),
                "{i}"
            );
        }
    }

    #[test]
    fn decryptor_checks_key_ids_and_mac_first() {
        use crate::content::ContentDecryptor;
        let nk = SymmetricKey::from_bytes([1; 32]);
        let h = header();
        let open = |key: &SymmetricKey, version: &[u8; 16], h: &[u8]| {
            ContentDecryptor::new(key, &[2; 16], version, h).err()
        };
        assert_eq!(open(&nk, &[3; 16], &h), None);
        let other = SymmetricKey::from_bytes([8; 32]);
        assert_eq!(
            open(&other, &[3; 16], &h),
            Some(CryptoError::DecryptionFailed)
        );
        assert_eq!(
            open(&nk, &[7; 16], &h),
            Some(CryptoError::Integrity("content header ids"))
        );
        for i in [50, HEADER_LEN - 1] {
            let mut bad = h.clone();
            bad[i] ^= 1;
            assert_eq!(
                open(&nk, &[3; 16], &bad),
                Some(CryptoError::DecryptionFailed)
            );
        }
        assert_eq!(
            open(&nk, &[3; 16], &h[..100]),
            Some(CryptoError::InvalidFormat)
        );
        assert_eq!(open(&nk, &[3; 16], &[]), Some(CryptoError::InvalidFormat));
    }

    #[test]
    fn chunk_size_out_of_bounds_is_refused_even_with_a_valid_mac() {
        use crate::content::{ContentDecryptor, ContentEncryptor};
        let nk = SymmetricKey::from_bytes([1; 32]);
        for bad in [0, MIN_CHUNK_SIZE - 1, MAX_CHUNK_SIZE + 1] {
            assert_eq!(
                ContentEncryptor::new(&nk, &[2; 16], &[3; 16], [4; 32], bad).err(),
                Some(CryptoError::InvalidFormat)
            );
            let keys = ContentKeys::derive(&nk, &[2; 16], &[3; 16], &[4; 32]);
            let h = keys.header(bad, &[2; 16], &[3; 16], &[4; 32]);
            assert_eq!(
                ContentDecryptor::new(&nk, &[2; 16], &[3; 16], &h).err(),
                Some(CryptoError::InvalidFormat)
            );
        }
    }
}
