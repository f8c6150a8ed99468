//! Reading a local file as encrypted chunks: read sequentially, hash the plaintext (for the
//! `blake3` attribute), encrypt in place, hash the ciphertext (for the chunk list).
//!
//! The work is blocking (file reads, AES-GCM, BLAKE3), so the async driver moves the source to
//! a blocking thread for each chunk ([`ChunkSource::next_async`]).

use crate::error::{ClientError, Result};
use coffer_crypto::ContentEncryptor;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A local file being turned into encrypted chunks, in order.
pub(crate) struct ChunkSource {
    file: File,
    path: PathBuf,
    size: u64,
    chunk_size: u32,
    count: u64,
    next: u64,
    plaintext_hash: blake3::Hasher,
    encryptor: ContentEncryptor,
}

/// One encrypted chunk, ready to send.
pub(crate) struct EncryptedChunk {
    pub index: u64,
    pub plaintext_len: u64,
    pub ciphertext: Vec<u8>,
    /// BLAKE3 of `ciphertext`.
    pub hash: [u8; 32],
}

impl ChunkSource {
    /// Opens `path`, expecting `size` bytes (the size recorded in the upload session).
    pub fn open(path: &Path, size: u64, encryptor: ContentEncryptor) -> Result<ChunkSource> {
        let file = File::open(path).map_err(|e| ClientError::io(path, e))?;
        let chunk_size = encryptor.chunk_size();
        Ok(ChunkSource {
            file,
            path: path.to_owned(),
            size,
            chunk_size,
            count: coffer_crypto::chunk_count(size, chunk_size),
            next: 0,
            plaintext_hash: blake3::Hasher::new(),
            encryptor,
        })
    }

    /// The next chunk, or `None` after the last one.
    pub fn next_chunk(&mut self) -> Result<Option<EncryptedChunk>> {
        if self.next == self.count {
            return Ok(None);
        }
        let index = self.next;
        let len = coffer_crypto::plaintext_chunk_len(self.size, self.chunk_size, index);
        let capacity = usize::try_from(len).expect("invariant: chunk_size fits in memory") + 16;
        let mut buf = Vec::with_capacity(capacity);
        (&mut self.file)
            .take(len)
            .read_to_end(&mut buf)
            .map_err(|e| ClientError::io(&self.path, e))?;
        if buf.len() as u64 != len {
            return Err(self.changed());
        }
        self.plaintext_hash.update(&buf);
        let last = index + 1 == self.count;
        self.encryptor
            .encrypt_chunk(index, last, &mut buf)
            .map_err(|e| ClientError::Protocol(format!("encryption failed: {e}")))?;
        let hash = coffer_crypto::chunk_hash(&buf);
        self.next += 1;
        Ok(Some(EncryptedChunk {
            index,
            plaintext_len: len,
            ciphertext: buf,
            hash,
        }))
    }

    /// [`Self::next_chunk`] on a blocking thread.
    pub async fn next_async(mut self) -> (ChunkSource, Result<Option<EncryptedChunk>>) {
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
        let mut source = ChunkSource::open(&path, data.len() as u64, enc).unwrap();
        let mut out = Vec::new();
        while let Some(c) = source.next_chunk().unwrap() {
            out.push(c);
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
                let mut buf = c.ciphertext.clone();
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
        let (_, enc) = encryptor(65536);
        let mut shorter = ChunkSource::open(&path, 200, enc).unwrap();
        assert!(shorter.next_chunk().is_err());
        let (_, enc) = encryptor(65536);
        let mut longer = ChunkSource::open(&path, 50, enc).unwrap();
        assert!(longer.next_chunk().unwrap().is_some());
        assert!(longer.finish().is_err());
    }
}
