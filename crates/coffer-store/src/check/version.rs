//! Checking one version: who refers to it, its chunk rows against what its owner promises, and
//! its blob objects against its chunk rows.

use super::blobs::{VersionObject, list_version};
use super::{ConsistencyReport, Inconsistency};
use crate::error::Result;
use crate::meta::check::{ChunkRow, ChunkRule, VersionUse};
use crate::records::Id;
use crate::{BlobStore, MetaStore};
use futures::TryStreamExt;

/// Checks `version` and adds what it finds to `report`.
///
/// The rows are read before the blobs are listed. A blob is written before its row and deleted
/// only once its version is no longer live, so a row of a version that is still live after the
/// listing had its blob there all along: a blob missing from the listing (or of the wrong size)
/// is an error only if [`MetaStore::version_is_live`] still says so afterwards. A blob listed
/// without a row may be a chunk upload in flight: garbage, never an error.
pub(super) async fn check_version(
    meta: &MetaStore,
    blobs: &BlobStore,
    version: Id,
    report: &mut ConsistencyReport,
) -> Result<()> {
    let state = meta.version_state(version).await?;
    let rows = state.chunks.len() as u64;
    report.counts.chunk_rows += rows;
    match state.used_by {
        Some(used) => {
            report.counts.live_versions += 1;
            if state.queued {
                report.error(Inconsistency::LiveVersionQueued {
                    owner: used.owner,
                    version,
                });
            }
            check_chunk_rows(version, used, &state.chunks, report);
        }
        None if state.queued => {
            report.pending_deletion.versions += 1;
            report.pending_deletion.chunk_rows += rows;
        }
        None => report.garbage.unreferenced_chunk_rows += rows,
    }

    // A chunk kept in its row needs no blob; its length is checked here.
    let mut seen: Vec<bool> = state
        .chunks
        .iter()
        .map(|r| r.inline_len.is_some())
        .collect();
    let mut wrong_size: Vec<(usize, u64)> = (state.chunks.iter().enumerate())
        .filter_map(|(at, r)| {
            let len = r.inline_len?;
            (len != r.size).then_some((at, u64::try_from(len).unwrap_or(0)))
        })
        .collect();
    let mut listed = list_version(blobs, version);
    while let Some(object) = listed.try_next().await? {
        let (index, hash, size) = match object {
            VersionObject::Chunk { index, hash, size } => (index, hash, size),
            VersionObject::Unrecognised { size } => {
                report.garbage.unrecognised_objects.add(size);
                continue;
            }
        };
        report.counts.blobs.add(size);
        let row = i64::try_from(index)
            .ok()
            .and_then(|index| state.chunks.binary_search_by_key(&index, |r| r.index).ok())
            .filter(|&at| state.chunks[at].hash == hash);
        match (state.used_by, row) {
            (None, _) if state.queued => report.pending_deletion.blobs.add(size),
            (None, _) => report.garbage.unreferenced_blobs.add(size),
            (Some(_), None) => report.garbage.stray_blobs.add(size),
            (Some(_), Some(at)) if state.chunks[at].inline_len.is_some() => {
                report.garbage.stray_blobs.add(size);
            }
            (Some(_), Some(at)) => {
                seen[at] = true;
                if i64::try_from(size).ok() != Some(state.chunks[at].size) {
                    wrong_size.push((at, size));
                }
            }
        }
    }

    let Some(used) = state.used_by else {
        return Ok(());
    };
    let missing: Vec<&ChunkRow> = (state.chunks.iter().zip(&seen))
        .filter(|(_, seen)| !**seen)
        .map(|(row, _)| row)
        .collect();
    if (missing.is_empty() && wrong_size.is_empty()) || !meta.version_is_live(version).await? {
        return Ok(());
    }
    for row in missing {
        report.error(Inconsistency::BlobMissing {
            owner: used.owner,
            version,
            index: row.index,
        });
    }
    for (at, blob) in wrong_size {
        let row = &state.chunks[at];
        report.error(Inconsistency::BlobSize {
            owner: used.owner,
            version,
            index: row.index,
            row: row.size,
            blob,
        });
    }
    Ok(())
}

/// A committed version has exactly the rows `0..chunk_count`, whose sizes add up to its
/// ciphertext size; an open upload has any of them so far, and none past the count.
fn check_chunk_rows(
    version: Id,
    used: VersionUse,
    rows: &[ChunkRow],
    report: &mut ConsistencyReport,
) {
    let owner = used.owner;
    match used.rule {
        ChunkRule::Committed {
            chunk_count,
            ciphertext_size,
        } => {
            let exact = i64::try_from(rows.len()).ok() == Some(chunk_count)
                && rows.iter().zip(0..).all(|(row, i)| row.index == i);
            if !exact {
                report.error(Inconsistency::ChunkIndexes {
                    owner,
                    version,
                    rows: rows.len() as u64,
                    chunk_count,
                });
            }
            let sum: i128 = rows.iter().map(|row| i128::from(row.size)).sum();
            if sum != i128::from(ciphertext_size) {
                report.error(Inconsistency::ChunkSizes {
                    owner,
                    version,
                    sum,
                    ciphertext_size,
                });
            }
        }
        ChunkRule::Open { chunk_count } => {
            for row in rows
                .iter()
                .filter(|r| r.index < 0 || r.index >= chunk_count)
            {
                report.error(Inconsistency::ChunkBeyondCount {
                    owner,
                    version,
                    index: row.index,
                });
            }
        }
        // The node lacks its version fields: the tree checks report it.
        ChunkRule::Unknown => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::VersionOwner;
    use super::super::fixture::{assert_cases, check, fixture};
    use super::*;
    use bytes::Bytes;

    #[tokio::test]
    async fn broken_chunk_rows_are_reported_as_their_kind() {
        assert_cases(&[
            (
                "DELETE FROM chunks WHERE version_id = $1 AND idx = 1",
                |i| vec![i.big_version],
                &["chunk_indexes", "chunk_sizes"],
            ),
            (
                "UPDATE chunks SET size = size + 1 WHERE version_id = $1 AND idx = 2",
                |i| vec![i.big_version],
                &["blob_size", "chunk_sizes"],
            ),
            (
                "INSERT INTO chunks (version_id, idx, size, hash) VALUES ($1, 5, 1, zeroblob(32))",
                |i| vec![i.upload_version],
                &["blob_missing", "chunk_beyond_count"],
            ),
            (
                "INSERT INTO deleted_versions (version_id, deleted_at) VALUES ($1, 0)",
                |i| vec![i.small_version],
                &["live_version_queued"],
            ),
            (
                "UPDATE chunks SET hash = X'00' WHERE version_id = $1",
                |i| vec![i.small_version],
                &["blob_missing", "malformed_ids"],
            ),
        ])
        .await;
    }

    #[tokio::test]
    async fn missing_or_resized_blobs_of_live_versions_are_errors() {
        let f = fixture().await;
        let i = &f.ids;
        f.blobs
            .delete_chunk(i.big_version, 1, &[2; 32])
            .await
            .unwrap();
        f.blobs
            .delete_chunk(i.upload_version, 0, &[1; 32])
            .await
            .unwrap();
        let short = Bytes::from_static(b"short");
        f.blobs
            .put(i.small_version, 0, &[1; 32], short)
            .await
            .unwrap();
        let report = check(&f).await;
        let expected = [
            Inconsistency::BlobMissing {
                owner: VersionOwner::File(i.big),
                version: i.big_version,
                index: 1,
            },
            Inconsistency::BlobSize {
                owner: VersionOwner::File(i.small),
                version: i.small_version,
                index: 0,
                row: 10,
                blob: 5,
            },
            Inconsistency::BlobMissing {
                owner: VersionOwner::Upload(i.upload),
                version: i.upload_version,
                index: 0,
            },
        ];
        for error in &expected {
            assert!(
                report.errors.contains(error),
                "{error} in {:?}",
                report.errors
            );
        }
        assert_eq!(report.error_count, 3);
    }
}
