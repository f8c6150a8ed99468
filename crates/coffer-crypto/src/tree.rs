//! The key tree: node keys wrapped by their parent's key, name tags and name rules
//! (PROTOCOL.md §4, §6, §6.1). Attributes ([`Attributes`]) live in a submodule.
//!
//! Sharing a folder shares its subtree because every node key is sealed by its parent's key;
//! moving a node re-wraps exactly one key. The seal's context binds the wrapped key to its node
//! id and parent id, so a server cannot graft a wrapped key under another node or parent.

mod attributes;

pub use attributes::{Attributes, open_attributes, seal_attributes};

use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::keys::{SymmetricKey, hkdf_sha256, hmac_sha256};
use crate::seal::{Purpose, open, seal};

/// Longest name in bytes (UTF-8), as on common file systems.
pub const MAX_NAME_LEN: usize = 255;

const NAME_TAG_LABEL: &[u8] = b"coffer/v1/name-tag";

/// The 16-byte parent id of the root: all zeros.
pub const ROOT_PARENT_ID: [u8; 16] = [0; 16];

fn node_key_ctx(node_id: &[u8; 16], parent_id: &[u8; 16]) -> [u8; 32] {
    let mut ctx = [0u8; 32];
    ctx[..16].copy_from_slice(node_id);
    ctx[16..].copy_from_slice(parent_id);
    ctx
}

/// Seals `node_key` under its parent's key (purpose `node-key`, ctx = node id ‖ parent id).
/// The root's key is wrapped by the master key with `parent_id` = [`ROOT_PARENT_ID`].
pub fn wrap_node_key(
    parent_key: &SymmetricKey,
    node_id: &[u8; 16],
    parent_id: &[u8; 16],
    node_key: &SymmetricKey,
    nonce: [u8; 12],
) -> Vec<u8> {
    seal(
        parent_key,
        Purpose::NodeKey,
        &node_key_ctx(node_id, parent_id),
        nonce,
        node_key.as_bytes(),
    )
}

/// Opens a key made by [`wrap_node_key`]; fails unless key, node id and parent id all match.
pub fn unwrap_node_key(
    parent_key: &SymmetricKey,
    node_id: &[u8; 16],
    parent_id: &[u8; 16],
    wrapped: &[u8],
) -> Result<SymmetricKey, CryptoError> {
    let plain = open(
        parent_key,
        Purpose::NodeKey,
        &node_key_ctx(node_id, parent_id),
        wrapped,
    )?;
    let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(
        plain[..]
            .try_into()
            .map_err(|_| CryptoError::InvalidFormat)?,
    );
    Ok(SymmetricKey::from_bytes(*bytes))
}

/// `HMAC(HKDF(NK_parent, "", "coffer/v1/name-tag", 32), name)`: lets the server keep names
/// unique within a folder and look a child up by name without learning the name.
///
/// Names are compared byte for byte: no Unicode normalisation in protocol version 1.
pub fn name_tag(parent_key: &SymmetricKey, name: &str) -> [u8; 32] {
    let mut tag_key = Zeroizing::new([0u8; 32]);
    hkdf_sha256(parent_key.as_bytes(), &[], &[NAME_TAG_LABEL], &mut *tag_key);
    hmac_sha256(&*tag_key, &[name.as_bytes()])
}

/// Checks the name rules of PROTOCOL.md §6 for a file or folder other than the root: not
/// empty, at most 255 bytes of UTF-8, no `/`, no NUL, neither `.` nor `..`.
pub fn validate_name(name: &str) -> Result<(), CryptoError> {
    if name.is_empty() {
        return Err(CryptoError::InvalidName);
    }
    validate_name_allowing_root(name)
}

/// The rules of [`validate_name`] except emptiness, which only the root's name may have.
pub(crate) fn validate_name_allowing_root(name: &str) -> Result<(), CryptoError> {
    if name.len() > MAX_NAME_LEN || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(CryptoError::InvalidName);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SymmetricKey {
        SymmetricKey::from_bytes([b; 32])
    }

    #[test]
    fn node_key_round_trip() {
        let wrapped = wrap_node_key(&key(1), &[2; 16], &[3; 16], &key(4), [5; 12]);
        let nk = unwrap_node_key(&key(1), &[2; 16], &[3; 16], &wrapped).unwrap();
        assert_eq!(nk.as_bytes(), &[4; 32]);
    }

    #[test]
    fn node_key_bound_to_key_node_and_parent() {
        let wrapped = wrap_node_key(&key(1), &[2; 16], &[3; 16], &key(4), [5; 12]);
        let fail = |r: Result<SymmetricKey, CryptoError>| assert!(r.is_err());
        fail(unwrap_node_key(&key(9), &[2; 16], &[3; 16], &wrapped));
        fail(unwrap_node_key(&key(1), &[7; 16], &[3; 16], &wrapped));
        fail(unwrap_node_key(&key(1), &[2; 16], &[7; 16], &wrapped));
        // Swapping node id and parent id is a different context too.
        fail(unwrap_node_key(&key(1), &[3; 16], &[2; 16], &wrapped));
        fail(unwrap_node_key(
            &key(1),
            &[2; 16],
            &[3; 16],
            &wrapped[..wrapped.len() - 1],
        ));
        fail(unwrap_node_key(&key(1), &[2; 16], &[3; 16], &[]));
        for i in 0..wrapped.len() {
            let mut bad = wrapped.clone();
            bad[i] ^= 0x80;
            fail(unwrap_node_key(&key(1), &[2; 16], &[3; 16], &bad));
        }
    }

    #[test]
    fn node_key_refuses_other_purposes_and_lengths() {
        let ctx = node_key_ctx(&[2; 16], &[3; 16]);
        let as_attrs = seal(&key(1), Purpose::Attributes, &ctx, [0; 12], &[4; 32]);
        assert_eq!(
            unwrap_node_key(&key(1), &[2; 16], &[3; 16], &as_attrs).err(),
            Some(CryptoError::DecryptionFailed)
        );
        let short = seal(&key(1), Purpose::NodeKey, &ctx, [0; 12], &[4; 31]);
        assert_eq!(
            unwrap_node_key(&key(1), &[2; 16], &[3; 16], &short).err(),
            Some(CryptoError::InvalidFormat)
        );
    }

    #[test]
    fn name_tags_depend_on_key_and_exact_bytes() {
        let a = name_tag(&key(1), "report.pdf");
        assert_eq!(a, name_tag(&key(1), "report.pdf"));
        assert_ne!(a, name_tag(&key(2), "report.pdf"));
        assert_ne!(a, name_tag(&key(1), "Report.pdf"));
        // NFC and NFD forms of "é" are different names in version 1.
        assert_ne!(name_tag(&key(1), "\u{e9}"), name_tag(&key(1), "e\u{301}"));
    }

    #[test]
    fn name_rules() {
        for ok in [
            "a",
            "report.pdf",
            "...",
            ".hidden",
            "a b",
            "文件",
            &"x".repeat(255),
        ] {
            assert_eq!(validate_name(ok), Ok(()), "{ok}");
        }
        let too_long = "é".repeat(128); // 256 bytes
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "/",
            "a\0b",
            &"x".repeat(256),
            &too_long,
        ] {
            assert_eq!(validate_name(bad), Err(CryptoError::InvalidName), "{bad:?}");
        }
        assert_eq!(validate_name_allowing_root(""), Ok(()));
        assert_eq!(
            validate_name_allowing_root(".."),
            Err(CryptoError::InvalidName)
        );
    }
}
