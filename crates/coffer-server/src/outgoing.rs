//! Store records turned into response bodies.

use crate::error::ApiError;
use coffer_api::{
    AccountInfo, B64, ContentInfo, KeyContainer, Link, LinkPassword, LinkTakedown, Node,
    PublicIdentity, PublicLinkInfo, SealedGrant, Share, Upload, Usage,
};
use coffer_store::{
    AccountLimits, AccountRecord, LinkPasswordRecord, LinkRecord, NodeRecord, ShareGrant,
    ShareRecord, UploadRecord, UsageRecord,
};

pub fn node(record: NodeRecord) -> Node {
    Node {
        id: record.id,
        parent_id: record.parent_id,
        kind: record.kind,
        author_key: B64(record.author_key),
        name_tag: B64(record.name_tag),
        wrapped_key: B64(record.wrapped_key),
        encrypted_attributes: B64(record.encrypted_attributes),
        signature: B64(record.signature),
        content: record.content.map(|c| ContentInfo {
            version_id: c.version_id,
            header: B64(c.header),
            chunk_size: c.chunk_size,
            ciphertext_size: c.ciphertext_size,
            chunk_count: c.chunk_count,
            chunk_list_hash: B64(c.chunk_list_hash.to_vec()),
        }),
        revision: record.revision,
        created_at: record.created_at,
        updated_at: record.updated_at,
    }
}

pub fn upload(record: UploadRecord) -> Upload {
    Upload {
        id: record.id,
        node_id: record.node_id,
        parent_id: record.parent_id,
        version_id: record.version_id,
        name_tag: B64(record.name_tag),
        wrapped_key: B64(record.wrapped_key),
        encrypted_attributes: B64(record.encrypted_attributes),
        header: B64(record.header),
        chunk_size: record.chunk_size,
        ciphertext_size: record.ciphertext_size,
        chunk_count: record.chunk_count,
        base_revision: record.base_revision,
        received: record.received,
        created_at: record.created_at,
        expires_at: record.expires_at,
    }
}

/// The account as its owner sees it.
pub fn account(record: AccountRecord) -> Result<AccountInfo, ApiError> {
    let key_container = stored_container(&record)?;
    Ok(AccountInfo {
        account_id: record.id,
        email: record.email,
        root_id: record.root_id,
        key_container,
    })
}

/// The key container of a stored account. It was validated JSON when stored; if it no longer
/// parses, the store is corrupt.
pub fn stored_container(record: &AccountRecord) -> Result<KeyContainer, ApiError> {
    serde_json::from_str(&record.key_container)
        .map_err(|_| ApiError::internal(&"stored key container does not parse"))
}

/// Another account's public identity, from its key container.
pub fn identity(record: AccountRecord) -> Result<PublicIdentity, ApiError> {
    let container = stored_container(&record)?;
    Ok(PublicIdentity {
        account_id: record.id,
        email: record.email,
        signing_public: container.signing_public,
        agreement_public: container.agreement_public,
    })
}

pub fn grant(grant: ShareGrant) -> SealedGrant {
    SealedGrant {
        share_id: grant.share_id,
        folder_id: grant.folder_id,
        owner_signing_public: B64(grant.owner_signing_public),
        recipient_signing_public: B64(grant.recipient_signing_public),
        recipient_agreement_public: B64(grant.recipient_agreement_public),
        permission: grant.permission,
        generation: grant.generation,
        enc: B64(grant.enc),
        ciphertext: B64(grant.ciphertext),
        signature: B64(grant.signature),
    }
}

pub fn share(record: ShareRecord) -> Share {
    Share {
        id: record.grant.share_id,
        folder_id: record.grant.folder_id,
        owner_id: record.owner_id,
        owner_email: record.owner_email,
        recipient_id: record.recipient_id,
        recipient_email: record.recipient_email,
        permission: record.grant.permission,
        grant: grant(record.grant),
        created_at: record.created_at,
        updated_at: record.updated_at,
    }
}

/// The usage of an account, with what its quotas count and its limits.
pub fn usage(
    record: UsageRecord,
    storage_charged: u64,
    transfer_used_this_month: u64,
    limits: AccountLimits,
) -> Usage {
    Usage {
        bytes_used: record.bytes_used,
        files: record.files,
        folders: record.folders,
        pending_upload_bytes: record.pending_upload_bytes,
        storage_charged,
        storage_quota: limits.storage,
        transfer_used_this_month,
        transfer_quota: limits.transfer,
        bandwidth_limit: limits.bandwidth,
    }
}

/// A link as its owner sees it, its state computed at `now`.
pub fn link(record: LinkRecord, now: i64) -> Link {
    Link {
        id: record.id,
        node_id: record.node_id,
        state: record.state(now),
        password: record.password.is_some(),
        expires_at: record.expires_at,
        max_downloads: record.max_downloads,
        downloads: record.downloads,
        created_at: record.created_at,
        revoked_at: record.revoked_at,
        // The claimant lives with the takedown itself: `routes::links` fills it in.
        takedown: record.takedown.map(|(id, at)| LinkTakedown {
            id,
            at,
            claimant: None,
        }),
    }
}

/// What anyone holding the link id may learn: enough to derive the access token.
pub fn public_link(record: LinkRecord) -> PublicLinkInfo {
    PublicLinkInfo {
        id: record.id,
        password: record.password.map(link_password),
        expires_at: record.expires_at,
    }
}

fn link_password(record: LinkPasswordRecord) -> LinkPassword {
    LinkPassword {
        salt: B64(record.salt),
        iterations: record.iterations,
        memory_kib: record.memory_kib,
        parallelism: record.parallelism,
    }
}
