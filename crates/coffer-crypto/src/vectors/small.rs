//! Vectors of the small constructions: the seal, node-key wrapping, name tags and name rules,
//! and the password KEK.

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, required};
use crate::keys::{ExportKey, SymmetricKey, password_kek};
use crate::seal::{Purpose, SEAL_OVERHEAD, open, seal};
use crate::tree::{name_tag, unwrap_node_key, validate_name, wrap_node_key};

/// Implements the `valid`/`error` accessors of [`Construction`] for a vector struct.
macro_rules! vector_meta {
    () => {
        fn valid(&self) -> bool {
            self.valid
        }
        fn error(&self) -> Option<&str> {
            self.error.as_deref()
        }
    };
}
pub(super) use vector_meta;

fn key(label: &str) -> SymmetricKey {
    SymmetricKey::from_bytes(fixed_bytes(label))
}

/// `seal/`: PROTOCOL.md §4.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SealVector {
    description: String,
    valid: bool,
    purpose: String,
    key: Hex,
    ctx: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plaintext: Option<Hex>,
    sealed: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl SealVector {
    fn valid(description: &str, purpose: Purpose, ctx: &[u8], plaintext: &[u8]) -> Self {
        let nonce: [u8; 12] = fixed_bytes("seal/nonce");
        let key = key("seal/key");
        SealVector {
            description: description.into(),
            valid: true,
            purpose: purpose.label().into(),
            key: key.as_bytes().to_vec().into(),
            ctx: ctx.into(),
            nonce: Some(nonce.into()),
            plaintext: Some(plaintext.into()),
            sealed: seal(&key, purpose, ctx, nonce, plaintext).into(),
            error: None,
        }
    }

    /// This vector turned into a failure vector by `change`.
    fn failing(&self, description: &str, error: &str, change: impl FnOnce(&mut SealVector)) -> Self {
        let mut v = SealVector {
            description: description.into(),
            valid: false,
            purpose: self.purpose.clone(),
            key: self.key.clone(),
            ctx: self.ctx.clone(),
            nonce: None,
            plaintext: None,
            sealed: self.sealed.clone(),
            error: Some(error.into()),
        };
        change(&mut v);
        v
    }
}

impl Construction for SealVector {
    const FOLDER: &'static str = "seal";

    fn generate() -> Vec<(&'static str, Self)> {
        let node_ctx: [u8; 32] = fixed_bytes("seal/node-ctx");
        let base = SealVector::valid(
            "node-key seal, ctx = node id ‖ parent id",
            Purpose::NodeKey,
            &node_ctx,
            &fixed_bytes::<32>("seal/node-key"),
        );
        let other_key = key("seal/other-key");
        let other_commitment = seal(&other_key, Purpose::NodeKey, &node_ctx, [0; 12], b"")[13..45].to_vec();
        let df = "decryption_failed";
        let flip = |i: usize| move |v: &mut SealVector| {
            let i = if i == usize::MAX { v.sealed.0.len() - 1 } else { i };
            v.sealed.0[i] ^= 0x01;
        };
        let failures = vec![
            ("invalid-wrong-key", base.failing("opened with another key", df, |v| v.key = other_key.as_bytes().to_vec().into())),
            ("invalid-wrong-purpose", base.failing("opened as purpose attributes", df, |v| v.purpose = "attributes".into())),
            ("invalid-wrong-ctx", base.failing("opened with another ctx (last byte changed)", df, |v| v.ctx.0[31] ^= 0x01)),
            ("invalid-empty-ctx", base.failing("opened with an empty ctx", df, |v| v.ctx.0.clear())),
            ("invalid-bad-version", base.failing("version byte 0x02", df, |v| v.sealed.0[0] = 0x02)),
            ("invalid-flipped-nonce", base.failing("first nonce byte flipped", df, flip(1))),
            ("invalid-flipped-commitment", base.failing("first commitment byte flipped", df, flip(13))),
            ("invalid-commitment-of-other-key", base.failing("commitment replaced by the one of another key", df, |v| v.sealed.0[13..45].copy_from_slice(&other_commitment))),
            ("invalid-flipped-ciphertext", base.failing("first ciphertext byte flipped", df, flip(45))),
            ("invalid-flipped-tag", base.failing("last tag byte flipped", df, flip(usize::MAX))),
            ("invalid-truncated", base.failing("last byte dropped", df, |v| { v.sealed.0.pop(); })),
            ("invalid-trailing-byte", base.failing("a zero byte appended", df, |v| v.sealed.0.push(0))),
            ("invalid-too-short", base.failing("shorter than the 61-byte minimum", df, |v| v.sealed.0.truncate(SEAL_OVERHEAD - 1))),
            ("invalid-empty", base.failing("empty input", df, |v| v.sealed.0.clear())),
        ];
        let identity_ctx: [u8; 64] = fixed_bytes("seal/identity-publics");
        let mut all = vec![
            ("valid-master-key", SealVector::valid("master-key seal, empty ctx", Purpose::MasterKey, &[], &fixed_bytes::<32>("seal/master-key"))),
            ("valid-identity-keys", SealVector::valid("identity-keys seal, ctx = the two public keys", Purpose::IdentityKeys, &identity_ctx, &fixed_bytes::<64>("seal/identity-seeds"))),
            ("valid-attributes", SealVector::valid("attributes seal, ctx = node id", Purpose::Attributes, &node_ctx[..16], b"{\"name\":\"a.txt\"}")),
            ("valid-empty-plaintext", SealVector::valid("empty plaintext", Purpose::Attributes, &node_ctx[..16], b"")),
        ];
        all.push(("valid-node-key", base));
        all.extend(failures);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let purpose = Purpose::from_label(&self.purpose).ok_or("unknown purpose")?;
        let key = SymmetricKey::from_bytes(self.key.array("key")?);
        let opened = open(&key, purpose, &self.ctx.0, &self.sealed.0);
        if !self.valid {
            return expect_error(opened, self.error.as_deref());
        }
        let plaintext = required(&self.plaintext, "plaintext")?;
        let nonce = required(&self.nonce, "nonce")?.array("nonce")?;
        expect_eq("seal", Hex(seal(&key, purpose, &self.ctx.0, nonce, &plaintext.0)), self.sealed.clone())?;
        expect_eq("open", opened.map(|p| Hex(p.to_vec())), Ok(plaintext.clone()))
    }
}

/// `node-key/`: PROTOCOL.md §4, purpose `node-key`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NodeKeyVector {
    description: String,
    valid: bool,
    parent_key: Hex,
    node_id: Hex,
    parent_id: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    node_key: Option<Hex>,
    wrapped: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl NodeKeyVector {
    fn valid(description: &str, parent_key: &str, parent_id: [u8; 16]) -> Self {
        let parent_key = key(parent_key);
        let node_id: [u8; 16] = fixed_bytes("node-key/node-id");
        let nonce: [u8; 12] = fixed_bytes("node-key/nonce");
        let node_key = key("node-key/node-key");
        NodeKeyVector {
            description: description.into(),
            valid: true,
            parent_key: parent_key.as_bytes().to_vec().into(),
            node_id: node_id.into(),
            parent_id: parent_id.into(),
            nonce: Some(nonce.into()),
            node_key: Some(node_key.as_bytes().to_vec().into()),
            wrapped: wrap_node_key(&parent_key, &node_id, &parent_id, &node_key, nonce).into(),
            error: None,
        }
    }

    fn failing(&self, description: &str, error: &str, change: impl FnOnce(&mut NodeKeyVector)) -> Self {
        let mut v = NodeKeyVector {
            description: description.into(),
            valid: false,
            parent_key: self.parent_key.clone(),
            node_id: self.node_id.clone(),
            parent_id: self.parent_id.clone(),
            nonce: None,
            node_key: None,
            wrapped: self.wrapped.clone(),
            error: Some(error.into()),
        };
        change(&mut v);
        v
    }
}

impl Construction for NodeKeyVector {
    const FOLDER: &'static str = "node-key";

    fn generate() -> Vec<(&'static str, Self)> {
        let base = NodeKeyVector::valid(
            "a child's key wrapped by its parent's key",
            "node-key/parent-key",
            fixed_bytes("node-key/parent-id"),
        );
        let root = NodeKeyVector::valid(
            "the root's key wrapped by the master key, parent id = 16 zero bytes",
            "node-key/master-key",
            [0; 16],
        );
        let ctx = [base.node_id.0.clone(), base.parent_id.0.clone()].concat();
        let parent_key = key("node-key/parent-key");
        let nonce = fixed_bytes("node-key/nonce");
        let as_attributes = seal(&parent_key, Purpose::Attributes, &ctx, nonce, &fixed_bytes::<32>("node-key/node-key"));
        let short_key = seal(&parent_key, Purpose::NodeKey, &ctx, nonce, &[0x42; 31]);
        let df = "decryption_failed";
        let moved: [u8; 16] = fixed_bytes("node-key/other-parent-id");
        let failures = vec![
            ("invalid-wrong-parent-key", base.failing("opened with another parent key", df, |v| v.parent_key = Hex(fixed_bytes::<32>("node-key/other-key").to_vec()))),
            ("invalid-wrong-node-id", base.failing("opened for another node id (grafted onto another node)", df, |v| v.node_id.0[0] ^= 0x01)),
            ("invalid-wrong-parent-id", base.failing("opened under another parent id (moved without re-wrapping)", df, |v| v.parent_id = moved.into())),
            ("invalid-swapped-ids", base.failing("node id and parent id swapped", df, |v| std::mem::swap(&mut v.node_id, &mut v.parent_id))),
            ("invalid-flipped-ciphertext", base.failing("a ciphertext byte flipped", df, |v| v.wrapped.0[50] ^= 0x01)),
            ("invalid-truncated", base.failing("last byte dropped", df, |v| { v.wrapped.0.pop(); })),
            ("invalid-attributes-seal", base.failing("the same key sealed with purpose attributes and the same ctx", df, |v| v.wrapped = as_attributes.into())),
            ("invalid-short-key", base.failing("a validly sealed 31-byte plaintext is not a node key", "invalid_format", |v| v.wrapped = short_key.into())),
        ];
        let mut all = vec![("valid-child", base), ("valid-root", root)];
        all.extend(failures);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let parent_key = SymmetricKey::from_bytes(self.parent_key.array("parent_key")?);
        let node_id = self.node_id.array("node_id")?;
        let parent_id = self.parent_id.array("parent_id")?;
        let unwrapped = unwrap_node_key(&parent_key, &node_id, &parent_id, &self.wrapped.0);
        if !self.valid {
            return expect_error(unwrapped, self.error.as_deref());
        }
        let node_key = SymmetricKey::from_bytes(required(&self.node_key, "node_key")?.array("node_key")?);
        let nonce = required(&self.nonce, "nonce")?.array("nonce")?;
        let wrapped = wrap_node_key(&parent_key, &node_id, &parent_id, &node_key, nonce);
        expect_eq("wrap", Hex(wrapped), self.wrapped.clone())?;
        let unwrapped = unwrapped.map_err(|e| format!("unwrap failed: {e}"))?;
        expect_eq("unwrap", unwrapped.as_bytes(), node_key.as_bytes())
    }
}

/// `name-tag/`: PROTOCOL.md §6 (name rules) and §6.1 (name tags).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NameTagVector {
    description: String,
    valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent_key: Option<Hex>,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name_tag: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Construction for NameTagVector {
    const FOLDER: &'static str = "name-tag";

    fn generate() -> Vec<(&'static str, Self)> {
        let parent_key = key("name-tag/parent-key");
        let valid = |description: &str, name: String| NameTagVector {
            description: description.into(),
            valid: true,
            parent_key: Some(parent_key.as_bytes().to_vec().into()),
            name_tag: Some(name_tag(&parent_key, &name).into()),
            name,
            error: None,
        };
        let invalid = |description: &str, name: String| NameTagVector {
            description: description.into(),
            valid: false,
            parent_key: None,
            name,
            name_tag: None,
            error: Some("invalid_name".into()),
        };
        vec![
            ("valid-ascii", valid("a plain file name", "report.pdf".into())),
            ("valid-unicode", valid("non-ASCII letters and CJK", "Ünïcödé 文件.txt".into())),
            ("valid-nfc", valid("\"é\" precomposed (NFC): a different name from the NFD one", "caf\u{e9}".into())),
            ("valid-nfd", valid("\"é\" decomposed (NFD): a different name from the NFC one", "cafe\u{301}".into())),
            ("valid-dot-prefix", valid("a hidden-file name", ".hidden".into())),
            ("valid-three-dots", valid("three dots is a name", "...".into())),
            ("valid-255-bytes", valid("the longest name: 255 bytes", "x".repeat(255))),
            ("invalid-empty", invalid("the empty name (only the root's, which has no tag)", String::new())),
            ("invalid-dot", invalid("\".\"", ".".into())),
            ("invalid-dot-dot", invalid("\"..\"", "..".into())),
            ("invalid-slash", invalid("contains \"/\"", "a/b".into())),
            ("invalid-nul", invalid("contains NUL", "a\u{0}b".into())),
            ("invalid-256-bytes", invalid("256 bytes (128 × \"é\")", "\u{e9}".repeat(128))),
        ]
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let checked = validate_name(&self.name);
        if !self.valid {
            return expect_error(checked, self.error.as_deref());
        }
        checked.map_err(|e| format!("name refused: {e}"))?;
        let parent_key = SymmetricKey::from_bytes(required(&self.parent_key, "parent_key")?.array("parent_key")?);
        expect_eq("name_tag", Hex(name_tag(&parent_key, &self.name).to_vec()), required(&self.name_tag, "name_tag")?.clone())
    }
}

/// `password-kek/`: PROTOCOL.md §2. A pure derivation: valid vectors only.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PasswordKekVector {
    description: String,
    valid: bool,
    export_key: Hex,
    password_kek: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Construction for PasswordKekVector {
    const FOLDER: &'static str = "password-kek";

    fn generate() -> Vec<(&'static str, Self)> {
        let vector = |description: &str, export_key: [u8; 64]| PasswordKekVector {
            description: description.into(),
            valid: true,
            password_kek: password_kek(&ExportKey::from_bytes(export_key)).as_bytes().to_vec().into(),
            export_key: export_key.into(),
            error: None,
        };
        vec![
            ("valid-derived", vector("a 64-byte export key", fixed_bytes("password-kek/export-key"))),
            ("valid-zeros", vector("64 zero bytes", [0; 64])),
        ]
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        if !self.valid {
            return Err("password-kek has no failure vectors".into());
        }
        let export_key = ExportKey::from_bytes(self.export_key.array("export_key")?);
        expect_eq("password_kek", Hex(password_kek(&export_key).as_bytes().to_vec()), self.password_kek.clone())
    }
}
