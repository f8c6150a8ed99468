//! The share list as seen in the last moments, with the own write grants it implies.
//!
//! Like the folder cache (and for the same [`FOLDER_TTL`]): every path operation would
//! otherwise fetch the list again. This client's own share changes forget it at once.

use crate::drive::Drive;
use crate::error::Result;
use crate::folder_cache::FOLDER_TTL;
use crate::shares::grant::write_grants;
use coffer_api::{Id, ShareList};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The caller's shares and what they mean for trust.
pub(crate) struct ShareState {
    pub list: ShareList,
    /// Folder → signing keys of the recipients of the own write grants on it (each grant's
    /// signature checked with the own key).
    pub own_writers: HashMap<Id, Vec<[u8; 32]>>,
}

#[derive(Default)]
pub(crate) struct ShareCache {
    seen: Mutex<Option<(Arc<ShareState>, Instant)>>,
}

impl ShareCache {
    fn fresh(&self) -> Option<Arc<ShareState>> {
        let seen = self.lock();
        let (state, at) = seen.as_ref()?;
        (at.elapsed() < FOLDER_TTL).then(|| state.clone())
    }

    pub fn forget(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Arc<ShareState>, Instant)>> {
        // Replaced whole; nothing a panic could leave half-done.
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drive {
    /// The share list, fetched at most every [`FOLDER_TTL`].
    pub(crate) async fn share_state(&self) -> Result<Arc<ShareState>> {
        if let Some(state) = self.inner.shares.fresh() {
            return Ok(state);
        }
        let mut list = self.api().shares().await?;
        let revoked = self.inner.contacts.snapshot().revoked;
        list.outgoing.retain(|s| !revoked.contains(&s.id));
        let own_writers = write_grants(list.outgoing.iter().map(|s| &s.grant), self.author());
        let state = Arc::new(ShareState { list, own_writers });
        *self.inner.shares.lock() = Some((state.clone(), Instant::now()));
        Ok(state)
    }

    /// Forgets what was cached about shares and paths (after a change to either).
    pub(crate) fn forget_shares(&self) {
        self.inner.shares.forget();
        self.inner.folders.clear();
    }
}
