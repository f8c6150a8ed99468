//! The test files: incompressible pseudo-random bytes (so no peer gains from compression or
//! deduplication), made once per work directory and reused by every run.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Bytes written per `write` call when making a big file.
const WRITE_BUFFER: usize = 4 << 20;

/// Deterministic, fast, incompressible bytes (xorshift64*): a different stream per seed.
pub struct PseudoRandom(u64);

impl PseudoRandom {
    pub fn new(seed: u64) -> PseudoRandom {
        PseudoRandom(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for word in buf.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let bytes = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            word.copy_from_slice(&bytes[..word.len()]);
        }
    }
}

/// Makes `path` a file of `size` pseudo-random bytes unless it already has that size.
pub fn ensure_file(path: &Path, size: u64, seed: u64) -> Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == size) {
        return Ok(());
    }
    let tmp = path.with_extension("partial");
    let mut file =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut rng = PseudoRandom::new(seed);
    let mut buf = vec![0u8; WRITE_BUFFER];
    let mut left = size;
    while left > 0 {
        let n = left.min(WRITE_BUFFER as u64) as usize;
        rng.fill(&mut buf[..n]);
        file.write_all(&buf[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Makes `dir` a folder of `count` files of `size` bytes each (`f00000`, `f00001`, …) unless it
/// already is one.
pub fn ensure_small_files(dir: &Path, count: usize, size: usize) -> Result<()> {
    if count_files(dir).is_ok_and(|n| n == count) {
        return Ok(());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let mut rng = PseudoRandom::new(count as u64);
    let mut buf = vec![0u8; size];
    for i in 0..count {
        rng.fill(&mut buf);
        std::fs::write(dir.join(small_file_name(i)), &buf)?;
    }
    Ok(())
}

pub fn small_file_name(i: usize) -> String {
    format!("f{i:05}")
}

/// Regular files anywhere below `dir`.
pub fn count_files(dir: &Path) -> Result<usize> {
    let mut count = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                count += 1;
            }
        }
    }
    Ok(count)
}

/// Deletes `path` (file or folder) if it exists.
pub fn remove(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Ok(std::fs::remove_dir_all(path)?),
        Ok(_) => Ok(std::fs::remove_file(path)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_seed_and_repeat_by_seed() {
        let (mut a, mut b, mut c) = (vec![0u8; 100], vec![0u8; 100], vec![0u8; 100]);
        PseudoRandom::new(1).fill(&mut a);
        PseudoRandom::new(1).fill(&mut b);
        PseudoRandom::new(2).fill(&mut c);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().filter(|&&x| x == 0).count() < 10);
    }

    #[test]
    fn makes_files_once() {
        let dir = std::env::temp_dir().join(format!("coffer-bench-data-{}", std::process::id()));
        let big = dir.join("big.bin");
        std::fs::create_dir_all(&dir).unwrap();
        ensure_file(&big, 10_000_001, 7).unwrap();
        assert_eq!(std::fs::metadata(&big).unwrap().len(), 10_000_001);
        let small = dir.join("small");
        ensure_small_files(&small, 12, 4096).unwrap();
        assert_eq!(count_files(&small).unwrap(), 12);
        assert_eq!(std::fs::read(small.join("f00003")).unwrap().len(), 4096);
        remove(&dir).unwrap();
        assert!(!dir.exists());
    }
}
