//! What the consistency checker reports: counts, errors (a reference that is missing or wrong)
//! and garbage (unreferenced data the background cleanup reclaims, or could).

use super::Inconsistency;

/// At most this many errors are kept in [`ConsistencyReport::errors`]; all are counted. A badly
/// broken store then still costs bounded memory, and the first errors say what went wrong.
pub const MAX_LISTED_ERRORS: usize = 1000;

/// The result of [`crate::check_consistency`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsistencyReport {
    pub counts: StoreCounts,
    /// The first [`MAX_LISTED_ERRORS`] errors, in the order found.
    pub errors: Vec<Inconsistency>,
    /// Every error found, listed or not.
    pub error_count: u64,
    pub garbage: Garbage,
    /// Versions queued in `deleted_versions`: expected, the cleanup task is on it.
    pub pending_deletion: PendingDeletion,
}

impl ConsistencyReport {
    /// No errors (garbage and pending deletions are fine).
    pub fn is_consistent(&self) -> bool {
        self.error_count == 0
    }

    pub(crate) fn error(&mut self, found: Inconsistency) {
        self.error_count += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(found);
        }
    }
}

/// How big the store is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub accounts: u64,
    pub folders: u64,
    pub files: u64,
    pub open_uploads: u64,
    /// Versions a file node or an open upload refers to.
    pub live_versions: u64,
    pub chunk_rows: u64,
    /// Every chunk object (live, pending deletion or garbage).
    pub blobs: Tally,
}

/// A number of objects and their total size in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub bytes: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, bytes: u64) {
        self.count += 1;
        self.bytes = self.bytes.saturating_add(bytes);
    }

    pub(crate) fn merge(&mut self, other: Tally) {
        self.count += other.count;
        self.bytes = self.bytes.saturating_add(other.bytes);
    }
}

/// Unreferenced data: harmless, only space. A crash between a blob write and its row, a lost
/// chunk race or an upload interrupted by a crash leaves some; chunk uploads in flight while the
/// check runs can show up here too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Garbage {
    /// Chunk objects of versions nothing refers to (no node, no open upload, not queued).
    pub unreferenced_blobs: Tally,
    /// Chunk objects of a referenced version whose index and hash have no chunk row.
    pub stray_blobs: Tally,
    /// Chunk rows of versions nothing refers to.
    pub unreferenced_chunk_rows: u64,
    /// Objects whose key does not follow the chunk layout.
    pub unrecognised_objects: Tally,
}

impl Garbage {
    pub fn is_empty(&self) -> bool {
        *self == Garbage::default()
    }
}

/// What the cleanup task has still to delete.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingDeletion {
    pub versions: u64,
    pub chunk_rows: u64,
    pub blobs: Tally,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Id;

    #[test]
    fn errors_beyond_the_limit_are_counted_not_kept() {
        let mut report = ConsistencyReport::default();
        assert!(report.is_consistent());
        for _ in 0..MAX_LISTED_ERRORS + 5 {
            report.error(Inconsistency::ParentMissing { node: Id([1; 16]) });
        }
        assert_eq!(report.errors.len(), MAX_LISTED_ERRORS);
        assert_eq!(report.error_count, MAX_LISTED_ERRORS as u64 + 5);
        assert!(!report.is_consistent());
    }
}
