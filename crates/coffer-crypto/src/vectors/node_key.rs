//! `node-key/` vectors: node keys wrapped by their parent's key (PROTOCOL.md §4).

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, fixed_key, required};
use crate::keys::SymmetricKey;
use crate::seal::{Purpose, seal};
use crate::tree::{unwrap_node_key, wrap_node_key};

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
        let parent_key = fixed_key(parent_key);
        let node_id: [u8; 16] = fixed_bytes("node-key/node-id");
        let nonce: [u8; 12] = fixed_bytes("node-key/nonce");
        let node_key = fixed_key("node-key/node-key");
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

    fn failing(
        &self,
        description: &str,
        error: &str,
        change: impl FnOnce(&mut NodeKeyVector),
    ) -> Self {
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
        let parent_key = fixed_key("node-key/parent-key");
        let nonce = fixed_bytes("node-key/nonce");
        let as_attributes = seal(
            &parent_key,
            Purpose::Attributes,
            &ctx,
            nonce,
            &fixed_bytes::<32>("node-key/node-key"),
        );
        let short_key = seal(&parent_key, Purpose::NodeKey, &ctx, nonce, &[0x42; 31]);
        let df = "decryption_failed";
        let moved: [u8; 16] = fixed_bytes("node-key/other-parent-id");
        let failures = vec![
            (
                "invalid-wrong-parent-key",
                base.failing("opened with another parent key", df, |v| {
                    v.parent_key = Hex(fixed_bytes::<32>("node-key/other-key").to_vec())
                }),
            ),
            (
                "invalid-wrong-node-id",
                base.failing(
                    "opened for another node id (grafted onto another node)",
                    df,
                    |v| v.node_id.0[0] ^= 0x01,
                ),
            ),
            (
                "invalid-wrong-parent-id",
                base.failing(
                    "opened under another parent id (moved without re-wrapping)",
                    df,
                    |v| v.parent_id = moved.into(),
                ),
            ),
            (
                "invalid-swapped-ids",
                base.failing("node id and parent id swapped", df, |v| {
                    std::mem::swap(&mut v.node_id, &mut v.parent_id)
                }),
            ),
            (
                "invalid-flipped-ciphertext",
                base.failing("a ciphertext byte flipped", df, |v| v.wrapped.0[50] ^= 0x01),
            ),
            (
                "invalid-truncated",
                base.failing("last byte dropped", df, |v| {
                    v.wrapped.0.pop();
                }),
            ),
            (
                "invalid-attributes-seal",
                base.failing(
                    "the same key sealed with purpose attributes and the same ctx",
                    df,
                    |v| v.wrapped = as_attributes.into(),
                ),
            ),
            (
                "invalid-short-key",
                base.failing(
                    "a validly sealed 31-byte plaintext is not a node key",
                    "invalid_format",
                    |v| v.wrapped = short_key.into(),
                ),
            ),
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
        let node_key =
            SymmetricKey::from_bytes(required(&self.node_key, "node_key")?.array("node_key")?);
        let nonce = required(&self.nonce, "nonce")?.array("nonce")?;
        let wrapped = wrap_node_key(&parent_key, &node_id, &parent_id, &node_key, nonce);
        expect_eq("wrap", Hex(wrapped), self.wrapped.clone())?;
        let unwrapped = unwrapped.map_err(|e| format!("unwrap failed: {e}"))?;
        expect_eq("unwrap", unwrapped.as_bytes(), node_key.as_bytes())
    }
}
