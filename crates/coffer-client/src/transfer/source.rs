//! Reading a local file as encrypted chunks: read sequentially and hash the plaintext (for the
//! `blake3` attribute) in order, then encrypt in place and hash the ciphertext (for the chunk
//! list) — that second step on any thread, so chunks are sealed in parallel on every core.
//!
//! The work is blocking (file reads, AES-GCM, BLAKE3): the async driver moves the source to a
//! blocking thread for each chunk ([`ChunkSource::next_async`]) and seals each chunk on another
//! ([`seal`]). Chunk buffers come from the drive's [`BufferPool`] and return to it once sent.

use super::buffers::BufferPool;
use crate::error::{ClientError, Result};
use bytes::Bytes;
use coffer_crypto::ContentEncryptor;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A local file being read as plaintext chunks, in order.
pub(crate) struct ChunkSource {
    file: File,
    path: PathBuf,
    size: u64,
    chunk_size: u32,
    count: u64,
    next: u64,
    plaintext_hash: blake3::Hasher,
    pool: Arc<BufferPool>,
}

/// One plaintext chunk, read and counted in the file's hash, not yet encrypted.
pub(crate) struct PlainChunk {
    pub index: u64,
    last: bool,
    buf: Vec<u8>,
}

/// One encrypted chunk, ready to send.
pub(crate) struct EncryptedChunk {
    pub index: u64,
    pub plaintext_len: u64,
    /// The ciphertext; its buffer returns to the pool when the last clone is dropped.
    pub ciphertext: Bytes,
    /// BLAKE3 of `ciphertext`.
    pub hash: [u8; 32],
}

impl ChunkSource {
    /// Opens `path`, expecting `size` bytes (the size recorded in the upload session), to be
    /// cut into chunks of `chunk_size` bytes.
    pub fn open(path: &Path, size: u64, chunk_size: u32, pool: Arc<BufferPool>) -> Result<Self> {
        let file = File::open(path).map_err(|e| ClientError::io(path, e))?;
        Ok(ChunkSource {
            file,
            path: path.to_owned(),
            size,
            chunk_size,
            count: coffer_crypto::chunk_count(size, chunk_size),
            next: 0,
            plaintext_hash: blake3::Hasher::new(),
            pool,
        })
    }

    /// The next chunk, or `None` after the last one.
    pub fn next_chunk(&mut self) -> Result<Option<PlainChunk>> {
        if self.next == self.count {
            return Ok(None);
        }
        let index = self.next;
        let len = coffer_crypto::plaintext_chunk_len(self.size, self.chunk_size, index);
        let len = usize::try_from(len).expect("invariant: chunk_size fits in memory");
        // A reused buffer's old bytes are overwritten below, not zeroed first.
        let mut buf = self.pool.take(len + coffer_crypto::TAG_LEN);
        buf.truncate(len);
        buf.resize(len, 0);
        self.file.read_exact(&mut buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => self.changed(),
            _ => ClientError::io(&self.path, e),
        })?;
        self.plaintext_hash.update(&buf);
        self.next += 1;
        Ok(Some(PlainChunk {
            index,
            last: index + 1 == self.count,
            buf,
        }))
    }

    /// [`Self::next_chunk`] on a blocking thread.
    pub async fn next_async(mut self) -> (ChunkSource, Result<Option<PlainChunk>>) {
        let joined = tokio::task::spawn_blocking(move || {
            let chunk = self.next_chunk();
            (self, chunk)
        })
        .await;
        joined.expect("invariant: reading a chunk does not panic")
    }

    /// After the last chunk: checks the file did not grow, returns the plaintext BLAKE3.
    pub fn finish(mut self) -> Result<[u8; 32]> {
        let mut probe = [0u8; 1];
        let extra = self
            .file
            .read(&mut probe)
            .map_err(|e| ClientError::io(&self.path, e))?;
        if self.next != self.count || extra != 0 {
            return Err(self.changed());
        }
        Ok(*self.plaintext_hash.finalize().as_bytes())
    }

    fn changed(&self) -> ClientError {
        ClientError::io(
            &self.path,
            std::io::Error::other("the file changed while it was being uploaded"),
        )
    }
}

/// Encrypts `chunk` in place and hashes the ciphertext. Blocking; any thread.
pub(crate) fn seal(
    encryptor: &ContentEncryptor,
    pool: &Arc<BufferPool>,
    chunk: PlainChunk,
) -> Result<EncryptedChunk> {
    let PlainChunk {
        index,
        last,
        mut buf,
    } = chunk;
    let plaintext_len = buf.len() as u64;
    encryptor
        .encrypt_chunk(index, last, &mut buf)
        .map_err(|e| ClientError::Protocol(format!("encryption failed: {e}")))?;
    let hash = coffer_crypto::chunk_hash(&buf);
    let ciphertext = pool.lend(buf);
    Ok(EncryptedChunk {
        index,
        plaintext_len,
        ciphertext,
        hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_crypto::{ContentDecryptor, SymmetricKey};

    fn encryptor(chunk_size: u32) -> (Vec<u8>, ContentEncryptor) {
        let key = SymmetricKey::from_bytes([1; 32]);
        ContentEncryptor::new(&key, &[2; 16], &[3; 16], [4; 32], chunk_size).unwrap()
    }

    fn chunks_of(data: &[u8], chunk_size: u32) -> (Vec<EncryptedChunk>, [u8; 32], Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, data).unwrap();
        let (header, enc) = encryptor(chunk_size);
        let pool = BufferPool::new(2);
        let mut source =
            ChunkSource::open(&path, data.len() as u64, chunk_size, Arc::clone(&pool)).unwrap();
        let mut out = Vec::new();
        while let Some(c) = source.next_chunk().unwrap() {
            out.push(seal(&enc, &pool, c).unwrap());
        }
        (out, source.finish().unwrap(), header)
    }

    #[test]
    fn chunks_decrypt_back_to_the_file() {
        let cs = 65536u32;
        for len in [0usize, 1, 65536, 65537, 3 * 65536 + 5] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let (chunks, hash, header) = chunks_of(&data, cs);
            assert_eq!(
                chunks.len() as u64,
                coffer_crypto::chunk_count(len as u64, cs)
            );
            assert_eq!(hash, *blake3::hash(&data).as_bytes());
            let key = SymmetricKey::from_bytes([1; 32]);
            let dec = ContentDecryptor::new(&key, &[2; 16], &[3; 16], &header).unwrap();
            let mut back = Vec::new();
            for c in &chunks {
                assert_eq!(c.hash, coffer_crypto::chunk_hash(&c.ciphertext));
                let mut buf = c.ciphertext.to_vec();
                let last = c.index + 1 == chunks.len() as u64;
                dec.decrypt_chunk(c.index, last, &mut buf).unwrap();
                assert_eq!(buf.len() as u64, c.plaintext_len);
                back.extend_from_slice(&buf);
            }
            assert_eq!(back, data, "length {len}");
        }
    }

    #[test]
    fn a_file_that_changed_size_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![1u8; 100]).unwrap();
        let pool = BufferPool::new(1);
        let mut shorter = ChunkSource::open(&path, 200, 65536, Arc::clone(&pool)).unwrap();
        assert!(shorter.next_chunk().is_err());
        let mut longer = ChunkSource::open(&path, 50, 65536, pool).unwrap();
        assert!(longer.next_chunk().unwrap().is_some());
        assert!(longer.finish().is_err());
    }
}
