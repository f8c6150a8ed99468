//! Ed25519 identity signatures over node records (PROTOCOL.md §7).
//!
//! Every version of a node record is signed by its author, so a server cannot inject, replay
//! or re-parent a node so that it looks like the user's own (the framing attack). Signing is
//! RFC 8032 pure Ed25519, deterministic; verification is strict (`verify_strict`: canonical
//! encodings, no small-order keys), so one record has exactly one valid signature encoding.
//! Many records are verified at once with [`verify_records`] (batch verification, same verdict).

use ed25519_dalek::Signer;

use crate::error::CryptoError;

mod batch;
pub use batch::verify_records;

const NODE_SIGNATURE_LABEL: &[u8] = b"coffer/v1/node-signature";

/// Node kind byte of a folder.
pub const KIND_FOLDER: u8 = 1;
/// Node kind byte of a file.
pub const KIND_FILE: u8 = 2;

/// An Ed25519 signing key made from a 32-byte seed; zeroized on drop, no `Debug`.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// The key of RFC 8032 §5.1.5 for this seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The 32-byte public key.
    pub fn public(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// The seed, for sealing it into the key container.
    pub(crate) fn seed(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// Signs any message (crate-internal: each signed structure defines its own message).
    pub(crate) fn sign_message(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

/// Strict Ed25519 verification of `signature` over `message` by `public`.
pub(crate) fn verify_message(
    public: &[u8; 32],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let key = ed25519_dalek::VerifyingKey::from_bytes(public)
        .map_err(|_| CryptoError::InvalidSignature)?;
    let signature = ed25519_dalek::Signature::from_slice(signature)
        .map_err(|_| CryptoError::InvalidSignature)?;
    key.verify_strict(message, &signature)
        .map_err(|_| CryptoError::InvalidSignature)
}

/// Appends `lp(x) = u32(len(x)) ‖ x`. Returns false if `x` is too long to be length-prefixed;
/// the caller then refuses the record rather than sign an ambiguous encoding.
pub(crate) fn put_lp(out: &mut Vec<u8>, x: &[u8]) -> bool {
    let Ok(len) = u32::try_from(x.len()) else {
        return false;
    };
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(x);
    true
}

/// Everything a node record signature covers. For a folder `version_id` and `chunk_list_hash`
/// are zeros, `content_header` is empty and both counts are 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord<'a> {
    /// The node.
    pub node_id: [u8; 16],
    /// Its parent; zeros for the root.
    pub parent_id: [u8; 16],
    /// [`KIND_FOLDER`] or [`KIND_FILE`].
    pub kind: u8,
    /// Ed25519 public key of the author, who signs the record.
    pub author_key: [u8; 32],
    /// Name tag under the parent (empty for the root).
    pub name_tag: &'a [u8],
    /// The node key sealed by the parent's key.
    pub wrapped_key: &'a [u8],
    /// The sealed attributes.
    pub encrypted_attributes: &'a [u8],
    /// The content version (zeros for a folder).
    pub version_id: [u8; 16],
    /// The 106-byte content header (empty for a folder).
    pub content_header: &'a [u8],
    /// `size + 16 · chunk_count` (0 for a folder).
    pub ciphertext_size: u64,
    /// Number of chunks (0 for a folder).
    pub chunk_count: u64,
    /// [`crate::chunk_list_hash`] of the chunk hashes (zeros for a folder).
    pub chunk_list_hash: [u8; 32],
}

impl NodeRecord<'_> {
    /// The signed message of PROTOCOL.md §7.
    pub fn message(&self) -> Vec<u8> {
        self.encode().unwrap_or_default()
    }

    /// `None` if a variable-length field is longer than `u32::MAX` bytes.
    fn encode(&self) -> Option<Vec<u8>> {
        let mut m = Vec::with_capacity(
            200 + self.name_tag.len()
                + self.wrapped_key.len()
                + self.encrypted_attributes.len()
                + self.content_header.len(),
        );
        m.extend_from_slice(NODE_SIGNATURE_LABEL);
        m.push(0x00);
        m.extend_from_slice(&self.node_id);
        m.extend_from_slice(&self.parent_id);
        m.push(self.kind);
        m.extend_from_slice(&self.author_key);
        let ok = put_lp(&mut m, self.name_tag)
            && put_lp(&mut m, self.wrapped_key)
            && put_lp(&mut m, self.encrypted_attributes);
        m.extend_from_slice(&self.version_id);
        let ok = ok && put_lp(&mut m, self.content_header);
        m.extend_from_slice(&self.ciphertext_size.to_be_bytes());
        m.extend_from_slice(&self.chunk_count.to_be_bytes());
        m.extend_from_slice(&self.chunk_list_hash);
        ok.then_some(m)
    }

    /// Signs the record with the author's key (deterministic, RFC 8032).
    ///
    /// `author_key` should be `key.public()`; otherwise the signature will not verify. A record
    /// whose fields cannot be encoded gets a signature over the empty message, which never
    /// verifies for it either.
    pub fn sign(&self, key: &SigningKey) -> [u8; 64] {
        key.sign_message(&self.message())
    }

    /// Verifies against `self.author_key`; the caller decides whether it trusts that key.
    pub fn verify(&self, signature: &[u8]) -> Result<(), CryptoError> {
        let message = self.encode().ok_or(CryptoError::InvalidSignature)?;
        verify_message(&self.author_key, &message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_seed([7; 32])
    }

    fn record(author_key: [u8; 32]) -> NodeRecord<'static> {
        NodeRecord {
            node_id: [1; 16],
            parent_id: [2; 16],
            kind: KIND_FILE,
            author_key,
            name_tag: &[3; 32],
            wrapped_key: &[4; 93],
            encrypted_attributes: &[5; 80],
            version_id: [6; 16],
            content_header: &[7; 106],
            ciphertext_size: 1016,
            chunk_count: 1,
            chunk_list_hash: [8; 32],
        }
    }

    #[test]
    fn rfc8032_test_1_public_key() {
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap();
        let key = SigningKey::from_seed(seed.try_into().unwrap());
        assert_eq!(
            hex::encode(key.public()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            hex::encode(key.sign_message(b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn message_layout() {
        let m = record([9; 32]).message();
        assert!(m.starts_with(b"coffer/v1/node-signature\0"));
        assert_eq!(
            m.len(),
            25 + 16 + 16 + 1 + 32 + (4 + 32) + (4 + 93) + (4 + 80) + 16 + (4 + 106) + 8 + 8 + 32
        );
        assert_eq!(&m[90..94], &32u32.to_be_bytes());
    }

    #[test]
    fn sign_and_verify() {
        let r = record(key().public());
        let sig = r.sign(&key());
        assert_eq!(r.verify(&sig), Ok(()));
        assert_eq!(r.sign(&key()), sig, "deterministic");
    }

    #[test]
    fn every_field_is_covered() {
        let good = record(key().public());
        let sig = good.sign(&key());
        let changes: Vec<(&str, NodeRecord)> = vec![
            (
                "node_id",
                NodeRecord {
                    node_id: [0; 16],
                    ..good.clone()
                },
            ),
            (
                "parent_id",
                NodeRecord {
                    parent_id: [0; 16],
                    ..good.clone()
                },
            ),
            (
                "kind",
                NodeRecord {
                    kind: KIND_FOLDER,
                    ..good.clone()
                },
            ),
            (
                "author_key",
                NodeRecord {
                    author_key: SigningKey::from_seed([8; 32]).public(),
                    ..good.clone()
                },
            ),
            (
                "name_tag",
                NodeRecord {
                    name_tag: &[3; 31],
                    ..good.clone()
                },
            ),
            (
                "wrapped_key",
                NodeRecord {
                    wrapped_key: &[0; 93],
                    ..good.clone()
                },
            ),
            (
                "encrypted_attributes",
                NodeRecord {
                    encrypted_attributes: &[5; 81],
                    ..good.clone()
                },
            ),
            (
                "version_id",
                NodeRecord {
                    version_id: [0; 16],
                    ..good.clone()
                },
            ),
            (
                "content_header",
                NodeRecord {
                    content_header: &[],
                    ..good.clone()
                },
            ),
            (
                "ciphertext_size",
                NodeRecord {
                    ciphertext_size: 1017,
                    ..good.clone()
                },
            ),
            (
                "chunk_count",
                NodeRecord {
                    chunk_count: 2,
                    ..good.clone()
                },
            ),
            (
                "chunk_list_hash",
                NodeRecord {
                    chunk_list_hash: [0; 32],
                    ..good.clone()
                },
            ),
        ];
        for (field, changed) in changes {
            assert_eq!(
                changed.verify(&sig),
                Err(CryptoError::InvalidSignature),
                "{field}"
            );
        }
    }

    #[test]
    fn length_prefixes_prevent_field_shifting() {
        // Moving a byte from one variable field to the next changes the message.
        let a = NodeRecord {
            name_tag: &[1, 2],
            wrapped_key: &[3],
            ..record([0; 32])
        };
        let b = NodeRecord {
            name_tag: &[1],
            wrapped_key: &[2, 3],
            ..record([0; 32])
        };
        assert_ne!(a.message(), b.message());
    }

    #[test]
    fn bad_signatures_fail() {
        let r = record(key().public());
        let sig = r.sign(&key());
        for i in [0, 31, 32, 63] {
            let mut bad = sig;
            bad[i] ^= 1;
            assert_eq!(r.verify(&bad), Err(CryptoError::InvalidSignature));
        }
        assert_eq!(r.verify(&sig[..63]), Err(CryptoError::InvalidSignature));
        assert_eq!(r.verify(&[]), Err(CryptoError::InvalidSignature));
        // Signed by another key than the one named in the record.
        let other = SigningKey::from_seed([8; 32]);
        assert_eq!(
            r.verify(&r.sign(&other)),
            Err(CryptoError::InvalidSignature)
        );
        // A record naming a key that is not a valid point.
        let mut not_a_point = [0xff; 32];
        not_a_point[31] = 0x7f;
        assert_eq!(
            record(not_a_point).verify(&sig),
            Err(CryptoError::InvalidSignature)
        );
        // The identity point (small order) is refused by strict verification.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            record(identity).verify(&[0; 64]),
            Err(CryptoError::InvalidSignature)
        );
    }
}
