//! Chunk buffers kept for reuse by every transfer of one [`crate::Drive`].
//!
//! A chunk is megabytes; allocating a fresh buffer for each one made the kernel fault in (and,
//! in a VM, the host back) fresh pages for every chunk, which cost more CPU than the AES. Spare
//! buffers are bounded per drive (not per transfer), so memory stays flat however many files
//! move at once: at most the drive's chunk permits in use plus [`SPARE_BUFFERS`] spare.

use bytes::Bytes;
use std::sync::{Arc, Mutex};

/// Spare buffers a drive keeps.
pub(crate) const SPARE_BUFFERS: usize = 4;

/// Spare chunk buffers.
pub(crate) struct BufferPool {
    spare: Mutex<Vec<Vec<u8>>>,
    keep: usize,
}

impl BufferPool {
    pub fn new(keep: usize) -> Arc<BufferPool> {
        Arc::new(BufferPool {
            spare: Mutex::new(Vec::new()),
            keep,
        })
    }

    /// A buffer with room for at least `capacity` bytes. Its length and contents are whatever
    /// they were (no zeroing): callers overwrite or clear them.
    pub fn take(&self, capacity: usize) -> Vec<u8> {
        let reused = self.spare.lock().ok().and_then(|mut spare| {
            let at = spare.iter().position(|b| b.capacity() >= capacity)?;
            Some(spare.swap_remove(at))
        });
        reused.unwrap_or_else(|| Vec::with_capacity(capacity))
    }

    /// Takes `buf` back, unless enough are spare already.
    pub fn give(&self, buf: Vec<u8>) {
        if let Ok(mut spare) = self.spare.lock() {
            if spare.len() < self.keep {
                spare.push(buf);
            } else if let Some(smallest) = spare.iter_mut().min_by_key(|b| b.capacity()) {
                // Keep the larger ones: they fit every chunk size.
                if smallest.capacity() < buf.capacity() {
                    *smallest = buf;
                }
            }
        }
    }

    /// `buf` as [`Bytes`] without a copy; it comes back here when the last clone is dropped.
    pub fn lend(self: &Arc<Self>, buf: Vec<u8>) -> Bytes {
        Bytes::from_owner(Lent {
            buf,
            pool: Arc::clone(self),
        })
    }
}

/// A buffer lent to [`Bytes`].
struct Lent {
    buf: Vec<u8>,
    pool: Arc<BufferPool>,
}

impl AsRef<[u8]> for Lent {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lent_buffers_come_back_and_spares_are_bounded() {
        let pool = BufferPool::new(2);
        let buf = pool.take(1000);
        let address = buf.as_ptr();
        let bytes = pool.lend(buf);
        let copy = bytes.clone();
        drop(bytes);
        assert!(pool.spare.lock().unwrap().is_empty(), "still lent");
        drop(copy);
        let again = pool.take(500);
        assert_eq!(again.as_ptr(), address, "reused");
        for size in [10, 20, 3000] {
            pool.give(Vec::with_capacity(size));
        }
        let spare = pool.spare.lock().unwrap();
        assert_eq!(spare.len(), 2);
        assert!(
            spare.iter().any(|b| b.capacity() >= 3000),
            "the largest stays"
        );
    }

    #[test]
    fn a_larger_buffer_is_made_when_no_spare_fits() {
        let pool = BufferPool::new(2);
        pool.give(Vec::with_capacity(100));
        assert!(pool.take(1000).capacity() >= 1000);
        assert_eq!(
            pool.spare.lock().unwrap().len(),
            1,
            "the small one stays spare"
        );
    }
}
