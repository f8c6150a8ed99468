//! Recently checked sessions, so that a burst of requests with one token costs one database
//! read, not one each.
//!
//! An entry is trusted for [`SESSION_RECHECK`] after the database confirmed it, and never past
//! the session's expiry. This server's own logout forgets the token at once, so a token revoked
//! here is refused on its very next request; a revocation by another process on the same
//! database (an admin command, another server of a cluster) takes effect within
//! [`SESSION_RECHECK`]. Only the token's hash is kept, as in the database.

use coffer_api::Id;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a confirmed session is trusted without asking the database again.
pub const SESSION_RECHECK: Duration = Duration::from_secs(1);
/// Entries kept at most before stale ones are dropped (a bound on memory).
const MAX_ENTRIES: usize = 16_384;

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<[u8; 32], Confirmed>>,
}

#[derive(Clone, Copy)]
struct Confirmed {
    account: Id,
    /// Unix milliseconds.
    expires_at: i64,
    at: Instant,
}

impl SessionCache {
    /// The account of the session `token_hash` if the database confirmed it a moment ago and it
    /// has not expired by `now_ms`.
    pub fn get(&self, token_hash: &[u8; 32], now_ms: i64) -> Option<Id> {
        let entries = self.lock();
        let c = entries.get(token_hash)?;
        (c.at.elapsed() < SESSION_RECHECK && now_ms < c.expires_at).then_some(c.account)
    }

    /// Records that the database just confirmed `token_hash` as a live session of `account`.
    pub fn confirm(&self, token_hash: [u8; 32], account: Id, expires_at: i64) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, c| c.at.elapsed() < SESSION_RECHECK);
        }
        let at = Instant::now();
        entries.insert(
            token_hash,
            Confirmed {
                account,
                expires_at,
                at,
            },
        );
    }

    /// Forgets `token_hash` (its session was just revoked).
    pub fn forget(&self, token_hash: &[u8; 32]) {
        self.lock().remove(token_hash);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Confirmed>> {
        // Plain data: a panic elsewhere cannot leave it inconsistent.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmed_sessions_are_trusted_briefly_and_never_past_expiry() {
        let cache = SessionCache::default();
        let (hash, account) = ([7u8; 32], Id([1; 16]));
        assert_eq!(cache.get(&hash, 0), None);
        cache.confirm(hash, account, 1_000);
        assert_eq!(cache.get(&hash, 999), Some(account));
        assert_eq!(cache.get(&hash, 1_000), None, "expired");
        assert_eq!(cache.get(&[8; 32], 0), None);
        cache.forget(&hash);
        assert_eq!(cache.get(&hash, 0), None, "revoked here: gone at once");
    }

    #[test]
    fn entries_go_stale_after_the_recheck_interval() {
        let cache = SessionCache::default();
        cache.confirm([1; 32], Id([1; 16]), i64::MAX);
        std::thread::sleep(SESSION_RECHECK + Duration::from_millis(20));
        assert_eq!(cache.get(&[1; 32], 0), None);
    }
}
