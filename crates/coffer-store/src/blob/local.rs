//! The local engine's chunk files, written and read with direct I/O (`O_DIRECT`).
//!
//! Why: on the machines we measured, copying every chunk through the page cache cost about half
//! of the server's CPU during a big upload (first touches of fresh page-cache pages are
//! expensive in a VM), and nothing gains from caching chunks the server only wrote.
//!
//! Crash safety. A chunk row must never name a blob that is not complete and durable; the server
//! records the row only after [`LocalChunks::write`] returned. The key contains the chunk's hash,
//! so every writer of one key writes the same bytes. A write goes:
//!
//! 1. *in place*: the file is created at its final name with `O_CREAT | O_EXCL`, written (whole
//!    blocks with `O_DIRECT` through a second descriptor of the same open file, the last partial
//!    block through the page cache, so nothing is padded and cut back), `fdatasync`ed, then its
//!    directory is fsynced (so the name itself survives a crash: POSIX does not promise that
//!    from the file's own sync). A crash before the end leaves a partial file that no row
//!    names; the next write of that key finds it and takes step 2.
//! 2. if the name already exists (an earlier attempt that crashed or failed, or a concurrent
//!    upload of the same chunk): written under a staging name (`<key>#<n>`, which listings
//!    skip), `fdatasync`ed, renamed over the final name, directory fsynced. The rename is
//!    atomic, so the final name always holds either the earlier file or complete bytes.
//!
//! Exclusive creation is what makes step 1 safe: no writer ever truncates or rewrites a file it
//! did not create, so a file a row already names is never touched. In the common case (a new
//! chunk) that is one data sync and one directory sync (Linux filesystems usually persist a new
//! file's name with its first sync, which makes the second cheap; we do not rely on it). New
//! directories are fsynced with their parent, as `object_store`'s local store does.
//!
//! Filesystems that refuse `O_DIRECT` (tmpfs on older kernels) get the same steps buffered.

use super::aligned::{ALIGN, BlobBuf, BufferPool};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Chunk files under one root, with direct I/O while the filesystem accepts it.
#[derive(Debug)]
pub(crate) struct LocalChunks {
    direct: AtomicBool,
}

impl LocalChunks {
    /// Probes whether `root` accepts direct I/O.
    pub fn probe(root: &Path) -> LocalChunks {
        LocalChunks {
            direct: AtomicBool::new(direct_io_works(root)),
        }
    }

    fn direct(&self) -> bool {
        self.direct.load(Ordering::Relaxed)
    }

    /// Stores `buf` durably at `path` (see the module documentation).
    pub fn write(&self, path: &Path, buf: &BlobBuf) -> io::Result<()> {
        let dir = path
            .parent()
            .ok_or_else(|| io::Error::other("a chunk path without a folder"))?;
        let file = match create_new(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return replace(path, dir, buf),
            Err(e) => return Err(e),
        };
        let direct = (self.direct() && buf.is_aligned())
            .then(|| reopen_direct(&file))
            .flatten();
        match fill(&file, direct.as_ref(), buf.as_slice()) {
            Ok(()) => {}
            Err(e) if direct.is_some() && is_invalid(&e) => {
                // The filesystem refused this direct write after all: buffered from now on.
                self.direct.store(false, Ordering::Relaxed);
                fill(&file, None, buf.as_slice())?;
            }
            Err(e) => return Err(e),
        }
        file.sync_data()?;
        sync_dir(dir)
    }

    /// The whole file at `path`, at most `max_len` bytes (a longer file is an error, so a
    /// damaged store cannot make us allocate without bound), in a buffer from `pool`.
    pub fn read(&self, path: &Path, max_len: u64, pool: &Arc<BufferPool>) -> io::Result<BlobBuf> {
        let mut direct = self.direct();
        let mut file = open_read(path, direct)?;
        let len = file.metadata()?.len();
        if len > max_len {
            return Err(io::Error::other("a chunk file is larger than any chunk"));
        }
        let len = usize::try_from(len).map_err(io::Error::other)?;
        let mut buf = pool.buffer(len);
        let area = buf.fill_room();
        let mut done = 0;
        while done < len {
            match file.read(&mut area[done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if direct && is_invalid(&e) => {
                    // Unaligned after a short read, or refused: go on through the page cache.
                    direct = false;
                    file = open_read(path, false)?;
                    file.seek(SeekFrom::Start(done as u64))?;
                }
                Err(e) => return Err(e),
            }
        }
        if done != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a chunk file shrank while it was read",
            ));
        }
        buf.truncate(len);
        Ok(buf)
    }
}

/// Writes `data` from offset 0: the whole blocks through `direct` when given (`data` must then
/// start aligned), the last partial block through the page cache. So the file never needs
/// padding and cutting back, which would make the kernel read and rewrite its last block.
fn fill(file: &File, direct: Option<&File>, data: &[u8]) -> io::Result<()> {
    let blocks = match direct {
        Some(direct) => {
            let blocks = data.len() - data.len() % ALIGN;
            write_all_at(direct, &data[..blocks], 0)?;
            blocks
        }
        None => 0,
    };
    write_all_at(file, &data[blocks..], blocks as u64)
}

/// Step 2: staging file, sync, atomic rename over `path`, directory sync. Buffered I/O: this
/// path is rare.
fn replace(path: &Path, dir: &Path, buf: &BlobBuf) -> io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let (staging, mut file) = loop {
        let mut name = path.as_os_str().to_owned();
        name.push(format!("#{}", NEXT.fetch_add(1, Ordering::Relaxed)));
        let staging = std::path::PathBuf::from(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&staging)
        {
            Ok(file) => break (staging, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue, // an old leftover
            Err(e) => return Err(e),
        }
    };
    let written = file
        .write_all(buf.as_slice())
        .and_then(|()| file.sync_data())
        .and_then(|()| std::fs::rename(&staging, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&staging); // ours alone; nothing names it
        return Err(e);
    }
    sync_dir(dir)
}

/// Creates `path` exclusively, creating (and syncing) missing folders.
fn create_new(path: &Path) -> io::Result<File> {
    // The cleanup of an emptied version folder may remove a folder we just created: retry.
    for _ in 0..3 {
        match OpenOptions::new().write(true).create_new(true).open(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => create_dirs(path)?,
            other => return other,
        }
    }
    Err(io::Error::other("a chunk folder kept disappearing"))
}

/// The same open file (not the same path: it may have been replaced since) again, for direct
/// I/O; `None` where that is not available.
fn reopen_direct(file: &File) -> Option<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(format!("/proc/self/fd/{}", file.as_raw_fd()))
            .ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        None
    }
}

/// Creates the missing folders above `path`, then fsyncs each new folder and the existing one
/// that received the first new entry, so the new names are durable.
fn create_dirs(path: &Path) -> io::Result<()> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    let mut existing = parent;
    while !existing.exists() {
        match existing.parent() {
            Some(up) => existing = up,
            None => break,
        }
    }
    std::fs::create_dir_all(parent)?;
    let mut dir = parent;
    loop {
        sync_dir(dir)?;
        if dir == existing {
            return Ok(());
        }
        match dir.parent() {
            Some(up) => dir = up,
            None => return Ok(()),
        }
    }
}

fn open_read(path: &Path, direct: bool) -> io::Result<File> {
    match open_options(direct).read(true).open(path) {
        Err(e) if direct && is_invalid(&e) => OpenOptions::new().read(true).open(path),
        other => other,
    }
}

/// Whether a direct write of one block works in `root`.
fn direct_io_works(root: &Path) -> bool {
    // Named like a staging file, so listings never show it even if a crash leaves it behind.
    let probe = root.join(".direct-io-probe#0");
    let _ = std::fs::remove_file(&probe);
    let works = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .is_ok_and(|file| {
            let mut block = BlobBuf::with_capacity(ALIGN);
            block.is_aligned()
                && block.try_extend(&[0; ALIGN])
                && reopen_direct(&file)
                    .is_some_and(|direct| write_all_at(&direct, block.as_slice(), 0).is_ok())
        });
    let _ = std::fs::remove_file(&probe);
    works
}

fn open_options(direct: bool) -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(target_os = "linux")]
    if direct {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_DIRECT);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = direct;
    options
}

#[cfg(unix)]
fn write_all_at(file: &File, data: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, data, offset)
}

#[cfg(not(unix))]
fn write_all_at(mut file: &File, data: &[u8], offset: u64) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(data)
}

fn is_invalid(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::InvalidInput
}

/// Makes the entries of `dir` durable. Only Unix can open a folder to sync it.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Arc<BufferPool> {
        BufferPool::new(4 << 20)
    }

    fn bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn writes_read_back_exactly_at_every_length() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = LocalChunks::probe(dir.path());
        for len in [
            0,
            1,
            16,
            ALIGN - 1,
            ALIGN,
            ALIGN + 1,
            3 * ALIGN + 17,
            1 << 20,
        ] {
            let path = dir.path().join("v/ab/x").join(format!("{len}"));
            let data = bytes(len);
            chunks.write(&path, &BlobBuf::copy_from(&data)).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), data, "length {len}");
            let back = chunks.read(&path, 1 << 21, &pool()).unwrap();
            assert_eq!(back.as_slice(), &data[..], "length {len}");
        }
    }

    #[test]
    fn an_existing_file_is_replaced_whole_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = LocalChunks::probe(dir.path());
        let path = dir.path().join("c");
        // A partial leftover of a crashed write, longer than the real chunk.
        std::fs::write(&path, bytes(10_000)).unwrap();
        let data = bytes(5000);
        chunks.write(&path, &BlobBuf::copy_from(&data)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data);
        // No staging file stays behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn reads_refuse_oversized_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = LocalChunks::probe(dir.path());
        let path = dir.path().join("c");
        std::fs::write(&path, bytes(100)).unwrap();
        assert!(chunks.read(&path, 99, &pool()).is_err());
        assert_eq!(chunks.read(&path, 100, &pool()).unwrap().len(), 100);
        let missing = chunks
            .read(&dir.path().join("none"), 100, &pool())
            .unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn buffered_mode_gives_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = LocalChunks {
            direct: AtomicBool::new(false),
        };
        let path = dir.path().join("v/cd/y/0-h");
        let data = bytes(ALIGN + 3);
        chunks.write(&path, &BlobBuf::copy_from(&data)).unwrap();
        chunks.write(&path, &BlobBuf::copy_from(&data)).unwrap();
        assert_eq!(
            chunks.read(&path, 1 << 20, &pool()).unwrap().as_slice(),
            &data[..]
        );
    }
}
