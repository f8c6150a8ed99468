//! Downloading one file: chunks fetched with bounded concurrency and written in order to a
//! partial file; each chunk authenticates under the header-bound content key (with its index and
//! final flag) before its plaintext is written; at the end the ciphertext hashes must summarise
//! to the signed chunk list hash, and size and plaintext BLAKE3 must match the signed
//! attributes. Only then is the partial file renamed into place.

use super::partial::PartialFile;
use super::{TransferId, TransferOptions};
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;
use crate::plan::{Local, plan_get_file};
use crate::verify::VerifiedNode;
use bytes::Bytes;
use coffer_crypto::ContentDecryptor;
use futures::StreamExt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::task::JoinHandle;

/// Verifies and writes chunks in order (blocking work, moved to a blocking thread per chunk).
struct ChunkSink {
    partial: PartialFile,
    decryptor: ContentDecryptor,
    label: String,
    size: u64,
    count: u64,
    hashes: Vec<[u8; 32]>,
    plaintext_hash: blake3::Hasher,
    written: u64,
}

impl ChunkSink {
    fn accept(&mut self, index: u64, ciphertext: Bytes) -> Result<u64> {
        let chunk_size = self.decryptor.chunk_size();
        let expected = coffer_crypto::plaintext_chunk_len(self.size, chunk_size, index);
        if ciphertext.len() as u64 != expected + coffer_crypto::TAG_LEN as u64 {
            return Err(self.fail(format!("chunk {index} has the wrong length")));
        }
        self.hashes.push(coffer_crypto::chunk_hash(&ciphertext));
        let mut buf = ciphertext.to_vec();
        self.decryptor
            .decrypt_chunk(index, index + 1 == self.count, &mut buf)
            .map_err(|_| self.fail(format!("chunk {index} does not authenticate")))?;
        self.plaintext_hash.update(&buf);
        self.partial.write_all(&buf)?;
        self.written += buf.len() as u64;
        Ok(buf.len() as u64)
    }

    fn finish(self, signed_list_hash: &[u8], signed_blake3: Option<&str>) -> Result<()> {
        if coffer_crypto::chunk_list_hash(&self.hashes)[..] != signed_list_hash[..] {
            return Err(self.fail("the chunks are not the signed ones".into()));
        }
        if self.written != self.size {
            return Err(self.fail("the size is not the signed one".into()));
        }
        let actual = hex::encode(self.plaintext_hash.finalize().as_bytes());
        if signed_blake3.is_some_and(|signed| signed != actual) {
            return Err(self.fail("the content hash is not the signed one".into()));
        }
        self.partial.commit()
    }

    fn fail(&self, reason: String) -> ClientError {
        ClientError::integrity(self.label.clone(), reason)
    }
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
        let decryptor = ContentDecryptor::new(
            &node.key,
            &node.id().0,
            &content.version_id.0,
            &content.header,
        )
        .map_err(|_| fail("the content header does not verify"))?;
        let id = TransferId::next();
        opts.progress
            .file_started(id, &dest.display().to_string(), size);
        let mut sink = ChunkSink {
            partial: PartialFile::create(dest)?,
            decryptor,
            label: label.clone(),
            size,
            count: content.chunk_count,
            hashes: Vec::new(),
            plaintext_hash: blake3::Hasher::new(),
            written: 0,
        };
        let max_len = usize::try_from(content.chunk_size)
            .unwrap_or(usize::MAX)
            .saturating_add(coffer_crypto::TAG_LEN);
        let (node_id, version_id) = (node.id(), content.version_id);
        // Buffer permits are taken in index order, before a fetch starts: a download that holds
        // any permit then holds the one of the chunk it writes next, so transfers sharing the
        // drive's buffers always make progress (taking them inside the fetches, in whatever
        // order those ran, let later chunks hold every permit while the next one waited).
        let buffers = Arc::clone(&self.inner.chunk_buffers);
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
                let api = self.api().clone();
                AbortOnDrop(tokio::spawn(async move {
                    let bytes = api.chunk(node_id, version_id, index, max_len).await?;
                    Ok::<_, ClientError>((index, bytes, permit))
                }))
            })
            .buffered(opts.chunk_slots());
        futures::pin_mut!(fetches);
        while let Some(joined) = fetches.next().await {
            opts.cancel.check()?;
            let (index, bytes, permit) = joined?;
            let (back, accepted) = tokio::task::spawn_blocking(move || {
                let accepted = sink.accept(index, bytes);
                (sink, accepted)
            })
            .await
            .expect("invariant: verifying a chunk does not panic");
            sink = back;
            let len = accepted?;
            drop(permit);
            opts.progress.transferred(id, len);
        }
        let signed_blake3 = node.attrs.blake3.clone();
        tokio::task::spawn_blocking(move || {
            sink.finish(&content.chunk_list_hash, signed_blake3.as_deref())
        })
        .await
        .expect("invariant: finishing a download does not panic")?;
        opts.progress.file_finished(id);
        Ok(())
    }
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
