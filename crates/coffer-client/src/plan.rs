//! Where things go: the pure decisions behind `mv`, `put` and `get`, like `mv` and `cp` make
//! them. Callers look up what exists and act; these functions only decide.

use crate::error::{ClientError, Result};
use crate::path::{DrivePath, PathSpec};
use coffer_api::NodeKind;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// A place on the drive: the folder and the name in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub parent: DrivePath,
    pub name: String,
}

impl Target {
    pub fn path(&self) -> DrivePath {
        self.parent
            .join(&self.name)
            .expect("invariant: target names come from valid paths or were checked")
    }
}

/// `mv SRC DEST`: into DEST if it is a folder, else to DEST's name in its parent. Never
/// replaces an existing node; never moves the root or a folder into itself.
pub(crate) fn plan_move(
    src: &DrivePath,
    dest: &PathSpec,
    dest_kind: Option<NodeKind>,
) -> Result<Target> {
    let Some(src_name) = src.name() else {
        return Err(ClientError::InvalidOperation {
            path: "/".into(),
            reason: "the root cannot be moved",
        });
    };
    let target = match dest_kind {
        Some(NodeKind::Folder) => Target {
            parent: dest.path.clone(),
            name: src_name.to_owned(),
        },
        Some(NodeKind::File) if dest.trailing_slash => {
            return Err(ClientError::NotAFolder(dest.path.to_string()));
        }
        Some(NodeKind::File) => return Err(ClientError::AlreadyExists(dest.path.to_string())),
        None => named_target(dest)?,
    };
    if target.parent.starts_with(src) {
        return Err(ClientError::InvalidOperation {
            path: src.to_string(),
            reason: "a folder cannot be moved into itself",
        });
    }
    Ok(target)
}

/// `put FILE DEST`: into DEST if it is a folder or ends with `/` (keeping the local name),
/// else at DEST (an existing file there gets a new version). Missing folders on the way are the
/// caller's to create, as a user who names `/videos/` means it.
pub(crate) fn plan_put_file(
    local_name: &str,
    dest: &PathSpec,
    dest_kind: Option<NodeKind>,
) -> Result<Target> {
    match dest_kind {
        Some(NodeKind::Folder) | None if dest.trailing_slash || dest.path.is_root() => Ok(Target {
            parent: dest.path.clone(),
            name: local_name.to_owned(),
        }),
        Some(NodeKind::Folder) => Ok(Target {
            parent: dest.path.clone(),
            name: local_name.to_owned(),
        }),
        Some(NodeKind::File) if dest.trailing_slash => {
            Err(ClientError::NotAFolder(dest.path.to_string()))
        }
        Some(NodeKind::File) | None => named_target(dest),
    }
}

/// `put -r DIR DEST`: into DEST if it is a folder or ends with `/` (keeping the local name),
/// else DEST is the copy. Missing folders on the way are the caller's to create.
pub(crate) fn plan_put_dir(
    local_name: &str,
    dest: &PathSpec,
    dest_kind: Option<NodeKind>,
) -> Result<Target> {
    match dest_kind {
        Some(NodeKind::Folder) | None if dest.trailing_slash || dest.path.is_root() => Ok(Target {
            parent: dest.path.clone(),
            name: local_name.to_owned(),
        }),
        Some(NodeKind::Folder) => Ok(Target {
            parent: dest.path.clone(),
            name: local_name.to_owned(),
        }),
        Some(NodeKind::File) => Err(ClientError::NotAFolder(dest.path.to_string())),
        None => named_target(dest),
    }
}

/// The target named by a path that does not exist yet.
fn named_target(dest: &PathSpec) -> Result<Target> {
    match (dest.path.parent(), dest.path.name()) {
        (Some(parent), Some(name)) if !dest.trailing_slash => Ok(Target {
            parent,
            name: name.to_owned(),
        }),
        _ => Err(ClientError::NotFound(dest.path.to_string())),
    }
}

/// What is at a local destination path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Local {
    Missing,
    File,
    Dir,
}

impl Local {
    pub fn of(path: &Path) -> Local {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => Local::Dir,
            Ok(_) => Local::File,
            Err(_) => Local::Missing,
        }
    }
}

/// `get FILE DEST`: into DEST if it is a directory, else DEST itself (replaced if it exists).
pub(crate) fn plan_get_file(remote_name: &str, dest: &Path, kind: Local) -> Result<PathBuf> {
    match kind {
        Local::Dir => Ok(dest.join(remote_name)),
        Local::Missing if ends_with_separator(dest) => {
            Err(local_error(dest, ErrorKind::NotFound, "no such directory"))
        }
        Local::File | Local::Missing => Ok(dest.to_owned()),
    }
}

/// `get -r FOLDER DEST`: into DEST if it is a directory, else DEST is created as the copy. The
/// root has no name: its contents go straight into DEST.
pub(crate) fn plan_get_dir(remote_name: Option<&str>, dest: &Path, kind: Local) -> Result<PathBuf> {
    match (kind, remote_name) {
        (Local::Dir, Some(name)) => Ok(dest.join(name)),
        (Local::Dir, None) | (Local::Missing, _) => Ok(dest.to_owned()),
        (Local::File, _) => Err(local_error(
            dest,
            ErrorKind::NotADirectory,
            "not a directory",
        )),
    }
}

fn ends_with_separator(path: &Path) -> bool {
    path.as_os_str()
        .to_string_lossy()
        .ends_with(std::path::MAIN_SEPARATOR)
}

pub(crate) fn local_error(path: &Path, kind: ErrorKind, what: &str) -> ClientError {
    ClientError::io(path, std::io::Error::new(kind, what.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use NodeKind::{File, Folder};

    fn spec(s: &str) -> PathSpec {
        PathSpec::parse(s).unwrap()
    }

    fn show(r: Result<Target>) -> String {
        match r {
            Ok(t) => t.path().to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn move_targets() {
        let src = DrivePath::parse("/a/f").unwrap();
        let cases = [
            ("/b", Some(Folder), "/b/f"),
            ("/b/", Some(Folder), "/b/f"),
            ("/b/g", None, "/b/g"),
            ("/a/g", None, "/a/g"),
            ("/b/g/", None, "error: /b/g: no such file or folder"),
            ("/b/g", Some(File), "error: /b/g: already exists"),
            ("/b/g/", Some(File), "error: /b/g: not a folder"),
            (
                "/a/f/x",
                None,
                "error: /a/f: a folder cannot be moved into itself",
            ),
            (
                "/a/f",
                Some(Folder),
                "error: /a/f: a folder cannot be moved into itself",
            ),
        ];
        for (dest, kind, want) in cases {
            assert_eq!(
                show(plan_move(&src, &spec(dest), kind)),
                want,
                "mv /a/f {dest}"
            );
        }
        let root = plan_move(&DrivePath::root(), &spec("/x"), None);
        assert!(matches!(root, Err(ClientError::InvalidOperation { .. })));
    }

    #[test]
    fn put_file_targets() {
        let cases = [
            ("/", Some(Folder), "/f.txt"),
            ("/d/", Some(Folder), "/d/f.txt"),
            ("/d", Some(Folder), "/d/f.txt"),
            ("/d/name", None, "/d/name"),
            ("/d/name", Some(File), "/d/name"),
            ("/d/name/", Some(File), "error: /d/name: not a folder"),
            // A destination ending in / is a folder; missing ones are created.
            ("/d/new/", None, "/d/new/f.txt"),
        ];
        for (dest, kind, want) in cases {
            assert_eq!(
                show(plan_put_file("f.txt", &spec(dest), kind)),
                want,
                "put f.txt {dest}"
            );
        }
    }

    #[test]
    fn put_dir_targets() {
        let cases = [
            ("/", Some(Folder), "/photos"),
            ("/x", Some(Folder), "/x/photos"),
            ("/x", None, "/x"),
            ("/x", Some(File), "error: /x: not a folder"),
            ("/x/", None, "/x/photos"),
        ];
        for (dest, kind, want) in cases {
            assert_eq!(
                show(plan_put_dir("photos", &spec(dest), kind)),
                want,
                "put -r photos {dest}"
            );
        }
    }

    #[test]
    fn get_targets() {
        let p = Path::new;
        assert_eq!(
            plan_get_file("a.txt", p("out"), Local::Dir).unwrap(),
            p("out/a.txt")
        );
        assert_eq!(
            plan_get_file("a.txt", p("x"), Local::Missing).unwrap(),
            p("x")
        );
        assert_eq!(plan_get_file("a.txt", p("x"), Local::File).unwrap(), p("x"));
        assert!(plan_get_file("a.txt", p("nodir/"), Local::Missing).is_err());
        assert_eq!(
            plan_get_dir(Some("d"), p("out"), Local::Dir).unwrap(),
            p("out/d")
        );
        assert_eq!(
            plan_get_dir(Some("d"), p("new"), Local::Missing).unwrap(),
            p("new")
        );
        assert_eq!(plan_get_dir(None, p("out"), Local::Dir).unwrap(), p("out"));
        assert!(plan_get_dir(Some("d"), p("file"), Local::File).is_err());
    }
}
