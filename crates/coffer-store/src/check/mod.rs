//! The consistency checker: [`check_consistency`] reads both stores and reports what breaks
//! the invariants of docs/ARCHITECTURE.md ("Invariants", "coffer-store"), changing nothing.
//!
//! - **Errors** are references that are missing or wrong: a node whose parent is missing, in
//!   another account or not a folder, a node unreachable from its root, a file without version
//!   fields or a folder with them, an account without its root, a committed version whose chunk
//!   rows are not exactly `0..chunk_count` or do not add up to its ciphertext size, a live
//!   version's chunk whose blob is missing or of the wrong size, a live version queued for
//!   deletion, and whatever SQLite's own checks say.
//! - **Garbage** is unreferenced data a crash (or a lost race) may leave: blobs and chunk rows
//!   of versions nothing refers to, blobs with no chunk row, objects outside the key layout.
//! - **Pending deletion** is what the cleanup task is about to delete.
//!
//! Memory stays bounded on a large store: tree checks stream their rows; blobs are listed one
//! fan-out bucket (`v/<xx>/`) at a time, and within it one version at a time, so the checker
//! holds one bucket's version ids and one version's chunk rows, never a whole listing.
//!
//! It may run beside a live server (SQLite WAL lets it read while the server writes). Each
//! bucket's folders are listed before its rows are read (a version's blobs are written after
//! its upload row, so any version seen on disk is known to the rows read next), and each
//! version is checked from one snapshot of its rows, then its blobs; see
//! [`version::check_version`] for why a missing blob is then never a false alarm. Chunk
//! uploads in flight can still be counted as stray blobs: garbage counts are approximate on a
//! live server, errors are not.

mod blobs;
#[cfg(test)]
mod fixture;
mod inconsistency;
mod report;
mod version;

pub use inconsistency::{Inconsistency, VersionOwner};
pub use report::*;

use crate::error::Result;
use crate::{BlobStore, MetaStore};

/// Checks the metadata store and the blob store against each other. Read-only.
///
/// Errors: the infrastructure ones (`Database`, `Blob`, `Io`) when a store cannot be read,
/// and `Corrupt` for a node id of the wrong length that owns a version. Everything else found
/// is in the report.
pub async fn check_consistency(meta: &MetaStore, blobs: &BlobStore) -> Result<ConsistencyReport> {
    let mut report = ConsistencyReport {
        counts: meta.check_counts().await?,
        ..ConsistencyReport::default()
    };
    meta.check_sqlite_integrity(&mut |found| report.error(found))
        .await?;
    meta.check_tree(&mut |found| report.error(found)).await?;
    let outside = blobs::unrecognised_outside_buckets(blobs).await?;
    report.garbage.unrecognised_objects.merge(outside);
    for bucket in 0..=u8::MAX {
        // Folders first, rows second: see the module documentation.
        let listing = blobs::list_bucket(blobs, bucket).await?;
        report
            .garbage
            .unrecognised_objects
            .merge(listing.unrecognised);
        let mut versions = meta.versions_in_bucket(bucket).await?;
        versions.extend(listing.versions);
        versions.sort_unstable();
        versions.dedup();
        for version in versions {
            version::check_version(meta, blobs, version, &mut report).await?;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::fixture::{assert_cases, check, corrupt, fixture};
    use super::*;
    use crate::conformance::NOW;
    use crate::records::Id;
    use bytes::Bytes;
    use object_store::ObjectStoreExt;

    #[tokio::test]
    async fn a_healthy_store_is_consistent_and_counted() {
        let f = fixture().await;
        let report = check(&f).await;
        assert_eq!(report.errors, vec![]);
        assert!(report.is_consistent() && report.garbage.is_empty());
        assert_eq!(report.pending_deletion, PendingDeletion::default());
        let counts = report.counts;
        assert_eq!(
            (
                counts.accounts,
                counts.folders,
                counts.files,
                counts.open_uploads
            ),
            (2, 3, 2, 1)
        );
        assert_eq!((counts.live_versions, counts.chunk_rows), (3, 5));
        let bytes = 3 * 65552 + 100 + 10;
        assert_eq!(counts.blobs, Tally { count: 5, bytes });

        // The read-only handle sees the same, beside the open writer, and cannot write.
        let path = f.dir.path().join("meta.sqlite");
        let read_only = MetaStore::open_sqlite_read_only(&path).await.unwrap();
        let again = check_consistency(&read_only, &f.blobs).await.unwrap();
        assert_eq!(again, report);
        assert!(read_only.init_server_config("k", b"v").await.is_err());
        let missing = f.dir.path().join("absent.sqlite");
        assert!(MetaStore::open_sqlite_read_only(&missing).await.is_err());
        assert!(!missing.exists());
    }

    /// Each case breaks a fresh fixture with one SQL statement and names the errors expected.
    #[tokio::test]
    async fn each_broken_reference_is_reported_as_its_kind() {
        assert_cases(&[
            (
                "UPDATE nodes SET parent_id = $1 WHERE id = $2",
                |i| vec![Id([0xee; 16]), i.small],
                &["foreign_key", "parent_missing"],
            ),
            (
                "UPDATE nodes SET parent_id = $1 WHERE id = $2",
                |i| vec![i.other_root, i.small],
                &["parent_in_other_account"],
            ),
            (
                "UPDATE nodes SET parent_id = $1 WHERE id = $2",
                |i| vec![i.small, i.big],
                &["parent_not_a_folder"],
            ),
            (
                "UPDATE nodes SET parent_id = NULL WHERE id = $1",
                |i| vec![i.folder],
                &["extra_root", "unreachable_node"],
            ),
            (
                "UPDATE nodes SET parent_id = id WHERE id = $1",
                |i| vec![i.folder],
                &["unreachable_node", "unreachable_node"],
            ),
            (
                "UPDATE nodes SET header = NULL WHERE id = $1",
                |i| vec![i.small],
                &["file_without_content"],
            ),
            (
                "UPDATE nodes SET chunk_count = 1 WHERE id = $1",
                |i| vec![i.folder],
                &["folder_with_content"],
            ),
            (
                "UPDATE nodes SET kind = 7 WHERE id = $1",
                |i| vec![i.folder],
                &["parent_not_a_folder", "unknown_node_kind"],
            ),
            (
                "DELETE FROM nodes WHERE id = $1",
                |i| vec![i.other_root],
                &["root_missing"],
            ),
            (
                "UPDATE accounts SET root_id = $1 WHERE root_id = $2",
                |i| vec![Id([0xee; 16]), i.root],
                &[
                    "extra_root",
                    "root_missing",
                    "unreachable_node",
                    "unreachable_node",
                    "unreachable_node",
                ],
            ),
        ])
        .await;
    }

    #[tokio::test]
    async fn unreferenced_data_is_garbage_not_an_error() {
        let f = fixture().await;
        let i = &f.ids;
        let bytes = || Bytes::from_static(b"1234567");
        // A crash after a blob write, a lost chunk race, a hand-made mess, a lost row.
        f.blobs
            .put(Id([0xee; 16]), 0, &[9; 32], bytes())
            .await
            .unwrap();
        f.blobs
            .put(i.big_version, 0, &[9; 32], bytes())
            .await
            .unwrap();
        let objects = f.blobs.objects();
        for key in ["notes.txt", "v/zz/x", "v/ab/not-a-version/x", "v/readme"] {
            objects.put(&key.into(), bytes().into()).await.unwrap();
        }
        let leaf = format!("{}/junk", crate::blob::version_prefix(i.small_version));
        objects
            .put(&leaf.as_str().into(), bytes().into())
            .await
            .unwrap();
        corrupt(
            &f,
            "INSERT INTO chunks (version_id, idx, size, hash) VALUES ($1, 0, 7, zeroblob(32))",
            &[Id([0xdd; 16])],
        )
        .await;

        let report = check(&f).await;
        assert!(report.is_consistent(), "{:?}", report.errors);
        let seven = |count| Tally {
            count,
            bytes: 7 * count,
        };
        assert_eq!(
            report.garbage,
            Garbage {
                unreferenced_blobs: seven(1),
                stray_blobs: seven(1),
                unreferenced_chunk_rows: 1,
                unrecognised_objects: seven(5),
            }
        );
    }

    #[tokio::test]
    async fn queued_versions_are_pending_even_half_deleted() {
        let f = fixture().await;
        let i = &f.ids;
        let queued = f.meta.delete_subtree(i.account, i.folder, true, NOW).await;
        assert_eq!(queued.unwrap(), vec![i.big_version]);
        // The cleanup crashed after deleting one blob: rows and queue entry still there.
        f.blobs
            .delete_chunk(i.big_version, 0, &[1; 32])
            .await
            .unwrap();
        let report = check(&f).await;
        assert!(report.is_consistent(), "{:?}", report.errors);
        assert!(report.garbage.is_empty());
        let blobs = Tally {
            count: 2,
            bytes: 65552 + 100,
        };
        assert_eq!(
            report.pending_deletion,
            PendingDeletion {
                versions: 1,
                chunk_rows: 3,
                blobs
            }
        );

        f.blobs.delete_version(i.big_version).await.unwrap();
        f.meta.forget_version(i.big_version).await.unwrap();
        let report = check(&f).await;
        assert!(report.is_consistent() && report.garbage.is_empty());
        assert_eq!(report.pending_deletion, PendingDeletion::default());
        assert_eq!((report.counts.files, report.counts.chunk_rows), (1, 2));
    }

    #[tokio::test]
    async fn an_import_reads_its_sources_chunks_without_error_or_garbage() {
        let f = fixture().await;
        let i = &f.ids;
        let link = crate::records::NewLinkRecord {
            id: Id::random(),
            node_id: i.big,
            sealed_key: vec![7; 125],
            access_hash: [8; 32],
            password: None,
            expires_at: None,
            max_downloads: None,
        };
        f.meta.create_link(i.account, &link, NOW).await.unwrap();
        let source = f.meta.get_node(i.account, i.big).await.unwrap();
        let c = source.content.unwrap();
        let import = crate::records::ImportedFile {
            link_id: link.id,
            source_node: i.big,
            source_version: c.version_id,
            node_id: Id::random(),
            parent_id: i.other_root,
            version_id: Id::random(),
            name_tag: b"imported".to_vec(),
            wrapped_key: vec![2; 93],
            encrypted_attributes: vec![9; 70],
            author_key: vec![3; 32],
            signature: vec![4; 64],
            header: c.header,
            chunk_size: c.chunk_size,
            ciphertext_size: c.ciphertext_size,
            chunk_count: c.chunk_count,
            chunk_list_hash: c.chunk_list_hash,
        };
        let other = (f.meta.account_by_email("b@example.org").await.unwrap())
            .unwrap()
            .id;
        f.meta
            .import_file(other, i.account, &import, NOW)
            .await
            .unwrap();
        let report = check(&f).await;
        assert_eq!(report.errors, vec![]);
        assert!(report.garbage.is_empty(), "{:?}", report.garbage);
        // The original gone, the import alone keeps the chunks: still no error, no garbage.
        f.meta
            .delete_subtree(i.account, i.big, false, NOW)
            .await
            .unwrap();
        let report = check(&f).await;
        assert_eq!(report.errors, vec![]);
        assert!(report.garbage.is_empty(), "{:?}", report.garbage);
        assert_eq!(report.pending_deletion, PendingDeletion::default());
    }
}
