//! The temporary file a download writes into: `.<name>.coffer-partial` beside the destination,
//! renamed over it only after everything verified, removed on any failure. So a destination
//! never holds plaintext that did not verify, and a crash leaves at most the hidden partial file.
//!
//! Chunks are written at their own offsets by the tasks that verified them ([`ChunkWriter`]), in
//! whatever order they finish. Where the filesystem allows, writes go around the page cache
//! (`O_DIRECT`): copying a large download into fresh page-cache pages cost more CPU than
//! decrypting it, and the kernel would write it back anyway. Direct writes need the address,
//! length and offset aligned to the block size; chunk offsets are (chunk sizes are multiples of
//! 4 KiB in practice) and the buffer is made so (an over-allocated `Vec`, `align_offset`); the
//! last partial block of a chunk, anything unaligned, and filesystems that refuse take the
//! buffered path.

use super::buffers::BufferPool;
use crate::error::{ClientError, Result};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[cfg(unix)]
use std::os::unix::fs::FileExt;

/// Alignment and block size for direct writes.
const ALIGN: usize = 4096;

/// A download's temporary file; removed on drop unless committed.
pub(crate) struct PartialFile {
    tmp: PathBuf,
    dest: PathBuf,
    writer: Arc<ChunkWriter>,
    committed: bool,
}

/// Writes chunks into the partial file at their offsets; shared by the chunk tasks. It holds
/// only open handles: a task still writing after the download gave up writes into the removed
/// file, never into a later download's.
pub(crate) struct ChunkWriter {
    path: PathBuf,
    buffered: File,
    /// The same file opened for direct I/O, while the filesystem accepts it.
    direct: Option<File>,
    direct_refused: AtomicBool,
    /// Where buffers for direct writes come from (the drive's spares).
    buffers: Arc<BufferPool>,
}

impl PartialFile {
    /// Creates (or truncates a stale) `.<name>.coffer-partial` beside `dest`; direct writes
    /// take their aligned buffers from `buffers`.
    pub fn create(dest: &Path, buffers: Arc<BufferPool>) -> Result<PartialFile> {
        let name = dest.file_name().ok_or_else(|| {
            ClientError::io(
                dest,
                std::io::Error::other("the destination has no file name"),
            )
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(".coffer-partial");
        let tmp = dest.with_file_name(tmp_name);
        let buffered = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| ClientError::io(&tmp, e))?;
        let writer = ChunkWriter {
            path: tmp.clone(),
            buffered,
            direct: open_direct(&tmp),
            direct_refused: AtomicBool::new(false),
            buffers,
        };
        Ok(PartialFile {
            tmp,
            dest: dest.to_owned(),
            writer: Arc::new(writer),
            committed: false,
        })
    }

    /// The handle chunk tasks write through.
    pub fn writer(&self) -> Arc<ChunkWriter> {
        Arc::clone(&self.writer)
    }

    /// The partial file's path (to read it back).
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Sets the length to `size` (a no-op unless something wrote past it), makes the content
    /// durable and moves it to the destination. Blocking.
    pub fn commit(mut self, size: u64) -> Result<()> {
        let file = &self.writer.buffered;
        file.set_len(size)
            .and_then(|()| file.sync_all())
            .map_err(|e| ClientError::io(&self.tmp, e))?;
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| ClientError::io(&self.dest, e))?;
        self.committed = true;
        let dir = match self.dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        // Durability of the rename itself; not every platform can open a directory.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl ChunkWriter {
    /// Writes `data` at `offset`. Blocking; safe to call from several threads at once for
    /// different ranges. Takes the buffer so that it is freed as soon as it is copied: one
    /// chunk-sized buffer per write in flight, not two.
    pub fn write_at(&self, offset: u64, data: Vec<u8>) -> Result<()> {
        let direct = self
            .direct
            .as_ref()
            .filter(|_| !self.direct_refused.load(Ordering::Relaxed))
            .filter(|_| offset % ALIGN as u64 == 0);
        let blocks = data.len() - data.len() % ALIGN;
        let Some((direct, (aligned, start))) =
            direct.and_then(|d| Some((d, self.aligned_copy(&data[..blocks])?)))
        else {
            return self.write_buffered(offset, &data);
        };
        // The last partial block through the page cache: padding it instead would make the
        // kernel read and rewrite that block at commit.
        self.write_buffered(offset + blocks as u64, &data[blocks..])?;
        drop(data);
        let whole = &aligned[start..];
        let written = match write_all_at(direct, whole, offset) {
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                self.direct_refused.store(true, Ordering::Relaxed);
                self.write_buffered(offset, whole)
            }
            other => other.map_err(|e| ClientError::io(&self.path, e)),
        };
        self.buffers.give(aligned);
        written
    }

    fn write_buffered(&self, offset: u64, data: &[u8]) -> Result<()> {
        write_all_at(&self.buffered, data, offset).map_err(|e| ClientError::io(&self.path, e))
    }

    /// `blocks` copied into a buffer from the pool at an aligned address: (buffer, where the
    /// copy starts). `None` if no aligned address could be had.
    fn aligned_copy(&self, blocks: &[u8]) -> Option<(Vec<u8>, usize)> {
        let mut buf = self.buffers.take(blocks.len() + ALIGN);
        buf.clear();
        let start = buf.as_ptr().align_offset(ALIGN);
        if start >= ALIGN {
            self.buffers.give(buf);
            return None;
        }
        buf.resize(start, 0);
        buf.extend_from_slice(blocks);
        Some((buf, start))
    }
}

/// The partial file opened again with `O_DIRECT`, if this platform and filesystem allow it.
fn open_direct(path: &Path) -> Option<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(path)
            .ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

#[cfg(unix)]
fn write_all_at(file: &File, data: &[u8], offset: u64) -> io::Result<()> {
    file.write_all_at(data, offset)
}

#[cfg(not(unix))]
fn write_all_at(mut file: &File, data: &[u8], offset: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    // Without positional writes, one writer at a time.
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_committed_file_reaches_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.txt");
        std::fs::write(&dest, b"old").unwrap();
        {
            let p = PartialFile::create(&dest, BufferPool::new(2)).unwrap();
            p.writer().write_at(0, b"unverified".to_vec()).unwrap();
            assert!(dir.path().join(".a.txt.coffer-partial").exists());
        }
        assert!(!dir.path().join(".a.txt.coffer-partial").exists());
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        let p = PartialFile::create(&dest, BufferPool::new(2)).unwrap();
        p.writer().write_at(0, b"new".to_vec()).unwrap();
        p.commit(3).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn chunks_land_at_their_offsets_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("b.bin");
        let (chunk, size) = (2 * ALIGN, 5 * ALIGN + 123);
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let p = PartialFile::create(&dest, BufferPool::new(2)).unwrap();
        let writer = p.writer();
        for start in [4 * ALIGN, 0, 2 * ALIGN] {
            let end = (start + chunk).min(size);
            writer
                .write_at(start as u64, data[start..end].to_vec())
                .unwrap();
        }
        // An unaligned offset takes the buffered path.
        writer.write_at(7, data[7..20].to_vec()).unwrap();
        p.commit(size as u64).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), data);
    }

    #[test]
    fn a_late_write_after_failure_never_reaches_a_new_download() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("c.bin");
        let old = PartialFile::create(&dest, BufferPool::new(2)).unwrap();
        let stale = old.writer();
        drop(old); // the download failed: its partial file is removed
        let new = PartialFile::create(&dest, BufferPool::new(2)).unwrap();
        stale.write_at(0, vec![9; 100]).unwrap(); // a task that had not stopped yet
        new.writer().write_at(0, b"fresh".to_vec()).unwrap();
        new.commit(5).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"fresh");
    }
}
