//! A small store for the checker's tests, built through the store's own API (the conformance
//! suite's helpers), and the means to break it.

use super::{ConsistencyReport, Inconsistency, check_consistency};
use crate::conformance::{NOW, commit_with, folder_in, list_hash, new_account, new_upload};
use crate::records::{Hash, Id, NewUpload};
use crate::{BlobStore, MetaStore};
use bytes::Bytes;

/// Account A: root / folder / big (3 chunks), root / small (1 chunk), and an open upload
/// with one of its two chunks. Account B: an empty root.
pub(super) struct Fixture {
    pub dir: tempfile::TempDir,
    pub meta: MetaStore,
    pub blobs: BlobStore,
    pub ids: Ids,
}

/// The ids a case breaks: nodes, then their versions, then account B's.
pub(super) struct Ids {
    pub account: Id,
    pub root: Id,
    pub folder: Id,
    pub big: Id,
    pub small: Id,
    pub upload: Id,
    pub big_version: Id,
    pub small_version: Id,
    pub upload_version: Id,
    pub other_root: Id,
}

pub(super) async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let meta = MetaStore::open_sqlite(&dir.path().join("meta.sqlite"))
        .await
        .unwrap();
    let blobs = BlobStore::open_local(&dir.path().join("blobs")).unwrap();
    let (account, root) = new_account(&meta, "a@example.org").await;
    let folder = folder_in(root, b"folder");
    meta.create_folder(account, &folder, NOW).await.unwrap();
    let (big, big_version) =
        stored_file(&meta, &blobs, account, folder.id, &[65552, 65552, 100]).await;
    let (small, small_version) = stored_file(&meta, &blobs, account, root, &[10]).await;
    let upload = new_upload(root, Id::random(), b"partial", 65552 + 5);
    meta.create_upload(account, &upload, NOW).await.unwrap();
    stored_chunk(&meta, &blobs, account, &upload, 0, 65552).await;
    let (_, other_root) = new_account(&meta, "b@example.org").await;
    let ids = Ids {
        account,
        root,
        folder: folder.id,
        big,
        small,
        upload: upload.id,
        big_version,
        small_version,
        upload_version: upload.version_id,
        other_root,
    };
    Fixture {
        dir,
        meta,
        blobs,
        ids,
    }
}

async fn stored_chunk(
    meta: &MetaStore,
    blobs: &BlobStore,
    account: Id,
    upload: &NewUpload,
    index: u64,
    size: u64,
) -> Hash {
    let hash = [index as u8 + 1; 32];
    let bytes = Bytes::from(vec![0; size as usize]);
    blobs
        .put(upload.version_id, index, &hash, bytes)
        .await
        .unwrap();
    meta.record_chunk(account, upload.id, index, size, &hash, NOW)
        .await
        .unwrap();
    hash
}

/// A committed file with chunks of `sizes`; returns its node and version ids.
async fn stored_file(
    meta: &MetaStore,
    blobs: &BlobStore,
    account: Id,
    parent: Id,
    sizes: &[u64],
) -> (Id, Id) {
    let upload = new_upload(
        parent,
        Id::random(),
        &[sizes.len() as u8],
        sizes.iter().sum(),
    );
    assert_eq!(upload.chunk_count, sizes.len() as u64);
    meta.create_upload(account, &upload, NOW).await.unwrap();
    let mut hashes = Vec::new();
    for (index, &size) in sizes.iter().enumerate() {
        hashes.push(stored_chunk(meta, blobs, account, &upload, index as u64, size).await);
    }
    let commit = commit_with(&hashes);
    meta.commit_upload(account, upload.id, &commit, NOW, list_hash)
        .await
        .unwrap();
    (upload.node_id, upload.version_id)
}

/// Runs `sql` with `ids` bound as `$1, $2…` on a connection of its own, with foreign keys
/// off: what a bug, a bad restore or a hand edit could do.
pub(super) async fn corrupt(f: &Fixture, sql: &'static str, ids: &[Id]) {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(f.dir.path().join("meta.sqlite"))
        .foreign_keys(false);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let mut query = sqlx::query(sql);
    for id in ids {
        query = query.bind(id.0.to_vec());
    }
    assert!(
        query.execute(&pool).await.unwrap().rows_affected() > 0,
        "{sql}"
    );
    pool.close().await;
}

pub(super) async fn check(f: &Fixture) -> ConsistencyReport {
    check_consistency(&f.meta, &f.blobs).await.unwrap()
}

pub(super) fn codes(report: &ConsistencyReport) -> Vec<&'static str> {
    let mut codes: Vec<_> = report.errors.iter().map(Inconsistency::code).collect();
    codes.sort_unstable();
    codes
}

/// A statement that breaks the store, the ids it binds, and the error codes expected.
pub(super) type Case = (&'static str, fn(&Ids) -> Vec<Id>, &'static [&'static str]);

/// Breaks a fresh fixture with each case's statement and checks exactly its errors are reported.
pub(super) async fn assert_cases(cases: &[Case]) {
    for (sql, ids, expected) in cases {
        let f = fixture().await;
        corrupt(&f, sql, &ids(&f.ids)).await;
        let report = check(&f).await;
        assert_eq!(codes(&report), *expected, "{sql}: {:?}", report.errors);
        assert_eq!(report.error_count, expected.len() as u64);
    }
}
