//! The temporary file a download writes into: `.<name>.coffer-partial` beside the destination,
//! renamed over it only after everything verified, removed on any failure. So a destination
//! never holds plaintext that did not verify, and a crash leaves at most the hidden partial file.

use crate::error::{ClientError, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A download's temporary file; removed on drop unless committed.
pub(crate) struct PartialFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: File,
    committed: bool,
}

impl PartialFile {
    /// Creates (or truncates a stale) `.<name>.coffer-partial` beside `dest`.
    pub fn create(dest: &Path) -> Result<PartialFile> {
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
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| ClientError::io(&tmp, e))?;
        Ok(PartialFile {
            tmp,
            dest: dest.to_owned(),
            file,
            committed: false,
        })
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| ClientError::io(&self.tmp, e))
    }

    /// Makes the content durable and moves it to the destination.
    pub fn commit(mut self) -> Result<()> {
        self.file
            .sync_all()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_committed_file_reaches_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.txt");
        std::fs::write(&dest, b"old").unwrap();
        {
            let mut p = PartialFile::create(&dest).unwrap();
            p.write_all(b"unverified").unwrap();
            assert!(dir.path().join(".a.txt.coffer-partial").exists());
        }
        assert!(!dir.path().join(".a.txt.coffer-partial").exists());
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        let mut p = PartialFile::create(&dest).unwrap();
        p.write_all(b"new").unwrap();
        p.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
