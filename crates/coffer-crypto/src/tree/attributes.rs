//! Node attributes: one JSON object sealed with purpose `attributes` and ctx = node id
//! (PROTOCOL.md §6).
//!
//! Readers accept the members in any order and ignore (but keep) unknown ones. Writers emit a
//! canonical form — members sorted by the bytes of their key, no white space, serde_json's
//! escaping — so that sealing is deterministic for a given nonce and test vectors can be
//! reproduced byte for byte in any language. The canonical form is not needed to interoperate,
//! only to reproduce the vectors.

use serde_json::{Map, Value};

use crate::error::CryptoError;
use crate::keys::SymmetricKey;
use crate::seal::{Purpose, open, seal};
use crate::tree::validate_name_allowing_root;

/// The members this version knows; any other member lands in [`Attributes::extra`].
const KNOWN_MEMBERS: [&str; 5] = ["name", "size", "mtime", "media_type", "blake3"];

/// The decrypted attributes of a file or folder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub struct Attributes {
    /// File or folder name (PROTOCOL.md §6 rules); `""` for the root.
    pub name: String,
    /// Plaintext size in bytes (files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Modification time, milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<i64>,
    /// Media type such as `text/plain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Lowercase hex BLAKE3 of the whole plaintext (files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
    /// Members unknown to this version, preserved when re-sealing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Attributes {
    /// The canonical JSON text of these attributes (what [`seal_attributes`] encrypts).
    ///
    /// A member of `extra` that has the name of a known member is dropped: the typed field wins,
    /// so the output never holds a key twice.
    pub fn to_canonical_json(&self) -> String {
        let mut members: Vec<(&str, Value)> = self
            .extra
            .iter()
            .filter(|(k, _)| !KNOWN_MEMBERS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        members.push(("name", Value::from(self.name.as_str())));
        if let Some(size) = self.size {
            members.push(("size", Value::from(size)));
        }
        if let Some(mtime) = self.mtime {
            members.push(("mtime", Value::from(mtime)));
        }
        if let Some(media_type) = &self.media_type {
            members.push(("media_type", Value::from(media_type.as_str())));
        }
        if let Some(blake3) = &self.blake3 {
            members.push(("blake3", Value::from(blake3.as_str())));
        }
        members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut out = String::new();
        write_object(&mut out, members.iter().map(|(k, v)| (*k, v)));
        out
    }
}

/// Writes `value` canonically: object members sorted by key bytes, no white space.
fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&str, &Value)> =
                map.iter().map(|(k, v)| (k.as_str(), v)).collect();
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            write_object(out, members.into_iter());
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn write_object<'a>(out: &mut String, members: impl Iterator<Item = (&'a str, &'a Value)>) {
    out.push('{');
    for (i, (key, value)) in members.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::from(key).to_string());
        out.push(':');
        write_canonical(out, value);
    }
    out.push('}');
}

/// Seals `attrs` (canonical JSON) under the node's own key, bound to `node_id`.
///
/// The caller checks the name with [`crate::validate_name`] first (the root's name is `""`).
pub fn seal_attributes(
    node_key: &SymmetricKey,
    node_id: &[u8; 16],
    attrs: &Attributes,
    nonce: [u8; 12],
) -> Vec<u8> {
    seal(
        node_key,
        Purpose::Attributes,
        node_id,
        nonce,
        attrs.to_canonical_json().as_bytes(),
    )
}

/// Opens attributes sealed for `node_id`.
///
/// Fails with `DecryptionFailed` on a wrong key or node id or any tampering, `InvalidFormat`
/// if the plaintext is not a JSON object of the §6 shape, and `InvalidName` if the name breaks
/// a §6 rule. An empty name is accepted here because the root has one; a caller opening a
/// non-root node refuses it (see [`crate::validate_name`]).
pub fn open_attributes(
    node_key: &SymmetricKey,
    node_id: &[u8; 16],
    sealed: &[u8],
) -> Result<Attributes, CryptoError> {
    let plain = open(node_key, Purpose::Attributes, node_id, sealed)?;
    let attrs: Attributes =
        serde_json::from_slice(&plain).map_err(|_| CryptoError::InvalidFormat)?;
    validate_name_allowing_root(&attrs.name)?;
    Ok(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn key() -> SymmetricKey {
        SymmetricKey::from_bytes([1; 32])
    }

    fn file_attrs() -> Attributes {
        let mut extra = Map::new();
        extra.insert(
            "zeta".into(),
            json!({"b": [1, {"y": 2, "x": 1}], "a": null}),
        );
        extra.insert("alpha".into(), json!("kept"));
        Attributes {
            name: "report \"final\".pdf".into(),
            size: Some(1234),
            mtime: Some(-5),
            media_type: Some("application/pdf".into()),
            blake3: Some("ab".repeat(32)),
            extra,
        }
    }

    #[test]
    fn canonical_json_sorts_members_at_every_depth() {
        assert_eq!(
            file_attrs().to_canonical_json(),
            format!(
                "{{\"alpha\":\"kept\",\"blake3\":\"{}\",\"media_type\":\"application/pdf\",\
                 \"mtime\":-5,\"name\":\"report \\\"final\\\".pdf\",\"size\":1234,\
                 \"zeta\":{{\"a\":null,\"b\":[1,{{\"x\":1,\"y\":2}}]}}}}",
                "ab".repeat(32)
            )
        );
        assert_eq!(Attributes::default().to_canonical_json(), "{\"name\":\"\"}");
    }

    #[test]
    fn extra_cannot_shadow_known_members() {
        let mut attrs = Attributes {
            name: "real".into(),
            ..Attributes::default()
        };
        attrs.extra.insert("name".into(), json!("fake"));
        assert_eq!(attrs.to_canonical_json(), "{\"name\":\"real\"}");
    }

    #[test]
    fn round_trip_keeps_unknown_members() {
        let sealed = seal_attributes(&key(), &[2; 16], &file_attrs(), [3; 12]);
        assert_eq!(open_attributes(&key(), &[2; 16], &sealed), Ok(file_attrs()));
    }

    #[test]
    fn readers_accept_any_member_order() {
        let text = br#"{"size":1,"name":"a","x":true}"#;
        let sealed = seal(&key(), Purpose::Attributes, &[2; 16], [0; 12], text);
        let attrs = open_attributes(&key(), &[2; 16], &sealed).unwrap();
        assert_eq!((attrs.name.as_str(), attrs.size), ("a", Some(1)));
        assert_eq!(attrs.extra.get("x"), Some(&json!(true)));
    }

    #[test]
    fn wrong_node_id_key_or_tampering_fails() {
        let sealed = seal_attributes(&key(), &[2; 16], &file_attrs(), [3; 12]);
        let other = SymmetricKey::from_bytes([9; 32]);
        let fail = Err(CryptoError::DecryptionFailed);
        assert_eq!(open_attributes(&key(), &[3; 16], &sealed), fail);
        assert_eq!(open_attributes(&other, &[2; 16], &sealed), fail);
        let mut bad = sealed.clone();
        bad[60] ^= 1;
        assert_eq!(open_attributes(&key(), &[2; 16], &bad), fail);
        assert_eq!(open_attributes(&key(), &[2; 16], &[]), fail);
    }

    #[test]
    fn bad_plaintexts_are_refused() {
        let open_text = |text: &[u8]| {
            let sealed = seal(&key(), Purpose::Attributes, &[2; 16], [0; 12], text);
            open_attributes(&key(), &[2; 16], &sealed)
        };
        assert_eq!(open_text(b"not json"), Err(CryptoError::InvalidFormat));
        assert_eq!(open_text(b"[1]"), Err(CryptoError::InvalidFormat));
        assert_eq!(open_text(b"{}"), Err(CryptoError::InvalidFormat));
        assert_eq!(
            open_text(br#"{"name":"a","size":-1}"#),
            Err(CryptoError::InvalidFormat)
        );
        assert_eq!(
            open_text(br#"{"name":"../x"}"#),
            Err(CryptoError::InvalidName)
        );
        assert_eq!(
            open_text(br#"{"name":".."}"#),
            Err(CryptoError::InvalidName)
        );
        assert!(open_text(br#"{"name":""}"#).is_ok());
    }

    proptest! {
        #[test]
        fn attributes_round_trip(
            name in "[^/\u{0}]{1,40}",
            size in proptest::option::of(any::<u64>()),
            mtime in proptest::option::of(any::<i64>()),
            media_type in proptest::option::of("[a-z]{1,8}/[a-z.+-]{1,12}"),
            extra_key in "[a-z_]{1,10}",
            extra_val in proptest::option::of(".{0,20}"),
        ) {
            prop_assume!(name != "." && name != ".." && name.len() <= 255);
            prop_assume!(!KNOWN_MEMBERS.contains(&extra_key.as_str()));
            let mut extra = Map::new();
            if let Some(v) = extra_val {
                extra.insert(extra_key, Value::from(v));
            }
            let attrs = Attributes { name, size, mtime, media_type, blake3: None, extra };
            let sealed = seal_attributes(&key(), &[4; 16], &attrs, [5; 12]);
            prop_assert_eq!(open_attributes(&key(), &[4; 16], &sealed), Ok(attrs.clone()));
            let reparsed: Attributes = serde_json::from_str(&attrs.to_canonical_json()).unwrap();
            prop_assert_eq!(reparsed, attrs);
        }
    }
}
