//! Request bodies checked and turned into store records.
//!
//! The server cannot verify signatures or ciphertexts (it holds no key), but it refuses what is
//! malformed on its face: wrong-length keys, signatures, hashes and name tags, oversized blobs,
//! and upload geometries that contradict PROTOCOL.md §5 (chunk size bounds, chunk count versus
//! ciphertext size). Clients verify everything else.

use crate::error::ApiError;
use coffer_api::{
    B64, CommitUpload, CreateUpload, Id, ImportFile, KeyContainer, NewNode, SmallFile, UpdateNode,
};
use coffer_store::{
    ImportedFile, NewFolder, NewSmallFile, NewUpload, NodeUpdate, RekeyChildUpdate, ShareGrant,
    UploadCommit,
};

const AUTHOR_KEY_LEN: usize = 32;
const SIGNATURE_LEN: usize = 64;
const NAME_TAG_LEN: usize = 32;
/// Ed25519 and X25519 public keys, and an HPKE encapsulated key.
const PUBLIC_KEY_LEN: usize = 32;
/// A folder key sealed with HPKE: 32 bytes and a 16-byte tag.
const GRANT_CIPHERTEXT_LEN: usize = 48;
const HASH_LEN: usize = 32;
/// A sealed 32-byte key is 93 bytes (PROTOCOL.md §4); room for future formats.
const MAX_WRAPPED_KEY: usize = 1024;
/// Sealed attributes: a name of at most 255 bytes plus a few small fields; room for extras.
const MAX_ATTRIBUTES: usize = 64 * 1024;

/// Normalises an email (PROTOCOL.md §3: trimmed, lower-cased) and checks its basic shape.
pub fn normalize_email(email: &str) -> Result<String, ApiError> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email
        .split_once('@')
        .ok_or_else(|| ApiError::bad_request("the email address needs an '@'"))?;
    if local.is_empty() || domain.is_empty() || email.len() > 254 {
        return Err(ApiError::bad_request("the email address is malformed"));
    }
    if email.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::bad_request("the email address is malformed"));
    }
    Ok(email)
}

/// The key container of a new account (PROTOCOL.md §8), checked and serialised for storage.
pub fn key_container(container: &KeyContainer) -> Result<String, ApiError> {
    if container.version != 1 {
        return Err(ApiError::bad_request("unsupported key container version"));
    }
    exact("signing_public", &container.signing_public, 32)?;
    exact("agreement_public", &container.agreement_public, 32)?;
    exact("signature", &container.signature, SIGNATURE_LEN)?;
    bounded(
        "wrapped_master_key",
        &container.wrapped_master_key,
        MAX_WRAPPED_KEY,
    )?;
    bounded(
        "wrapped_identity",
        &container.wrapped_identity,
        MAX_WRAPPED_KEY,
    )?;
    serde_json::to_string(container).map_err(|e| ApiError::internal(&e))
}

/// The root folder of a new account: no parent, empty name tag.
pub fn root_folder(root: NewNode) -> Result<NewFolder, ApiError> {
    if root.parent_id.is_some() {
        return Err(ApiError::bad_request("the root has no parent"));
    }
    if !root.name_tag.is_empty() {
        return Err(ApiError::bad_request("the root's name tag is empty"));
    }
    folder_fields(root)
}

/// A folder to create under `parent_id`.
pub fn new_folder(node: NewNode) -> Result<NewFolder, ApiError> {
    if node.parent_id.is_none() {
        return Err(ApiError::bad_request("a folder needs a parent"));
    }
    exact("name_tag", &node.name_tag, NAME_TAG_LEN)?;
    folder_fields(node)
}

fn folder_fields(node: NewNode) -> Result<NewFolder, ApiError> {
    exact("author_key", &node.author_key, AUTHOR_KEY_LEN)?;
    exact("signature", &node.signature, SIGNATURE_LEN)?;
    bounded("wrapped_key", &node.wrapped_key, MAX_WRAPPED_KEY)?;
    bounded(
        "encrypted_attributes",
        &node.encrypted_attributes,
        MAX_ATTRIBUTES,
    )?;
    Ok(NewFolder {
        id: node.id,
        parent_id: node.parent_id,
        author_key: node.author_key.0,
        name_tag: node.name_tag.0,
        wrapped_key: node.wrapped_key.0,
        encrypted_attributes: node.encrypted_attributes.0,
        signature: node.signature.0,
    })
}

pub fn node_update(update: UpdateNode) -> Result<NodeUpdate, ApiError> {
    exact("name_tag", &update.name_tag, NAME_TAG_LEN)?;
    exact("author_key", &update.author_key, AUTHOR_KEY_LEN)?;
    exact("signature", &update.signature, SIGNATURE_LEN)?;
    bounded("wrapped_key", &update.wrapped_key, MAX_WRAPPED_KEY)?;
    bounded(
        "encrypted_attributes",
        &update.encrypted_attributes,
        MAX_ATTRIBUTES,
    )?;
    Ok(NodeUpdate {
        parent_id: update.parent_id,
        name_tag: update.name_tag.0,
        wrapped_key: update.wrapped_key.0,
        encrypted_attributes: update.encrypted_attributes.0,
        author_key: update.author_key.0,
        signature: update.signature.0,
        base_revision: update.base_revision,
    })
}

/// A share grant as sent: fixed field lengths, a generation of at least 1 (the crypto is the
/// clients' to check).
pub fn share_grant(grant: coffer_api::SealedGrant) -> Result<ShareGrant, ApiError> {
    exact(
        "owner_signing_public",
        &grant.owner_signing_public,
        PUBLIC_KEY_LEN,
    )?;
    exact(
        "recipient_signing_public",
        &grant.recipient_signing_public,
        PUBLIC_KEY_LEN,
    )?;
    exact(
        "recipient_agreement_public",
        &grant.recipient_agreement_public,
        PUBLIC_KEY_LEN,
    )?;
    exact("enc", &grant.enc, PUBLIC_KEY_LEN)?;
    exact("ciphertext", &grant.ciphertext, GRANT_CIPHERTEXT_LEN)?;
    exact("signature", &grant.signature, SIGNATURE_LEN)?;
    if grant.generation == 0 {
        return Err(ApiError::bad_request("generation must be at least 1"));
    }
    Ok(ShareGrant {
        share_id: grant.share_id,
        folder_id: grant.folder_id,
        owner_signing_public: grant.owner_signing_public.0,
        recipient_signing_public: grant.recipient_signing_public.0,
        recipient_agreement_public: grant.recipient_agreement_public.0,
        permission: grant.permission,
        generation: grant.generation,
        enc: grant.enc.0,
        ciphertext: grant.ciphertext.0,
        signature: grant.signature.0,
    })
}

/// One child's new record in a key rotation.
pub fn rekey_child(child: coffer_api::RekeyChild) -> Result<RekeyChildUpdate, ApiError> {
    exact("name_tag", &child.name_tag, NAME_TAG_LEN)?;
    exact("author_key", &child.author_key, AUTHOR_KEY_LEN)?;
    exact("signature", &child.signature, SIGNATURE_LEN)?;
    bounded("wrapped_key", &child.wrapped_key, MAX_WRAPPED_KEY)?;
    Ok(RekeyChildUpdate {
        id: child.id,
        name_tag: child.name_tag.0,
        wrapped_key: child.wrapped_key.0,
        author_key: child.author_key.0,
        signature: child.signature.0,
        base_revision: child.base_revision,
    })
}

/// An upload session to create, with its server-chosen id and expiry.
pub fn new_upload(create: CreateUpload, id: Id, expires_at: i64) -> Result<NewUpload, ApiError> {
    exact("name_tag", &create.name_tag, NAME_TAG_LEN)?;
    exact("header", &create.header, coffer_crypto::HEADER_LEN)?;
    bounded("wrapped_key", &create.wrapped_key, MAX_WRAPPED_KEY)?;
    bounded(
        "encrypted_attributes",
        &create.encrypted_attributes,
        MAX_ATTRIBUTES,
    )?;
    check_geometry(
        create.chunk_size,
        create.ciphertext_size,
        create.chunk_count,
    )?;
    Ok(NewUpload {
        id,
        node_id: create.node_id,
        parent_id: create.parent_id,
        version_id: create.version_id,
        name_tag: create.name_tag.0,
        wrapped_key: create.wrapped_key.0,
        encrypted_attributes: create.encrypted_attributes.0,
        header: create.header.0,
        chunk_size: create.chunk_size,
        ciphertext_size: create.ciphertext_size,
        chunk_count: create.chunk_count,
        base_revision: create.base_revision,
        expires_at,
    })
}

pub fn upload_commit(commit: CommitUpload) -> Result<UploadCommit, ApiError> {
    exact("author_key", &commit.author_key, AUTHOR_KEY_LEN)?;
    exact("signature", &commit.signature, SIGNATURE_LEN)?;
    bounded(
        "encrypted_attributes",
        &commit.encrypted_attributes,
        MAX_ATTRIBUTES,
    )?;
    let chunk_list_hash = <[u8; HASH_LEN]>::try_from(&commit.chunk_list_hash[..])
        .map_err(|_| ApiError::bad_request("chunk_list_hash must be 32 bytes"))?;
    Ok(UploadCommit {
        encrypted_attributes: commit.encrypted_attributes.0,
        chunk_list_hash,
        author_key: commit.author_key.0,
        signature: commit.signature.0,
    })
}

/// One file of a small-file batch, checked like a session and its commit together: one chunk
/// of at most [`coffer_api::MAX_SMALL_FILE`] plaintext bytes, whose hash the server computes and
/// whose chunk list summary must be the one signed.
pub fn small_file(file: SmallFile) -> Result<NewSmallFile, ApiError> {
    exact("name_tag", &file.name_tag, NAME_TAG_LEN)?;
    exact("header", &file.header, coffer_crypto::HEADER_LEN)?;
    exact("author_key", &file.author_key, AUTHOR_KEY_LEN)?;
    exact("signature", &file.signature, SIGNATURE_LEN)?;
    bounded("wrapped_key", &file.wrapped_key, MAX_WRAPPED_KEY)?;
    bounded(
        "encrypted_attributes",
        &file.encrypted_attributes,
        MAX_ATTRIBUTES,
    )?;
    let ciphertext_size = file.content.len() as u64;
    if ciphertext_size > coffer_api::MAX_SMALL_FILE + coffer_api::CHUNK_OVERHEAD {
        return Err(ApiError::new(
            coffer_api::ErrorCode::PayloadTooLarge,
            "a small file's content is at most 64 KiB; upload it in a session",
        ));
    }
    check_geometry(file.chunk_size, ciphertext_size, 1)?;
    let chunk_list_hash = <[u8; HASH_LEN]>::try_from(&file.chunk_list_hash[..])
        .map_err(|_| ApiError::bad_request("chunk_list_hash must be 32 bytes"))?;
    let chunk_hash = coffer_crypto::chunk_hash(&file.content);
    if coffer_crypto::chunk_list_hash(&[chunk_hash]) != chunk_list_hash {
        return Err(ApiError::new(
            coffer_api::ErrorCode::ChunkListMismatch,
            "chunk_list_hash does not summarise the content",
        ));
    }
    Ok(NewSmallFile {
        node_id: file.node_id,
        parent_id: file.parent_id,
        version_id: file.version_id,
        name_tag: file.name_tag.0,
        wrapped_key: file.wrapped_key.0,
        encrypted_attributes: file.encrypted_attributes.0,
        author_key: file.author_key.0,
        signature: file.signature.0,
        header: file.header.0,
        chunk_size: file.chunk_size,
        ciphertext: file.content.0,
        chunk_hash,
        chunk_list_hash,
        base_revision: file.base_revision,
    })
}

/// PROTOCOL.md §5: `chunk_size` within bounds, `ciphertext_size = size + 16·n` and
/// `n = max(1, ceil(size / chunk_size))`.
pub fn check_geometry(
    chunk_size: u32,
    ciphertext_size: u64,
    chunk_count: u64,
) -> Result<(), ApiError> {
    if !(coffer_api::MIN_CHUNK_SIZE..=coffer_api::MAX_CHUNK_SIZE).contains(&chunk_size) {
        return Err(ApiError::bad_request("chunk_size is out of bounds"));
    }
    if ciphertext_size > i64::MAX as u64 {
        return Err(ApiError::bad_request("ciphertext_size is too large"));
    }
    let size = chunk_count
        .checked_mul(coffer_api::CHUNK_OVERHEAD)
        .and_then(|overhead| ciphertext_size.checked_sub(overhead))
        .ok_or_else(|| ApiError::bad_request("ciphertext_size is too small for chunk_count"))?;
    if coffer_crypto::chunk_count(size, chunk_size) != chunk_count {
        return Err(ApiError::bad_request(
            "chunk_count does not match ciphertext_size and chunk_size",
        ));
    }
    Ok(())
}

fn exact(field: &'static str, value: &B64, len: usize) -> Result<(), ApiError> {
    if value.len() != len {
        return Err(ApiError::bad_request(format!(
            "{field} must be {len} bytes"
        )));
    }
    Ok(())
}

fn bounded(field: &'static str, value: &B64, max: usize) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > max {
        return Err(ApiError::bad_request(format!(
            "{field} must be 1 to {max} bytes"
        )));
    }
    Ok(())
}

/// A file imported from link `link_id` (PROTOCOL.md §10.5), checked on its face; the store
/// checks its content fields against the source's.
pub fn imported_file(link_id: Id, file: ImportFile) -> Result<ImportedFile, ApiError> {
    exact("name_tag", &file.name_tag, NAME_TAG_LEN)?;
    exact("header", &file.header, coffer_crypto::HEADER_LEN)?;
    exact("author_key", &file.author_key, AUTHOR_KEY_LEN)?;
    exact("signature", &file.signature, SIGNATURE_LEN)?;
    bounded("wrapped_key", &file.wrapped_key, MAX_WRAPPED_KEY)?;
    bounded(
        "encrypted_attributes",
        &file.encrypted_attributes,
        MAX_ATTRIBUTES,
    )?;
    check_geometry(file.chunk_size, file.ciphertext_size, file.chunk_count)?;
    let chunk_list_hash = <[u8; HASH_LEN]>::try_from(&file.chunk_list_hash[..])
        .map_err(|_| ApiError::bad_request("chunk_list_hash must be 32 bytes"))?;
    Ok(ImportedFile {
        link_id,
        source_node: file.source_node_id,
        source_version: file.source_version_id,
        node_id: file.node_id,
        parent_id: file.parent_id,
        version_id: file.version_id,
        name_tag: file.name_tag.0,
        wrapped_key: file.wrapped_key.0,
        encrypted_attributes: file.encrypted_attributes.0,
        author_key: file.author_key.0,
        signature: file.signature.0,
        header: file.header.0,
        chunk_size: file.chunk_size,
        ciphertext_size: file.ciphertext_size,
        chunk_count: file.chunk_count,
        chunk_list_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Alice@Example.ORG\n").unwrap(),
            "alice@example.org"
        );
        for bad in ["", "alice", "@example.org", "alice@", "a b@example.org"] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
        assert!(normalize_email(&format!("{}@x.org", "a".repeat(250))).is_err());
    }

    #[test]
    fn geometry_follows_the_protocol() {
        let cs = 65536u32;
        let full = u64::from(cs) + 16;
        assert!(check_geometry(cs, 16, 1).is_ok()); // empty file
        assert!(check_geometry(cs, full, 1).is_ok()); // exactly one chunk
        assert!(check_geometry(cs, full + 17, 2).is_ok()); // one byte more
        assert!(check_geometry(cs, full + 16, 2).is_err()); // empty final chunk
        assert!(check_geometry(cs, full, 2).is_err());
        assert!(check_geometry(cs, 15, 1).is_err());
        assert!(check_geometry(cs, 0, 0).is_err());
        assert!(check_geometry(cs, u64::MAX, u64::MAX).is_err());
        assert!(check_geometry(1024, 16, 1).is_err());
        assert!(check_geometry(u32::MAX, 16, 1).is_err());
    }
}
