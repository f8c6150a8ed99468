//! Listing the blob store for the checker, one fan-out bucket and one version at a time, so that
//! memory is bounded by one bucket's version ids, never by the whole listing. Keys are read back
//! against the layout of [`crate::blob`]; whatever does not fit it is counted as unrecognised.

use super::report::Tally;
use crate::BlobStore;
use crate::blob::{TOP, bucket_prefix, parse_chunk_leaf, version_prefix};
use crate::error::Result;
use crate::records::{Hash, Id};
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectMeta, ObjectStore};

/// What one fan-out folder `v/<xx>/` holds.
pub(crate) struct BucketListing {
    /// Version folders, named by a version id of this bucket.
    pub versions: Vec<Id>,
    /// Objects and folders here that fit no layout.
    pub unrecognised: Tally,
}

/// One object under a version's folder.
pub(crate) enum VersionObject {
    Chunk { index: u64, hash: Hash, size: u64 },
    Unrecognised { size: u64 },
}

/// Lists `v/<xx>/` (one level).
pub(crate) async fn list_bucket(blobs: &BlobStore, bucket: u8) -> Result<BucketListing> {
    let listed = blobs
        .objects()
        .list_with_delimiter(Some(&bucket_prefix(bucket)))
        .await?;
    let mut unrecognised = Tally::default();
    for object in &listed.objects {
        unrecognised.add(object.size);
    }
    let mut versions = Vec::new();
    for folder in &listed.common_prefixes {
        let id = folder.filename().and_then(|name| name.parse::<Id>().ok());
        match id {
            Some(id) if id.0[0] == bucket => versions.push(id),
            _ => unrecognised.merge(tally_under(blobs.objects(), folder).await?),
        }
    }
    Ok(BucketListing {
        versions,
        unrecognised,
    })
}

/// Every object under `v/<xx>/<version>/`, streamed.
pub(crate) fn list_version(blobs: &BlobStore, version: Id) -> BoxStream<'_, Result<VersionObject>> {
    let prefix = version_prefix(version);
    blobs
        .objects()
        .list(Some(&prefix))
        .filter_map(move |listed| {
            let found = match listed {
                Ok(meta) => Some(Ok(classify(&prefix, &meta))),
                // Deleted between the directory read and its stat: gone, so not there.
                Err(object_store::Error::NotFound { .. }) => None,
                Err(e) => Some(Err(e.into())),
            };
            std::future::ready(found)
        })
        .boxed()
}

fn classify(prefix: &ObjectPath, meta: &ObjectMeta) -> VersionObject {
    let leaf = meta.location.prefix_match(prefix).and_then(|mut parts| {
        let leaf = parts.next()?;
        parts.next().is_none().then_some(leaf)
    });
    match leaf.and_then(|leaf| parse_chunk_leaf(leaf.as_ref())) {
        Some((index, hash)) => VersionObject::Chunk {
            index,
            hash,
            size: meta.size,
        },
        None => VersionObject::Unrecognised { size: meta.size },
    }
}

/// Objects outside every `v/<xx>/` folder: at the top, directly in `v/`, or in a folder whose
/// name is not a bucket's.
pub(crate) async fn unrecognised_outside_buckets(blobs: &BlobStore) -> Result<Tally> {
    let objects = blobs.objects();
    let mut found = Tally::default();
    let top = objects.list_with_delimiter(None).await?;
    let v = ObjectPath::from(TOP);
    for folder in top.common_prefixes.iter().filter(|f| **f != v) {
        found.merge(tally_under(objects, folder).await?);
    }
    let buckets = objects.list_with_delimiter(Some(&v)).await?;
    for object in top.objects.iter().chain(&buckets.objects) {
        found.add(object.size);
    }
    for folder in &buckets.common_prefixes {
        if !folder.filename().is_some_and(is_bucket_name) {
            found.merge(tally_under(objects, folder).await?);
        }
    }
    Ok(found)
}

/// Two lowercase hex digits, as [`bucket_prefix`] writes them.
fn is_bucket_name(name: &str) -> bool {
    name.len() == 2 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

async fn tally_under(objects: &dyn ObjectStore, prefix: &ObjectPath) -> Result<Tally> {
    let mut listed = objects.list(Some(prefix));
    let mut found = Tally::default();
    while let Some(meta) = listed.next().await {
        match meta {
            Ok(meta) => found.add(meta.size),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(found)
}
