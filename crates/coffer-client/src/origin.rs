//! The `origin` attribute of an imported file (PROTOCOL.md §6, §10.5): the node and version
//! ids its content header was made for. A file's content is bound to the node and version it
//! was created as; an import is a new node reading the same content, so its header carries the
//! source's ids, and the signed `origin` says which ones. Readers take the header's expected
//! ids from here ([`content_ids`]); writers of an import set it ([`set_origin`]).
//!
//! `coffer_crypto::Attributes` keeps unknown members in `extra` and re-seals them, so `origin`
//! travels there without any change to the crypto crate.

use coffer_api::{Id, Node};
use coffer_crypto::Attributes;
use serde_json::{Map, Value};

/// The attribute member's name.
pub(crate) const ORIGIN: &str = "origin";

/// The node id and version id the content header of the file `node` must carry: its own, or,
/// when its signed attributes carry `origin`, those. A `null` origin is absent (§6); any other
/// shape is refused, so a reader never guesses.
pub(crate) fn content_ids(node: &Node, attrs: &Attributes) -> Result<(Id, Id), &'static str> {
    let version = node
        .content
        .as_ref()
        .map(|c| c.version_id)
        .ok_or("a file without content")?;
    match attrs.extra.get(ORIGIN) {
        None | Some(Value::Null) => Ok((node.id, version)),
        Some(origin) => parse(origin).ok_or("the origin attribute is malformed"),
    }
}

/// Sets `origin` to the ids the content header carries (`node`, `version`).
pub(crate) fn set_origin(attrs: &mut Attributes, node: Id, version: Id) {
    let mut origin = Map::new();
    origin.insert("node".into(), Value::String(node.to_string()));
    origin.insert("version".into(), Value::String(version.to_string()));
    attrs.extra.insert(ORIGIN.into(), Value::Object(origin));
}

fn parse(origin: &Value) -> Option<(Id, Id)> {
    let object = origin.as_object()?;
    let id = |name: &str| object.get(name)?.as_str()?.parse::<Id>().ok();
    Some((id("node")?, id("version")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_api::{B64, ContentInfo, NodeKind};

    fn file(id: Id, version: Id) -> Node {
        Node {
            id,
            parent_id: Some(Id([9; 16])),
            kind: NodeKind::File,
            author_key: B64(vec![0; 32]),
            name_tag: B64(vec![0; 32]),
            wrapped_key: B64(vec![]),
            encrypted_attributes: B64(vec![]),
            signature: B64(vec![]),
            content: Some(ContentInfo {
                version_id: version,
                header: B64(vec![]),
                chunk_size: 65536,
                ciphertext_size: 16,
                chunk_count: 1,
                chunk_list_hash: B64(vec![0; 32]),
            }),
            revision: 1,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn attrs() -> Attributes {
        Attributes {
            name: "a.txt".into(),
            size: Some(0),
            ..Attributes::default()
        }
    }

    #[test]
    fn without_origin_the_header_must_carry_the_nodes_own_ids() {
        let node = file(Id([1; 16]), Id([2; 16]));
        assert_eq!(content_ids(&node, &attrs()), Ok((Id([1; 16]), Id([2; 16]))));
        let mut null = attrs();
        null.extra.insert(ORIGIN.into(), Value::Null);
        assert_eq!(content_ids(&node, &null), Ok((Id([1; 16]), Id([2; 16]))));
    }

    #[test]
    fn with_origin_the_header_must_carry_the_origins_ids() {
        let node = file(Id([1; 16]), Id([2; 16]));
        let mut a = attrs();
        set_origin(&mut a, Id([3; 16]), Id([4; 16]));
        assert_eq!(content_ids(&node, &a), Ok((Id([3; 16]), Id([4; 16]))));
    }

    #[test]
    fn a_malformed_origin_is_refused() {
        let node = file(Id([1; 16]), Id([2; 16]));
        for bad in [
            serde_json::json!("x"),
            serde_json::json!({"node": "00"}),
            serde_json::json!({"node": Id([3; 16]).to_string(), "version": 7}),
        ] {
            let mut a = attrs();
            a.extra.insert(ORIGIN.into(), bad);
            assert_eq!(
                content_ids(&node, &a),
                Err("the origin attribute is malformed")
            );
        }
    }
}
