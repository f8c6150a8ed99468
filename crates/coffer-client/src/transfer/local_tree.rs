//! Walking a local directory for `put -r`: every folder (parents before children) and every
//! file, with names checked before anything is sent, so a bad name fails the whole put early
//! instead of leaving half a tree.
//!
//! Symbolic links to files are followed; links to directories are skipped (they can loop), as
//! are sockets, FIFOs and devices. Skipped paths are reported, never silently lost.

use crate::error::{ClientError, Result};
use crate::path::check_name;
use std::fs;
use std::path::{Path, PathBuf};

/// A local folder to mirror; index 0 is the top one.
#[derive(Debug)]
pub(crate) struct LocalDir {
    pub path: PathBuf,
    /// Index of the parent in [`LocalTree::dirs`] (`None` for the top).
    pub parent: Option<usize>,
    /// The folder's name (unused for the top, which gets the target's name).
    pub name: String,
}

#[derive(Debug)]
pub(crate) struct LocalFile {
    pub path: PathBuf,
    /// Index of its folder in [`LocalTree::dirs`].
    pub dir: usize,
    pub name: String,
    pub size: u64,
}

#[derive(Debug, Default)]
pub(crate) struct LocalTree {
    pub dirs: Vec<LocalDir>,
    pub files: Vec<LocalFile>,
    pub skipped: Vec<PathBuf>,
}

impl LocalTree {
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// Walks `top` breadth first (so every folder comes after its parent), sorted by name.
pub(crate) fn walk(top: &Path) -> Result<LocalTree> {
    let mut tree = LocalTree::default();
    tree.dirs.push(LocalDir {
        path: top.to_owned(),
        parent: None,
        name: String::new(),
    });
    let mut next = 0;
    while next < tree.dirs.len() {
        let dir = tree.dirs[next].path.clone();
        let mut entries: Vec<_> = fs::read_dir(&dir)
            .map_err(|e| ClientError::io(&dir, e))?
            .collect::<std::io::Result<_>>()
            .map_err(|e| ClientError::io(&dir, e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| ClientError::io(&path, e))?;
            let (is_dir, meta) = if kind.is_symlink() {
                match fs::metadata(&path) {
                    Ok(m) if m.is_file() => (false, m),
                    _ => {
                        tree.skipped.push(path);
                        continue;
                    }
                }
            } else {
                let m = entry.metadata().map_err(|e| ClientError::io(&path, e))?;
                (m.is_dir(), m)
            };
            if !is_dir && !meta.is_file() {
                tree.skipped.push(path);
                continue;
            }
            let name = drive_name(&path)?;
            if is_dir {
                tree.dirs.push(LocalDir {
                    path,
                    parent: Some(next),
                    name,
                });
            } else {
                tree.files.push(LocalFile {
                    path,
                    dir: next,
                    name,
                    size: meta.len(),
                });
            }
        }
        next += 1;
    }
    Ok(tree)
}

/// The last component of `path` as a valid drive name.
pub(crate) fn drive_name(path: &Path) -> Result<String> {
    let lossy = || path.display().to_string();
    let name = path
        .file_name()
        .ok_or_else(|| ClientError::InvalidName(lossy()))?
        .to_str()
        .ok_or_else(|| ClientError::InvalidName(lossy()))?;
    check_name(name)?;
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_parents_before_children_and_skips_dir_links() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().join("top");
        fs::create_dir_all(top.join("b/c")).unwrap();
        fs::create_dir_all(top.join("a")).unwrap();
        fs::write(top.join("z.txt"), b"123").unwrap();
        fs::write(top.join("b/c/deep"), b"").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(top.join("b"), top.join("loop")).unwrap();
            std::os::unix::fs::symlink(top.join("z.txt"), top.join("zlink")).unwrap();
        }
        let tree = walk(&top).unwrap();
        let names: Vec<_> = tree.dirs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["", "a", "b", "c"]);
        for (i, d) in tree.dirs.iter().enumerate().skip(1) {
            assert!(d.parent.unwrap() < i);
        }
        let files: Vec<_> = tree.files.iter().map(|f| f.name.as_str()).collect();
        #[cfg(unix)]
        {
            assert_eq!(files, ["z.txt", "zlink", "deep"]);
            assert_eq!(tree.skipped, [top.join("loop")]);
            assert_eq!(tree.total_bytes(), 6);
        }
        #[cfg(not(unix))]
        assert_eq!(files, ["z.txt", "deep"]);
    }
}
