//! The background cleanup task: drops expired login attempts, sessions, upload sessions, link
//! download tickets and rate-limit windows (links and logins), and deletes the blobs of versions nothing refers to
//! any more.
//!
//! Crash safety comes from the order (see `coffer_store::MetaStore::forget_version`): rows that
//! reference a version go first (in the transaction that queues it), blobs next, the queue entry
//! last. A crash between two steps leaves the version queued; the next pass finishes the job.

use crate::state::{AppState, now_ms};
use coffer_store::StoreError;
use tokio::sync::watch;

/// Versions handled per batch, and batches per pass (the rest waits for the next pass).
const BATCH: u32 = 100;
const MAX_BATCHES: usize = 50;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CleanupReport {
    pub login_attempts: u64,
    pub sessions: u64,
    pub uploads_expired: u64,
    pub versions_deleted: u64,
    /// Expired download tickets and ended rate-limit windows of public links.
    pub link_tickets: u64,
    pub link_failure_windows: u64,
    /// Ended rate-limit windows of failed logins.
    pub login_failure_windows: u64,
}

/// Runs a pass every `cleanup_interval`, or sooner when woken, until `stop` turns true.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(state.settings.cleanup_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = state.cleanup_wake.notified() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        match pass(&state).await {
            Ok(report) if report != CleanupReport::default() => {
                tracing::info!(?report, "cleanup pass");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cleanup pass failed; retrying next time"),
        }
    }
}

/// One cleanup pass. Stops at the first failure (the rest stays queued for the next pass).
pub async fn pass(state: &AppState) -> Result<CleanupReport, StoreError> {
    let now = now_ms();
    let grace = i64::try_from(state.settings.upload_sweep_grace().as_millis()).unwrap_or(i64::MAX);
    let swept = state.meta.sweep_expired(now, grace).await?;
    let window = i64::try_from(state.settings.link_failure_window.as_millis()).unwrap_or(i64::MAX);
    let link_failure_windows = state.meta.sweep_link_failures(now, window).await?;
    let login_window =
        i64::try_from(state.settings.login_failure_window.as_millis()).unwrap_or(i64::MAX);
    let login_failure_windows = state.meta.sweep_login_failures(now, login_window).await?;
    let mut report = CleanupReport {
        login_attempts: swept.login_attempts,
        sessions: swept.sessions,
        uploads_expired: swept.uploads_expired,
        versions_deleted: 0,
        link_tickets: swept.link_tickets,
        link_failure_windows,
        login_failure_windows,
    };
    for _ in 0..MAX_BATCHES {
        let queued = state.meta.queued_versions(BATCH).await?;
        for &version in &queued {
            state.blobs.delete_version(version).await?;
            state.meta.forget_version(version).await?;
            report.versions_deleted += 1;
        }
        if queued.len() < BATCH as usize {
            break;
        }
    }
    Ok(report)
}
