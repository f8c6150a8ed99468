//! The end of an upload: the final attributes and the signed record of the new version
//! (PROTOCOL.md §6, §7).

use super::media_type;
use super::upload::UploadJob;
use coffer_api::{B64, CommitUpload, Id, NodeKind, Upload};
use coffer_crypto::{Attributes, Identity, NodeRecord, SymmetricKey, random_bytes};

/// Name, size, mtime, media type and plaintext BLAKE3; fields this client does not know are
/// kept from the version being replaced.
pub(crate) fn final_attributes(
    job: &UploadJob,
    size: u64,
    mtime: Option<i64>,
    plaintext_hash: &[u8; 32],
) -> Attributes {
    Attributes {
        name: job.name.clone(),
        size: Some(size),
        mtime,
        media_type: media_type::guess(&job.name).map(str::to_owned),
        blake3: Some(hex::encode(plaintext_hash)),
        extra: job
            .existing
            .as_ref()
            .map(|e| e.extra.clone())
            .unwrap_or_default(),
    }
}

/// The commit body: `attrs` sealed under the node key with a fresh nonce, the chunk list hash
/// of `hashes`, and the signature over exactly what the server will store (the session's name
/// tag, wrapped key and header, and `parent_id`).
pub(crate) fn commit_request(
    upload: &Upload,
    key: &SymmetricKey,
    parent_id: Id,
    attrs: &Attributes,
    hashes: &[[u8; 32]],
    identity: &Identity,
) -> CommitUpload {
    let version = NewVersion {
        node_id: upload.node_id,
        parent_id,
        name_tag: &upload.name_tag,
        wrapped_key: &upload.wrapped_key,
        version_id: upload.version_id,
        header: &upload.header,
        ciphertext_size: upload.ciphertext_size,
        chunk_count: upload.chunk_count,
    };
    signed_version(&version, key, attrs, hashes, identity)
}

/// What the signed record of a file's new content covers besides its attributes and chunks.
pub(crate) struct NewVersion<'a> {
    pub node_id: Id,
    pub parent_id: Id,
    pub name_tag: &'a [u8],
    pub wrapped_key: &'a [u8],
    pub version_id: Id,
    pub header: &'a [u8],
    pub ciphertext_size: u64,
    pub chunk_count: u64,
}

/// `attrs` sealed under the node key with a fresh nonce, the chunk list hash of `hashes`, and
/// the signature over the whole record of `version` (PROTOCOL.md §7).
pub(crate) fn signed_version(
    version: &NewVersion<'_>,
    key: &SymmetricKey,
    attrs: &Attributes,
    hashes: &[[u8; 32]],
    identity: &Identity,
) -> CommitUpload {
    let sealed = coffer_crypto::seal_attributes(key, &version.node_id.0, attrs, random_bytes());
    let author = identity.signing_public();
    let record = NodeRecord {
        node_id: version.node_id.0,
        parent_id: version.parent_id.0,
        kind: NodeKind::File.code(),
        author_key: author,
        name_tag: version.name_tag,
        wrapped_key: version.wrapped_key,
        encrypted_attributes: &sealed,
        version_id: version.version_id.0,
        content_header: version.header,
        ciphertext_size: version.ciphertext_size,
        chunk_count: version.chunk_count,
        chunk_list_hash: coffer_crypto::chunk_list_hash(hashes),
    };
    let signature = record.sign(identity.signing_key());
    CommitUpload {
        chunk_list_hash: B64(record.chunk_list_hash.to_vec()),
        encrypted_attributes: B64(sealed),
        author_key: B64(author.to_vec()),
        signature: B64(signature.to_vec()),
    }
}
