//! Bandwidth limits per account: a token bucket in server memory, applied to chunk upload and
//! download bodies as they pass (a body is never buffered beyond its one chunk to do it).
//!
//! Each account that has a limit gets a bucket of one second's worth of bytes; a transfer takes
//! tokens piece by piece and sleeps while the bucket is in debt, so concurrent transfers of one
//! account share its rate. The limit itself is read from the store at most once a second per
//! account (a change by `coffer-server admin quota` applies within that). One process's
//! buckets: several servers on one database each allow the full rate.

use crate::error::ApiError;
use axum::body::Body;
use bytes::Bytes;
use coffer_api::Id;
use coffer_store::MetaStore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A full bucket holds this long of the account's rate: the burst a transfer may start with.
const BURST: Duration = Duration::from_secs(1);
/// How long a limit read from the store is trusted.
const LIMIT_TTL: Duration = Duration::from_secs(1);
/// Download bodies are sent in pieces of this size, each paid for before it goes out.
const PIECE: usize = 64 * 1024;
/// Beyond this many accounts, full buckets are forgotten (they carry no debt).
const PRUNE_ABOVE: usize = 4096;

/// The buckets of every account seen recently.
#[derive(Default)]
pub struct Bandwidth {
    accounts: Mutex<HashMap<Id, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Bytes per second; `None`: unlimited.
    rate: Option<u64>,
    /// When `rate` was read from the store.
    checked_at: Instant,
    /// The moment the bucket's debt is paid: before it, tokens are owed; `BURST` after it, the
    /// bucket is full.
    ready_at: Instant,
}

/// One transfer's right to pass bytes at its account's rate.
#[derive(Clone)]
pub struct Throttle {
    bandwidth: Arc<Bandwidth>,
    account: Id,
    rate: u64,
}

impl Bandwidth {
    /// The throttle for a transfer of `account`, `None` when it has no bandwidth limit.
    pub async fn throttle(
        self: &Arc<Self>,
        meta: &MetaStore,
        account: Id,
    ) -> Result<Option<Throttle>, ApiError> {
        let now = Instant::now();
        let cached = self
            .lock()
            .get(&account)
            .filter(|b| now.duration_since(b.checked_at) < LIMIT_TTL)
            .map(|b| b.rate);
        let rate = match cached {
            Some(rate) => rate,
            None => {
                let rate = meta.limits(account).await?.bandwidth;
                let mut accounts = self.lock();
                let bucket = accounts.entry(account).or_insert(Bucket {
                    rate,
                    checked_at: now,
                    ready_at: now.checked_sub(BURST).unwrap_or(now),
                });
                bucket.rate = rate;
                bucket.checked_at = now;
                rate
            }
        };
        Ok(rate.map(|rate| Throttle {
            bandwidth: Arc::clone(self),
            account,
            rate: rate.max(1),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Bucket>> {
        // A panic while holding the lock leaves plain numbers behind: keep using them.
        self.accounts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Throttle {
    /// Takes `bytes` tokens, sleeping as long as the account's bucket is in debt.
    pub async fn pass(&self, bytes: usize) {
        let now = Instant::now();
        let wait = {
            let mut accounts = self.bandwidth.lock();
            if accounts.len() > PRUNE_ABOVE {
                accounts.retain(|_, b| b.ready_at + BURST > now);
            }
            let bucket = accounts.entry(self.account).or_insert(Bucket {
                rate: Some(self.rate),
                checked_at: now,
                ready_at: now.checked_sub(BURST).unwrap_or(now),
            });
            let (ready_at, wait) = take(bucket.ready_at, self.rate, bytes as u64, now);
            bucket.ready_at = ready_at;
            wait
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// A response body sending `bytes` piece by piece at this throttle's rate.
    pub fn body(self, bytes: Bytes) -> Body {
        let pieces = futures::stream::unfold((self, bytes), |(throttle, mut rest)| async move {
            if rest.is_empty() {
                return None;
            }
            let piece = rest.split_to(rest.len().min(PIECE));
            throttle.pass(piece.len()).await;
            Some((Ok::<_, std::io::Error>(piece), (throttle, rest)))
        });
        Body::from_stream(pieces)
    }
}

/// The token bucket's rule (pure): taking `bytes` at `rate` bytes/s from a bucket whose debt is
/// paid at `ready_at` moves that moment on by `bytes / rate`, starting no earlier than a full
/// bucket allows; the caller waits until the new debt is covered by the burst.
fn take(ready_at: Instant, rate: u64, bytes: u64, now: Instant) -> (Instant, Duration) {
    let full = now.checked_sub(BURST).unwrap_or(now);
    let start = ready_at.max(full);
    let cost = Duration::from_secs_f64(bytes as f64 / rate as f64);
    let ready_at = start + cost;
    (ready_at, ready_at.saturating_duration_since(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_lets_one_burst_pass_then_paces_at_the_rate() {
        let now = Instant::now() + Duration::from_secs(10);
        let mib = 1 << 20;
        let full = now - BURST;
        let (ready, wait) = take(full, mib, mib, now);
        assert_eq!(wait, Duration::ZERO);
        let (ready, wait) = take(ready, mib, mib, now);
        assert_eq!(wait, Duration::from_secs(1));
        let (_, wait) = take(ready, mib, mib / 2, now);
        assert_eq!(wait, Duration::from_millis(1500));
        // Idle time refills the bucket, never beyond one burst.
        let later = now + Duration::from_secs(60);
        let (_, wait) = take(ready, mib, 2 * mib, later);
        assert_eq!(wait, Duration::from_secs(1));
    }
}
