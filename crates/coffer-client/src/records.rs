//! Building signed node records: a new root, a new folder, a move or rename (PROTOCOL.md §4,
//! §6, §7). Pure apart from drawing fresh keys and nonces from the OS CSPRNG.

use crate::verify::{ParentRef, VerifiedNode, record_of};
use coffer_api::{B64, Id, NewNode, Node, NodeKind, UpdateNode};
use coffer_crypto::{Attributes, Identity, NodeRecord, SymmetricKey, random_bytes};

/// A fresh random key.
pub(crate) fn fresh_key() -> SymmetricKey {
    SymmetricKey::from_bytes(random_bytes())
}

/// A fresh random id (node, version).
pub(crate) fn fresh_id() -> Id {
    Id(random_bytes())
}

/// Now, in Unix milliseconds (folder mtimes).
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The record fields a folder has (no content).
fn folder_record<'a>(
    node_id: Id,
    parent_id: Id,
    author_key: [u8; 32],
    name_tag: &'a [u8],
    wrapped_key: &'a [u8],
    encrypted_attributes: &'a [u8],
) -> NodeRecord<'a> {
    NodeRecord {
        node_id: node_id.0,
        parent_id: parent_id.0,
        kind: NodeKind::Folder.code(),
        author_key,
        name_tag,
        wrapped_key,
        encrypted_attributes,
        version_id: [0; 16],
        content_header: &[],
        ciphertext_size: 0,
        chunk_count: 0,
        chunk_list_hash: [0; 32],
    }
}

/// The account's root folder at signup: key wrapped by the master key, parent zeros, name `""`.
pub(crate) fn new_root(master_key: &SymmetricKey, identity: &Identity) -> NewNode {
    let id = fresh_id();
    let key = fresh_key();
    let wrapped =
        coffer_crypto::wrap_node_key(master_key, &id.0, &Id::ZERO.0, &key, random_bytes());
    let attrs = Attributes::default();
    let sealed = coffer_crypto::seal_attributes(&key, &id.0, &attrs, random_bytes());
    let author = identity.signing_public();
    let record = folder_record(id, Id::ZERO, author, &[], &wrapped, &sealed);
    let signature = record.sign(identity.signing_key());
    NewNode {
        id,
        parent_id: None,
        author_key: B64(author.to_vec()),
        name_tag: B64(Vec::new()),
        wrapped_key: B64(wrapped),
        encrypted_attributes: B64(sealed),
        signature: B64(signature.to_vec()),
    }
}

/// A new folder named `name` in `parent` (the name must be valid).
pub(crate) fn new_folder(
    parent: &ParentRef,
    name: &str,
    mtime: i64,
    identity: &Identity,
) -> NewNode {
    let id = fresh_id();
    let key = fresh_key();
    let wrapped =
        coffer_crypto::wrap_node_key(&parent.key, &id.0, &parent.id.0, &key, random_bytes());
    let attrs = Attributes {
        name: name.to_owned(),
        mtime: Some(mtime),
        ..Attributes::default()
    };
    let sealed = coffer_crypto::seal_attributes(&key, &id.0, &attrs, random_bytes());
    let tag = coffer_crypto::name_tag(&parent.key, name);
    let author = identity.signing_public();
    let record = folder_record(id, parent.id, author, &tag, &wrapped, &sealed);
    let signature = record.sign(identity.signing_key());
    NewNode {
        id,
        parent_id: Some(parent.id),
        author_key: B64(author.to_vec()),
        name_tag: B64(tag.to_vec()),
        wrapped_key: B64(wrapped),
        encrypted_attributes: B64(sealed),
        signature: B64(signature.to_vec()),
    }
}

/// The record of `node` moved into `new_parent` under `new_name`: key re-wrapped for the new
/// parent, new name tag, attributes re-sealed only if the name changes (unknown fields kept),
/// content untouched, signed anew.
pub(crate) fn moved(
    node: &VerifiedNode,
    new_parent: &ParentRef,
    new_name: &str,
    identity: &Identity,
) -> UpdateNode {
    let id = node.node.id;
    let wrapped = coffer_crypto::wrap_node_key(
        &new_parent.key,
        &id.0,
        &new_parent.id.0,
        &node.key,
        random_bytes(),
    );
    let tag = coffer_crypto::name_tag(&new_parent.key, new_name);
    let sealed = if new_name == node.attrs.name {
        node.node.encrypted_attributes.to_vec()
    } else {
        let mut attrs = node.attrs.clone();
        attrs.name = new_name.to_owned();
        coffer_crypto::seal_attributes(&node.key, &id.0, &attrs, random_bytes())
    };
    let author = identity.signing_public();
    let mut draft: Node = node.node.clone();
    draft.parent_id = Some(new_parent.id);
    draft.name_tag = B64(tag.to_vec());
    draft.wrapped_key = B64(wrapped);
    draft.encrypted_attributes = B64(sealed);
    draft.author_key = B64(author.to_vec());
    let record = record_of(&draft, new_parent.id).expect(
        "invariant: a verified node's kind and content agree and its fields have their lengths",
    );
    let signature = record.sign(identity.signing_key());
    UpdateNode {
        parent_id: new_parent.id,
        name_tag: draft.name_tag,
        wrapped_key: draft.wrapped_key,
        encrypted_attributes: draft.encrypted_attributes,
        author_key: draft.author_key,
        signature: B64(signature.to_vec()),
        base_revision: node.node.revision,
    }
}

/// What the server would store for a [`NewNode`] (for verifying our own records in tests and
/// for building a [`VerifiedNode`] without another round trip).
#[cfg(test)]
pub(crate) fn as_server_node(n: &NewNode) -> Node {
    Node {
        id: n.id,
        parent_id: n.parent_id,
        kind: NodeKind::Folder,
        author_key: n.author_key.clone(),
        name_tag: n.name_tag.clone(),
        wrapped_key: n.wrapped_key.clone(),
        encrypted_attributes: n.encrypted_attributes.clone(),
        signature: n.signature.clone(),
        content: None,
        revision: 1,
        created_at: 0,
        updated_at: 0,
    }
}
