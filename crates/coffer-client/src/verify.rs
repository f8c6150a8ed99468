//! Turning a server [`Node`] into a [`VerifiedNode`]: nothing in a record is used before it
//! verifies (PROTOCOL.md §7).
//!
//! Order of the checks, each failure an [`ClientError::Integrity`] naming the path: the parent
//! the server claims is the one we asked about; the author key is one the folder trusts
//! ([`Authors`]: the account's own, a share owner's, a writer's); the
//! signature over the record; the wrapped key opens under the parent's key with this node id and
//! parent id; the attributes open with this node id; the name tag is the name's tag under the
//! parent key; for files, the content header's MAC, node id and version id, its chunk size, and
//! the counts implied by the signed size.

use crate::authors::Authors;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;
use coffer_api::{Id, Node, NodeKind};
use coffer_crypto::{Attributes, ContentDecryptor, NodeRecord, SymmetricKey};

/// A node whose record verified, with its key and its opened attributes.
#[derive(Clone)]
pub(crate) struct VerifiedNode {
    pub node: Node,
    pub key: SymmetricKey,
    pub attrs: Attributes,
    pub path: DrivePath,
    /// The keys trusted to sign this folder's children.
    pub authors: Authors,
}

/// What a child's verification needs of its parent (owned, so it can move to worker threads).
#[derive(Clone)]
pub(crate) struct ParentRef {
    /// `Id::ZERO` stands for the root's virtual parent.
    pub id: Id,
    pub key: SymmetricKey,
    pub path: DrivePath,
    /// The keys trusted to sign the children.
    pub authors: Authors,
}

impl std::fmt::Debug for VerifiedNode {
    // No key, no attributes: only what names the node.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VerifiedNode({:?}, {:?})", self.node.id, self.path)
    }
}

impl VerifiedNode {
    pub fn id(&self) -> Id {
        self.node.id
    }

    pub fn is_folder(&self) -> bool {
        self.node.kind == NodeKind::Folder
    }

    pub fn as_parent(&self) -> ParentRef {
        ParentRef {
            id: self.node.id,
            key: self.key.clone(),
            path: self.path.clone(),
            authors: self.authors.clone(),
        }
    }
}

/// Verifies the account's root: no parent, key wrapped by the master key, name `""`, signed
/// by a key `authors` trusts (the account's own).
pub(crate) fn verify_root(
    node: Node,
    master_key: &SymmetricKey,
    root_id: Id,
    authors: &Authors,
) -> Result<VerifiedNode> {
    let fail = |why: &str| ClientError::integrity("/", why.to_owned());
    if node.id != root_id || node.parent_id.is_some() {
        return Err(fail("the server answered with another node than the root"));
    }
    if node.kind != NodeKind::Folder {
        return Err(fail("the root is not a folder"));
    }
    let (key, attrs) = open_record(&node, Id::ZERO, master_key, authors, "/")?;
    if !node.name_tag.is_empty() || !attrs.name.is_empty() {
        return Err(fail("the root has a name"));
    }
    let authors = authors.below(node.id);
    Ok(VerifiedNode {
        node,
        key,
        attrs,
        path: DrivePath::root(),
        authors,
    })
}

/// Verifies the node a public link points to (PROTOCOL.md §10.4): its record must be signed
/// by `author` (the key from the link's seal, never one the server names) and the key `NK`
/// from the seal stands in for the unwrapped key: the record's own `wrapped_key` is sealed
/// under a parent key the reader does not have, and is ignored. The node becomes the root
/// (`/`) of the paths read through the link.
pub(crate) fn verify_link_root(
    node: Node,
    node_key: SymmetricKey,
    author: &[u8; 32],
) -> Result<VerifiedNode> {
    let authors = Authors::single(*author);
    verify_granted_root(node, node_key, author, DrivePath::root(), &authors).map_err(|e| match e {
        ClientError::Integrity { path, reason } if reason == NOT_THE_GRANTER => {
            ClientError::integrity(path, "signed by a key that is not the link's author")
        }
        other => other,
    })
}

const NOT_THE_GRANTER: &str = "signed by a key that is not the one that granted access";

/// Verifies a node reached through a key obtained elsewhere (a public link's seal, a share
/// grant): its record must be signed by `author` (the key that granted access, never one the
/// server names), and `node_key` stands in for the unwrapped key (the record's `wrapped_key`
/// is sealed under a parent key the reader does not have). The node is placed at `path`; its
/// children are checked against `authors` (widened by grants on the node itself).
pub(crate) fn verify_granted_root(
    node: Node,
    node_key: SymmetricKey,
    author: &[u8; 32],
    path: DrivePath,
    authors: &Authors,
) -> Result<VerifiedNode> {
    let label = path.to_string();
    let fail = |why: &str| ClientError::integrity(label.clone(), why.to_owned());
    if node.author_key[..] != author[..] {
        return Err(fail(NOT_THE_GRANTER));
    }
    let parent_id = node.parent_id.unwrap_or(Id::ZERO);
    let record = record_of(&node, parent_id).ok_or_else(|| fail("the record is malformed"))?;
    record
        .verify(&node.signature)
        .map_err(|_| fail("the signature does not verify"))?;
    let attrs = coffer_crypto::open_attributes(&node_key, &node.id.0, &node.encrypted_attributes)
        .map_err(|_| fail("the attributes do not open under the link's key"))?;
    // The owner's root has no name; any other node's name must be a valid one.
    if node.parent_id.is_some() && DrivePath::root().join(&attrs.name).is_err() {
        return Err(fail("the name is not a valid name"));
    }
    if node.kind == NodeKind::File {
        check_content(&node, &node_key, &attrs).map_err(fail)?;
    }
    let authors = authors.below(node.id);
    Ok(VerifiedNode {
        node,
        key: node_key,
        attrs,
        path,
        authors,
    })
}

/// Verifies a child of the verified folder `parent`.
pub(crate) fn verify_child(node: Node, parent: &ParentRef) -> Result<VerifiedNode> {
    let record = child_record(&node, parent)?;
    record
        .verify(&node.signature)
        .map_err(|_| bad_signature(&node, parent))?;
    open_child(node, parent)
}

/// Verifies many children of the verified folder `parent` as [`verify_child`] does, with one
/// batch verification of their signatures ([`coffer_crypto::verify_records`], same verdicts).
/// Each node's checks keep their order; when several nodes are bad, the error names the first
/// node that fails the earliest check (claims, then signatures, then keys and names).
pub(crate) fn verify_children(nodes: Vec<Node>, parent: &ParentRef) -> Result<Vec<VerifiedNode>> {
    let records = nodes
        .iter()
        .map(|node| Ok((child_record(node, parent)?, &node.signature[..])))
        .collect::<Result<Vec<_>>>()?;
    if let Err(bad) = coffer_crypto::verify_records(&records) {
        // Never empty, and indexes `records`, which has one record per node.
        return Err(bad_signature(&nodes[bad[0]], parent));
    }
    drop(records);
    nodes.into_iter().map(|n| open_child(n, parent)).collect()
}

/// What names a child before its name is known: its folder's path and its id.
fn unnamed(node: &Node, parent: &ParentRef) -> String {
    format!(
        "{}{}(node {})",
        parent.path,
        if parent.path.is_root() { "" } else { "/" },
        node.id
    )
}

fn bad_signature(node: &Node, parent: &ParentRef) -> ClientError {
    ClientError::integrity(unnamed(node, parent), "the signature does not verify")
}

/// The checks before the signature: the parent is the one asked about, the author key is one
/// the parent trusts, the record is well-formed. Returns the record the signature must cover.
fn child_record<'a>(node: &'a Node, parent: &ParentRef) -> Result<NodeRecord<'a>> {
    let fail = |why: &str| ClientError::integrity(unnamed(node, parent), why.to_owned());
    if node.parent_id != Some(parent.id) {
        return Err(fail("the server listed a node of another folder"));
    }
    if !parent.authors.trusts(&node.author_key) {
        return Err(fail(FOREIGN_AUTHOR));
    }
    record_of(node, parent.id).ok_or_else(|| fail("the record is malformed"))
}

/// The checks after the signature, on a child whose record verified: key unwrap, attributes,
/// name, name tag, and for files the content header and counts.
fn open_child(node: Node, parent: &ParentRef) -> Result<VerifiedNode> {
    let fail_unnamed = |why: &str| ClientError::integrity(unnamed(&node, parent), why.to_owned());
    let (key, attrs) = open_keys(&node, parent.id, &parent.key).map_err(fail_unnamed)?;
    let path = parent
        .path
        .join(&attrs.name)
        .map_err(|_| fail_unnamed("the name is not a valid name"))?;
    let fail = |why: &str| ClientError::integrity(path.to_string(), why.to_owned());
    if node.name_tag[..] != coffer_crypto::name_tag(&parent.key, &attrs.name)[..] {
        return Err(fail("the name tag does not match the name"));
    }
    if node.kind == NodeKind::File {
        check_content(&node, &key, &attrs).map_err(fail)?;
    }
    let authors = parent.authors.below(node.id);
    Ok(VerifiedNode {
        node,
        key,
        attrs,
        path,
        authors,
    })
}

const FOREIGN_AUTHOR: &str = "signed by a key that is not trusted here";

/// Author, signature, key unwrap and attributes, in that order.
fn open_record(
    node: &Node,
    parent_id: Id,
    parent_key: &SymmetricKey,
    authors: &Authors,
    label: &str,
) -> Result<(SymmetricKey, Attributes)> {
    let fail = |why: &str| ClientError::integrity(label.to_owned(), why.to_owned());
    if !authors.trusts(&node.author_key) {
        return Err(fail(FOREIGN_AUTHOR));
    }
    let record = record_of(node, parent_id).ok_or_else(|| fail("the record is malformed"))?;
    record
        .verify(&node.signature)
        .map_err(|_| fail("the signature does not verify"))?;
    open_keys(node, parent_id, parent_key).map_err(fail)
}

/// Key unwrap and attributes of a node whose signature verified; the error says which failed.
fn open_keys(
    node: &Node,
    parent_id: Id,
    parent_key: &SymmetricKey,
) -> Result<(SymmetricKey, Attributes), &'static str> {
    let key =
        coffer_crypto::unwrap_node_key(parent_key, &node.id.0, &parent_id.0, &node.wrapped_key)
            .map_err(|_| "the node key does not open under its parent's key")?;
    let attrs = coffer_crypto::open_attributes(&key, &node.id.0, &node.encrypted_attributes)
        .map_err(|_| "the attributes do not open")?;
    Ok((key, attrs))
}

/// The signed record of a server node; `None` when kind and content disagree or a field has
/// the wrong length.
pub(crate) fn record_of(node: &Node, parent_id: Id) -> Option<NodeRecord<'_>> {
    let author_key: [u8; 32] = node.author_key[..].try_into().ok()?;
    let (version_id, header, ciphertext_size, chunk_count, list_hash) =
        match (node.kind, &node.content) {
            (NodeKind::Folder, None) => ([0; 16], &[][..], 0, 0, [0; 32]),
            (NodeKind::File, Some(c)) => (
                c.version_id.0,
                &c.header[..],
                c.ciphertext_size,
                c.chunk_count,
                c.chunk_list_hash[..].try_into().ok()?,
            ),
            _ => return None,
        };
    Some(NodeRecord {
        node_id: node.id.0,
        parent_id: parent_id.0,
        kind: node.kind.code(),
        author_key,
        name_tag: &node.name_tag,
        wrapped_key: &node.wrapped_key,
        encrypted_attributes: &node.encrypted_attributes,
        version_id,
        content_header: header,
        ciphertext_size,
        chunk_count,
        chunk_list_hash: list_hash,
    })
}

/// The header opens for this node and version (or the signed origin's), and the signed
/// counts fit the signed size.
fn check_content(node: &Node, key: &SymmetricKey, attrs: &Attributes) -> Result<(), &'static str> {
    let content = node.content.as_ref().ok_or("a file without content")?;
    let size = attrs.size.ok_or("a file without a size")?;
    // The header's ids: the record's own, or an import's signed origin (PROTOCOL.md §10.5).
    let (node_id, version_id) = crate::origin::content_ids(node, attrs)?;
    let decryptor = ContentDecryptor::new(key, &node_id.0, &version_id.0, &content.header)
        .map_err(|_| "the content header does not verify")?;
    let chunk_size = decryptor.chunk_size();
    if content.chunk_size != chunk_size {
        return Err("the chunk size differs from the header's");
    }
    if content.chunk_count != coffer_crypto::chunk_count(size, chunk_size)
        || content.ciphertext_size != coffer_crypto::ciphertext_size(size, chunk_size)
    {
        return Err("the chunk count or ciphertext size does not fit the size");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{as_server_node, new_folder, new_root};
    use coffer_api::B64;
    use coffer_crypto::Identity;

    struct Fixture {
        master: SymmetricKey,
        identity: Identity,
        root: VerifiedNode,
    }

    fn fixture() -> Fixture {
        let master = SymmetricKey::from_bytes([1; 32]);
        let identity = Identity::from_seeds([2; 32], [3; 32]);
        let new = new_root(&master, &identity);
        let root = verify_root(
            as_server_node(&new),
            &master,
            new.id,
            &Authors::single(identity.signing_public()),
        )
        .unwrap();
        Fixture {
            master,
            identity,
            root,
        }
    }

    fn author(f: &Fixture) -> Authors {
        Authors::single(f.identity.signing_public())
    }

    fn reason(e: ClientError) -> String {
        match e {
            ClientError::Integrity { reason, .. } => reason,
            other => panic!("expected an integrity error, got {other}"),
        }
    }

    #[test]
    fn own_records_verify() {
        let f = fixture();
        assert!(f.root.path.is_root());
        let child = as_server_node(&new_folder(&f.root.as_parent(), "docs", 5, &f.identity));
        let v = verify_child(child, &f.root.as_parent()).unwrap();
        assert_eq!(v.attrs.name, "docs");
        assert_eq!(v.attrs.mtime, Some(5));
        assert_eq!(v.path.to_string(), "/docs");
        let grandchild = as_server_node(&new_folder(&v.as_parent(), "a b", 6, &f.identity));
        let g = verify_child(grandchild, &v.as_parent()).unwrap();
        assert_eq!(g.path.to_string(), "/docs/a b");
    }

    #[test]
    fn root_with_wrong_id_or_key_is_refused() {
        let f = fixture();
        let other = Id([9; 16]);
        assert!(verify_root(f.root.node.clone(), &f.master, other, &author(&f)).is_err());
        let wrong = SymmetricKey::from_bytes([7; 32]);
        let e = verify_root(f.root.node.clone(), &wrong, f.root.id(), &author(&f)).unwrap_err();
        assert_eq!(
            reason(e),
            "the node key does not open under its parent's key"
        );
    }

    #[test]
    fn tampering_is_detected_in_order() {
        let f = fixture();
        let parent = f.root.as_parent();
        let good = as_server_node(&new_folder(&parent, "docs", 5, &f.identity));

        let mut n = good.clone();
        n.signature.0[0] ^= 1;
        let e = verify_child(n, &parent).unwrap_err();
        assert_eq!(reason(e), "the signature does not verify");

        let mut n = good.clone();
        n.name_tag = B64(coffer_crypto::name_tag(&parent.key, "other").to_vec());
        let e = verify_child(n, &parent).unwrap_err();
        assert_eq!(reason(e), "the signature does not verify");

        let stranger = Identity::from_seeds([4; 32], [5; 32]);
        let foreign = as_server_node(&new_folder(&parent, "docs", 5, &stranger));
        let e = verify_child(foreign, &parent).unwrap_err();
        assert_eq!(reason(e), "signed by a key that is not trusted here");

        let mut n = good.clone();
        n.parent_id = Some(Id([8; 16]));
        let e = verify_child(n, &parent).unwrap_err();
        assert_eq!(reason(e), "the server listed a node of another folder");
    }

    #[test]
    fn a_node_replayed_under_another_folder_is_refused() {
        let f = fixture();
        let root = f.root.as_parent();
        let a = verify_child(
            as_server_node(&new_folder(&root, "a", 1, &f.identity)),
            &root,
        )
        .unwrap();
        let b = verify_child(
            as_server_node(&new_folder(&root, "b", 1, &f.identity)),
            &root,
        )
        .unwrap();
        // A child of `a`, served as a child of `b`: the signature covers the parent id.
        let mut child = as_server_node(&new_folder(&a.as_parent(), "x", 1, &f.identity));
        child.parent_id = Some(b.id());
        let e = verify_child(child, &b.as_parent()).unwrap_err();
        assert_eq!(reason(e), "the signature does not verify");
    }

    #[test]
    fn batch_verification_finds_what_one_by_one_finds() {
        let f = fixture();
        let parent = f.root.as_parent();
        let nodes: Vec<Node> = (0..20)
            .map(|i| as_server_node(&new_folder(&parent, &format!("n{i}"), 1, &f.identity)))
            .collect();
        let all = verify_children(nodes.clone(), &parent).unwrap();
        assert_eq!(all.len(), 20);
        assert_eq!(all[7].path.to_string(), "/n7");
        let stranger = Identity::from_seeds([4; 32], [5; 32]);
        type Tamper<'a> = Box<dyn Fn(&mut Node) + 'a>;
        let tamperings: Vec<(&str, Tamper)> = vec![
            ("signature", Box::new(|n| n.signature.0[9] ^= 1)),
            ("parent", Box::new(|n| n.parent_id = Some(Id([8; 16])))),
            (
                "author",
                Box::new(|n| n.author_key = B64(stranger.signing_public().to_vec())),
            ),
            ("kind", Box::new(|n| n.kind = NodeKind::File)),
            ("wrapped key", Box::new(|n| n.wrapped_key.0.truncate(10))),
        ];
        for (what, tamper) in &tamperings {
            for bad in [0, 13, 19] {
                let mut tampered = nodes.clone();
                tamper(&mut tampered[bad]);
                let alone = verify_child(tampered[bad].clone(), &parent).unwrap_err();
                let batch = verify_children(tampered, &parent).unwrap_err();
                assert_eq!(batch.to_string(), alone.to_string(), "{what} of node {bad}");
            }
        }
        // Claims are checked for every node before any signature.
        let mut two_bad = nodes;
        two_bad[3].signature.0[0] ^= 1;
        two_bad[11].parent_id = None;
        let e = verify_children(two_bad, &parent).unwrap_err();
        assert_eq!(reason(e), "the server listed a node of another folder");
    }

    #[test]
    fn a_folder_claiming_content_is_malformed() {
        let f = fixture();
        let parent = f.root.as_parent();
        let mut n = as_server_node(&new_folder(&parent, "docs", 5, &f.identity));
        n.kind = NodeKind::File;
        let e = verify_child(n, &parent).unwrap_err();
        assert_eq!(reason(e), "the record is malformed");
    }
}
