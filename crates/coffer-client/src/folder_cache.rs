//! Recently verified folders by path, so that resolving a path walks from the deepest folder
//! seen in the last moments instead of from the root: one request per operation instead of one
//! per path level (and no repeated signature checks).
//!
//! Only folders are kept, only verified ones, and only for [`FOLDER_TTL`]: another client may
//! move or delete a folder, and a stale entry must not outlive a moment. A folder's id and key do
//! not change when it moves, so a stale entry can at worst show a folder under the path it had a
//! moment ago; anything the server refuses (the folder gone) clears the cache
//! ([`FolderCache::clear`], called by the drive on such errors). This client's own moves and
//! deletes forget the affected paths at once.

use crate::path::DrivePath;
use crate::verify::VerifiedNode;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a verified folder is trusted to still be at its path.
pub(crate) const FOLDER_TTL: Duration = Duration::from_secs(2);
/// Entries kept at most (a bound on memory, not a tuning knob).
const MAX_ENTRIES: usize = 4096;

#[derive(Default)]
pub(crate) struct FolderCache {
    entries: Mutex<HashMap<DrivePath, (VerifiedNode, Instant)>>,
}

impl FolderCache {
    /// The deepest cached folder on the way to `path` (`path` itself included), still fresh.
    pub fn deepest(&self, path: &DrivePath) -> Option<VerifiedNode> {
        let entries = self.lock();
        let now = Instant::now();
        let mut at = Some(path.clone());
        while let Some(p) = at {
            if let Some((node, seen)) = entries.get(&p) {
                if now.duration_since(*seen) < FOLDER_TTL {
                    return Some(node.clone());
                }
            }
            at = p.parent();
        }
        None
    }

    /// Remembers `node` if it is a folder.
    pub fn remember(&self, node: &VerifiedNode) {
        if !node.is_folder() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            let now = Instant::now();
            entries.retain(|_, (_, seen)| now.duration_since(*seen) < FOLDER_TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(node.path.clone(), (node.clone(), Instant::now()));
    }

    /// Forgets `path` and everything under it (it moved or was deleted).
    pub fn forget(&self, path: &DrivePath) {
        self.lock().retain(|p, _| !p.starts_with(path));
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<DrivePath, (VerifiedNode, Instant)>> {
        // The map holds no invariant a panic elsewhere could break.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
