//! `attributes/` vectors: sealed attribute JSON (PROTOCOL.md §6).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, required};
use crate::keys::SymmetricKey;
use crate::seal::{Purpose, seal};
use crate::tree::{Attributes, open_attributes, seal_attributes};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AttributesVector {
    description: String,
    valid: bool,
    node_key: Hex,
    node_id: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<Hex>,
    /// The attributes as a JSON object (valid vectors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attributes: Option<Value>,
    /// The exact sealed plaintext: the canonical JSON of valid vectors, the bad text of some
    /// failure vectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plaintext: Option<String>,
    sealed: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn node_key() -> SymmetricKey {
    SymmetricKey::from_bytes(fixed_bytes("attributes/node-key"))
}

fn node_id() -> [u8; 16] {
    fixed_bytes("attributes/node-id")
}

fn nonce() -> [u8; 12] {
    fixed_bytes("attributes/nonce")
}

/// A valid vector for the attributes written as (any-order) JSON text.
fn valid(description: &str, json: &str) -> AttributesVector {
    let attrs: Attributes = serde_json::from_str(json).expect("generator JSON is valid");
    let canonical = attrs.to_canonical_json();
    AttributesVector {
        description: description.into(),
        valid: true,
        node_key: node_key().as_bytes().to_vec().into(),
        node_id: node_id().into(),
        nonce: Some(nonce().into()),
        // Parsed from the canonical text, so its members are in sorted order whatever map
        // serde_json uses: the file is the same under every feature set.
        attributes: Some(serde_json::from_str(&canonical).expect("canonical JSON parses")),
        sealed: seal_attributes(&node_key(), &node_id(), &attrs, nonce()).into(),
        plaintext: Some(canonical),
        error: None,
    }
}

/// A failure vector whose sealed value is `plaintext` sealed correctly for this node.
fn bad_plaintext(description: &str, plaintext: &str, error: &str) -> AttributesVector {
    AttributesVector {
        description: description.into(),
        valid: false,
        node_key: node_key().as_bytes().to_vec().into(),
        node_id: node_id().into(),
        nonce: None,
        attributes: None,
        plaintext: Some(plaintext.into()),
        sealed: seal(
            &node_key(),
            Purpose::Attributes,
            &node_id(),
            nonce(),
            plaintext.as_bytes(),
        )
        .into(),
        error: Some(error.into()),
    }
}

impl AttributesVector {
    fn failing(&self, description: &str, change: impl FnOnce(&mut AttributesVector)) -> Self {
        let mut v = AttributesVector {
            description: description.into(),
            valid: false,
            node_key: self.node_key.clone(),
            node_id: self.node_id.clone(),
            nonce: None,
            attributes: None,
            plaintext: None,
            sealed: self.sealed.clone(),
            error: Some("decryption_failed".into()),
        };
        change(&mut v);
        v
    }
}

impl Construction for AttributesVector {
    const FOLDER: &'static str = "attributes";

    fn generate() -> Vec<(&'static str, Self)> {
        let blake3 = hex::encode(blake3::hash(b"hello, coffer\n").as_bytes());
        let file = valid(
            "a file: every known member",
            &format!(
                r#"{{"name":"hello.txt","size":14,"mtime":1700000000000,"media_type":"text/plain","blake3":"{blake3}"}}"#
            ),
        );
        let as_node_key = seal(
            &node_key(),
            Purpose::NodeKey,
            &node_id(),
            nonce(),
            b"{\"name\":\"a\"}",
        );
        let failures = vec![
            (
                "invalid-wrong-node-id",
                file.failing("opened for another node id (swapped between nodes)", |v| {
                    v.node_id.0[15] ^= 0x01
                }),
            ),
            (
                "invalid-wrong-key",
                file.failing("opened with another key", |v| {
                    v.node_key = Hex(fixed_bytes::<32>("attributes/other-key").to_vec())
                }),
            ),
            (
                "invalid-flipped-ciphertext",
                file.failing("a ciphertext byte flipped", |v| v.sealed.0[70] ^= 0x01),
            ),
            (
                "invalid-truncated",
                file.failing("last byte dropped", |v| {
                    v.sealed.0.pop();
                }),
            ),
            (
                "invalid-node-key-purpose",
                file.failing("JSON sealed with purpose node-key and the same ctx", |v| {
                    v.sealed = as_node_key.into()
                }),
            ),
        ];
        let mut all = vec![
            (
                "valid-root",
                valid("the root: empty name", r#"{"name":""}"#),
            ),
            (
                "valid-folder",
                valid("a folder: name only", r#"{"name":"Photos 2024"}"#),
            ),
            ("valid-file", file),
            (
                "valid-unknown-members",
                valid(
                    "members unknown to version 1 are kept; canonical order sorts keys at every depth",
                    r#"{"name":"notes.md","size":0,"x_tags":["b","a"],"x_app":{"z":1,"a":{"y":true,"b":null}}}"#,
                ),
            ),
            (
                "valid-escapes",
                valid(
                    "JSON escapes and non-ASCII in the name",
                    "{\"name\":\"tab\\there \\\"quoted\\\" back\\\\slash \u{00e9}t\u{00e9} \u{6587}\u{4ef6} \\u0001\"}",
                ),
            ),
        ];
        all.extend(failures);
        all.extend([
            (
                "invalid-not-json",
                bad_plaintext("the plaintext is not JSON", "name=a.txt", "invalid_format"),
            ),
            (
                "invalid-not-object",
                bad_plaintext(
                    "the plaintext is a JSON array",
                    r#"["a.txt"]"#,
                    "invalid_format",
                ),
            ),
            (
                "invalid-missing-name",
                bad_plaintext("no name member", r#"{"size":1}"#, "invalid_format"),
            ),
            (
                "invalid-negative-size",
                bad_plaintext(
                    "size is not an unsigned integer",
                    r#"{"name":"a","size":-1}"#,
                    "invalid_format",
                ),
            ),
            (
                "invalid-name-with-slash",
                bad_plaintext(
                    "a name with \"/\" (path traversal)",
                    r#"{"name":"../etc/passwd"}"#,
                    "invalid_name",
                ),
            ),
            (
                "invalid-name-dot-dot",
                bad_plaintext("the name \"..\"", r#"{"name":".."}"#, "invalid_name"),
            ),
        ]);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let key = SymmetricKey::from_bytes(self.node_key.array("node_key")?);
        let node_id = self.node_id.array("node_id")?;
        let opened = open_attributes(&key, &node_id, &self.sealed.0);
        if !self.valid {
            return expect_error(opened, self.error.as_deref());
        }
        let attrs: Attributes =
            serde_json::from_value(required(&self.attributes, "attributes")?.clone())
                .map_err(|e| format!("attributes: {e}"))?;
        expect_eq(
            "canonical JSON",
            &attrs.to_canonical_json(),
            required(&self.plaintext, "plaintext")?,
        )?;
        let nonce = required(&self.nonce, "nonce")?.array("nonce")?;
        expect_eq(
            "seal",
            Hex(seal_attributes(&key, &node_id, &attrs, nonce)),
            self.sealed.clone(),
        )?;
        expect_eq("open", opened, Ok(attrs))
    }
}
