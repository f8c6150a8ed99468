//! `node-signature/` vectors: node record signatures (PROTOCOL.md §7).

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, fixed_key, required};
use crate::content::{ContentEncryptor, chunk_hash, chunk_list_hash, ciphertext_size};
use crate::sign::{KIND_FILE, KIND_FOLDER, NodeRecord, SigningKey};
use crate::tree::{Attributes, name_tag, seal_attributes, wrap_node_key};

/// The fields of a [`NodeRecord`], owned.
#[derive(Serialize, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RecordFields {
    node_id: Hex,
    parent_id: Hex,
    kind: u8,
    author_key: Hex,
    name_tag: Hex,
    wrapped_key: Hex,
    encrypted_attributes: Hex,
    version_id: Hex,
    content_header: Hex,
    ciphertext_size: u64,
    chunk_count: u64,
    chunk_list_hash: Hex,
}

impl RecordFields {
    fn record(&self) -> Result<NodeRecord<'_>, String> {
        Ok(NodeRecord {
            node_id: self.node_id.array("node_id")?,
            parent_id: self.parent_id.array("parent_id")?,
            kind: self.kind,
            author_key: self.author_key.array("author_key")?,
            name_tag: &self.name_tag.0,
            wrapped_key: &self.wrapped_key.0,
            encrypted_attributes: &self.encrypted_attributes.0,
            version_id: self.version_id.array("version_id")?,
            content_header: &self.content_header.0,
            ciphertext_size: self.ciphertext_size,
            chunk_count: self.chunk_count,
            chunk_list_hash: self.chunk_list_hash.array("chunk_list_hash")?,
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NodeSignatureVector {
    description: String,
    valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_seed: Option<Hex>,
    record: RecordFields,
    /// The signed message (valid vectors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<Hex>,
    signature: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn author() -> SigningKey {
    SigningKey::from_seed(fixed_bytes("node-signature/author-seed"))
}

/// A file record built with the real constructions, so that its fields are realistic.
fn file_record() -> RecordFields {
    let label = |l: &str| format!("node-signature/file/{l}");
    let parent_key = fixed_key(&label("parent-key"));
    let node_key = fixed_key(&label("node-key"));
    let node_id: [u8; 16] = fixed_bytes(&label("node-id"));
    let parent_id: [u8; 16] = fixed_bytes(&label("parent-id"));
    let version_id: [u8; 16] = fixed_bytes(&label("version-id"));
    let content = b"hello, coffer\n";
    let attrs = Attributes {
        name: "hello.txt".into(),
        size: Some(content.len() as u64),
        ..Attributes::default()
    };
    let (header, enc) = ContentEncryptor::new(
        &node_key,
        &node_id,
        &version_id,
        fixed_bytes(&label("salt")),
        65536,
    )
    .expect("the chunk size is in bounds");
    let mut chunk = content.to_vec();
    enc.encrypt_chunk(0, true, &mut chunk)
        .expect("one short final chunk");
    RecordFields {
        node_id: node_id.into(),
        parent_id: parent_id.into(),
        kind: KIND_FILE,
        author_key: author().public().into(),
        name_tag: name_tag(&parent_key, &attrs.name).into(),
        wrapped_key: wrap_node_key(
            &parent_key,
            &node_id,
            &parent_id,
            &node_key,
            fixed_bytes(&label("wrap-nonce")),
        )
        .into(),
        encrypted_attributes: seal_attributes(
            &node_key,
            &node_id,
            &attrs,
            fixed_bytes(&label("attributes-nonce")),
        )
        .into(),
        version_id: version_id.into(),
        content_header: header.into(),
        ciphertext_size: ciphertext_size(content.len() as u64, 65536),
        chunk_count: 1,
        chunk_list_hash: chunk_list_hash(&[chunk_hash(&chunk)]).into(),
    }
}

/// A folder record; the root has zero parent id, an empty name tag and the master key above it.
fn folder_record(root: bool) -> RecordFields {
    let label = |l: &str| {
        format!(
            "node-signature/{}/{l}",
            if root { "root" } else { "folder" }
        )
    };
    let parent_key = fixed_key(&label("parent-key"));
    let node_key = fixed_key(&label("node-key"));
    let node_id: [u8; 16] = fixed_bytes(&label("node-id"));
    let parent_id: [u8; 16] = if root {
        [0; 16]
    } else {
        fixed_bytes(&label("parent-id"))
    };
    let name = if root { "" } else { "Photos" };
    let attrs = Attributes {
        name: name.into(),
        ..Attributes::default()
    };
    RecordFields {
        node_id: node_id.into(),
        parent_id: parent_id.into(),
        kind: KIND_FOLDER,
        author_key: author().public().into(),
        name_tag: if root {
            Hex::default()
        } else {
            name_tag(&parent_key, name).into()
        },
        wrapped_key: wrap_node_key(
            &parent_key,
            &node_id,
            &parent_id,
            &node_key,
            fixed_bytes(&label("wrap-nonce")),
        )
        .into(),
        encrypted_attributes: seal_attributes(
            &node_key,
            &node_id,
            &attrs,
            fixed_bytes(&label("attributes-nonce")),
        )
        .into(),
        version_id: Hex([0; 16].to_vec()),
        content_header: Hex::default(),
        ciphertext_size: 0,
        chunk_count: 0,
        chunk_list_hash: Hex([0; 32].to_vec()),
    }
}

fn signed(description: &str, record: RecordFields) -> NodeSignatureVector {
    let r = record.record().expect("generated records are well-formed");
    let (message, signature) = (r.message(), r.sign(&author()));
    NodeSignatureVector {
        description: description.into(),
        valid: true,
        signing_seed: Some(fixed_bytes::<32>("node-signature/author-seed").into()),
        message: Some(message.into()),
        signature: signature.into(),
        record,
        error: None,
    }
}

impl NodeSignatureVector {
    /// The record changed by `change`, with the original signature.
    fn tampered(
        &self,
        description: &str,
        change: impl FnOnce(&mut RecordFields, &mut Hex),
    ) -> Self {
        let (mut record, mut signature) = (self.record.clone(), self.signature.clone());
        change(&mut record, &mut signature);
        NodeSignatureVector {
            description: description.into(),
            valid: false,
            signing_seed: None,
            record,
            message: None,
            signature,
            error: Some("invalid_signature".into()),
        }
    }
}

impl Construction for NodeSignatureVector {
    const FOLDER: &'static str = "node-signature";

    fn generate() -> Vec<(&'static str, Self)> {
        let file = signed("a file record", file_record());
        let other = SigningKey::from_seed(fixed_bytes("node-signature/other-seed"));
        let by_other = file.record.record().expect("well-formed").sign(&other);
        let flip = |h: &mut Hex, i: usize| h.0[i] ^= 0x01;
        let failures = vec![
            (
                "invalid-node-id",
                file.tampered("node_id changed", |r, _| flip(&mut r.node_id, 0)),
            ),
            (
                "invalid-parent-id",
                file.tampered("parent_id changed (re-parented)", |r, _| {
                    flip(&mut r.parent_id, 0)
                }),
            ),
            (
                "invalid-kind",
                file.tampered("kind changed to folder", |r, _| r.kind = KIND_FOLDER),
            ),
            (
                "invalid-author-key",
                file.tampered("author_key of another identity", |r, _| {
                    r.author_key = other.public().into()
                }),
            ),
            (
                "invalid-name-tag",
                file.tampered("name_tag changed", |r, _| flip(&mut r.name_tag, 0)),
            ),
            (
                "invalid-wrapped-key",
                file.tampered("wrapped_key changed", |r, _| flip(&mut r.wrapped_key, 20)),
            ),
            (
                "invalid-encrypted-attributes",
                file.tampered("encrypted_attributes changed", |r, _| {
                    flip(&mut r.encrypted_attributes, 50)
                }),
            ),
            (
                "invalid-version-id",
                file.tampered("version_id changed (rolled back)", |r, _| {
                    flip(&mut r.version_id, 0)
                }),
            ),
            (
                "invalid-content-header",
                file.tampered("content_header changed", |r, _| {
                    flip(&mut r.content_header, 50)
                }),
            ),
            (
                "invalid-ciphertext-size",
                file.tampered("ciphertext_size changed", |r, _| r.ciphertext_size += 1),
            ),
            (
                "invalid-chunk-count",
                file.tampered("chunk_count changed", |r, _| r.chunk_count += 1),
            ),
            (
                "invalid-chunk-list-hash",
                file.tampered("chunk_list_hash changed", |r, _| {
                    flip(&mut r.chunk_list_hash, 0)
                }),
            ),
            (
                "invalid-name-tag-truncated",
                file.tampered(
                    "last name_tag byte dropped (length prefix changes)",
                    |r, _| {
                        r.name_tag.0.pop();
                    },
                ),
            ),
            (
                "invalid-signature-r-flipped",
                file.tampered("a byte of R flipped", |_, s| flip(s, 0)),
            ),
            (
                "invalid-signature-s-flipped",
                file.tampered("a byte of S flipped", |_, s| flip(s, 40)),
            ),
            (
                "invalid-signature-truncated",
                file.tampered("63-byte signature", |_, s| {
                    s.0.pop();
                }),
            ),
            (
                "invalid-signed-by-other-key",
                file.tampered("signed by a key other than author_key", |_, s| {
                    *s = by_other.into()
                }),
            ),
        ];
        let mut all = vec![
            ("valid-file", file),
            (
                "valid-folder",
                signed("a folder record", folder_record(false)),
            ),
            (
                "valid-root",
                signed(
                    "the root folder: zero parent id, empty name tag",
                    folder_record(true),
                ),
            ),
        ];
        all.extend(failures);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let record = self.record.record()?;
        let verified = record.verify(&self.signature.0);
        // Batch verification (listings) must agree with one-by-one on every vector.
        let batched = crate::verify_records(&[(record.clone(), &self.signature.0[..])]);
        if batched.is_ok() != verified.is_ok() {
            return Err(format!(
                "batch verification says {batched:?}, single says {:?}",
                verified.is_ok()
            ));
        }
        if !self.valid {
            return expect_error(verified, self.error.as_deref());
        }
        verified.map_err(|e| format!("verify failed: {e}"))?;
        expect_eq(
            "message",
            Hex(record.message()),
            required(&self.message, "message")?.clone(),
        )?;
        let key = SigningKey::from_seed(
            required(&self.signing_seed, "signing_seed")?.array("signing_seed")?,
        );
        expect_eq("author_key", key.public(), record.author_key)?;
        expect_eq(
            "signature",
            Hex(record.sign(&key).to_vec()),
            self.signature.clone(),
        )
    }
}
