//! `node-signature/` (PROTOCOL.md §7) and `key-container/` (PROTOCOL.md §8) vectors.

use serde::{Deserialize, Serialize};

use super::small::vector_meta;
use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, required};
use crate::account::{Identity, KeyContainerParts, create_key_container, open_key_container};
use crate::content::{ContentEncryptor, chunk_hash, chunk_list_hash, ciphertext_size};
use crate::keys::SymmetricKey;
use crate::seal::{Purpose, seal};
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
    let parent_key = SymmetricKey::from_bytes(fixed_bytes(&label("parent-key")));
    let node_key = SymmetricKey::from_bytes(fixed_bytes(&label("node-key")));
    let node_id: [u8; 16] = fixed_bytes(&label("node-id"));
    let parent_id: [u8; 16] = fixed_bytes(&label("parent-id"));
    let version_id: [u8; 16] = fixed_bytes(&label("version-id"));
    let content = b"hello, coffer\n";
    let attrs = Attributes {
        name: "hello.txt".into(),
        size: Some(content.len() as u64),
        ..Attributes::default()
    };
    let (header, enc) = ContentEncryptor::new(&node_key, &node_id, &version_id, fixed_bytes(&label("salt")), 65536)
        .expect("the chunk size is in bounds");
    let mut chunk = content.to_vec();
    enc.encrypt_chunk(0, true, &mut chunk).expect("one short final chunk");
    RecordFields {
        node_id: node_id.into(),
        parent_id: parent_id.into(),
        kind: KIND_FILE,
        author_key: author().public().into(),
        name_tag: name_tag(&parent_key, &attrs.name).into(),
        wrapped_key: wrap_node_key(&parent_key, &node_id, &parent_id, &node_key, fixed_bytes(&label("wrap-nonce"))).into(),
        encrypted_attributes: seal_attributes(&node_key, &node_id, &attrs, fixed_bytes(&label("attributes-nonce"))).into(),
        version_id: version_id.into(),
        content_header: header.into(),
        ciphertext_size: ciphertext_size(content.len() as u64, 65536),
        chunk_count: 1,
        chunk_list_hash: chunk_list_hash(&[chunk_hash(&chunk)]).into(),
    }
}

/// A folder record; the root has zero parent id, an empty name tag and the master key above it.
fn folder_record(root: bool) -> RecordFields {
    let label = |l: &str| format!("node-signature/{}/{l}", if root { "root" } else { "folder" });
    let parent_key = SymmetricKey::from_bytes(fixed_bytes(&label("parent-key")));
    let node_key = SymmetricKey::from_bytes(fixed_bytes(&label("node-key")));
    let node_id: [u8; 16] = fixed_bytes(&label("node-id"));
    let parent_id: [u8; 16] = if root { [0; 16] } else { fixed_bytes(&label("parent-id")) };
    let name = if root { "" } else { "Photos" };
    let attrs = Attributes { name: name.into(), ..Attributes::default() };
    RecordFields {
        node_id: node_id.into(),
        parent_id: parent_id.into(),
        kind: KIND_FOLDER,
        author_key: author().public().into(),
        name_tag: if root { Hex::default() } else { name_tag(&parent_key, name).into() },
        wrapped_key: wrap_node_key(&parent_key, &node_id, &parent_id, &node_key, fixed_bytes(&label("wrap-nonce"))).into(),
        encrypted_attributes: seal_attributes(&node_key, &node_id, &attrs, fixed_bytes(&label("attributes-nonce"))).into(),
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
    fn tampered(&self, description: &str, change: impl FnOnce(&mut RecordFields, &mut Hex)) -> Self {
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
            ("invalid-node-id", file.tampered("node_id changed", |r, _| flip(&mut r.node_id, 0))),
            ("invalid-parent-id", file.tampered("parent_id changed (re-parented)", |r, _| flip(&mut r.parent_id, 0))),
            ("invalid-kind", file.tampered("kind changed to folder", |r, _| r.kind = KIND_FOLDER)),
            ("invalid-author-key", file.tampered("author_key of another identity", |r, _| r.author_key = other.public().into())),
            ("invalid-name-tag", file.tampered("name_tag changed", |r, _| flip(&mut r.name_tag, 0))),
            ("invalid-wrapped-key", file.tampered("wrapped_key changed", |r, _| flip(&mut r.wrapped_key, 20))),
            ("invalid-encrypted-attributes", file.tampered("encrypted_attributes changed", |r, _| flip(&mut r.encrypted_attributes, 50))),
            ("invalid-version-id", file.tampered("version_id changed (rolled back)", |r, _| flip(&mut r.version_id, 0))),
            ("invalid-content-header", file.tampered("content_header changed", |r, _| flip(&mut r.content_header, 50))),
            ("invalid-ciphertext-size", file.tampered("ciphertext_size changed", |r, _| r.ciphertext_size += 1)),
            ("invalid-chunk-count", file.tampered("chunk_count changed", |r, _| r.chunk_count += 1)),
            ("invalid-chunk-list-hash", file.tampered("chunk_list_hash changed", |r, _| flip(&mut r.chunk_list_hash, 0))),
            ("invalid-name-tag-truncated", file.tampered("last name_tag byte dropped (length prefix changes)", |r, _| { r.name_tag.0.pop(); })),
            ("invalid-signature-r-flipped", file.tampered("a byte of R flipped", |_, s| flip(s, 0))),
            ("invalid-signature-s-flipped", file.tampered("a byte of S flipped", |_, s| flip(s, 40))),
            ("invalid-signature-truncated", file.tampered("63-byte signature", |_, s| { s.0.pop(); })),
            ("invalid-signed-by-other-key", file.tampered("signed by a key other than author_key", |_, s| *s = by_other.into())),
        ];
        let mut all = vec![
            ("valid-file", file),
            ("valid-folder", signed("a folder record", folder_record(false))),
            ("valid-root", signed("the root folder: zero parent id, empty name tag", folder_record(true))),
        ];
        all.extend(failures);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let record = self.record.record()?;
        let verified = record.verify(&self.signature.0);
        if !self.valid {
            return expect_error(verified, self.error.as_deref());
        }
        verified.map_err(|e| format!("verify failed: {e}"))?;
        expect_eq("message", Hex(record.message()), required(&self.message, "message")?.clone())?;
        let key = SigningKey::from_seed(required(&self.signing_seed, "signing_seed")?.array("signing_seed")?);
        expect_eq("author_key", key.public(), record.author_key)?;
        expect_eq("signature", Hex(record.sign(&key).to_vec()), self.signature.clone())
    }
}

/// The fields of a [`KeyContainerParts`].
#[derive(Serialize, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct ContainerFields {
    version: u32,
    generation: u64,
    signing_public: Hex,
    agreement_public: Hex,
    wrapped_master_key: Hex,
    wrapped_identity: Hex,
    signature: Hex,
}

impl ContainerFields {
    fn from_parts(p: &KeyContainerParts) -> Self {
        ContainerFields {
            version: p.version,
            generation: p.generation,
            signing_public: p.signing_public.into(),
            agreement_public: p.agreement_public.into(),
            wrapped_master_key: p.wrapped_master_key.clone().into(),
            wrapped_identity: p.wrapped_identity.clone().into(),
            signature: p.signature.into(),
        }
    }

    fn parts(&self) -> Result<KeyContainerParts, String> {
        Ok(KeyContainerParts {
            version: self.version,
            generation: self.generation,
            signing_public: self.signing_public.array("signing_public")?,
            agreement_public: self.agreement_public.array("agreement_public")?,
            wrapped_master_key: self.wrapped_master_key.0.clone(),
            wrapped_identity: self.wrapped_identity.0.clone(),
            signature: self.signature.array("signature")?,
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct KeyContainerVector {
    description: String,
    valid: bool,
    kek: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    master_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_seed: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agreement_secret: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce_master: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce_identity: Option<Hex>,
    container: ContainerFields,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed_message: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Labelled inputs of one account.
struct Account {
    kek: [u8; 32],
    master: [u8; 32],
    signing_seed: [u8; 32],
    agreement_secret: [u8; 32],
}

impl Account {
    fn new(name: &str) -> Account {
        let l = |what: &str| fixed_bytes(&format!("key-container/{name}/{what}"));
        Account { kek: l("kek"), master: l("master-key"), signing_seed: l("signing-seed"), agreement_secret: l("agreement-secret") }
    }

    fn identity(&self) -> Identity {
        Identity::from_seeds(self.signing_seed, self.agreement_secret)
    }

    fn valid(&self, description: &str, generation: u64, nonces: &str) -> KeyContainerVector {
        let nonce_master: [u8; 12] = fixed_bytes(&format!("key-container/{nonces}/nonce-master"));
        let nonce_identity: [u8; 12] = fixed_bytes(&format!("key-container/{nonces}/nonce-identity"));
        let parts = create_key_container(
            &SymmetricKey::from_bytes(self.kek),
            &SymmetricKey::from_bytes(self.master),
            &self.identity(),
            generation,
            nonce_master,
            nonce_identity,
        );
        KeyContainerVector {
            description: description.into(),
            valid: true,
            kek: self.kek.into(),
            master_key: Some(self.master.into()),
            signing_seed: Some(self.signing_seed.into()),
            agreement_secret: Some(self.agreement_secret.into()),
            nonce_master: Some(nonce_master.into()),
            nonce_identity: Some(nonce_identity.into()),
            signed_message: parts.signed_message().map(Hex),
            container: ContainerFields::from_parts(&parts),
            error: None,
        }
    }
}

impl KeyContainerVector {
    fn failing(&self, description: &str, error: &str, change: impl FnOnce(&mut KeyContainerParts)) -> Self {
        let mut parts = self.container.parts().expect("generated containers are well-formed");
        change(&mut parts);
        KeyContainerVector {
            description: description.into(),
            valid: false,
            kek: self.kek.clone(),
            master_key: None,
            signing_seed: None,
            agreement_secret: None,
            nonce_master: None,
            nonce_identity: None,
            container: ContainerFields::from_parts(&parts),
            signed_message: None,
            error: Some(error.into()),
        }
    }
}

impl Construction for KeyContainerVector {
    const FOLDER: &'static str = "key-container";

    fn generate() -> Vec<(&'static str, Self)> {
        let ada = Account::new("ada");
        let bob = Account::new("bob");
        let first = ada.valid("a new account's container, generation 1", 1, "ada-1");
        let bobs = bob.valid("", 1, "bob-1").container.parts().expect("well-formed");
        let master = SymmetricKey::from_bytes(ada.master);
        // Seeds of ada sealed under bob's public keys, signed by bob: opens, but the seeds do
        // not derive the public keys it claims.
        let mismatched = {
            let mut p = bobs.clone();
            p.wrapped_master_key = seal(&SymmetricKey::from_bytes(ada.kek), Purpose::MasterKey, &[], fixed_bytes("key-container/mismatch/nonce"), &ada.master);
            let publics = [p.signing_public, p.agreement_public].concat();
            let seeds = [ada.signing_seed, ada.agreement_secret].concat();
            p.wrapped_identity = seal(&master, Purpose::IdentityKeys, &publics, fixed_bytes("key-container/mismatch/nonce"), &seeds);
            p.signature = bob.identity().signing_key().sign_message(&p.signed_message().expect("short fields"));
            p
        };
        let kek = SymmetricKey::from_bytes(ada.kek);
        let short_master = seal(&kek, Purpose::MasterKey, &[], fixed_bytes("key-container/short/nonce"), &[0x42; 31]);
        let resealed_master = seal(&kek, Purpose::MasterKey, &[], fixed_bytes("key-container/reseal/nonce"), &ada.master);
        let df = "decryption_failed";
        let bad_sig = "invalid_signature";
        let mut wrong_kek = first.failing("opened with another KEK (wrong password)", df, |_| ());
        wrong_kek.kek = Hex(fixed_bytes::<32>("key-container/other-kek").to_vec());
        let failures = vec![
            ("invalid-wrong-kek", wrong_kek),
            ("invalid-swapped-signing-public", first.failing("signing_public of another identity", df, |p| p.signing_public = bobs.signing_public)),
            ("invalid-swapped-agreement-public", first.failing("agreement_public of another identity", df, |p| p.agreement_public = bobs.agreement_public)),
            ("invalid-swapped-identity", first.failing("both public keys and the signature of another account", df, |p| {
                p.signing_public = bobs.signing_public;
                p.agreement_public = bobs.agreement_public;
                p.signature = bobs.signature;
            })),
            ("invalid-seeds-not-matching-publics", first.failing("identity seeds that do not derive the public keys", "integrity", |p| *p = mismatched.clone())),
            ("invalid-bad-signature", first.failing("a signature byte flipped", bad_sig, |p| p.signature[0] ^= 0x01)),
            ("invalid-generation-changed", first.failing("generation raised without re-signing", bad_sig, |p| p.generation += 1)),
            ("invalid-master-key-resealed", first.failing("master key re-sealed (another nonce) without re-signing", bad_sig, |p| p.wrapped_master_key = resealed_master)),
            ("invalid-bad-version", first.failing("version 2", "invalid_format", |p| p.version = 2)),
            ("invalid-truncated-identity", first.failing("last byte of wrapped_identity dropped", df, |p| { p.wrapped_identity.pop(); })),
            ("invalid-short-master-key", first.failing("a validly sealed 31-byte master key", "invalid_format", |p| p.wrapped_master_key = short_master)),
        ];
        let mut all = vec![
            ("valid-first-generation", first),
            ("valid-later-generation", ada.valid("the same keys re-sealed with fresh nonces, generation 7", 7, "ada-7")),
        ];
        all.extend(failures);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let kek = SymmetricKey::from_bytes(self.kek.array("kek")?);
        let parts = self.container.parts()?;
        let opened = open_key_container(&kek, &parts);
        if !self.valid {
            return expect_error(opened, self.error.as_deref());
        }
        let (master, identity) = opened.map_err(|e| format!("open failed: {e}"))?;
        let expected_master = SymmetricKey::from_bytes(required(&self.master_key, "master_key")?.array("master_key")?);
        expect_eq("master key", master.as_bytes(), expected_master.as_bytes())?;
        let seeds = Identity::from_seeds(
            required(&self.signing_seed, "signing_seed")?.array("signing_seed")?,
            required(&self.agreement_secret, "agreement_secret")?.array("agreement_secret")?,
        );
        expect_eq("signing_public", identity.signing_public(), seeds.signing_public())?;
        expect_eq("agreement_public", identity.agreement_public(), seeds.agreement_public())?;
        expect_eq("signed_message", parts.signed_message().map(Hex), self.signed_message.clone())?;
        let recreated = create_key_container(
            &kek,
            &expected_master,
            &seeds,
            parts.generation,
            required(&self.nonce_master, "nonce_master")?.array("nonce_master")?,
            required(&self.nonce_identity, "nonce_identity")?.array("nonce_identity")?,
        );
        expect_eq("container", recreated, parts)
    }
}
