//! The operator's commands (`coffer-server admin …`): takedowns and their reinstatement, the
//! repeat-infringer policy, abuse reports and their verification, the transparency report,
//! quotas and limits per account.
//!
//! They open the same data directory as `serve` (resolved the same way, by `main.rs`) and work
//! on the store directly: SQLite in WAL mode lets them write while a server runs, every write
//! goes through the store's writer and is durable before the command reports it, and the server
//! reads link state from the database on every public request (no cache), so a takedown applies
//! at once. There is no admin HTTP API. Each command returns a value that renders as text or
//! as stable JSON; `main.rs` prints it.

pub mod abuse;
pub mod quota;
pub mod report;
pub mod takedown;
pub mod verify;

use crate::config::Settings;
use crate::state::{BLOB_DIR, META_FILE};
use coffer_store::{BlobStore, MetaStore, StoreError};
use std::path::Path;

/// Largest notice file, in bytes.
pub const MAX_NOTICE_LEN: u64 = 1024 * 1024;
/// Longest claimant or reinstatement reason, in bytes.
pub const MAX_LABEL_LEN: usize = 1024;

/// What the admin commands work on.
#[derive(Clone, Debug)]
pub struct Admin {
    pub meta: MetaStore,
    pub blobs: BlobStore,
    /// Active takedowns that suspend an account's link creation (0: off).
    pub repeat_infringer_threshold: u32,
}

/// A command's failure, one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

impl Admin {
    /// Opens the data directory's stores as the server does; it must exist already.
    pub async fn open(data_dir: &Path, settings: &Settings) -> Result<Admin, AdminError> {
        let meta_file = data_dir.join(META_FILE);
        if !meta_file.exists() {
            return Err(AdminError::Invalid(format!(
                "{} holds no coffer database",
                data_dir.display()
            )));
        }
        let meta = MetaStore::open_sqlite(&meta_file).await?;
        let blobs = BlobStore::open_local(&data_dir.join(BLOB_DIR))?;
        Ok(Admin::new(meta, blobs, settings))
    }

    /// The transparency report ([`report::transparency_report`]).
    pub async fn transparency_report(&self) -> Result<Vec<report::MonthFigures>, AdminError> {
        let takedowns = self.takedowns().await?;
        let reports = self.meta.list_abuse_reports().await?;
        Ok(report::transparency_report(&takedowns, &reports))
    }

    /// Over stores already open (a running server's, in tests).
    pub fn new(meta: MetaStore, blobs: BlobStore, settings: &Settings) -> Admin {
        Admin {
            meta: meta.with_default_limits(settings.default_limits),
            blobs,
            repeat_infringer_threshold: settings.repeat_infringer_threshold,
        }
    }
}

/// The text of a notice file: at most [`MAX_NOTICE_LEN`] bytes of UTF-8.
pub fn read_notice(path: &Path) -> Result<String, AdminError> {
    use std::io::Read;
    let io = |e| AdminError::Io(format!("reading {}", path.display()), e);
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_NOTICE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_NOTICE_LEN {
        return Err(AdminError::Invalid(format!(
            "{} is larger than {MAX_NOTICE_LEN} bytes",
            path.display()
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| AdminError::Invalid(format!("{} is not UTF-8", path.display())))
}

/// A claimant or a reason: non-empty, bounded, one line.
pub(crate) fn label(what: &str, text: &str) -> Result<String, AdminError> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_LABEL_LEN || text.contains(['\n', '\r']) {
        return Err(AdminError::Invalid(format!(
            "{what} must be one line of 1 to {MAX_LABEL_LEN} bytes"
        )));
    }
    Ok(text.to_string())
}

/// Unix milliseconds as `2026-11-23 10:04 UTC`, for tables.
pub(crate) fn utc_minute(ms: i64) -> String {
    let (y, m, d) = report::civil_date(ms);
    let minutes = ms.div_euclid(60_000).rem_euclid(1440);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        minutes / 60,
        minutes % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_bounded_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.txt");
        std::fs::write(&ok, "Dear operator, …").unwrap();
        assert_eq!(read_notice(&ok).unwrap(), "Dear operator, …");
        let binary = dir.path().join("bin");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        assert!(read_notice(&binary).is_err());
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; MAX_NOTICE_LEN as usize + 1]).unwrap();
        assert!(read_notice(&big).is_err());
        assert!(read_notice(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn labels_are_one_bounded_line() {
        assert_eq!(label("claimant", " ACME ").unwrap(), "ACME");
        assert!(label("claimant", "").is_err());
        assert!(label("claimant", "a\nb").is_err());
        assert!(label("claimant", &"x".repeat(MAX_LABEL_LEN + 1)).is_err());
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
    }
}
