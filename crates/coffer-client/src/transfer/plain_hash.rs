//! The BLAKE3 of a whole file, computed from its chunks in any order and on any thread.
//!
//! BLAKE3 is a tree hash (BLAKE3 paper §2.1): the input is cut into 1 KiB leaves, and every
//! complete, aligned run of 2^k leaves is a subtree whose chaining value depends only on its
//! bytes and its offset. A transfer chunk that starts on a 1 KiB boundary therefore splits into
//! a few such subtrees (one, when the chunk size is a power of two), which the task that holds
//! the chunk can hash right away; [`FileHash::finish`] then merges the chaining values up the
//! tree in order. The result is exactly `blake3::hash` of the file (tested below), without a
//! stage that must see every byte in order.
//!
//! A chunk size that is not a multiple of 1 KiB (legal, but no client of ours writes one) has no
//! such split: [`FileHash::new`] returns `None` and the caller hashes the file in order instead.

use blake3::hazmat::{
    ChainingValue, HasherExt, Mode, left_subtree_len, max_subtree_len, merge_subtrees_non_root,
    merge_subtrees_root,
};

const LEAF: u64 = blake3::CHUNK_LEN as u64;

/// What hashing one chunk gave: its subtrees (offset order), or the whole hash when the chunk
/// is the whole file.
#[derive(Debug, Clone)]
pub(crate) enum ChunkHash {
    Subtrees(Vec<(u64, ChainingValue)>),
    Whole(blake3::Hash),
    /// The chunk does not fit the tree (a caller's mistake); the file hash will be `None`.
    Misplaced,
}

/// Collects the chunk hashes of one file of `size` bytes.
pub(crate) struct FileHash {
    size: u64,
    /// `(length, chaining value)` of every subtree, in offset order.
    subtrees: Vec<(u64, ChainingValue)>,
    whole: Option<blake3::Hash>,
    misplaced: bool,
}

impl FileHash {
    /// `None` when chunks of `chunk_size` bytes do not start on leaf boundaries.
    pub fn new(size: u64, chunk_size: u32) -> Option<FileHash> {
        let chunk_size = u64::from(chunk_size);
        (chunk_size > 0 && chunk_size % LEAF == 0).then_some(FileHash {
            size,
            subtrees: Vec::new(),
            whole: None,
            misplaced: false,
        })
    }

    /// Hashes chunk `index` (its plaintext `data`) of a file of `size` bytes. Pure; call it on
    /// any thread.
    pub fn hash_chunk(size: u64, chunk_size: u32, index: u64, data: &[u8]) -> ChunkHash {
        let offset = index.saturating_mul(u64::from(chunk_size));
        if offset == 0 && data.len() as u64 == size {
            return ChunkHash::Whole(blake3::hash(data));
        }
        let mut subtrees = Vec::with_capacity(1);
        let mut at = 0usize;
        while at < data.len() {
            let start = offset.saturating_add(at as u64);
            if start % LEAF != 0 {
                return ChunkHash::Misplaced; // the hazmat API would panic on this
            }
            let rest = (data.len() - at) as u64;
            let ends_input = start.saturating_add(rest) == size;
            let len = subtree_len(start, rest, ends_input);
            if len < LEAF && !ends_input {
                return ChunkHash::Misplaced; // a short leaf can only end the input
            }
            let end = at + len as usize;
            let cv = blake3::Hasher::new()
                .set_input_offset(start)
                .update(&data[at..end])
                .finalize_non_root();
            subtrees.push((len, cv));
            at = end;
        }
        ChunkHash::Subtrees(subtrees)
    }

    /// Adds the hash of the next chunk (chunks must come in index order).
    pub fn push(&mut self, chunk: ChunkHash) {
        match chunk {
            ChunkHash::Subtrees(parts) => self.subtrees.extend(parts),
            ChunkHash::Whole(hash) => {
                self.misplaced |= self.whole.is_some();
                self.whole = Some(hash);
            }
            ChunkHash::Misplaced => self.misplaced = true,
        }
    }

    /// The hash of the whole file, or `None` if the pushed chunks do not cover exactly the file
    /// as one tree (a caller's mistake: never a wrong hash).
    pub fn finish(&self) -> Option<blake3::Hash> {
        if self.misplaced {
            return None;
        }
        if let Some(whole) = self.whole {
            return self.subtrees.is_empty().then_some(whole);
        }
        let total: u64 = self.subtrees.iter().map(|(len, _)| len).sum();
        if total != self.size || self.subtrees.len() < 2 {
            return None;
        }
        let (left, right) = split(&self.subtrees, self.size)?;
        Some(merge_subtrees_root(&left, &right, Mode::Hash))
    }
}

/// The longest subtree starting at `start` (a leaf boundary) within `rest` bytes: a complete
/// aligned run of leaves, or everything left when that ends the input and fits one subtree.
fn subtree_len(start: u64, rest: u64, ends_input: bool) -> u64 {
    let max = max_subtree_len(start).unwrap_or(u64::MAX);
    if ends_input && rest <= max {
        return rest;
    }
    max.min(1 << rest.ilog2())
}

/// The chaining values of the two children of the node covering `parts` (`len` bytes).
fn split(parts: &[(u64, ChainingValue)], len: u64) -> Option<(ChainingValue, ChainingValue)> {
    let left_len = left_subtree_len(len);
    let mut covered = 0;
    let at = parts.iter().position(|(part, _)| {
        covered += part;
        covered >= left_len
    })?;
    if covered != left_len {
        return None; // a part straddles the split: not this tree
    }
    let (left, right) = parts.split_at(at + 1);
    Some((node(left, left_len)?, node(right, len - left_len)?))
}

/// The (non-root) chaining value of the node covering `parts`.
fn node(parts: &[(u64, ChainingValue)], len: u64) -> Option<ChainingValue> {
    match parts {
        [] => None,
        [(part, cv)] => (*part == len).then_some(*cv),
        _ => {
            let (left, right) = split(parts, len)?;
            Some(merge_subtrees_non_root(&left, &right, Mode::Hash))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 253) as u8).collect()
    }

    fn by_chunks(bytes: &[u8], chunk_size: u32) -> Option<blake3::Hash> {
        let size = bytes.len() as u64;
        let mut file = FileHash::new(size, chunk_size)?;
        let count = coffer_crypto::chunk_count(size, chunk_size);
        // Hash the chunks in reverse order, push them in order: the order of hashing is free.
        let mut hashes: Vec<_> = (0..count)
            .rev()
            .map(|index| {
                let start = (index * u64::from(chunk_size)) as usize;
                let end = (start + chunk_size as usize).min(bytes.len());
                FileHash::hash_chunk(size, chunk_size, index, &bytes[start..end])
            })
            .collect();
        hashes.reverse();
        for hash in hashes {
            file.push(hash);
        }
        file.finish()
    }

    #[test]
    fn equals_blake3_of_the_whole_file() {
        let k = 1024usize;
        for chunk_size in [1024u32, 3072, 4096, 65536, 65536 + 1024, 5 * 65536] {
            let cs = chunk_size as usize;
            for len in [
                0,
                1,
                k - 1,
                k,
                k + 1,
                cs - 1,
                cs,
                cs + 1,
                2 * cs,
                2 * cs + 1,
                3 * cs + 517,
                7 * cs + 5 * k + 3,
                8 * cs,
                9 * cs + k,
            ] {
                let bytes = data(len);
                assert_eq!(
                    by_chunks(&bytes, chunk_size),
                    Some(blake3::hash(&bytes)),
                    "chunk size {chunk_size}, length {len}"
                );
            }
        }
    }

    #[test]
    fn chunk_sizes_off_leaf_boundaries_are_declined() {
        assert!(FileHash::new(100, 65537).is_none());
        assert!(FileHash::new(100, 0).is_none());
        assert!(FileHash::new(100, 65536).is_some());
    }

    #[test]
    fn a_missing_or_extra_chunk_gives_no_hash() {
        let (cs, bytes) = (4096u32, data(3 * 4096 + 10));
        let size = bytes.len() as u64;
        let chunk = |i: u64| {
            let s = (i * 4096) as usize;
            FileHash::hash_chunk(size, cs, i, &bytes[s..(s + 4096).min(bytes.len())])
        };
        let mut missing = FileHash::new(size, cs).unwrap();
        for i in [0, 1, 3] {
            missing.push(chunk(i));
        }
        assert_eq!(missing.finish(), None);
        let mut extra = FileHash::new(size, cs).unwrap();
        for i in [0, 1, 2, 3, 3] {
            extra.push(chunk(i));
        }
        assert_eq!(extra.finish(), None);
    }
}
