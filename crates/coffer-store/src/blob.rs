//! The blob store: encrypted chunks as objects, through the `object_store` crate.
//!
//! Key layout: `v/<first two hex digits of the version>/<version hex>/<index>-<hash hex>`.
//! - The version prefix lets a whole version be listed and deleted at once.
//! - The two-digit fan-out keeps directories small on a local filesystem.
//! - The chunk's hash is part of the key, so two racing uploads of *different* bytes for the same
//!   index never overwrite each other: the metadata row (first writer wins) says which object is
//!   the chunk, and the loser's object is garbage its uploader deletes. Readers always know the
//!   hash (it is in the chunk row), so they can build the key.
//!
//! Durability: the local engine writes and reads chunk files itself, with direct I/O, at the
//! paths `object_store`'s `LocalFileSystem` uses for the same keys (see [`local`] for the steps
//! and why a crash cannot leave a row naming an incomplete blob); listing and deleting go through
//! `LocalFileSystem` (`with_fsync(true)`). A put that returned is on disk. Remote stores (S3)
//! acknowledge durable writes themselves and are used through `object_store` for everything.

mod aligned;
mod local;

pub use aligned::BlobBuf;
use aligned::BufferPool;

use crate::error::{Result, StoreError};
use crate::records::{Hash, Id};
use bytes::Bytes;
use futures::stream::StreamExt;
use local::LocalChunks;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::sync::Arc;

/// Spare chunk buffers kept for reuse, in bytes (four 8 MiB chunks, eight 4 MiB ones).
const SPARE_BUFFER_BYTES: usize = 33 << 20;

/// The largest chunk object there can be (a 16 MiB chunk and its tag): reads refuse more.
const MAX_BLOB_LEN: u64 = coffer_api::MAX_CHUNK_SIZE as u64 + coffer_api::CHUNK_OVERHEAD;

/// Handle to the chunk blobs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct BlobStore {
    objects: Arc<dyn ObjectStore>,
    /// The local engine's own chunk reads and writes; `None` for other engines.
    local: Option<Arc<Local>>,
    /// Chunk buffers, reused.
    buffers: Arc<BufferPool>,
}

#[derive(Debug)]
struct Local {
    /// Maps keys to paths exactly as the listings and deletions see them.
    fs: Arc<LocalFileSystem>,
    chunks: LocalChunks,
}

impl BlobStore {
    /// Blobs as files under `dir` (created if missing), written durably.
    pub fn open_local(dir: &std::path::Path) -> Result<BlobStore> {
        std::fs::create_dir_all(dir)?;
        let fs = Arc::new(
            LocalFileSystem::new_with_prefix(dir)?
                .with_fsync(true)
                .with_automatic_cleanup(true),
        );
        let local = Local {
            fs: Arc::clone(&fs),
            chunks: LocalChunks::probe(dir),
        };
        Ok(BlobStore {
            objects: fs,
            local: Some(Arc::new(local)),
            buffers: BufferPool::new(SPARE_BUFFER_BYTES),
        })
    }

    /// Blobs in any object store (e.g. S3); it must acknowledge only durable writes.
    pub fn with_object_store(objects: Arc<dyn ObjectStore>) -> BlobStore {
        BlobStore {
            objects,
            local: None,
            buffers: BufferPool::new(SPARE_BUFFER_BYTES),
        }
    }

    /// An empty buffer for a chunk of up to `len` bytes, to fill and [`Self::put`]: aligned for
    /// direct I/O, and reused from earlier chunks when one is free.
    pub fn buffer(&self, len: usize) -> BlobBuf {
        self.buffers.buffer(len)
    }

    /// Stores chunk `index` of `version`, whose BLAKE3 hash the caller has checked. Putting the
    /// same bytes again is harmless. A [`BlobBuf`] (see [`Self::buffer`]) is written without a
    /// copy; other bytes are copied into one.
    pub async fn put(
        &self,
        version: Id,
        index: u64,
        hash: &Hash,
        chunk: impl Into<BlobBuf>,
    ) -> Result<()> {
        let key = chunk_key(version, index, hash);
        let chunk = chunk.into();
        let Some(local) = &self.local else {
            let payload = PutPayload::from_bytes(chunk.into_bytes());
            self.objects.put(&key, payload).await?;
            return Ok(());
        };
        let path = local.fs.path_to_filesystem(&key)?;
        let local = Arc::clone(local);
        Ok(blocking(move || local.chunks.write(&path, &chunk)).await?)
    }

    /// The whole chunk, read in one go. `NotFound` if it is not stored.
    ///
    /// Deliberately not a stream: one read of the whole chunk (at most 16 MiB) costs far less
    /// than many small ones. The local engine reads with direct I/O into an aligned buffer that
    /// the returned [`Bytes`] share.
    pub async fn get(&self, version: Id, index: u64, hash: &Hash) -> Result<Bytes> {
        let key = chunk_key(version, index, hash);
        let Some(local) = &self.local else {
            let found = self.objects.get(&key).await;
            return Ok(not_found_as_store_error(found)?.bytes().await?);
        };
        let path = local.fs.path_to_filesystem(&key)?;
        let (local, buffers) = (Arc::clone(local), Arc::clone(&self.buffers));
        match blocking(move || local.chunks.read(&path, MAX_BLOB_LEN, &buffers)).await {
            Ok(buf) => Ok(buf.into_bytes()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes one stored chunk object (e.g. the loser of a racing upload). Missing is fine.
    pub async fn delete_chunk(&self, version: Id, index: u64, hash: &Hash) -> Result<()> {
        ignore_not_found(self.objects.delete(&chunk_key(version, index, hash)).await)
    }

    /// Deletes every object of the version; returns how many there were. Missing is fine.
    pub async fn delete_version(&self, version: Id) -> Result<u64> {
        let prefix = version_prefix(version);
        let mut listed = self.objects.list(Some(&prefix));
        let mut deleted = 0;
        while let Some(meta) = listed.next().await {
            let meta = match meta {
                Ok(meta) => meta,
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            ignore_not_found(self.objects.delete(&meta.location).await)?;
            deleted += 1;
        }
        Ok(deleted)
    }
}

impl BlobStore {
    /// The engine, for the consistency checker's listings (`crate::check`).
    pub(crate) fn objects(&self) -> &dyn ObjectStore {
        self.objects.as_ref()
    }
}

/// The top folder of every chunk object.
pub(crate) const TOP: &str = "v";

/// `v/<xx>`: the fan-out folder of every version whose first byte is `bucket`.
pub(crate) fn bucket_prefix(bucket: u8) -> ObjectPath {
    ObjectPath::from_iter([TOP, &format!("{bucket:02x}")])
}

pub(crate) fn version_prefix(version: Id) -> ObjectPath {
    let hex = version.to_string();
    ObjectPath::from_iter([TOP, &hex[..2], &hex])
}

fn chunk_key(version: Id, index: u64, hash: &Hash) -> ObjectPath {
    let hex = version.to_string();
    ObjectPath::from_iter([TOP, &hex[..2], &hex, &chunk_leaf(index, hash)])
}

fn chunk_leaf(index: u64, hash: &Hash) -> String {
    format!("{index}-{}", hex::encode(hash))
}

/// The index and hash a chunk object's last key part names, if it is exactly what [`chunk_key`]
/// writes (no leading zeros, lowercase hex): anything else is not a chunk of ours.
pub(crate) fn parse_chunk_leaf(leaf: &str) -> Option<(u64, Hash)> {
    let (index, hash) = leaf.split_once('-')?;
    let index: u64 = index.parse().ok()?;
    let hash: Hash = hex::decode(hash).ok()?.try_into().ok()?;
    (chunk_leaf(index, &hash) == leaf).then_some((index, hash))
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
}

fn not_found_as_store_error<T>(r: object_store::Result<T>) -> Result<T> {
    match r {
        Err(object_store::Error::NotFound { .. }) => Err(StoreError::NotFound),
        other => Ok(other?),
    }
}

fn ignore_not_found(r: object_store::Result<()>) -> Result<()> {
    match r {
        Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, BlobStore) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = BlobStore::open_local(&dir.path().join("blobs")).expect("open");
        (dir, store)
    }

    #[tokio::test]
    async fn put_get_overwrite_and_delete() {
        let (_dir, blobs) = store();
        let (v, h) = (Id([7; 16]), [1u8; 32]);
        blobs
            .put(v, 0, &h, Bytes::from_static(b"abc"))
            .await
            .unwrap();
        assert_eq!(
            blobs.get(v, 0, &h).await.unwrap(),
            Bytes::from_static(b"abc")
        );
        blobs
            .put(v, 0, &h, Bytes::from_static(b"abc"))
            .await
            .unwrap();
        blobs
            .put(v, 1, &h, Bytes::from_static(b"def"))
            .await
            .unwrap();
        assert_eq!(
            blobs.get(v, 1, &h).await.unwrap(),
            Bytes::from_static(b"def")
        );
        assert!(matches!(
            blobs.get(v, 2, &h).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(blobs.delete_version(v).await.unwrap(), 2);
        assert!(matches!(
            blobs.get(v, 0, &h).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(blobs.delete_version(v).await.unwrap(), 0);
    }

    #[test]
    fn chunk_leaves_parse_back_exactly() {
        let hash = [0xab; 32];
        assert_eq!(parse_chunk_leaf(&chunk_leaf(17, &hash)), Some((17, hash)));
        let hex = hex::encode(hash);
        for bad in [
            format!("017-{hex}"),
            format!("+17-{hex}"),
            format!("17-{}", hex.to_uppercase()),
            format!("17-{}", &hex[2..]),
            format!("17_{hex}"),
            "17-".to_string(),
        ] {
            assert_eq!(parse_chunk_leaf(&bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn racing_hashes_get_distinct_objects() {
        let (_dir, blobs) = store();
        let v = Id([9; 16]);
        blobs
            .put(v, 0, &[1; 32], Bytes::from_static(b"one"))
            .await
            .unwrap();
        blobs
            .put(v, 0, &[2; 32], Bytes::from_static(b"two"))
            .await
            .unwrap();
        blobs.delete_chunk(v, 0, &[2; 32]).await.unwrap();
        blobs.delete_chunk(v, 0, &[2; 32]).await.unwrap();
        assert_eq!(
            blobs.get(v, 0, &[1; 32]).await.unwrap(),
            Bytes::from_static(b"one")
        );
    }

    #[tokio::test]
    async fn versions_are_isolated_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blobs");
        let (a, b, h) = (Id([0xab; 16]), Id([0xac; 16]), [3u8; 32]);
        {
            let blobs = BlobStore::open_local(&path).unwrap();
            blobs.put(a, 0, &h, Bytes::from_static(b"a")).await.unwrap();
            blobs.put(b, 0, &h, Bytes::from_static(b"b")).await.unwrap();
            blobs.delete_version(a).await.unwrap();
        }
        let blobs = BlobStore::open_local(&path).unwrap();
        assert!(matches!(
            blobs.get(a, 0, &h).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(blobs.get(b, 0, &h).await.unwrap(), Bytes::from_static(b"b"));
        // No staging files or empty directories left behind.
        assert!(!path.join("v").join("ab").exists());
    }
}
