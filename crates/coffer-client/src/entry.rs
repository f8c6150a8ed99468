//! What the SDK tells callers about a node: plain verified facts, no keys.

use crate::path::DrivePath;
use crate::verify::VerifiedNode;
use coffer_api::{Id, NodeKind};

/// A verified file or folder, as listings and lookups report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: DrivePath,
    /// The last name of `path` (`""` for the root).
    pub name: String,
    pub kind: NodeKind,
    /// Plaintext size in bytes (files).
    pub size: Option<u64>,
    /// Modification time, Unix milliseconds, as the uploader's file system had it.
    pub mtime: Option<i64>,
    pub media_type: Option<String>,
    /// Lowercase hex BLAKE3 of the plaintext (files).
    pub blake3: Option<String>,
    pub id: Id,
    /// Server revision (changes on every move, rename or new version).
    pub revision: u64,
}

impl Entry {
    pub(crate) fn of(node: &VerifiedNode) -> Entry {
        Entry {
            path: node.path.clone(),
            // The name in the path: the node's own, but for an incoming share's root listed
            // as `name (2)` beside another folder of that name (and the root's `""`).
            name: (node.path.name()).unwrap_or(&node.attrs.name).to_owned(),
            kind: node.node.kind,
            size: node.attrs.size,
            mtime: node.attrs.mtime,
            media_type: node.attrs.media_type.clone(),
            blake3: node.attrs.blake3.clone(),
            id: node.node.id,
            revision: node.node.revision,
        }
    }

    /// A folder that exists only in this client's view (`/shared`, `/shared/<email>`).
    pub(crate) fn virtual_folder(path: DrivePath) -> Entry {
        Entry {
            name: path.name().unwrap_or_default().to_owned(),
            path,
            kind: NodeKind::Folder,
            size: None,
            mtime: None,
            media_type: None,
            blake3: None,
            id: Id::ZERO,
            revision: 0,
        }
    }

    pub fn is_folder(&self) -> bool {
        self.kind == NodeKind::Folder
    }
}

/// A folder and everything below it, as `tree` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub entry: Entry,
    /// Sorted by name; empty for files.
    pub children: Vec<TreeEntry>,
}
