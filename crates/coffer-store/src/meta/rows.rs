//! Conversions between rows and records. Stored data is checked, never trusted: a wrong-length id
//! or a negative size is `StoreError::Corrupt`, not a panic.

use crate::error::{Result, StoreError};
use crate::records::{ContentRecord, Hash, Id, NodeKind, NodeRecord, UploadRecord, UploadState};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

/// The columns [`node_from_row`] reads, as a literal for `concat!` (queries stay `&'static str`).
macro_rules! node_columns {
    () => {
        "id, parent_id, kind, author_key, name_tag, wrapped_key, encrypted_attributes, \
         signature, version_id, header, chunk_size, ciphertext_size, chunk_count, \
         chunk_list_hash, revision, created_at, updated_at"
    };
}
pub(crate) use node_columns;

/// The columns [`upload_from_row`] reads, as a literal for `concat!`.
macro_rules! upload_columns {
    () => {
        "id, node_id, parent_id, version_id, name_tag, wrapped_key, encrypted_attributes, \
         header, chunk_size, ciphertext_size, chunk_count, base_revision, state, created_at, \
         expires_at"
    };
}
pub(crate) use upload_columns;

pub(crate) const KIND_FOLDER: i16 = 1;
pub(crate) const KIND_FILE: i16 = 2;

pub(crate) fn kind_from_code(code: i16) -> Result<NodeKind> {
    match code {
        KIND_FOLDER => Ok(NodeKind::Folder),
        KIND_FILE => Ok(NodeKind::File),
        _ => Err(StoreError::Corrupt("node kind")),
    }
}

pub(crate) fn to_id(bytes: &[u8]) -> Result<Id> {
    <[u8; 16]>::try_from(bytes)
        .map(Id)
        .map_err(|_| StoreError::Corrupt("id length"))
}

pub(crate) fn to_hash(bytes: &[u8]) -> Result<Hash> {
    <[u8; 32]>::try_from(bytes).map_err(|_| StoreError::Corrupt("hash length"))
}

/// A u64 for a BIGINT column; values above `i64::MAX` cannot be stored.
pub(crate) fn to_i64(value: u64, what: &'static str) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange(what))
}

pub(crate) fn to_u64(value: i64, what: &'static str) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(what))
}

pub(crate) fn id_at(row: &SqliteRow, col: &str) -> Result<Id> {
    to_id(&row.try_get::<Vec<u8>, _>(col)?)
}

pub(crate) fn opt_id_at(row: &SqliteRow, col: &str) -> Result<Option<Id>> {
    row.try_get::<Option<Vec<u8>>, _>(col)?
        .map(|v| to_id(&v))
        .transpose()
}

pub(crate) fn u64_at(row: &SqliteRow, col: &'static str) -> Result<u64> {
    to_u64(row.try_get::<i64, _>(col)?, col)
}

pub(crate) fn u32_at(row: &SqliteRow, col: &'static str) -> Result<u32> {
    u32::try_from(row.try_get::<i64, _>(col)?).map_err(|_| StoreError::Corrupt(col))
}

pub(crate) fn node_from_row(row: &SqliteRow) -> Result<NodeRecord> {
    let kind = kind_from_code(row.try_get("kind")?)?;
    let content = match kind {
        NodeKind::Folder => None,
        NodeKind::File => {
            let version_id =
                opt_id_at(row, "version_id")?.ok_or(StoreError::Corrupt("file without version"))?;
            let header: Option<Vec<u8>> = row.try_get("header")?;
            let list_hash: Option<Vec<u8>> = row.try_get("chunk_list_hash")?;
            let size = |col: &'static str| -> Result<i64> {
                row.try_get::<Option<i64>, _>(col)?
                    .ok_or(StoreError::Corrupt("file without sizes"))
            };
            Some(ContentRecord {
                version_id,
                header: header.ok_or(StoreError::Corrupt("file without header"))?,
                chunk_size: u32::try_from(size("chunk_size")?)
                    .map_err(|_| StoreError::Corrupt("chunk_size"))?,
                ciphertext_size: to_u64(size("ciphertext_size")?, "ciphertext_size")?,
                chunk_count: to_u64(size("chunk_count")?, "chunk_count")?,
                chunk_list_hash: to_hash(
                    &list_hash.ok_or(StoreError::Corrupt("file without list hash"))?,
                )?,
            })
        }
    };
    Ok(NodeRecord {
        id: id_at(row, "id")?,
        parent_id: opt_id_at(row, "parent_id")?,
        kind,
        author_key: row.try_get("author_key")?,
        name_tag: row.try_get("name_tag")?,
        wrapped_key: row.try_get("wrapped_key")?,
        encrypted_attributes: row.try_get("encrypted_attributes")?,
        signature: row.try_get("signature")?,
        content,
        revision: u64_at(row, "revision")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// An upload row; `received` is left empty for the caller to fill.
pub(crate) fn upload_from_row(row: &SqliteRow) -> Result<UploadRecord> {
    let state: String = row.try_get("state")?;
    Ok(UploadRecord {
        id: id_at(row, "id")?,
        node_id: id_at(row, "node_id")?,
        parent_id: id_at(row, "parent_id")?,
        version_id: id_at(row, "version_id")?,
        name_tag: row.try_get("name_tag")?,
        wrapped_key: row.try_get("wrapped_key")?,
        encrypted_attributes: row.try_get("encrypted_attributes")?,
        header: row.try_get("header")?,
        chunk_size: u32_at(row, "chunk_size")?,
        ciphertext_size: u64_at(row, "ciphertext_size")?,
        chunk_count: u64_at(row, "chunk_count")?,
        base_revision: row
            .try_get::<Option<i64>, _>("base_revision")?
            .map(|r| to_u64(r, "base_revision"))
            .transpose()?,
        state: UploadState::parse(&state).ok_or(StoreError::Corrupt("upload state"))?,
        received: Vec::new(),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}
