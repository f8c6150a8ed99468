//! The checks of `admin abuse verify` (PROTOCOL.md §11), pure: no store, no files. The driver
//! ([`super::abuse`]) fetches records and chunks and hands them here one by one.
//!
//! Order, as a reader through the link would check (§10.4, §7): the reported secret (and
//! password) must give the stored access hash and open the sealed key → `(NK, author)`; each
//! record's author key must be that author and its signature verify; a child's key must unwrap
//! from its parent's; the attributes must open; for a file, the header's MAC and ids, the signed
//! counts against the size, every chunk's hash against the stored one, the chunk list against
//! the signed hash, every chunk's tag, and the BLAKE3 of the plaintext against the attributes'.
//! Any failure is a [`Failure`] with a one-line reason; none says more than which check failed.

use coffer_api::NodeKind;
use coffer_crypto::{
    Attributes, ContentDecryptor, LinkPasswordParams, LinkSecret, NodeRecord, SymmetricKey,
};
use coffer_store::{LinkRecord, NodeRecord as StoredNode};

/// Why a report did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Failure(pub String);

fn fail<T>(why: impl Into<String>) -> Result<T, Failure> {
    Err(Failure(why.into()))
}

/// The linked node's key and the author its records must carry, from the reported secret and
/// password (§10.2, §10.3).
pub fn open_reported_link(
    link: &LinkRecord,
    secret: Option<&[u8]>,
    password: Option<&str>,
) -> Result<(SymmetricKey, [u8; 32]), Failure> {
    let Some(secret) = secret else {
        return fail("the report gives no link secret");
    };
    let Ok(secret) = <[u8; 32]>::try_from(secret) else {
        return fail("the report's link secret is not 32 bytes");
    };
    let secret = LinkSecret::from_bytes(secret);
    let password_key = match (&link.password, password) {
        (None, _) => None,
        (Some(_), None) => return fail("the link has a password and the report gives none"),
        (Some(stored), Some(password)) => {
            let Ok(salt) = <[u8; coffer_crypto::LINK_SALT_LEN]>::try_from(&stored.salt[..]) else {
                return fail("the link's stored password salt is malformed");
            };
            let params = LinkPasswordParams {
                salt,
                iterations: stored.iterations,
                memory_kib: stored.memory_kib,
                parallelism: stored.parallelism,
            };
            match coffer_crypto::link_password_key(password.as_bytes(), &params) {
                Ok(key) => Some(key),
                Err(_) => return fail("the link's stored password parameters are out of bounds"),
            }
        }
    };
    coffer_crypto::verify_reported_link(
        &link.id.0,
        &link.node_id.0,
        &secret,
        password_key.as_ref(),
        &link.access_hash,
        &link.sealed_key,
    )
    .or_else(|_| fail("the secret or password does not open the link"))
}

/// The signed record (§7) of a stored node; `None` when kind and content disagree or a field
/// has the wrong length.
pub fn record_of(node: &StoredNode) -> Option<NodeRecord<'_>> {
    let author_key: [u8; 32] = node.author_key[..].try_into().ok()?;
    let (version_id, header, ciphertext_size, chunk_count, list_hash) =
        match (node.kind, &node.content) {
            (NodeKind::Folder, None) => ([0; 16], &[][..], 0, 0, [0; 32]),
            (NodeKind::File, Some(c)) => (
                c.version_id.0,
                &c.header[..],
                c.ciphertext_size,
                c.chunk_count,
                c.chunk_list_hash,
            ),
            _ => return None,
        };
    Some(NodeRecord {
        node_id: node.id.0,
        parent_id: node.parent_id.map_or([0; 16], |p| p.0),
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

/// A child's key, unwrapped from its parent's (the linked node's own key comes from the link).
pub fn child_key(parent_key: &SymmetricKey, node: &StoredNode) -> Result<SymmetricKey, Failure> {
    let Some(parent) = node.parent_id else {
        return fail(format!("node {} has no parent", node.id));
    };
    coffer_crypto::unwrap_node_key(parent_key, &node.id.0, &parent.0, &node.wrapped_key)
        .or_else(|_| fail(format!("the key of node {} does not unwrap", node.id)))
}

/// Checks a record's author and signature and opens its attributes with `key`; file and folder
/// names must be valid (they become paths under `--output`).
pub fn open_node(
    node: &StoredNode,
    key: &SymmetricKey,
    author: &[u8; 32],
) -> Result<Attributes, Failure> {
    let Some(record) = record_of(node) else {
        return fail(format!("node {} is malformed", node.id));
    };
    if &record.author_key != author {
        return fail(format!("node {} is signed by another key", node.id));
    }
    if record.verify(&node.signature).is_err() {
        return fail(format!("the signature of node {} does not verify", node.id));
    }
    let attrs = coffer_crypto::open_attributes(key, &node.id.0, &node.encrypted_attributes)
        .or_else(|_| fail(format!("the attributes of node {} do not open", node.id)))?;
    if coffer_crypto::validate_name(&attrs.name).is_err() {
        return fail(format!("node {} has an invalid name", node.id));
    }
    Ok(attrs)
}

/// What a verified file holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileSummary {
    pub name: String,
    pub size: u64,
    /// Lowercase hex BLAKE3 of the plaintext.
    pub blake3: String,
}

/// One file's content being verified, chunk by chunk in order.
pub struct FileCheck {
    decryptor: ContentDecryptor,
    name: String,
    size: u64,
    claimed_blake3: Option<String>,
    chunk_count: u64,
    signed_list_hash: [u8; 32],
    hashes: Vec<[u8; 32]>,
    plaintext: blake3::Hasher,
}

impl FileCheck {
    /// Checks the header (MAC, node and version ids) and the signed geometry against the size.
    pub fn start(
        node: &StoredNode,
        key: &SymmetricKey,
        attrs: &Attributes,
    ) -> Result<FileCheck, Failure> {
        let id = node.id;
        let Some(content) = &node.content else {
            return fail(format!("file {id} has no content"));
        };
        let Some(size) = attrs.size else {
            return fail(format!("file {id} has no size"));
        };
        let decryptor =
            ContentDecryptor::new(key, &id.0, &content.version_id.0, &content.header)
                .or_else(|_| fail(format!("the content header of file {id} does not verify")))?;
        let chunk_size = decryptor.chunk_size();
        if content.chunk_size != chunk_size
            || content.chunk_count != coffer_crypto::chunk_count(size, chunk_size)
            || content.ciphertext_size != coffer_crypto::ciphertext_size(size, chunk_size)
        {
            return fail(format!(
                "the chunk geometry of file {id} does not fit its size"
            ));
        }
        Ok(FileCheck {
            decryptor,
            name: attrs.name.clone(),
            size,
            claimed_blake3: attrs.blake3.clone(),
            chunk_count: content.chunk_count,
            signed_list_hash: content.chunk_list_hash,
            hashes: Vec::new(),
            plaintext: blake3::Hasher::new(),
        })
    }

    pub fn chunk_count(&self) -> u64 {
        self.chunk_count
    }

    /// Checks the next chunk (the stored hash, then its tag) and returns its plaintext.
    pub fn chunk(
        &mut self,
        stored_hash: &[u8; 32],
        mut bytes: Vec<u8>,
    ) -> Result<Vec<u8>, Failure> {
        let index = self.hashes.len() as u64;
        let hash = coffer_crypto::chunk_hash(&bytes);
        if &hash != stored_hash {
            return fail(format!(
                "chunk {index} of {} does not match its hash",
                self.name
            ));
        }
        self.hashes.push(hash);
        let last = index + 1 == self.chunk_count;
        self.decryptor
            .decrypt_chunk(index, last, &mut bytes)
            .or_else(|_| fail(format!("chunk {index} of {} does not decrypt", self.name)))?;
        self.plaintext.update(&bytes);
        Ok(bytes)
    }

    /// After every chunk: the chunk list against the signed hash, the plaintext's BLAKE3
    /// against the attributes' (when they carry one).
    pub fn finish(self) -> Result<FileSummary, Failure> {
        if self.hashes.len() as u64 != self.chunk_count
            || coffer_crypto::chunk_list_hash(&self.hashes) != self.signed_list_hash
        {
            return fail(format!(
                "the chunk list of {} does not match the signed one",
                self.name
            ));
        }
        let blake3 = self.plaintext.finalize().to_hex().to_string();
        if self.claimed_blake3.as_ref().is_some_and(|c| c != &blake3) {
            return fail(format!(
                "the content of {} does not match its BLAKE3",
                self.name
            ));
        }
        Ok(FileSummary {
            name: self.name,
            size: self.size,
            blake3,
        })
    }
}
