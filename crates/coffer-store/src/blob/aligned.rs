//! [`BlobBuf`]: one chunk's bytes in memory whose start is aligned for direct I/O, and the pool
//! that lends such buffers out again.
//!
//! `O_DIRECT` needs the buffer address, the length and the file offset to be multiples of the
//! device's logical block size. We align to [`ALIGN`] (4096, a multiple of every common block
//! size) in safe Rust: a `Vec` over-allocated by `ALIGN` bytes, whose contents begin at the first
//! aligned address inside it (`align_offset`). The `Vec` never grows past its capacity, so the
//! address never moves. `align_offset` may in theory decline to answer; the buffer then simply
//! reports itself unaligned and the caller uses buffered I/O.
//!
//! Buffers go back to their [`BufferPool`] when dropped (also when lent to [`Bytes`]): touching
//! fresh pages for every chunk cost the server about a tenth of its CPU during big uploads.

use bytes::Bytes;
use std::sync::{Arc, Mutex};

/// The alignment and block size used for direct I/O.
pub(crate) const ALIGN: usize = 4096;

/// Buffers smaller than this are not worth keeping.
const POOLED_MIN: usize = 64 << 10;

/// A chunk buffer for the blob store: filled by the caller (e.g. from a request body) and
/// written with direct I/O, or read with direct I/O and handed out as [`Bytes`] without a copy.
pub struct BlobBuf {
    /// `start` filler bytes, then the contents (when reading, up to a whole block more).
    vec: Vec<u8>,
    /// Where the contents begin: the first `ALIGN`-aligned byte, or 0 if there is none.
    start: usize,
    /// Content bytes this buffer can hold without moving.
    room: usize,
    /// Where the buffer goes when dropped.
    pool: Option<Arc<BufferPool>>,
}

/// Spare chunk buffers, at most `max_bytes` of them in all.
#[derive(Debug)]
pub(crate) struct BufferPool {
    spare: Mutex<Vec<Vec<u8>>>,
    max_bytes: usize,
}

impl BufferPool {
    pub fn new(max_bytes: usize) -> Arc<BufferPool> {
        Arc::new(BufferPool {
            spare: Mutex::new(Vec::new()),
            max_bytes,
        })
    }

    /// An empty buffer with room for `len` bytes, reused when a spare one is large enough.
    pub fn buffer(self: &Arc<Self>, len: usize) -> BlobBuf {
        let room = round_up(len);
        let spare = (room >= POOLED_MIN)
            .then(|| self.take(room.saturating_add(ALIGN)))
            .flatten();
        let mut buf = BlobBuf::from_vec(spare.unwrap_or_default(), len);
        buf.pool = Some(Arc::clone(self));
        buf
    }

    fn take(&self, capacity: usize) -> Option<Vec<u8>> {
        let mut spare = self.spare.lock().ok()?;
        let at = spare.iter().position(|v| v.capacity() >= capacity)?;
        Some(spare.swap_remove(at))
    }

    fn give(&self, vec: Vec<u8>) {
        if vec.capacity() < POOLED_MIN {
            return;
        }
        if let Ok(mut spare) = self.spare.lock() {
            let held: usize = spare.iter().map(Vec::capacity).sum();
            if held + vec.capacity() <= self.max_bytes {
                spare.push(vec);
            }
        }
    }
}

impl BlobBuf {
    /// An empty buffer with room for `len` bytes, not pooled.
    pub fn with_capacity(len: usize) -> BlobBuf {
        BlobBuf::from_vec(Vec::new(), len)
    }

    /// An empty buffer with room for `len` bytes in `vec` (replaced if too small).
    fn from_vec(mut vec: Vec<u8>, len: usize) -> BlobBuf {
        let room = round_up(len);
        let capacity = room.saturating_add(ALIGN);
        if vec.capacity() < capacity {
            vec = Vec::with_capacity(capacity);
        }
        let start = match vec.as_ptr().align_offset(ALIGN) {
            offset if offset < ALIGN => offset,
            _ => 0, // no answer: unaligned, buffered I/O will be used
        };
        vec.truncate(start);
        vec.resize(start, 0);
        BlobBuf {
            vec,
            start,
            room,
            pool: None,
        }
    }

    /// A copy of `bytes` in an aligned buffer.
    pub fn copy_from(bytes: &[u8]) -> BlobBuf {
        let mut buf = BlobBuf::with_capacity(bytes.len());
        buf.vec.extend_from_slice(bytes);
        buf
    }

    /// Content bytes held.
    pub fn len(&self) -> usize {
        self.vec.len() - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Content bytes this buffer can hold.
    pub fn capacity(&self) -> usize {
        self.room
    }

    /// Appends `data`; `false` (and nothing appended) if it would exceed [`Self::capacity`].
    #[must_use]
    pub fn try_extend(&mut self, data: &[u8]) -> bool {
        if self.len().saturating_add(data.len()) > self.room {
            return false;
        }
        self.vec.extend_from_slice(data);
        true
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.vec[self.start..]
    }

    /// The contents as [`Bytes`], without copying; the buffer returns to its pool when the
    /// last [`Bytes`] sharing it is dropped.
    pub fn into_bytes(self) -> Bytes {
        Bytes::from_owner(self)
    }

    /// Whether the contents start on an `ALIGN` boundary.
    pub(crate) fn is_aligned(&self) -> bool {
        (self.vec.as_ptr() as usize + self.start) % ALIGN == 0
    }

    /// Makes the whole room (`len` rounded up to blocks) zeroed content, to read into; the
    /// reader then keeps what it read ([`Self::truncate`]).
    pub(crate) fn fill_room(&mut self) -> &mut [u8] {
        let start = self.start;
        self.vec.resize(start + self.room, 0);
        &mut self.vec[start..]
    }

    /// Keeps the first `len` content bytes.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.vec.truncate(self.start + len);
    }
}

impl AsRef<[u8]> for BlobBuf {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Drop for BlobBuf {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            pool.give(std::mem::take(&mut self.vec));
        }
    }
}

impl From<Bytes> for BlobBuf {
    fn from(bytes: Bytes) -> BlobBuf {
        BlobBuf::copy_from(&bytes)
    }
}

impl From<&[u8]> for BlobBuf {
    fn from(bytes: &[u8]) -> BlobBuf {
        BlobBuf::copy_from(bytes)
    }
}

impl std::fmt::Debug for BlobBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobBuf")
            .field("len", &self.len())
            .field("aligned", &self.is_aligned())
            .finish()
    }
}

/// `len` rounded up to a whole number of blocks (saturating).
pub(crate) fn round_up(len: usize) -> usize {
    len.div_ceil(ALIGN).saturating_mul(ALIGN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_start_aligned_and_never_move() {
        let mut buf = BlobBuf::with_capacity(10_000);
        assert!(buf.is_aligned());
        assert_eq!(buf.capacity(), 3 * ALIGN);
        let address = buf.as_slice().as_ptr();
        assert!(buf.try_extend(&[1; 9_999]));
        assert!(buf.try_extend(&[2; 2_289]));
        assert!(!buf.try_extend(&[3; 1]), "full: refused, not reallocated");
        assert_eq!(buf.len(), 3 * ALIGN);
        assert_eq!(buf.as_slice().as_ptr(), address);
    }

    #[test]
    fn bytes_share_the_buffer() {
        let buf = BlobBuf::copy_from(&[7; 5]);
        let address = buf.as_slice().as_ptr();
        let bytes = buf.into_bytes();
        assert_eq!(bytes, Bytes::from_static(&[7; 5]));
        assert_eq!(bytes.as_ptr(), address);
    }

    #[test]
    fn pooled_buffers_come_back_empty_and_aligned() {
        let pool = BufferPool::new(1 << 20);
        let mut first = pool.buffer(100_000);
        assert!(first.try_extend(&[9; 100_000]));
        let address = first.as_slice().as_ptr();
        drop(first.into_bytes()); // back to the pool when the Bytes go
        let again = pool.buffer(90_000);
        assert!(again.is_empty() && again.is_aligned());
        assert_eq!(again.as_slice().as_ptr(), address, "reused");
        // Too small to reuse for a larger chunk; small chunks are not pooled at all.
        drop(again);
        assert_ne!(pool.buffer(200_000).capacity(), 0);
        assert_eq!(pool.buffer(10).capacity(), ALIGN);
    }

    #[test]
    fn the_pool_keeps_at_most_its_budget() {
        let pool = BufferPool::new(300_000);
        let buffers: Vec<_> = (0..4).map(|_| pool.buffer(100_000)).collect();
        drop(buffers);
        let held: usize = pool.spare.lock().unwrap().iter().map(Vec::capacity).sum();
        assert!(held <= 300_000 && held > 0);
    }

    #[test]
    fn reading_room_is_whole_blocks() {
        let mut buf = BlobBuf::with_capacity(5);
        assert_eq!(buf.fill_room().len(), ALIGN);
        buf.truncate(5);
        assert_eq!(buf.as_slice(), &[0; 5]);
    }
}
