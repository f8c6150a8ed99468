//! The conformance suite every metadata engine must pass: [`run_suite`] takes an open store and
//! checks the behaviour the server relies on. Each part uses its own fresh accounts, so the parts
//! share one store. Today it runs on SQLite; a PostgreSQL engine adds one `#[tokio::test]`.

mod accounts;
mod commits;
mod imports;
mod links;
mod nodes;
mod sessions;
mod shares;
pub(crate) mod small_files;
mod takedowns;
mod uploads;

use crate::records::*;
use crate::{MetaStore, StoreError};
pub(crate) use small_files::small_file;

pub(crate) async fn run_suite(meta: &MetaStore) {
    accounts::run(meta).await;
    nodes::run(meta).await;
    uploads::run(meta).await;
    commits::run(meta).await;
    small_files::run(meta).await;
    links::run(meta).await;
    imports::run(meta).await;
    takedowns::run(meta).await;
    shares::run(meta).await;
    sessions::run(meta).await;
}

#[tokio::test]
async fn sqlite_passes_the_suite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let meta = MetaStore::open_sqlite(&dir.path().join("meta.sqlite"))
        .await
        .expect("open");
    run_suite(&meta).await;
}

#[tokio::test]
async fn sqlite_keeps_everything_across_reopen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("meta.sqlite");
    let meta = MetaStore::open_sqlite(&path).await.unwrap();
    let (account, root) = new_account(&meta, "reopen@example.org").await;
    let folder = folder_in(root, b"tag");
    meta.create_folder(account, &folder, 2).await.unwrap();
    meta.init_server_config("k", b"first").await.unwrap();
    meta.close().await;

    let meta = MetaStore::open_sqlite(&path).await.unwrap();
    assert_eq!(
        meta.get_node(account, folder.id).await.unwrap().parent_id,
        Some(root)
    );
    assert_eq!(
        meta.init_server_config("k", b"second").await.unwrap(),
        b"first"
    );
    assert_eq!(meta.server_config("k").await.unwrap().unwrap(), b"first");
}

// ---------- fixtures shared by the parts ----------

pub(crate) const NOW: i64 = 1_000_000;

pub(crate) fn new_folder(id: Id, parent: Option<Id>, tag: &[u8]) -> NewFolder {
    NewFolder {
        id,
        parent_id: parent,
        author_key: vec![1; 32],
        name_tag: tag.to_vec(),
        wrapped_key: vec![2; 93],
        encrypted_attributes: vec![3; 80],
        signature: vec![4; 64],
    }
}

pub(crate) fn folder_in(parent: Id, tag: &[u8]) -> NewFolder {
    new_folder(Id::random(), Some(parent), tag)
}

/// A fresh account; returns its id and its root's id.
pub(crate) async fn new_account(meta: &MetaStore, email: &str) -> (Id, Id) {
    let (id, root) = (Id::random(), Id::random());
    let account = NewAccount {
        id,
        email: email.to_string(),
        password_file: vec![9; 192],
        key_container: "{}".to_string(),
        root: new_folder(root, None, b""),
    };
    meta.create_account(&account, NOW)
        .await
        .expect("create account");
    (id, root)
}

pub(crate) fn new_upload(parent: Id, node: Id, tag: &[u8], ciphertext_size: u64) -> NewUpload {
    let chunk_size = 65536u32;
    let per_chunk = u64::from(chunk_size) + 16;
    NewUpload {
        id: Id::random(),
        node_id: node,
        parent_id: parent,
        version_id: Id::random(),
        name_tag: tag.to_vec(),
        wrapped_key: vec![2; 93],
        encrypted_attributes: vec![5; 40],
        header: vec![6; 106],
        chunk_size,
        ciphertext_size,
        chunk_count: ciphertext_size.div_ceil(per_chunk).max(1),
        base_revision: None,
        expires_at: NOW + 86_400_000,
    }
}

/// A stand-in for the protocol's chunk list hash: any injective-enough function will do here.
pub(crate) fn list_hash(hashes: &[Hash]) -> Hash {
    let mut out = [0u8; 32];
    out[0] = hashes.len() as u8;
    for (i, h) in hashes.iter().enumerate() {
        for (o, b) in out.iter_mut().zip(h) {
            *o = o.wrapping_add(b.wrapping_mul(i as u8 + 1));
        }
    }
    out
}

pub(crate) fn commit_with(hashes: &[Hash]) -> UploadCommit {
    UploadCommit {
        encrypted_attributes: vec![7; 60],
        chunk_list_hash: list_hash(hashes),
        author_key: vec![1; 32],
        signature: vec![8; 64],
    }
}

pub(crate) fn assert_err<T: std::fmt::Debug>(r: crate::Result<T>, want: &str) {
    match r {
        Err(e) => assert_eq!(variant(&e), want, "got {e:?}"),
        Ok(v) => panic!("expected {want}, got Ok({v:?})"),
    }
}

fn variant(e: &StoreError) -> &'static str {
    match e {
        StoreError::NotFound => "NotFound",
        StoreError::EmailTaken => "EmailTaken",
        StoreError::IdExists => "IdExists",
        StoreError::NameExists => "NameExists",
        StoreError::NotAFolder => "NotAFolder",
        StoreError::RevisionConflict => "RevisionConflict",
        StoreError::InvalidMove => "InvalidMove",
        StoreError::FolderNotEmpty => "FolderNotEmpty",
        StoreError::ChunkConflict => "ChunkConflict",
        StoreError::UploadIncomplete => "UploadIncomplete",
        StoreError::UploadCommitted => "UploadCommitted",
        StoreError::UploadExpired => "UploadExpired",
        StoreError::ChunkListMismatch => "ChunkListMismatch",
        StoreError::AlreadyShared => "AlreadyShared",
        StoreError::QuotaExceeded { .. } => "QuotaExceeded",
        StoreError::TransferQuotaExceeded { .. } => "TransferQuotaExceeded",
        _ => "other",
    }
}
