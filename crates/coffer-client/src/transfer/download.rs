//! Downloading one file: chunks fetched with bounded concurrency; each chunk is checked,
//! authenticated under the header-bound content key (with its index and final flag), hashed and
//! written at its offset of a partial file by the task that fetched it, so both cores work and
//! no stage waits for chunks in order. Only the bookkeeping is ordered: at the end the
//! ciphertext hashes must summarise to the signed chunk list hash, and size and plaintext BLAKE3
//! (merged from per-chunk subtree hashes, `plain_hash`) must match the signed attributes. Only
//! then is the partial file renamed into place.

use super::partial::{ChunkWriter, PartialFile};
use super::plain_hash::{ChunkHash, FileHash};
use super::{BufferPool, TransferId, TransferOptions};
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::http::Api;
use crate::path::DrivePath;
use crate::plan::{Local, plan_get_file};
use crate::verify::VerifiedNode;
use bytes::Bytes;
use coffer_api::Id;
use coffer_crypto::ContentDecryptor;
use futures::StreamExt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// The per-chunk work of one download, shared by its chunk tasks.
struct ChunkCheck {
    decryptor: ContentDecryptor,
    writer: Arc<ChunkWriter>,
    label: String,
    size: u64,
    count: u64,
    /// Whether to hash the plaintext by subtrees (a signed hash exists and the chunk size
    /// allows it).
    hash_plaintext: bool,
}

/// A chunk verified and written.
struct ChunkDone {
    /// BLAKE3 of the ciphertext, for the chunk list.
    hash: [u8; 32],
    plaintext: Option<ChunkHash>,
    len: u64,
}

impl ChunkCheck {
    /// Checks, decrypts, hashes and writes chunk `index`. Blocking.
    fn accept(&self, index: u64, ciphertext: Bytes) -> Result<ChunkDone> {
        let chunk_size = self.decryptor.chunk_size();
        let expected = coffer_crypto::plaintext_chunk_len(self.size, chunk_size, index);
        if ciphertext.len() as u64 != expected + coffer_crypto::TAG_LEN as u64 {
            return Err(self.fail(format!("chunk {index} has the wrong length")));
        }
        let hash = coffer_crypto::chunk_hash(&ciphertext);
        // Usually no copy: the body buffer is ours alone.
        let mut buf = Vec::from(ciphertext);
        self.decryptor
            .decrypt_chunk(index, index + 1 == self.count, &mut buf)
            .map_err(|_| self.fail(format!("chunk {index} does not authenticate")))?;
        let plaintext = self
            .hash_plaintext
            .then(|| FileHash::hash_chunk(self.size, chunk_size, index, &buf));
        let len = buf.len() as u64;
        self.writer.write_at(index * u64::from(chunk_size), buf)?;
        Ok(ChunkDone {
            hash,
            plaintext,
            len,
        })
    }

    fn fail(&self, reason: String) -> ClientError {
        ClientError::integrity(self.label.clone(), reason)
    }
}

/// The ordered bookkeeping of a download, checked once every chunk is in.
struct Tally {
    hashes: Vec<[u8; 32]>,
    plaintext: Option<FileHash>,
    written: u64,
}

impl Tally {
    fn add(&mut self, done: ChunkDone) {
        self.hashes.push(done.hash);
        if let (Some(file), Some(chunk)) = (&mut self.plaintext, done.plaintext) {
            file.push(chunk);
        }
        self.written += done.len;
    }

    /// The signed facts against what arrived; then the partial file goes into place. Blocking.
    fn finish(
        self,
        partial: PartialFile,
        check: &ChunkCheck,
        signed_list_hash: &[u8],
        signed_blake3: Option<&str>,
    ) -> Result<()> {
        if coffer_crypto::chunk_list_hash(&self.hashes)[..] != signed_list_hash[..] {
            return Err(check.fail("the chunks are not the signed ones".into()));
        }
        if self.written != check.size {
            return Err(check.fail("the size is not the signed one".into()));
        }
        if let Some(signed) = signed_blake3 {
            let actual = match &self.plaintext {
                Some(file) => file.finish(),
                // A chunk size off BLAKE3's 1 KiB leaves: hash what was written, in order.
                None => Some(hash_file(partial.path(), check.size)?),
            };
            if actual.is_none_or(|actual| actual.to_hex().as_str() != signed) {
                return Err(check.fail("the content hash is not the signed one".into()));
            }
        }
        partial.commit(check.size)
    }
}

/// BLAKE3 of the first `size` bytes of the file at `path`.
fn hash_file(path: &Path, size: u64) -> Result<blake3::Hash> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| ClientError::io(path, e))?;
    let mut hasher = blake3::Hasher::new();
    hasher
        .update_reader(file.take(size))
        .map_err(|e| ClientError::io(path, e))?;
    Ok(hasher.finalize())
}

/// Where a download's chunks come from. The pipeline is the same for both; only the route
/// and the credential differ.
#[derive(Clone)]
pub(crate) enum ChunkSource {
    /// The owner's chunk route, with the session's bearer token.
    Drive(Api),
    /// A public link's chunk route, with an [`Api`] carrying the download ticket.
    Link { api: Api, link: Id },
}

impl ChunkSource {
    async fn fetch(&self, node: Id, version: Id, index: u64, max_len: usize) -> Result<Bytes> {
        let (api, path) = match self {
            ChunkSource::Drive(api) => (
                api,
                format!("/nodes/{node}/versions/{version}/chunks/{index}"),
            ),
            ChunkSource::Link { api, link } => (
                api,
                format!("/public/links/{link}/nodes/{node}/versions/{version}/chunks/{index}"),
            ),
        };
        api.chunk(path, max_len).await
    }
}

/// The memory budget every download of one client shares: permits for chunk buffers in
/// flight, and spare buffers kept for reuse.
#[derive(Clone)]
pub(crate) struct ChunkBudget {
    pub buffers: Arc<Semaphore>,
    pub spare: Arc<BufferPool>,
}

impl Drive {
    /// Downloads the file at drive path `src` to `dest` (into it if it is a directory, like
    /// `cp`). Returns the local path written.
    pub async fn get_file(
        &self,
        src: &str,
        dest: &Path,
        opts: &TransferOptions,
    ) -> Result<PathBuf> {
        let node = self.resolve(&DrivePath::parse(src)?).await?;
        if node.is_folder() {
            return Err(ClientError::IsAFolder(node.path.to_string()));
        }
        let target = plan_get_file(&node.attrs.name, dest, Local::of(dest))?;
        self.download_file(&node, &target, opts).await?;
        Ok(target)
    }

    /// Downloads the verified file `node` to exactly `dest`.
    pub(crate) async fn download_file(
        &self,
        node: &VerifiedNode,
        dest: &Path,
        opts: &TransferOptions,
    ) -> Result<()> {
        let source = ChunkSource::Drive(self.api().clone());
        download_file(node, dest, opts, &source, &self.budget()).await
    }

    /// The drive's share of chunk buffers.
    pub(crate) fn budget(&self) -> ChunkBudget {
        ChunkBudget {
            buffers: Arc::clone(&self.inner.chunk_buffers),
            spare: Arc::clone(&self.inner.spare_buffers),
        }
    }
}

/// Downloads the verified file `node` to exactly `dest`, its chunks from `source`.
pub(crate) async fn download_file(
    node: &VerifiedNode,
    dest: &Path,
    opts: &TransferOptions,
    source: &ChunkSource,
    budget: &ChunkBudget,
) -> Result<()> {
    let label = node.path.to_string();
    let fail = |why: &str| ClientError::integrity(label.clone(), why.to_owned());
    let content = node
        .node
        .content
        .clone()
        .ok_or_else(|| fail("a file without content"))?;
    let size = node
        .attrs
        .size
        .ok_or_else(|| fail("a file without a size"))?;
    // An imported file's header carries its origin's ids (PROTOCOL.md §10.5).
    let (node_id, version_id) =
        crate::origin::content_ids(&node.node, &node.attrs).map_err(fail)?;
    let decryptor = ContentDecryptor::new(&node.key, &node_id.0, &version_id.0, &content.header)
        .map_err(|_| fail("the content header does not verify"))?;
    let id = TransferId::next();
    opts.progress
        .file_started(id, &dest.display().to_string(), size);
    let partial = PartialFile::create(dest, Arc::clone(&budget.spare))?;
    let signed_blake3 = node.attrs.blake3.clone();
    let plaintext = FileHash::new(size, decryptor.chunk_size());
    let check = Arc::new(ChunkCheck {
        hash_plaintext: signed_blake3.is_some() && plaintext.is_some(),
        decryptor,
        writer: partial.writer(),
        label: label.clone(),
        size,
        count: content.chunk_count,
    });
    let mut tally = Tally {
        hashes: Vec::with_capacity(usize::try_from(content.chunk_count).unwrap_or(0)),
        plaintext,
        written: 0,
    };
    let max_len = usize::try_from(content.chunk_size)
        .unwrap_or(usize::MAX)
        .saturating_add(coffer_crypto::TAG_LEN);
    let (node_id, version_id) = (node.id(), content.version_id);
    // Buffer permits are taken in index order, before a fetch starts: a download that holds
    // any permit then holds the one of its lowest unfinished chunk, so transfers sharing the
    // drive's buffers always make progress (taking them inside the fetches, in whatever
    // order those ran, let later chunks hold every permit while the next one waited). A
    // task returns its permit as soon as its chunk is written.
    let buffers = Arc::clone(&budget.buffers);
    let check_each = Arc::clone(&check);
    let fetches = futures::stream::iter(0..content.chunk_count)
        .then(move |index| {
            let buffers = Arc::clone(&buffers);
            async move {
                let permit = buffers
                    .acquire_owned()
                    .await
                    .expect("invariant: the chunk buffer semaphore is never closed");
                (index, permit)
            }
        })
        .map(|(index, permit)| {
            let (source, check) = (source.clone(), Arc::clone(&check_each));
            AbortOnDrop(tokio::spawn(async move {
                let bytes = source.fetch(node_id, version_id, index, max_len).await?;
                let done = tokio::task::spawn_blocking(move || check.accept(index, bytes))
                    .await
                    .map_err(|e| ClientError::Protocol(format!("chunk task failed: {e}")))?;
                drop(permit);
                done
            }))
        })
        .buffered(opts.chunk_slots());
    let mut fetches = std::pin::pin!(fetches);
    // `buffered` yields in index order, which the chunk list and the plaintext hash need.
    while let Some(done) = fetches.next().await {
        opts.cancel.check()?;
        let done = done?;
        let len = done.len;
        tally.add(done);
        opts.progress.transferred(id, len);
    }
    tokio::task::spawn_blocking(move || {
        tally.finish(
            partial,
            &check,
            &content.chunk_list_hash,
            signed_blake3.as_deref(),
        )
    })
    .await
    .map_err(|e| ClientError::Protocol(format!("finishing a download failed: {e}")))??;
    opts.progress.file_finished(id);
    Ok(())
}

/// A spawned chunk fetch that is aborted if the download stops early.
struct AbortOnDrop<T>(JoinHandle<Result<T>>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        Pin::new(&mut self.0).poll(cx).map(|joined| {
            joined.unwrap_or_else(|e| Err(ClientError::Protocol(format!("chunk task failed: {e}"))))
        })
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_crypto::{ContentEncryptor, SymmetricKey};

    const NODE: [u8; 16] = [2; 16];
    const VERSION: [u8; 16] = [3; 16];

    /// A file encrypted in chunks: (header, chunks in order).
    fn encrypted(data: &[u8], chunk_size: u32) -> (Vec<u8>, Vec<Vec<u8>>) {
        let key = SymmetricKey::from_bytes([1; 32]);
        let (header, enc) = ContentEncryptor::new(&key, &NODE, &VERSION, [4; 32], chunk_size)
            .expect("a valid chunk size");
        let count = coffer_crypto::chunk_count(data.len() as u64, chunk_size);
        let chunks = (0..count)
            .map(|i| {
                let start = (i * u64::from(chunk_size)) as usize;
                let end = (start + chunk_size as usize).min(data.len());
                let mut buf = data[start..end].to_vec();
                enc.encrypt_chunk(i, i + 1 == count, &mut buf).unwrap();
                buf
            })
            .collect();
        (header, chunks)
    }

    /// Downloads `chunks` (processed in reverse order, tallied in order) into `dest`.
    fn download(
        dest: &Path,
        header: &[u8],
        chunks: &[Vec<u8>],
        size: u64,
        signed_blake3: &str,
    ) -> Result<()> {
        let key = SymmetricKey::from_bytes([1; 32]);
        let decryptor = ContentDecryptor::new(&key, &NODE, &VERSION, header).unwrap();
        let partial = PartialFile::create(dest, crate::transfer::BufferPool::new(2))?;
        let plaintext = FileHash::new(size, decryptor.chunk_size());
        let check = ChunkCheck {
            hash_plaintext: plaintext.is_some(),
            decryptor,
            writer: partial.writer(),
            label: "/f".into(),
            size,
            count: chunks.len() as u64,
        };
        let mut done: Vec<_> = (0..chunks.len())
            .rev()
            .map(|i| check.accept(i as u64, Bytes::from(chunks[i].clone())))
            .collect::<Result<_>>()?;
        done.reverse();
        let hashes: Vec<_> = chunks
            .iter()
            .map(|c| coffer_crypto::chunk_hash(c))
            .collect();
        let mut tally = Tally {
            hashes: Vec::new(),
            plaintext,
            written: 0,
        };
        for chunk in done {
            tally.add(chunk);
        }
        let list = coffer_crypto::chunk_list_hash(&hashes);
        tally.finish(partial, &check, &list, Some(signed_blake3))
    }

    #[test]
    fn chunks_written_out_of_order_verify_at_any_chunk_size() {
        let dir = tempfile::tempdir().unwrap();
        // A power of two, a multiple of 1 KiB that is not, and one off the 1 KiB grid (the
        // plaintext hash is then read back from the file).
        for chunk_size in [65536u32, 65536 + 3072, 65537] {
            for len in [0usize, 100, 65536, 3 * 65536 + 4097] {
                let data: Vec<u8> = (0..len).map(|i| (i * 13 % 251) as u8).collect();
                let (header, chunks) = encrypted(&data, chunk_size);
                let dest = dir.path().join(format!("{chunk_size}-{len}"));
                let hash = blake3::hash(&data).to_hex();
                download(&dest, &header, &chunks, len as u64, &hash).unwrap();
                assert!(std::fs::read(&dest).unwrap() == data, "{chunk_size}/{len}");
            }
        }
    }

    #[test]
    fn a_wrong_plaintext_hash_or_chunk_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let data = vec![5u8; 3 * 65536 + 10];
        for chunk_size in [65536u32, 65537] {
            let (header, mut chunks) = encrypted(&data, chunk_size);
            let dest = dir.path().join("f");
            let wrong = blake3::hash(b"other").to_hex();
            let err = download(&dest, &header, &chunks, data.len() as u64, &wrong).unwrap_err();
            assert!(matches!(err, ClientError::Integrity { .. }), "{err:?}");
            chunks[1][7] ^= 1;
            let right = blake3::hash(&data).to_hex();
            let err = download(&dest, &header, &chunks, data.len() as u64, &right).unwrap_err();
            assert!(matches!(err, ClientError::Integrity { .. }), "{err:?}");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }
}
