//! The STREAM chunk encryptor and decryptor (PROTOCOL.md §5.2), modelled on rage's
//! `age/src/primitives/stream.rs`: a nonce type holding the chunk counter and the last-chunk
//! flag, and in-place `encrypt_chunk` / `decrypt_chunk` with AES-256-GCM from aws-lc-rs.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce};
use zeroize::Zeroize;

use super::TAG_LEN;
use super::header::{ContentKeys, check_chunk_size, parse_header};
use crate::error::CryptoError;
use crate::keys::SymmetricKey;

/// The STREAM nonce: `u88(counter) ‖ u8(last)`.
struct ChunkNonce {
    counter: u64,
    last: bool,
}

impl ChunkNonce {
    fn to_nonce(&self) -> Nonce {
        let mut bytes = [0u8; 12];
        // The counter is 88 bits wide; a u64 index fills its low 8 bytes.
        bytes[3..11].copy_from_slice(&self.counter.to_be_bytes());
        bytes[11] = u8::from(self.last);
        Nonce::assume_unique_for_key(bytes)
    }
}

/// State shared by both directions: the GCM key, the header hash (computed once) and the size.
struct Stream {
    gcm: LessSafeKey,
    header_hash: [u8; 32],
    chunk_size: u32,
}

impl Stream {
    /// The §5.2 length rules for the plaintext of chunk `index`.
    fn plaintext_len_ok(&self, index: u64, last: bool, len: usize) -> bool {
        let full = self.chunk_size as usize;
        if last {
            len <= full && !(index > 0 && len == 0)
        } else {
            len == full
        }
    }
}

/// Encrypts the chunks of one file version.
pub struct ContentEncryptor(Stream);

impl ContentEncryptor {
    /// Builds the header and the encryptor for one file version. `salt` MUST be fresh random
    /// bytes; `chunk_size` must lie in `MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE` (else `InvalidFormat`).
    pub fn new(
        node_key: &SymmetricKey,
        node_id: &[u8; 16],
        version_id: &[u8; 16],
        salt: [u8; 32],
        chunk_size: u32,
    ) -> Result<(Vec<u8>, ContentEncryptor), CryptoError> {
        check_chunk_size(chunk_size)?;
        let keys = ContentKeys::derive(node_key, node_id, version_id, &salt);
        let header = keys.header(chunk_size, node_id, version_id, &salt);
        let stream = Stream {
            header_hash: *blake3::hash(&header).as_bytes(),
            gcm: keys.gcm,
            chunk_size,
        };
        Ok((header, ContentEncryptor(stream)))
    }

    /// Plaintext bytes per chunk.
    pub fn chunk_size(&self) -> u32 {
        self.0.chunk_size
    }

    /// Encrypts chunk `index` in place: `buf` holds the plaintext, on return the ciphertext
    /// (plaintext + 16-byte tag). `InvalidFormat` if the length breaks §5.2 (a non-final chunk
    /// must be exactly `chunk_size` bytes, a final one at most that and not empty unless it is
    /// chunk 0).
    pub fn encrypt_chunk(
        &self,
        index: u64,
        last: bool,
        buf: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        if !self.0.plaintext_len_ok(index, last, buf.len()) {
            return Err(CryptoError::InvalidFormat);
        }
        buf.reserve_exact(TAG_LEN);
        let nonce = ChunkNonce {
            counter: index,
            last,
        }
        .to_nonce();
        self.0
            .gcm
            .seal_in_place_append_tag(nonce, Aad::from(self.0.header_hash), buf)
            .map_err(|_| CryptoError::InvalidFormat)
    }
}

/// Decrypts the chunks of one file version, after checking its header.
pub struct ContentDecryptor(Stream);

impl ContentDecryptor {
    /// Checks the header's magic, version, suite and chunk-size bounds (`InvalidFormat`), its
    /// node and version ids against the expected ones (`Integrity`), and its HMAC in constant
    /// time (`DecryptionFailed`), before anything is decrypted.
    pub fn new(
        node_key: &SymmetricKey,
        node_id: &[u8; 16],
        version_id: &[u8; 16],
        header: &[u8],
    ) -> Result<ContentDecryptor, CryptoError> {
        let fields = parse_header(header)?;
        if &fields.node_id != node_id || &fields.version_id != version_id {
            return Err(CryptoError::Integrity("content header ids"));
        }
        let keys = ContentKeys::derive(node_key, node_id, version_id, &fields.salt);
        keys.check_header_mac(header)?;
        Ok(ContentDecryptor(Stream {
            header_hash: *blake3::hash(header).as_bytes(),
            gcm: keys.gcm,
            chunk_size: fields.chunk_size,
        }))
    }

    /// Plaintext bytes per chunk, as the header declares.
    pub fn chunk_size(&self) -> u32 {
        self.0.chunk_size
    }

    /// Decrypts chunk `index` in place (ciphertext in, plaintext out). `last` MUST be true
    /// exactly for index `chunk_count − 1`. A length that breaks §5.2 is
    /// `Integrity("chunk length")`; a bad tag is `DecryptionFailed`, and then `buf` is wiped
    /// and emptied so no unauthenticated byte reaches the caller.
    pub fn decrypt_chunk(
        &self,
        index: u64,
        last: bool,
        buf: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let plain_len = buf
            .len()
            .checked_sub(TAG_LEN)
            .filter(|&len| self.0.plaintext_len_ok(index, last, len))
            .ok_or(CryptoError::Integrity("chunk length"))?;
        let nonce = ChunkNonce {
            counter: index,
            last,
        }
        .to_nonce();
        let opened = self
            .0
            .gcm
            .open_in_place(nonce, Aad::from(self.0.header_hash), buf)
            .map(|plain| plain.len());
        match opened {
            Ok(len) => {
                debug_assert_eq!(len, plain_len);
                buf.truncate(len);
                Ok(())
            }
            Err(_) => {
                buf.zeroize(); // wipes the bytes, then empties the vector
                Err(CryptoError::DecryptionFailed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{HEADER_LEN, chunk_count, plaintext_chunk_len};
    use proptest::prelude::*;

    const CS: u32 = 65536;
    const NODE: [u8; 16] = [2; 16];
    const VERSION: [u8; 16] = [3; 16];

    fn nk() -> SymmetricKey {
        SymmetricKey::from_bytes([1; 32])
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// Encrypts `plain` as one version: (header, chunks).
    fn encrypt(salt: u8, plain: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
        let (header, enc) = ContentEncryptor::new(&nk(), &NODE, &VERSION, [salt; 32], CS).unwrap();
        let n = chunk_count(plain.len() as u64, CS);
        let chunks = (0..n)
            .map(|i| {
                let start = (i * u64::from(CS)) as usize;
                let len = plaintext_chunk_len(plain.len() as u64, CS, i) as usize;
                let mut buf = plain[start..start + len].to_vec();
                enc.encrypt_chunk(i, i == n - 1, &mut buf).unwrap();
                buf
            })
            .collect();
        (header, chunks)
    }

    /// Decrypts like a reader: last flag exactly on index n − 1 of the given chunks.
    fn decrypt(header: &[u8], chunks: &[Vec<u8>]) -> Result<Vec<u8>, CryptoError> {
        let dec = ContentDecryptor::new(&nk(), &NODE, &VERSION, header)?;
        let mut out = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let mut buf = chunk.clone();
            dec.decrypt_chunk(i as u64, i + 1 == chunks.len(), &mut buf)?;
            out.extend_from_slice(&buf);
        }
        Ok(out)
    }

    #[test]
    fn round_trips_at_the_boundaries() {
        for len in [0, 1, CS as usize - 1, CS as usize, CS as usize + 1, 150_000] {
            let plain = pattern(len);
            let (header, chunks) = encrypt(4, &plain);
            assert_eq!(header.len(), HEADER_LEN);
            assert_eq!(chunks.len() as u64, chunk_count(len as u64, CS));
            assert_eq!(decrypt(&header, &chunks).unwrap(), plain, "len {len}");
        }
    }

    #[test]
    fn empty_file_is_one_empty_final_chunk() {
        let (header, chunks) = encrypt(4, &[]);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].len(), TAG_LEN);
        assert_eq!(decrypt(&header, &chunks).unwrap(), Vec::<u8>::new());
        assert_eq!(decrypt(&header, &[]).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn truncation_extension_and_reordering_fail() {
        let (header, chunks) = encrypt(4, &pattern(150_000));
        // Final chunk dropped: chunk 1 is then read as final, which it was not.
        assert_eq!(
            decrypt(&header, &chunks[..2]),
            Err(CryptoError::DecryptionFailed)
        );
        // Swapping the two full chunks changes their counters.
        let swapped = vec![chunks[1].clone(), chunks[0].clone(), chunks[2].clone()];
        assert_eq!(
            decrypt(&header, &swapped),
            Err(CryptoError::DecryptionFailed)
        );
        // A chunk appended after the final one: the old final is now read as non-final.
        let mut extended = chunks.clone();
        extended.push(chunks[2].clone());
        assert!(decrypt(&header, &extended).is_err());
        // Exactly one full chunk, then the file truncated to an earlier chunk boundary.
        let (header, chunks) = encrypt(4, &pattern(2 * CS as usize));
        assert_eq!(
            decrypt(&header, &chunks[..1]),
            Err(CryptoError::DecryptionFailed)
        );
    }

    #[test]
    fn wrong_last_flag_fails() {
        let (header, enc) = ContentEncryptor::new(&nk(), &NODE, &VERSION, [4; 32], CS).unwrap();
        let dec = ContentDecryptor::new(&nk(), &NODE, &VERSION, &header).unwrap();
        let mut full = vec![0u8; CS as usize];
        enc.encrypt_chunk(0, false, &mut full).unwrap();
        // A full non-final chunk read as a (full) final chunk.
        assert_eq!(
            dec.decrypt_chunk(0, true, &mut full),
            Err(CryptoError::DecryptionFailed)
        );
        assert!(full.is_empty(), "a failed chunk leaves nothing behind");
        // A short final chunk read as non-final fails the length rule before decryption.
        let mut short = vec![7u8; 10];
        enc.encrypt_chunk(0, true, &mut short).unwrap();
        assert_eq!(
            dec.decrypt_chunk(0, false, &mut short),
            Err(CryptoError::Integrity("chunk length"))
        );
    }

    #[test]
    fn chunks_of_another_version_or_file_fail() {
        let plain = pattern(1000);
        let (header_a, chunks_a) = encrypt(4, &plain);
        let (header_b, chunks_b) = encrypt(5, &plain);
        assert_eq!(
            decrypt(&header_a, &chunks_b),
            Err(CryptoError::DecryptionFailed)
        );
        assert_eq!(
            decrypt(&header_b, &chunks_a),
            Err(CryptoError::DecryptionFailed)
        );
        let other_node = [9; 16];
        let (header_c, enc) =
            ContentEncryptor::new(&nk(), &other_node, &VERSION, [4; 32], CS).unwrap();
        let mut chunk = plain.clone();
        enc.encrypt_chunk(0, true, &mut chunk).unwrap();
        assert_eq!(
            decrypt(&header_a, &[chunk]),
            Err(CryptoError::DecryptionFailed)
        );
        // The other node's header is refused for this node before any MAC check.
        assert_eq!(
            decrypt(&header_c, &chunks_a),
            Err(CryptoError::Integrity("content header ids"))
        );
    }

    #[test]
    fn length_rules() {
        let (header, enc) = ContentEncryptor::new(&nk(), &NODE, &VERSION, [4; 32], CS).unwrap();
        let dec = ContentDecryptor::new(&nk(), &NODE, &VERSION, &header).unwrap();
        let bad_format = Err(CryptoError::InvalidFormat);
        assert_eq!(enc.encrypt_chunk(0, false, &mut vec![0; 10]), bad_format);
        assert_eq!(
            enc.encrypt_chunk(0, true, &mut vec![0; CS as usize + 1]),
            bad_format
        );
        assert_eq!(enc.encrypt_chunk(1, true, &mut Vec::new()), bad_format);
        let bad_len = Err(CryptoError::Integrity("chunk length"));
        assert_eq!(dec.decrypt_chunk(0, true, &mut vec![0; 15]), bad_len);
        assert_eq!(dec.decrypt_chunk(0, false, &mut vec![0; 100]), bad_len);
        assert_eq!(dec.decrypt_chunk(1, true, &mut vec![0; TAG_LEN]), bad_len);
        assert_eq!(
            dec.decrypt_chunk(0, true, &mut vec![0; CS as usize + 17]),
            bad_len
        );
        // Trailing garbage on a final chunk that stays within bounds fails authentication.
        let mut chunk = b"hello".to_vec();
        enc.encrypt_chunk(0, true, &mut chunk).unwrap();
        chunk.extend_from_slice(b"junk");
        assert_eq!(
            dec.decrypt_chunk(0, true, &mut chunk),
            Err(CryptoError::DecryptionFailed)
        );
    }

    #[test]
    fn flipped_bytes_fail() {
        let (header, chunks) = encrypt(4, b"some content");
        for i in 0..chunks[0].len() {
            let mut bad = chunks[0].clone();
            bad[i] ^= 0x10;
            assert_eq!(
                decrypt(&header, &[bad]),
                Err(CryptoError::DecryptionFailed),
                "{i}"
            );
        }
    }

    #[test]
    fn nonce_layout() {
        let nonce = ChunkNonce {
            counter: 0x0102,
            last: true,
        }
        .to_nonce();
        let mut expected = [0u8; 12];
        expected[9] = 1;
        expected[10] = 2;
        expected[11] = 1;
        assert_eq!(nonce.as_ref(), &expected);
    }

    #[test]
    fn encryptor_and_decryptor_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ContentEncryptor>();
        assert_send_sync::<ContentDecryptor>();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn content_round_trip(len in 0usize..(3 * CS as usize + 10), salt in any::<u8>()) {
            let plain = pattern(len);
            let (header, chunks) = encrypt(salt, &plain);
            prop_assert_eq!(decrypt(&header, &chunks).unwrap(), plain);
        }
    }
}
