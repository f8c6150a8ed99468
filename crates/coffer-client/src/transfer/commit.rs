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
    let sealed = coffer_crypto::seal_attributes(key, &upload.node_id.0, attrs, random_bytes());
    let author = identity.signing_public();
    let record = NodeRecord {
        node_id: upload.node_id.0,
        parent_id: parent_id.0,
        kind: NodeKind::File.code(),
        author_key: author,
        name_tag: &upload.name_tag,
        wrapped_key: &upload.wrapped_key,
        encrypted_attributes: &sealed,
        version_id: upload.version_id.0,
        content_header: &upload.header,
        ciphertext_size: upload.ciphertext_size,
        chunk_count: upload.chunk_count,
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
