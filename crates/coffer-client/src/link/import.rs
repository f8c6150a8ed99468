//! Importing a file or folder of a public link into one's drive without uploading its bytes
//! again (PROTOCOL.md §10.5).
//!
//! A file becomes a new node of the importer's drive: a fresh node id and version id, the
//! source's node key `NK` (the content keys derive from it) wrapped under the destination
//! folder's key, the source's content header and chunk geometry, and its attributes with an
//! `origin` member naming the ids the header was made for, sealed with `NK` under the new id
//! and signed with the importer's own key. The server makes the new node read the source's
//! chunks, so the import survives the source's deletion and the link's revocation, and charges
//! the importer's quota. A folder is re-created with fresh keys, as `mkdir` does, and every
//! file in it imported. Each imported file counts one download of the link (the server counts
//! each import request; a folder of `n` files uses `n` of a limited link's downloads).

use super::PublicLink;
use crate::drive::Drive;
use crate::entry::Entry;
use crate::error::{ClientError, Result};
use crate::origin::{content_ids, set_origin};
use crate::path::DrivePath;
use crate::records::fresh_id;
use crate::verify::{ParentRef, VerifiedNode, verify_child};
use coffer_api::{B64, ErrorCode, ImportFile, NodeKind};
use coffer_crypto::{Identity, NodeRecord, random_bytes};

/// What [`PublicLink::import`] made in the drive.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    /// Every imported file, in the order imported.
    pub files: Vec<Entry>,
    /// Folders created.
    pub folders: u64,
    /// Plaintext bytes of the imported files (none was transferred).
    pub bytes: u64,
}

impl PublicLink {
    /// Imports the file or folder at `src` inside the link into the drive's folder at
    /// `dest_folder`, under its own name (a link to an unnamed root imports as `import`).
    /// Refuses a name already taken there ([`ClientError::AlreadyExists`]); a folder import
    /// that fails midway leaves what it imported so far.
    pub async fn import(
        &self,
        drive: &Drive,
        src: &DrivePath,
        dest_folder: &str,
    ) -> Result<ImportSummary> {
        let node = self.resolve(src).await?;
        let dest = drive
            .resolve_folder(&DrivePath::parse(dest_folder)?)
            .await?;
        let name = match node.attrs.name.as_str() {
            "" => "import".to_owned(),
            name => name.to_owned(),
        };
        let mut summary = ImportSummary::default();
        if node.is_folder() {
            self.import_folder(drive, &node, &dest, &name, &mut summary)
                .await?;
        } else {
            let file = self.import_file(drive, &node, &dest, &name).await?;
            summary.bytes += file.attrs.size.unwrap_or(0);
            summary.files.push(Entry::of(&file));
        }
        Ok(summary)
    }

    /// Creates `name` in `dest` and imports `folder`'s subtree into it, depth first.
    async fn import_folder(
        &self,
        drive: &Drive,
        folder: &VerifiedNode,
        dest: &VerifiedNode,
        name: &str,
        summary: &mut ImportSummary,
    ) -> Result<()> {
        // (source folder, destination folder) pairs still to copy.
        let mut pending = vec![(folder.clone(), drive.create_folder(dest, name).await?)];
        summary.folders += 1;
        while let Some((source, target)) = pending.pop() {
            for child in self.children(&source).await? {
                let child_name = child.attrs.name.clone();
                if child.is_folder() {
                    let made = drive.create_folder(&target, &child_name).await?;
                    summary.folders += 1;
                    pending.push((child, made));
                } else {
                    let file = self
                        .import_file(drive, &child, &target, &child_name)
                        .await?;
                    summary.bytes += file.attrs.size.unwrap_or(0);
                    summary.files.push(Entry::of(&file));
                }
            }
        }
        Ok(())
    }

    /// Imports the verified file `source` as `name` in `dest`; returns the new node, verified
    /// as any node of the drive is.
    async fn import_file(
        &self,
        drive: &Drive,
        source: &VerifiedNode,
        dest: &VerifiedNode,
        name: &str,
    ) -> Result<VerifiedNode> {
        let body = imported_record(source, &dest.as_parent(), name, &drive.session().identity)?;
        let path = dest.path.join(name)?;
        let node = drive
            .api()
            .import_link_file(self.id(), self.access_token(), &body)
            .await
            .map_err(|e| match e.api_code() {
                Some(ErrorCode::NameExists) => ClientError::AlreadyExists(path.to_string()),
                Some(ErrorCode::NotAFolder) => ClientError::NotAFolder(dest.path.to_string()),
                _ => self.link_error(e),
            })?;
        let file = verify_child(node, &dest.as_parent())?;
        if file.id() != body.node_id || file.attrs.name != name {
            return Err(ClientError::integrity(
                path.to_string(),
                "the server answered an import with another node",
            ));
        }
        Ok(file)
    }
}

/// The signed record of `source` imported as `name` into `parent` (pure apart from fresh ids
/// and nonces): the source's key and content, its attributes plus `origin`, signed by
/// `identity`.
pub(crate) fn imported_record(
    source: &VerifiedNode,
    parent: &ParentRef,
    name: &str,
    identity: &Identity,
) -> Result<ImportFile> {
    let label = || source.path.to_string();
    let content = (source.node.content.as_ref())
        .filter(|_| source.node.kind == NodeKind::File)
        .ok_or_else(|| ClientError::integrity(label(), "a file without content"))?;
    // The ids the header was made for: the source's own, or its own origin (an import of an
    // import keeps naming the first node).
    let (origin_node, origin_version) = content_ids(&source.node, &source.attrs)
        .map_err(|why| ClientError::integrity(label(), why))?;
    let mut attrs = source.attrs.clone();
    attrs.name = name.to_owned();
    set_origin(&mut attrs, origin_node, origin_version);
    let node_id = fresh_id();
    let version_id = fresh_id();
    let wrapped = coffer_crypto::wrap_node_key(
        &parent.key,
        &node_id.0,
        &parent.id.0,
        &source.key,
        random_bytes(),
    );
    let sealed = coffer_crypto::seal_attributes(&source.key, &node_id.0, &attrs, random_bytes());
    let tag = coffer_crypto::name_tag(&parent.key, name);
    let chunk_list_hash: [u8; 32] = content.chunk_list_hash[..]
        .try_into()
        .map_err(|_| ClientError::integrity(label(), "the record is malformed"))?;
    let author = identity.signing_public();
    let record = NodeRecord {
        node_id: node_id.0,
        parent_id: parent.id.0,
        kind: NodeKind::File.code(),
        author_key: author,
        name_tag: &tag,
        wrapped_key: &wrapped,
        encrypted_attributes: &sealed,
        version_id: version_id.0,
        content_header: &content.header,
        ciphertext_size: content.ciphertext_size,
        chunk_count: content.chunk_count,
        chunk_list_hash,
    };
    let signature = record.sign(identity.signing_key());
    Ok(ImportFile {
        source_node_id: source.id(),
        source_version_id: content.version_id,
        node_id,
        parent_id: parent.id,
        version_id,
        name_tag: B64(tag.to_vec()),
        wrapped_key: B64(wrapped),
        encrypted_attributes: B64(sealed),
        header: content.header.clone(),
        chunk_size: content.chunk_size,
        ciphertext_size: content.ciphertext_size,
        chunk_count: content.chunk_count,
        chunk_list_hash: content.chunk_list_hash.clone(),
        author_key: B64(author.to_vec()),
        signature: B64(signature.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{as_server_node, fresh_key, new_root};
    use crate::verify::verify_root;
    use coffer_api::{ContentInfo, Id, Node};
    use coffer_crypto::{Attributes, ContentEncryptor, SymmetricKey};

    /// Signs `node` (as it stands) with `identity` under `parent`.
    fn signed(mut node: Node, parent: Id, identity: &Identity) -> Node {
        let signature = crate::verify::record_of(&node, parent)
            .unwrap()
            .sign(identity.signing_key());
        node.signature = B64(signature.to_vec());
        node
    }

    /// An account root and a verified empty file in it.
    fn fixture() -> (Identity, VerifiedNode, VerifiedNode) {
        let master = SymmetricKey::from_bytes([1; 32]);
        let identity = Identity::from_seeds([2; 32], [3; 32]);
        let author = identity.signing_public();
        let new = new_root(&master, &identity);
        let authors = crate::authors::Authors::single(author);
        let root = verify_root(as_server_node(&new), &master, new.id, &authors).unwrap();
        let (id, version, key) = (fresh_id(), fresh_id(), fresh_key());
        let (header, _) = ContentEncryptor::new(&key, &id.0, &version.0, [4; 32], 65536).unwrap();
        let attrs = Attributes {
            name: "a.txt".into(),
            size: Some(0),
            ..Attributes::default()
        };
        let node = Node {
            id,
            parent_id: Some(root.id()),
            kind: NodeKind::File,
            author_key: B64(author.to_vec()),
            name_tag: B64(coffer_crypto::name_tag(&root.key, "a.txt").to_vec()),
            wrapped_key: B64(coffer_crypto::wrap_node_key(
                &root.key,
                &id.0,
                &root.id().0,
                &key,
                [5; 12],
            )),
            encrypted_attributes: B64(coffer_crypto::seal_attributes(&key, &id.0, &attrs, [6; 12])),
            signature: B64(Vec::new()),
            content: Some(ContentInfo {
                version_id: version,
                header: B64(header),
                chunk_size: 65536,
                ciphertext_size: 16,
                chunk_count: 1,
                chunk_list_hash: B64(vec![7; 32]),
            }),
            revision: 1,
            created_at: 0,
            updated_at: 0,
        };
        let node = signed(node, root.id(), &identity);
        let file = verify_child(node, &root.as_parent()).unwrap();
        (identity, root, file)
    }

    fn as_node(body: &ImportFile, source: &Node) -> Node {
        let mut node = source.clone();
        node.id = body.node_id;
        node.parent_id = Some(body.parent_id);
        node.name_tag = body.name_tag.clone();
        node.wrapped_key = body.wrapped_key.clone();
        node.encrypted_attributes = body.encrypted_attributes.clone();
        node.signature = body.signature.clone();
        node.content.as_mut().unwrap().version_id = body.version_id;
        node
    }

    #[test]
    fn an_import_verifies_only_with_the_origin_its_header_was_made_for() {
        let (identity, root, file) = fixture();
        let parent = root.as_parent();
        let body = imported_record(&file, &parent, "copy.txt", &identity).unwrap();
        let node = as_node(&body, &file.node);
        let imported = verify_child(node.clone(), &parent).unwrap();
        assert_eq!(imported.attrs.name, "copy.txt");
        assert_eq!(
            content_ids(&imported.node, &imported.attrs).unwrap().0,
            file.id()
        );

        // The same record re-sealed with an origin naming another version, or none: refused.
        let content = file.node.content.as_ref().unwrap();
        for origin in [
            Some((file.id(), Id([9; 16]))),
            Some((Id([8; 16]), content.version_id)),
            None,
        ] {
            let mut attrs = imported.attrs.clone();
            attrs.extra.clear();
            if let Some((n, v)) = origin {
                set_origin(&mut attrs, n, v);
            }
            let mut bad = node.clone();
            bad.encrypted_attributes = B64(coffer_crypto::seal_attributes(
                &file.key, &bad.id.0, &attrs, [1; 12],
            ));
            let bad = signed(bad, root.id(), &identity);
            match verify_child(bad, &parent) {
                Err(ClientError::Integrity { reason, .. }) => {
                    assert_eq!(reason, "the content header does not verify", "{origin:?}")
                }
                other => panic!("expected an integrity error, got {other:?}"),
            }
        }
    }
}
