//! File content: the STREAM construction over AES-256-GCM (PROTOCOL.md §5).
//!
//! STREAM is the online authenticated encryption of Hoang, Reyhanitabar, Rogaway and Vizár,
//! "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance" (CRYPTO 2015,
//! <https://eprint.iacr.org/2015/189>), in the form rage uses: the nonce of chunk `i` is an
//! 11-byte big-endian counter followed by a last-chunk flag. Reordering changes a counter,
//! truncation drops the only chunk that carries the flag, and extension needs a chunk after
//! the flagged one: all three fail authentication. Every chunk's AAD is `BLAKE3(header)`,
//! which binds it to one node, one version and one content key.
//!
//! Chunks are independent, so they can be encrypted, uploaded, downloaded and decrypted in
//! parallel and in any order; [`ContentEncryptor`] and [`ContentDecryptor`] are `Send + Sync`
//! and work in place on the caller's buffer. There is no `finish()`: the reader knows the chunk
//! count from the signed size (`chunk_count`) and MUST decrypt the chunk of index `n − 1` with
//! `last = true` — that is what detects truncation.

mod header;
mod stream;

pub(crate) use header::ContentKeys;
pub use header::{HEADER_LEN, HeaderFields, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, parse_header};
pub use stream::{ContentDecryptor, ContentEncryptor};

/// Plaintext bytes per chunk unless a client chooses otherwise (1 MiB).
pub const DEFAULT_CHUNK_SIZE: u32 = 1 << 20;
/// Length of the GCM tag appended to every chunk.
pub const TAG_LEN: usize = 16;

const CHUNK_LIST_LABEL: &[u8] = b"coffer/v1/chunk-list";

/// `max(1, ceil(size / chunk_size))`: an empty file still has one (empty, final) chunk.
/// A `chunk_size` of 0 (never valid in a header) is treated as 1 so that this cannot panic.
pub fn chunk_count(size: u64, chunk_size: u32) -> u64 {
    size.div_ceil(u64::from(chunk_size.max(1))).max(1)
}

/// `size + 16 · chunk_count(size, chunk_size)` (saturating, never panics).
pub fn ciphertext_size(size: u64, chunk_size: u32) -> u64 {
    size.saturating_add(chunk_count(size, chunk_size).saturating_mul(TAG_LEN as u64))
}

/// Expected plaintext length of chunk `index` of a file of `size` bytes: `chunk_size` for every
/// chunk but the last, the rest for the last, 0 for an index past the end.
pub fn plaintext_chunk_len(size: u64, chunk_size: u32, index: u64) -> u64 {
    let n = chunk_count(size, chunk_size);
    let full = u64::from(chunk_size.max(1));
    match index.cmp(&(n - 1)) {
        std::cmp::Ordering::Less => full,
        std::cmp::Ordering::Equal => size - (n - 1) * full,
        std::cmp::Ordering::Greater => 0,
    }
}

/// `BLAKE3(chunk)` over the ciphertext: the server checks it on upload without any key.
pub fn chunk_hash(ciphertext: &[u8]) -> [u8; 32] {
    *blake3::hash(ciphertext).as_bytes()
}

/// `BLAKE3("coffer/v1/chunk-list" ‖ u64(n) ‖ hash_0 ‖ … ‖ hash_{n−1})`, signed in the node
/// record (PROTOCOL.md §5.3).
pub fn chunk_list_hash(hashes: &[[u8; 32]]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(CHUNK_LIST_LABEL);
    hasher.update(&(hashes.len() as u64).to_be_bytes());
    for hash in hashes {
        hasher.update(hash);
    }
    *hasher.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CS: u32 = 65536;

    #[test]
    fn chunk_counts_and_sizes() {
        let cases = [
            (0u64, 1u64),
            (1, 1),
            (65535, 1),
            (65536, 1),
            (65537, 2),
            (150000, 3),
            (3 * 65536, 3),
        ];
        for (size, n) in cases {
            assert_eq!(chunk_count(size, CS), n, "size {size}");
            assert_eq!(ciphertext_size(size, CS), size + 16 * n);
            let total: u64 = (0..n).map(|i| plaintext_chunk_len(size, CS, i)).sum();
            assert_eq!(total, size);
            assert_eq!(plaintext_chunk_len(size, CS, n), 0);
        }
        assert_eq!(plaintext_chunk_len(150000, CS, 0), 65536);
        assert_eq!(plaintext_chunk_len(150000, CS, 2), 150000 - 2 * 65536);
    }

    #[test]
    fn size_arithmetic_never_panics() {
        assert_eq!(chunk_count(10, 0), 10);
        assert_eq!(chunk_count(u64::MAX, 1), u64::MAX);
        assert_eq!(ciphertext_size(u64::MAX, 1), u64::MAX);
        assert_eq!(plaintext_chunk_len(u64::MAX, MIN_CHUNK_SIZE, u64::MAX), 0);
        assert_eq!(
            plaintext_chunk_len(u64::MAX, MIN_CHUNK_SIZE, u64::MAX / 65536),
            u64::MAX % 65536
        );
    }

    #[test]
    fn chunk_list_hash_binds_count_and_order() {
        let (a, b) = (chunk_hash(b"a"), chunk_hash(b"b"));
        assert_eq!(a, *blake3::hash(b"a").as_bytes());
        assert_ne!(chunk_list_hash(&[a, b]), chunk_list_hash(&[b, a]));
        assert_ne!(chunk_list_hash(&[a]), chunk_list_hash(&[a, a]));
        let mut manual = b"coffer/v1/chunk-list".to_vec();
        manual.extend_from_slice(&1u64.to_be_bytes());
        manual.extend_from_slice(&a);
        assert_eq!(chunk_list_hash(&[a]), *blake3::hash(&manual).as_bytes());
    }
}
